"""The audit API and commands: metrics, drill-down, report downloads, trace search, end to end."""

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import orjson
import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.commands import audit as audit_commands
from screening.compliance.sources import AuditSources
from screening.decisionlog import DecisionLog, LogLayout
from screening.engine import Engine
from screening.outlets import OutletRegistry
from screening.settings import Settings, get_settings
from tests.api.conftest import CaseClient
from tests.factories import cn_receiver, party, resident_id, waybill
from tests.screening.compliance.logrows import case_outcomes, hand_built_rows, registered_outlets, write_log

W47 = {"week": "2026-W47"}


def sources_for(settings: Settings, engine: Engine, layout: LogLayout) -> AuditSources:
    """The hand-built log, its outlets and case outcomes, and the engine's HMAC key."""
    registry = OutletRegistry(settings.data_dir / "outlets.csv")
    registry.upsert(registered_outlets())
    return AuditSources(log=layout, outlets=registry, privacy=engine.privacy, cases=case_outcomes)


@pytest.fixture
def http(cases_client: CaseClient, settings: Settings) -> TestClient:
    """An auditor's and investigator's client over the hand-built log of tests/screening/compliance."""
    layout = write_log(settings.data_dir / "hand-built-log", hand_built_rows())
    app = cases_client.app
    app.state.audit = sources_for(settings, app.state.engine, layout)
    cases_client.as_new("auditor1", "auditor", "investigator")
    return cases_client.http


def test_metrics_per_carrier_match_the_hand_count(http: TestClient) -> None:
    body = http.get("/v1/audit/metrics", params=W47).json()
    assert body["period"]["label"] == "2026-W47"
    assert body["previous"]["label"] == "2026-W46"
    assert body["total"]["realname_rate"] == 7 / 11
    assert body["total"]["parcels"] == 14
    assert [(r["carrier"], r["realname_rate"]) for r in body["rows"]] == [("SF", 5 / 9), ("YTO", 1.0)]


def test_metrics_filtered_to_one_carrier_by_outlet(http: TestClient) -> None:
    body = http.get("/v1/audit/metrics", params={**W47, "carrier": "SF", "by": "outlet"}).json()
    assert body["total"]["parcels"] == 12
    assert [(r["outlet_id"], r["province"], r["parcels"]) for r in body["rows"]] == [
        ("SF-A", "上海市", 9),
        ("SF-B", "北京市", 3),
    ]


def test_the_dashboard_has_the_worst_outlets_and_the_trend(http: TestClient) -> None:
    body = http.get("/v1/audit/dashboard", params=W47).json()
    assert [o["outlet_id"] for o in body["worst_outlets"]] == ["SF-A", "YTO-X", "SF-B"]
    assert len(body["daily"]) == 6  # days with parcels in W46 and W47
    assert {p["province"] for p in body["provinces"]} == {"上海市", "北京市", "未登记"}


def test_drill_down_to_the_offending_waybills_of_a_region_and_a_check(http: TestClient) -> None:
    beijing = http.get("/v1/audit/offending", params={**W47, "province": "北京市"}).json()
    assert [(r["waybill_no"], r["problems"]) for r in beijing["rows"]] == [
        ("SFB0000011", ["realname_invalid"])
    ]
    unknown = http.get("/v1/audit/offending", params={**W47, "province": "未登记"}).json()
    assert [r["waybill_no"] for r in unknown["rows"]] == ["YTX0000013"]
    page = http.get("/v1/audit/offending", params={**W47, "carrier": "SF", "limit": 2, "offset": 1}).json()
    assert page["total"] == 6
    assert [r["waybill_no"] for r in page["rows"]] == ["SFA0000003", "SFA0000004"]
    xray = http.get("/v1/audit/offending", params={**W47, "check": "xray"}).json()
    assert sorted(r["waybill_no"] for r in xray["rows"]) == ["SFA0000005", "YTX0000013"]
    assert not any(k.endswith("_key") for k in xray["rows"][0])


def test_reports_download_as_xlsx_html_and_csv(http: TestClient, tmp_path: Path) -> None:
    r = http.get("/v1/audit/reports/weekly/2026-W47")
    assert r.status_code == 200
    assert r.headers["content-disposition"] == 'attachment; filename="compliance-week-2026-W47.xlsx"'
    (tmp_path / "r.xlsx").write_bytes(r.content)
    book = openpyxl.load_workbook(tmp_path / "r.xlsx", read_only=True)
    assert book.sheetnames[0] == "汇总 Summary"
    book.close()
    page = http.get("/v1/audit/reports/weekly/2026-W47", params={"format": "html"})
    assert page.headers["content-type"].startswith("text/html") and "<svg" in page.text
    table = http.get("/v1/audit/reports/weekly/2026-W47", params={"format": "csv", "table": "offending"})
    rows = list(csv.reader(io.StringIO(table.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 7
    bad = http.get("/v1/audit/reports/weekly/2026-47")
    assert bad.status_code == 422


def test_a_waybill_trace_shows_its_case_and_outcome(http: TestClient) -> None:
    body = http.post(
        "/v1/audit/trace", json={"from": "2026-11-16", "to": "2026-11-22", "waybill_no": "SFA0000008"}
    ).json()
    assert [(r["case_id"], r["case_status"], r["matched_on"]) for r in body["rows"]] == [
        ("CASE-8", "confirmed", "waybill_no")
    ]


def test_a_trace_needs_exactly_one_identifier_and_never_echoes_an_id(http: TestClient) -> None:
    number = resident_id(region="310115", birth="19850612", seq="417")
    r = http.post(
        "/v1/audit/trace",
        json={
            "from": "2026-11-16",
            "to": "2026-11-22",
            "phone": "13800138000",
            "id_type": "resident_id",
            "id_number": number,
        },
    )
    assert r.status_code == 422
    assert number not in r.text


# End to end: waybills scored over HTTP reach the log, and an investigator traces them.


@pytest.fixture
def scoring(cases_client: CaseClient) -> tuple[TestClient, DecisionLog]:
    """An investigator's client on the service as it runs: every scored waybill reaches its decision log."""
    cases_client.as_new("investigator1", "investigator")
    log: DecisionLog = cases_client.app.state.engine.log
    return cases_client.http, log


def test_an_investigator_traces_a_phone_and_an_id_to_their_parcels(
    scoring: tuple[TestClient, DecisionLog],
) -> None:
    http, log = scoring
    number = resident_id(region="440106", birth="19900101", seq="123")
    suspect = party(phone="13700137000", id_number=number)
    scored = [http.post("/v1/score", json=waybill(sender=suspect, hours_after=h)).json() for h in (0, 5, 30)]
    http.post("/v1/score", json=waybill(hours_after=1))  # someone else
    log.journal.flush()  # committed within 20 ms anyway; flushed here to keep the test independent of timing
    span = {"from": "2026-11-10", "to": "2026-11-13"}
    by_phone = http.post("/v1/audit/trace", json={**span, "phone": "137 0013 7000"}).json()
    assert sorted(r["waybill_no"] for r in by_phone["rows"]) == sorted(d["waybill_no"] for d in scored)
    assert {r["matched_on"] for r in by_phone["rows"]} == {"sender_phone"}
    assert {r["sender_phone_masked"] for r in by_phone["rows"]} == {"+86137****7000"}
    by_id = http.post("/v1/audit/trace", json={**span, "id_type": "resident_id", "id_number": number}).json()
    assert by_id["count"] == 3
    assert number not in str(by_id)
    export = http.post("/v1/audit/trace/export", json={**span, "id_type": "resident_id", "id_number": number})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 3
    assert number not in export.content.decode("utf-8-sig")
    receiver = cn_receiver()["address"]
    by_address = http.post(
        "/v1/audit/trace", json={**span, "address": {**receiver, "detail": "建国路93号 万达广场8号楼 1201室"}}
    )
    assert by_address.json()["count"] == 4  # everyone sent to the same building
    assert {r["matched_on"] for r in by_address.json()["rows"]} == {"receiver_address"}
    home = party()["address"]  # every sender here lives in one building
    home_written_otherwise = {**home, "detail": "张江路88号3栋 502"}
    by_home = http.post("/v1/audit/trace", json={**span, "address": home_written_otherwise}).json()
    assert by_home["count"] == 4 and {r["matched_on"] for r in by_home["rows"]} == {"sender_address"}
    log.close()  # a clean stop compacts: the trace reads Parquet now, with the same answer
    assert not any((log.layout.journal).iterdir())
    again = http.post("/v1/audit/trace", json={**span, "phone": "13700137000"}).json()
    assert again["count"] == 3


# The commands.


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[CliRunner, typer.Typer]]:
    monkeypatch.setenv("SCREENING_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    app = typer.Typer()
    audit_commands.register(app)
    yield CliRunner(), app
    get_settings.cache_clear()


def test_the_commands_load_outlets_compact_report_and_trace(
    cli: tuple[CliRunner, typer.Typer], settings: Settings, tmp_path: Path
) -> None:
    runner, app = cli
    outlets_csv = tmp_path / "outlets.csv"
    outlets_csv.write_text(
        "outlet_id,carrier,province,city,district,name\nSF-A,SF,上海市,上海市,浦东新区,张江营业部\n",
        encoding="utf-8",
    )
    loaded = runner.invoke(app, ["outlets", "load", str(outlets_csv)])
    assert loaded.exit_code == 0, loaded.output
    assert "1 outlets loaded" in loaded.output
    layout = LogLayout(settings.data_dir / "decisionlog")
    layout.journal.mkdir(parents=True)
    (layout.journal / "1-1-000001.jsonl").write_bytes(
        b"".join(orjson.dumps(r) + b"\n" for r in hand_built_rows())
    )
    compacted = runner.invoke(app, ["log", "compact"])
    assert compacted.exit_code == 0, compacted.output
    assert "1 journal segments, 20 records compacted" in compacted.output
    out = tmp_path / "reports"
    weekly = runner.invoke(app, ["report", "weekly", "--week", "2026-W47", "--out", str(out)])
    assert weekly.exit_code == 0, weekly.output
    assert (out / "compliance-week-2026-W47.xlsx").exists()
    assert (out / "compliance-week-2026-W47-offending.csv").exists()
    monthly = runner.invoke(app, ["report", "monthly", "--month", "2026-11", "--out", str(out)])
    assert monthly.exit_code == 0, monthly.output
    bad = runner.invoke(app, ["report", "weekly", "--week", "W47"])
    assert bad.exit_code == 1
    traced = runner.invoke(
        app,
        [
            "trace",
            "--waybill",
            "SFA0000008",
            "--from",
            "2026-11-16",
            "--to",
            "2026-11-22",
            "--out",
            str(tmp_path / "t.csv"),
        ],
    )
    assert traced.exit_code == 0, traced.output
    assert "1 records written" in traced.output
