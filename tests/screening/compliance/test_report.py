"""The weekly report files: the workbook's sheets and figures, the HTML page, the CSV tables."""

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest

from screening.compliance.export import write_report
from screening.compliance.periods import Period
from screening.compliance.report import Report, build_report
from screening.parcel import BEIJING
from tests.screening.compliance.logrows import case_outcomes, hand_built_rows, outlets, write_log

W47 = Period.week("2026-W47")


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Report:
    layout = write_log(tmp_path_factory.mktemp("log") / "decisionlog", hand_built_rows())
    return build_report(layout, period=W47, outlets=outlets(), cases=case_outcomes)


@pytest.fixture(scope="module")
def files(report: Report, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    written = write_report(report, tmp_path_factory.mktemp("out"))
    return {p.name.removeprefix(report.name): p for p in written}


def test_the_report_writes_a_workbook_a_page_and_csv_tables(files: dict[str, Path]) -> None:
    assert sorted(files) == sorted(
        [".xlsx", ".html", "-carriers.csv", "-outlets.csv", "-regions.csv", "-daily.csv", "-offending.csv"]
    )


def test_the_workbook_summary_has_the_weeks_figures(files: dict[str, Path]) -> None:
    book = openpyxl.load_workbook(files[".xlsx"], read_only=True)
    assert book.sheetnames == [
        "汇总 Summary",
        "按企业 Carriers",
        "网点排名 Outlets",
        "按地区 Regions",
        "每日趋势 Daily",
        "违规运单 Offending",
    ]
    rows = {r[0]: r[1:] for r in book["汇总 Summary"].iter_rows(values_only=True) if r[0]}
    assert rows["实名收寄率 (real-name pickup rate)"][:2] == (7 / 11, 1.0)
    assert rows["实名收寄率 (real-name pickup rate)"][2] == pytest.approx((7 / 11 - 1) * 100)
    assert rows["收寄件数 (parcels)"][:2] == (14, 3)
    assert rows["结案时长中位数/小时 (median hours to resolve)"][0] == 7.0
    assert "2026-W47" in str(book["汇总 Summary"]["A3"].value)
    book.close()


def test_the_carrier_and_outlet_sheets_hold_the_per_group_figures(files: dict[str, Path]) -> None:
    book = openpyxl.load_workbook(files[".xlsx"], read_only=True)
    carriers = list(book["按企业 Carriers"].iter_rows(values_only=True))
    heading = carriers[0]
    sf = dict(zip(heading, carriers[1], strict=True))
    assert sf["快递企业 (carrier)"] == "SF"
    assert sf["实名收寄率 (real-name pickup rate)"] == 5 / 9
    assert sf["收寄验视率-变化/百分点 (change, points)"] == pytest.approx((11 / 12 - 1 / 2) * 100)
    outlets_sheet = list(book["网点排名 Outlets"].iter_rows(values_only=True))
    assert outlets_sheet[0][0] == "共 3 行 (3 rows)"
    ranked = [dict(zip(outlets_sheet[1], r, strict=True)) for r in outlets_sheet[2:]]
    # Outlets with fewer than 20 parcels are ranked after larger ones; all three here are small.
    assert [(r["排名 (rank)"], r["网点编号 (outlet id)"]) for r in ranked] == [
        (1, "SF-A"),
        (2, "YTO-X"),
        (3, "SF-B"),
    ]
    assert ranked[1]["网点名称 (outlet)"] == "未登记网点 (unknown outlet)"
    book.close()


def test_the_offending_sheet_lists_masked_identities_only(files: dict[str, Path]) -> None:
    book = openpyxl.load_workbook(files[".xlsx"], read_only=True)
    rows = list(book["违规运单 Offending"].iter_rows(values_only=True))
    assert rows[0][0] == "共 7 条违规运单 (7 offending waybills)"
    heading, body = rows[1], rows[2:]
    assert len(body) == 7
    record = dict(zip(heading, body[0], strict=True))
    assert record["寄件人电话/脱敏 (sender phone, masked)"] == "+86138****8000"
    assert not any("key" in str(h) for h in heading)
    problems = {dict(zip(heading, r, strict=True))["违规事项 (what was not done)"] for r in body}
    assert "未登记寄件人证件 (no sender ID)" in problems
    book.close()


def test_the_page_is_self_contained_with_charts(files: dict[str, Path]) -> None:
    page = files[".html"].read_text(encoding="utf-8")
    assert page.count("<svg") == 2
    assert "<script" not in page
    assert "src=" not in page and "href=" not in page  # nothing to fetch
    assert "寄递安全“三项制度”落实情况周报" in page
    assert "63.6%" in page  # real-name pickup rate 7/11


def test_csv_tables_are_bilingual_and_excel_readable(files: dict[str, Path]) -> None:
    raw = files["-offending.csv"].read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["收寄时间 (accepted at, Beijing)", "日期 (day)", "快递企业 (carrier)"]
    assert len(rows) == 1 + 7
    assert rows[1][0] == "2026-11-17 10:00:00"  # Beijing time


def test_the_friday_report_covers_the_last_complete_beijing_week() -> None:
    assert Period.last_complete_week(datetime(2026, 11, 27, 9, 0, tzinfo=BEIJING)) == W47
    # Sunday 17:00 UTC is Monday 01:00 in Beijing: W47 has just ended there.
    assert Period.last_complete_week(datetime(2026, 11, 22, 17, 0, tzinfo=UTC)) == W47
    assert Period.last_complete_week(datetime(2026, 11, 22, 23, 0, tzinfo=BEIJING)).label == "2026-W46"
    assert Period.month("2026-02").end == date(2026, 2, 28)
    assert Period.week("2026-W01").previous().label == "2025-W52"
