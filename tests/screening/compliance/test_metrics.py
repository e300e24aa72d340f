"""Compliance metrics on a small hand-built log match figures computed by hand, exactly."""

from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from screening.compliance.metrics import Tally, tally
from screening.compliance.offending import offending_in
from screening.compliance.periods import Period
from screening.decisionlog import LogLayout
from tests.screening.compliance.logrows import case_outcomes, hand_built_rows, outlets, write_log

W47 = Period.week("2026-W47")  # Monday 16 to Sunday 22 November 2026


@pytest.fixture(scope="module")
def layout(tmp_path_factory: pytest.TempPathFactory) -> LogLayout:
    return write_log(tmp_path_factory.mktemp("log") / "decisionlog", hand_built_rows())


@pytest.fixture(scope="module")
def counted(layout: LogLayout) -> Tally:
    result, _ = tally(layout, period=W47, outlets=outlets(), cases=case_outcomes)
    return result


def figures(frame: pl.DataFrame, *columns: str) -> list[tuple[Any, ...]]:
    return frame.select(columns).rows()


def test_the_week_totals_match_the_hand_count(counted: Tally) -> None:
    total = counted.rows([]).row(0, named=True)
    assert {k: total[k] for k in ("parcels", "realname_needed", "realname_ok", "inspected", "xrayed")} == {
        "parcels": 14,
        "realname_needed": 11,
        "realname_ok": 7,
        "inspected": 13,
        "xrayed": 12,
    }
    assert total["realname_rate"] == 7 / 11
    assert total["inspection_rate"] == 13 / 14
    assert total["xray_rate"] == 12 / 14
    assert total["agreement_coverage"] == 1 / 2
    assert total["non_compliance_rate"] == 7 / 14
    assert (total["realname_missing"], total["realname_invalid"], total["realname_unverified"]) == (2, 1, 1)
    assert [total[d] for d in ("release", "inspect", "hold", "reject")] == [5, 4, 3, 2]


def test_holds_carry_their_case_outcomes_and_the_median_time_to_resolve(counted: Tally) -> None:
    total = counted.rows([]).row(0, named=True)
    assert (total["holds_confirmed"], total["holds_released"], total["holds_open"]) == (1, 1, 1)
    assert total["median_resolve_hours"] == 7.0
    assert total["hold_confirmed_rate"] == 1 / 3
    by_outlet = counted.rows(["outlet_id"])
    assert figures(by_outlet, "outlet_id", "holds_confirmed", "holds_released", "median_resolve_hours") == [
        ("SF-A", 1, 0, 4.0),
        ("SF-B", 0, 1, 10.0),
        ("YTO-X", 0, 0, None),
    ]


def test_per_carrier_rates_and_week_over_week_change(counted: Tally) -> None:
    carriers = counted.compared(["carrier"])
    assert figures(carriers, "carrier", "parcels", "realname_rate", "inspection_rate", "xray_rate") == [
        ("SF", 12, 5 / 9, 11 / 12, 11 / 12),
        ("YTO", 2, 1.0, 1.0, 1 / 2),
    ]
    assert figures(carriers, "carrier", "inspection_rate_previous", "inspection_rate_change") == [
        ("SF", 1 / 2, 11 / 12 - 1 / 2),
        ("YTO", 1.0, 0.0),
    ]
    assert figures(carriers, "carrier", "agreement_coverage") == [("SF", 1 / 2), ("YTO", None)]
    total = counted.compared([]).row(0, named=True)
    assert total["realname_rate_change"] == 7 / 11 - 1.0
    assert total["non_compliance_rate_previous"] == 1 / 3


def test_regions_come_from_the_outlet_registry_and_unknown_outlets_say_so(counted: Tally) -> None:
    provinces = counted.rows(["province"])
    assert figures(provinces, "province", "parcels", "realname_needed", "realname_ok") == [
        ("上海市", 9, 6, 3),
        ("北京市", 3, 3, 2),
        ("未登记", 2, 2, 2),
    ]
    names = dict(figures(counted.rows(["outlet_id", "outlet_name"]), "outlet_id", "outlet_name"))
    assert names["YTO-X"] == "未登记网点 (unknown outlet)"


def test_couriers_are_counted_within_their_outlet(counted: Tally) -> None:
    couriers = counted.where(outlet_id="SF-A").rows(["courier_id"])
    assert figures(couriers, "courier_id", "parcels", "non_compliant") == [("C-1", 7, 3), ("C-2", 2, 2)]


def test_outlets_are_ranked_worst_first_with_small_outlets_after(counted: Tally) -> None:
    assert figures(counted.outlet_ranking(min_parcels=1), "rank", "outlet_id", "non_compliance_rate") == [
        (1, "SF-A", 5 / 9),
        (2, "YTO-X", 1 / 2),
        (3, "SF-B", 1 / 3),
    ]
    assert figures(counted.outlet_ranking(min_parcels=3), "outlet_id") == [("SF-A",), ("SF-B",), ("YTO-X",)]


def test_days_are_beijing_days(counted: Tally) -> None:
    daily = counted.daily()
    assert figures(daily.filter(pl.col("day").dt.weekday() == 1), "day", "parcels") == [
        (date(2026, 11, 16), 1)
    ]
    assert figures(daily.filter(pl.col("day").dt.weekday() == 7), "day", "parcels") == [
        (date(2026, 11, 22), 1)
    ]
    assert daily["parcels"].sum() == 14 + 3  # the W45 parcel and the one of Monday 23 (Beijing) are out


def test_offending_waybills_name_what_they_broke_with_masked_identities(layout: LogLayout) -> None:
    rows = offending_in(layout, W47)
    problems = dict(figures(rows, "waybill_no", "problems"))
    assert problems == {
        "SFA0000002": ["realname_missing"],
        "SFA0000003": ["realname_unverified"],
        "SFA0000004": ["inspection_missing"],
        "SFA0000005": ["xray_missing"],
        "SFA0000008": ["realname_missing"],
        "SFB0000011": ["realname_invalid"],
        "YTX0000013": ["xray_missing"],
    }
    assert not any(c.endswith("_key") for c in rows.columns)
    assert set(rows["sender_phone_masked"]) == {"+86138****8000"}
    xray = offending_in(layout, W47, check="xray")
    assert sorted(xray["waybill_no"]) == ["SFA0000005", "YTX0000013"]


def test_a_period_without_any_log_counts_nothing(tmp_path: Path) -> None:
    empty, _ = tally(LogLayout(tmp_path), period=W47, outlets=outlets(), cases=case_outcomes)
    total = empty.rows([]).row(0, named=True)
    assert total["parcels"] == 0
    assert total["realname_rate"] is None
