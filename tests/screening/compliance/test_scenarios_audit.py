"""Auditors' figures on small sets of waybills scored through the service, counted by hand from RULES.md.

Every waybill here goes through POST /v1/score (engine, history, decision log, case desk), officers act
on cases through the case API, and the auditor reads /v1/audit/... and the report downloads. The test
sets the clocks (when a waybill is scored, when an officer acts) so the figures do not hang on the day
the suite runs.
"""

import csv
import io
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.commands import audit as audit_commands
from features.identity import mask_id
from screening.agreements import Agreement
from screening.decisionlog import DecisionLog
from screening.engine import Engine
from screening.policy.schemas import Policy
from screening.settings import Settings, get_settings
from tests.api.conftest import CaseClient
from tests.factories import (
    NO_ID,
    export_postal,
    hk_receiver,
    item,
    party,
    resident_id,
    waybill,
    wrong_check_digit,
)
from tests.screening.compliance.logrows import registered_outlets

BEIJING = timezone(timedelta(hours=8))
TUESDAY_W47 = "2026-11-17T10:00:00+08:00"


class Desk:
    """The service as couriers, officers and an auditor use it, on clocks the test sets."""

    def __init__(self, client: CaseClient) -> None:
        self.client = client
        self.http: TestClient = client.http
        self.engine: Engine = client.app.state.engine
        self.now = datetime.fromisoformat(TUESDAY_W47)
        # The engine dates a decision (and so the case it opens) by its clock, the case desk an action.
        # The engine's clock moves on a millisecond a decision: two scorings of a parcel never tie.
        self.engine._clock = self._tick
        client.app.state.cases._clock = lambda: self.now
        client.app.state.audit.outlets.upsert(registered_outlets())  # SF-A Shanghai, SF-B Beijing
        client.as_new("auditor1", "auditor", "officer", "investigator")

    def _tick(self) -> datetime:
        now = self.now
        self.now += timedelta(milliseconds=1)
        return now

    def score(self, body: dict[str, Any], *, after_s: float = 5.0) -> dict[str, Any]:
        """Score a waybill `after_s` seconds after its pickup."""
        self.now = datetime.fromisoformat(body["accepted_at"]) + timedelta(seconds=after_s)
        return self.client.score(body)

    def act(self, case_id: str, action: str, *, hours_after_opening: float) -> None:
        """An officer's action on a case, so many hours after it was opened."""
        opened = self.http.get(f"/v1/cases/{case_id}").json()["opened_at"]
        self.now = datetime.fromisoformat(opened) + timedelta(hours=hours_after_opening)
        violation = "undeclared goods" if action in ("seize", "return", "refer_to_police") else None
        r = self.client.act(case_id, action, violation_type=violation)
        assert r.status_code == 200, r.text

    @property
    def log(self) -> DecisionLog:
        log = self.engine.log
        assert isinstance(log, DecisionLog)
        return log

    def get(self, path: str, **params: str) -> Any:
        """GET an audit route, after the decision log is compacted (metrics read the Parquet days)."""
        self.log.compact()
        r = self.http.get(f"/v1/audit/{path}", params=params)
        assert r.status_code == 200, r.text
        return r.json()

    def download(self, path: str, **params: str) -> bytes:
        """A report download."""
        self.log.compact()
        r = self.http.get(f"/v1/audit/reports/{path}", params=params)
        assert r.status_code == 200, r.text
        return r.content


@pytest.fixture
def desk(settings: Settings, policy: Policy, cheap_password_hashes: None) -> Iterator[Desk]:
    """A started app (SQLite cases in the data dir, test policy) with an auditor-officer logged in."""
    app = create_app(settings)
    with TestClient(app) as http:
        app.state.engine.policy = policy
        yield Desk(CaseClient(http, app))


def total(body: dict[str, Any], *names: str) -> dict[str, Any]:
    """Some figures of a response's total."""
    return {n: body["total"][n] for n in names}


def table(body: dict[str, Any], key: str, *names: str) -> list[tuple[Any, ...]]:
    """Some columns of a response's list of rows."""
    return [tuple(r[n] for n in names) for r in body[key]]


def csv_rows(content: bytes) -> list[dict[str, str]]:
    """A downloaded CSV table as dicts by heading."""
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def letter(**changes: Any) -> dict[str, Any]:
    """A domestic letter (documents only) without a sender ID."""
    docs = [item(description="合同文件 contract documents", category="documents", quantity=1, unit_value=0.0)]
    return waybill(**{"sender": party(**NO_ID), "items": docs, "weight_kg": 0.2, **changes})


def over_limit(**changes: Any) -> dict[str, Any]:
    """An export postal article of 1,000 CNY to Hong Kong (limit 800) in two units: held."""
    return export_postal(
        **{"items": [item(description="羊毛大衣 wool coat", quantity=2, unit_value=500.0)], **changes}
    )


def week_of_three_systems(desk: Desk) -> dict[str, dict[str, Any]]:
    """Thirteen parcels picked up on Tuesday of 2026-W47, each with its decision.

    SF-A: compliant; no ID; ID not verified (export); import from HK; letter; qualified agreement customer
    without ID; false ID; no inspection recorded.
    SF-B: suspended agreement customer without ID; two over the limit (held).
    YTO-X (unregistered outlet): no X-ray; cbec import with neither check recorded.
    """
    desk.engine.agreements.upsert(
        [
            Agreement(contract_id="SHOP-1", name="某网店"),
            Agreement(contract_id="SHOP-2", name="停业网店", status="suspended"),
        ]
    )
    at = TUESDAY_W47
    cbec_buyer = party(name="王芳", phone="13900001111", id_number=resident_id(region="440106", seq="771"))
    bodies = {
        "compliant": waybill(accepted_at=at, outlet_id="SF-A"),
        "no_id": waybill(accepted_at=at, outlet_id="SF-A", sender=party(**NO_ID)),
        "unverified": export_postal(
            accepted_at=at, outlet_id="SF-A", sender=party(id_verified=False, verification_method="none")
        ),
        "import": waybill(
            accepted_at=at, outlet_id="SF-A", service="import", channel="postal", sender=hk_receiver()
        ),
        "letter": letter(accepted_at=at, outlet_id="SF-A"),
        "agreement": waybill(
            accepted_at=at,
            outlet_id="SF-A",
            sender=party(**NO_ID, customer_type="contract", contract_id="SHOP-1"),
        ),
        "false_id": waybill(
            accepted_at=at,
            outlet_id="SF-A",
            sender=party(id_number=wrong_check_digit(resident_id(seq="123"))),
        ),
        "not_inspected": waybill(
            accepted_at=at, outlet_id="SF-A", pickup_checks={"opened_inspection": False}
        ),
        "suspended": waybill(
            accepted_at=at,
            outlet_id="SF-B",
            sender=party(**NO_ID, customer_type="contract", contract_id="SHOP-2"),
        ),
        "held_1": over_limit(accepted_at=at, outlet_id="SF-B", sender=party(phone="13700000001")),
        "held_2": over_limit(accepted_at=at, outlet_id="SF-B", sender=party(phone="13700000002")),
        "no_xray": waybill(
            accepted_at=at,
            carrier="YTO",
            waybill_no="YT1000000001",
            outlet_id="YTO-X",
            pickup_checks={"xray_screened": False},
        ),
        "cbec_import": waybill(
            accepted_at=at,
            carrier="YTO",
            waybill_no="YT1000000002",
            outlet_id="YTO-X",
            service="import",
            channel="cbec",
            sender=hk_receiver(),
            receiver=cbec_buyer,
            pickup_checks={"opened_inspection": False, "xray_screened": False},
        ),
    }
    return {name: desk.score(body) for name, body in bodies.items()}


# Real-name pickup, inspection, X-ray: numerators and denominators.


def test_the_real_name_rate_counts_only_parcels_that_need_real_name_pickup(desk: Desk) -> None:
    decided = week_of_three_systems(desk)
    assert {n: d["decision"] for n, d in decided.items()} == {
        "compliant": "release",
        "no_id": "reject",
        "unverified": "inspect",
        "import": "release",
        "letter": "release",
        "agreement": "release",
        "false_id": "reject",
        "not_inspected": "inspect",
        "suspended": "reject",
        "held_1": "hold",
        "held_2": "hold",
        "no_xray": "inspect",
        "cbec_import": "inspect",
    }
    body = desk.get("metrics", week="2026-W47")
    # Needed: everything but the import, the cbec import, the letter and the qualified agreement customer
    # (RULES.md §1, art. 22). Met: compliant, not_inspected, both holds, no_xray (valid, verified IDs).
    assert total(body, "parcels", "realname_needed", "realname_ok", "realname_rate") == {
        "parcels": 13,
        "realname_needed": 9,
        "realname_ok": 5,
        "realname_rate": 5 / 9,
    }
    # The four failures, each counted once by its cause: no ID (one a suspended agreement customer), a
    # false ID, an ID not checked against its bearer. The exempt parcels without an ID are not failures.
    assert total(body, "realname_missing", "realname_invalid", "realname_unverified") == {
        "realname_missing": 2,
        "realname_invalid": 1,
        "realname_unverified": 1,
    }
    assert total(body, "contract_parcels", "contract_qualified", "agreement_coverage") == {
        "contract_parcels": 2,
        "contract_qualified": 1,
        "agreement_coverage": 1 / 2,
    }


def test_inspection_and_xray_rates_are_over_every_parcel_imports_included(desk: Desk) -> None:
    week_of_three_systems(desk)
    body = desk.get("metrics", week="2026-W47")
    # X-ray is required for every parcel (RULES.md §3 XRAY_NOT_RECORDED): imports are in the denominator.
    assert total(body, "inspected", "xrayed", "inspection_rate", "xray_rate") == {
        "inspected": 11,
        "xrayed": 11,
        "inspection_rate": 11 / 13,
        "xray_rate": 11 / 13,
    }
    assert table(body, "rows", "carrier", "parcels", "realname_rate", "inspection_rate", "xray_rate") == [
        ("SF", 11, 4 / 8, 10 / 11, 11 / 11),
        ("YTO", 2, 1 / 1, 1 / 2, 0 / 2),
    ]
    xray = desk.get("offending", week="2026-W47", check="xray")
    assert sorted((r["waybill_no"], r["service"]) for r in xray["rows"]) == [
        ("YT1000000001", "domestic"),
        ("YT1000000002", "import"),
    ]


def test_the_import_without_xray_is_offending_for_xray_alone_never_for_real_name(desk: Desk) -> None:
    week_of_three_systems(desk)
    rows = desk.get("offending", week="2026-W47", carrier="YTO")["rows"]
    assert {r["waybill_no"]: r["problems"] for r in rows} == {
        "YT1000000001": ["xray_missing"],
        "YT1000000002": ["inspection_missing", "xray_missing"],
    }
    realname = desk.get("offending", week="2026-W47", check="realname")
    assert realname["total"] == 4
    assert {r["service"] for r in realname["rows"]} <= {"domestic", "export"}


# Decisions and what was caught, per carrier and outlet.


def test_holds_rejects_and_case_outcomes_per_outlet(desk: Desk) -> None:
    decided = week_of_three_systems(desk)
    third = desk.score(
        over_limit(accepted_at=TUESDAY_W47, outlet_id="SF-A", sender=party(phone="13700000003"))
    )
    desk.act(decided["held_1"]["case_id"], "seize", hours_after_opening=4)
    desk.act(decided["held_2"]["case_id"], "release", hours_after_opening=10)
    assert third["decision"] == "hold"  # its case stays open
    body = desk.get("metrics", week="2026-W47", by="outlet")
    names = ("outlet_id", "province", "parcels", "reject", "hold", "holds_confirmed", "holds_released")
    assert table(body, "rows", *names, "holds_open", "median_resolve_hours") == [
        ("SF-A", "上海市", 9, 2, 1, 0, 0, 1, None),
        ("SF-B", "北京市", 3, 1, 2, 1, 1, 0, 7.0),
        ("YTO-X", "未登记", 2, 0, 0, 0, 0, 0, None),
    ]
    totals = total(body, "release", "inspect", "hold", "reject", "holds_confirmed", "hold_confirmed_rate")
    assert totals == {
        "release": 4,
        "inspect": 4,
        "hold": 3,
        "reject": 3,
        "holds_confirmed": 1,
        "hold_confirmed_rate": 1 / 3,
    }
    assert body["total"]["median_resolve_hours"] == 7.0  # 4 h and 10 h; the open case has no time yet


def test_every_confirming_action_counts_as_caught_and_a_request_for_information_stays_open(
    desk: Desk,
) -> None:
    actions = ("seize", "return", "refer_to_police", "request_info", "release")
    for n, action in enumerate(actions):
        held = desk.score(
            over_limit(accepted_at=TUESDAY_W47, outlet_id="SF-B", sender=party(phone=f"1370000010{n}"))
        )
        desk.act(held["case_id"], action, hours_after_opening=n + 1)
    body = desk.get("metrics", week="2026-W47", by="outlet")
    names = ("outlet_id", "hold", "holds_confirmed", "holds_released", "holds_open", "median_resolve_hours")
    # Confirmed after 1, 2 and 3 hours, released after 5: the median of the four closed cases is 2.5 h.
    assert table(body, "rows", *names) == [("SF-B", 5, 3, 1, 1, 2.5)]
    assert body["total"]["hold_confirmed_rate"] == 3 / 5


def test_the_dashboard_carriers_and_provinces_add_up_to_the_total(desk: Desk) -> None:
    decided = week_of_three_systems(desk)
    desk.act(decided["held_1"]["case_id"], "seize", hours_after_opening=2)
    board = desk.get("dashboard", week="2026-W47")
    assert table(board, "carriers", "carrier", "parcels", "hold", "holds_confirmed", "reject") == [
        ("SF", 11, 2, 1, 3),
        ("YTO", 2, 0, 0, 0),
    ]
    assert table(board, "provinces", "province", "parcels", "realname_needed", "realname_ok") == [
        ("上海市", 8, 5, 2),
        ("北京市", 3, 3, 2),
        ("未登记", 2, 1, 1),
    ]
    for figure in ("parcels", "realname_needed", "realname_ok", "inspected", "xrayed", "hold", "reject"):
        assert sum(r[figure] for r in board["carriers"]) == board["total"][figure]
        assert sum(r[figure] for r in board["provinces"]) == board["total"][figure]


# Periods in Beijing time.


def test_iso_weeks_are_beijing_weeks(desk: Desk) -> None:
    sunday_w46 = waybill(accepted_at="2026-11-15T23:30:00+08:00", outlet_id="SF-A")
    monday_w47 = waybill(  # the same UTC date, but 00:30 on Monday in Beijing
        accepted_at="2026-11-15T16:30:00Z", outlet_id="SF-A", pickup_checks={"opened_inspection": False}
    )
    sunday_w47 = waybill(accepted_at="2026-11-22T23:59:00+08:00", outlet_id="SF-A")
    monday_w48 = waybill(accepted_at="2026-11-22T16:00:00Z", outlet_id="SF-A")
    for body in (sunday_w46, monday_w47, sunday_w47, monday_w48):
        desk.score(body)
    counts = {
        w: desk.get("metrics", week=w)["total"]["parcels"] for w in ("2026-W46", "2026-W47", "2026-W48")
    }
    assert counts == {"2026-W46": 1, "2026-W47": 2, "2026-W48": 1}
    w47 = desk.get("metrics", week="2026-W47", by="day")
    assert table(w47, "rows", "day", "parcels") == [("2026-11-15", 1), ("2026-11-16", 1), ("2026-11-22", 1)]
    assert w47["total"]["inspection_rate"] == 1 / 2
    assert w47["total"]["inspection_rate_previous"] == 1.0
    offending = csv_rows(desk.download("weekly/2026-W47", format="csv", table="offending"))
    assert [(r["运单号 (waybill no.)"], r["收寄时间 (accepted at, Beijing)"]) for r in offending] == [
        (monday_w47["waybill_no"], "2026-11-16 00:30:00")
    ]


def test_a_range_of_days_is_a_range_of_beijing_days(desk: Desk) -> None:
    desk.score(waybill(accepted_at="2026-11-15T23:30:00+08:00", outlet_id="SF-A"))
    desk.score(waybill(accepted_at="2026-11-15T16:30:00Z", outlet_id="SF-A"))
    one_day = desk.get("metrics", **{"from": "2026-11-16", "to": "2026-11-16"})
    assert (one_day["period"]["label"], one_day["total"]["parcels"]) == ("2026-11-16..2026-11-16", 1)
    assert one_day["previous"]["label"] == "2026-11-15..2026-11-15"
    assert desk.get("metrics", **{"from": "2026-11-15", "to": "2026-11-15"})["total"]["parcels"] == 1


def test_months_end_at_beijing_midnight(desk: Desk) -> None:
    for at in (
        "2026-10-31T23:59:59+08:00",  # October
        "2026-10-31T16:30:00Z",  # 1 November, 00:30 in Beijing
        "2026-11-30T23:30:00+08:00",  # November
        "2026-11-30T16:30:00Z",  # 1 December, 00:30 in Beijing
    ):
        desk.score(waybill(accepted_at=at, outlet_id="SF-A"))
    counts = {m: desk.get("metrics", month=m)["total"]["parcels"] for m in ("2026-10", "2026-11", "2026-12")}
    assert counts == {"2026-10": 1, "2026-11": 2, "2026-12": 1}
    monthly = csv_rows(desk.download("monthly/2026-11", format="csv", table="carriers"))
    assert [(r["快递企业 (carrier)"], r["收寄件数 (parcels)"]) for r in monthly] == [("SF", "2")]


def test_the_new_year_falls_in_iso_week_53_of_2026(desk: Desk) -> None:
    desk.score(waybill(accepted_at="2026-12-31T23:30:00+08:00", outlet_id="SF-A"))
    desk.score(waybill(accepted_at="2026-12-31T16:30:00Z", outlet_id="SF-A"))  # 1 January 2027 in Beijing
    desk.score(waybill(accepted_at="2027-01-04T00:10:00+08:00", outlet_id="SF-A"))  # Monday of 2027-W01
    w53 = desk.get("metrics", week="2026-W53")
    assert (w53["period"]["start"], w53["period"]["end"], w53["total"]["parcels"]) == (
        "2026-12-28",
        "2027-01-03",
        2,
    )
    assert desk.get("metrics", week="2027-W01")["previous"]["label"] == "2026-W53"
    assert desk.get("metrics", month="2026-12")["total"]["parcels"] == 1
    assert desk.get("metrics", month="2027-01")["total"]["parcels"] == 2


# A parcel scored more than once counts once, as last scored.


def test_a_resent_and_then_corrected_waybill_counts_once_as_last_scored(desk: Desk) -> None:
    refused = waybill(accepted_at=TUESDAY_W47, outlet_id="SF-A", sender=party(**NO_ID))
    assert desk.score(refused)["decision"] == "reject"
    assert desk.score(refused, after_s=30)["decision"] == "reject"  # the courier system retries
    corrected = {**refused, "sender": party()}  # the courier takes the ID and sends the waybill again
    assert desk.score(corrected, after_s=60)["decision"] == "release"
    body = desk.get("metrics", week="2026-W47")
    assert total(body, "parcels", "realname_needed", "realname_ok", "reject", "release", "non_compliant") == {
        "parcels": 1,
        "realname_needed": 1,
        "realname_ok": 1,
        "reject": 0,
        "release": 1,
        "non_compliant": 0,
    }
    assert desk.get("offending", week="2026-W47")["total"] == 0


def test_a_held_parcel_corrected_to_a_release_is_no_longer_a_hold(desk: Desk) -> None:
    held = over_limit(accepted_at=TUESDAY_W47, outlet_id="SF-B")
    assert desk.score(held)["decision"] == "hold"
    within = {**held, "items": [item(description="羊毛大衣 wool coat", quantity=1, unit_value=500.0)]}
    within["declared_value"] = 500.0
    assert desk.score(within, after_s=600)["decision"] == "release"
    body = desk.get("metrics", week="2026-W47")
    assert total(body, "parcels", "hold", "release", "holds_open") == {
        "parcels": 1,
        "hold": 0,
        "release": 1,
        "holds_open": 0,
    }


def test_a_batch_with_a_retried_waybill_counts_each_parcel_once(desk: Desk) -> None:
    refused = waybill(accepted_at=TUESDAY_W47, outlet_id="SF-A", sender=party(**NO_ID))
    other = waybill(accepted_at=TUESDAY_W47, outlet_id="SF-A", pickup_checks={"xray_screened": False})
    desk.now = datetime.fromisoformat(TUESDAY_W47) + timedelta(seconds=5)
    first = desk.http.post("/v1/score/batch", json={"waybills": [refused, refused, other]}).json()[
        "decisions"
    ]
    assert [d["decision"] for d in first] == ["reject", "reject", "inspect"]
    desk.now += timedelta(minutes=2)
    again = desk.http.post("/v1/score/batch", json={"waybills": [{**refused, "sender": party()}]}).json()
    assert again["decisions"][0]["decision"] == "release"
    body = desk.get("metrics", week="2026-W47")
    assert total(
        body, "parcels", "realname_needed", "realname_ok", "xrayed", "reject", "release", "inspect"
    ) == {
        "parcels": 2,
        "realname_needed": 2,
        "realname_ok": 2,
        "xrayed": 1,
        "reject": 0,
        "release": 1,
        "inspect": 1,
    }


def test_a_correction_that_moves_the_pickup_to_another_day_counts_the_parcel_once(desk: Desk) -> None:
    # The courier system first sent the Beijing pickup time with a UTC offset (07:30 on Monday 16 in
    # Beijing), then corrected it to 23:30 on Sunday 15, Beijing time.
    wrong = waybill(
        accepted_at="2026-11-15T23:30:00Z", outlet_id="SF-A", pickup_checks={"xray_screened": False}
    )
    right = {
        **wrong,
        "accepted_at": "2026-11-15T23:30:00+08:00",
        "pickup_checks": {"opened_inspection": True, "xray_screened": True},
    }
    assert desk.score(wrong)["decision"] == "inspect"
    desk.now = datetime(2026, 11, 16, 8, 0, tzinfo=BEIJING)
    assert desk.client.score(right)["decision"] == "release"
    month = desk.get("metrics", month="2026-11")
    assert total(month, "parcels", "xrayed", "inspect", "release") == {
        "parcels": 1,
        "xrayed": 1,
        "inspect": 0,
        "release": 1,
    }
    assert desk.get("metrics", week="2026-W47")["total"]["parcels"] == 0


# The report files agree with the dashboard.


def test_the_report_downloads_agree_with_the_dashboard(desk: Desk, tmp_path: Path) -> None:
    decided = week_of_three_systems(desk)
    desk.act(decided["held_1"]["case_id"], "seize", hours_after_opening=3)
    board = desk.get("dashboard", week="2026-W47")
    book_path = tmp_path / "w47.xlsx"
    book_path.write_bytes(desk.download("weekly/2026-W47"))
    book = openpyxl.load_workbook(book_path, read_only=True)
    summary = {r[0]: r[1] for r in book["汇总 Summary"].iter_rows(values_only=True) if r[0]}
    book.close()
    for figure, heading in (
        ("parcels", "收寄件数 (parcels)"),
        ("realname_rate", "实名收寄率 (real-name pickup rate)"),
        ("inspection_rate", "收寄验视率 (inspection-recorded rate)"),
        ("xray_rate", "过机安检率 (X-ray-recorded rate)"),
        ("non_compliant", "违规件数 (non-compliant parcels)"),
        ("hold", "扣留 (hold)"),
        ("reject", "拒收 (reject)"),
        ("holds_confirmed", "扣留-确认违规 (holds confirmed)"),
    ):
        assert summary[heading] == board["total"][figure], figure
    carriers = csv_rows(desk.download("weekly/2026-W47", format="csv", table="carriers"))
    assert [
        (
            r["快递企业 (carrier)"],
            int(r["收寄件数 (parcels)"]),
            float(r["实名收寄率 (real-name pickup rate)"]),
            float(r["过机安检率 (X-ray-recorded rate)"]),
            int(r["扣留-确认违规 (holds confirmed)"]),
        )
        for r in carriers
    ] == table(board, "carriers", "carrier", "parcels", "realname_rate", "xray_rate", "holds_confirmed")
    outlets = csv_rows(desk.download("weekly/2026-W47", format="csv", table="outlets"))
    assert [
        (r["网点编号 (outlet id)"], int(r["违规件数 (non-compliant parcels)"])) for r in outlets
    ] == table(board, "worst_outlets", "outlet_id", "non_compliant")
    offending = csv_rows(desk.download("weekly/2026-W47", format="csv", table="offending"))
    listed = desk.get("offending", week="2026-W47")
    assert len(offending) == listed["total"] == board["total"]["non_compliant"] == 7


def test_the_weekly_report_command_shows_the_same_case_outcomes_as_the_dashboard(
    desk: Desk, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    decided = week_of_three_systems(desk)
    desk.act(decided["held_1"]["case_id"], "seize", hours_after_opening=3)
    desk.act(decided["held_2"]["case_id"], "release", hours_after_opening=5)
    board = desk.get("dashboard", week="2026-W47")
    assert table(board, "carriers", "carrier", "holds_confirmed", "holds_released", "holds_open") == [
        ("SF", 1, 1, 0),
        ("YTO", 0, 0, 0),
    ]
    written = run_report_command(settings, monkeypatch, tmp_path / "reports")
    carriers = csv_rows((written / "compliance-week-2026-W47-carriers.csv").read_bytes())
    assert [
        (
            r["快递企业 (carrier)"],
            int(r["扣留-确认违规 (holds confirmed)"]),
            int(r["扣留-已放行 (holds released)"]),
            int(r["扣留-待处理 (holds open)"]),
        )
        for r in carriers
    ] == [("SF", 1, 1, 0), ("YTO", 0, 0, 0)]


def run_report_command(settings: Settings, monkeypatch: pytest.MonkeyPatch, out: Path) -> Path:
    """`screening report weekly --week 2026-W47` on the service's data dir; the folder it wrote."""
    monkeypatch.setenv("SCREENING_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    try:
        app = typer.Typer()
        audit_commands.register(app)
        result = CliRunner().invoke(app, ["report", "weekly", "--week", "2026-W47", "--out", str(out)])
        assert result.exit_code == 0, result.output
    finally:
        get_settings.cache_clear()
    return out


def test_a_hold_picked_up_just_before_the_week_ends_keeps_its_case_outcome(desk: Desk) -> None:
    late = over_limit(accepted_at="2026-11-22T23:59:58+08:00", outlet_id="SF-B")
    held = desk.score(late, after_s=7)  # scored at 00:00:05 on Monday 23, Beijing
    assert held["decision"] == "hold"
    desk.act(held["case_id"], "seize", hours_after_opening=3)
    body = desk.get("metrics", week="2026-W47")
    assert total(body, "parcels", "hold", "holds_confirmed", "holds_open") == {
        "parcels": 1,
        "hold": 1,
        "holds_confirmed": 1,
        "holds_open": 0,
    }


def test_an_agreement_with_another_carrier_does_not_exempt_the_parcel(desk: Desk) -> None:
    desk.engine.agreements.upsert([Agreement(contract_id="SHOP-SF", name="顺丰协议网店", carrier="SF")])
    body = waybill(
        accepted_at=TUESDAY_W47,
        carrier="YTO",
        waybill_no="YT1000000009",
        outlet_id="YTO-X",
        sender=party(**NO_ID, customer_type="contract", contract_id="SHOP-SF"),
    )
    desk.score(body)
    counted = desk.get("metrics", week="2026-W47")
    assert total(counted, "realname_needed", "realname_missing", "contract_qualified") == {
        "realname_needed": 1,
        "realname_missing": 1,
        "contract_qualified": 0,
    }


# No identity number in plain text.


def test_no_plain_identity_number_in_any_report_download_or_export(
    desk: Desk, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    verified_unused = resident_id(region="310115", birth="19850612", seq="417")
    unverified = resident_id(region="320102", birth="19900301", seq="236")
    false_id = wrong_check_digit(resident_id(region="330106", birth="19781120", seq="558"))
    buyer = resident_id(region="440106", birth="19950505", seq="819")
    passport = "EA9876543"
    bodies = [
        waybill(accepted_at=TUESDAY_W47, outlet_id="SF-A", sender=party(id_number=verified_unused)),
        export_postal(
            accepted_at=TUESDAY_W47,
            outlet_id="SF-A",
            sender=party(
                phone="13700000021", id_number=unverified, id_verified=False, verification_method="none"
            ),
        ),
        waybill(
            accepted_at=TUESDAY_W47, outlet_id="SF-B", sender=party(phone="13700000022", id_number=false_id)
        ),
        waybill(
            accepted_at=TUESDAY_W47,
            outlet_id="SF-B",
            service="import",
            channel="cbec",
            sender=hk_receiver(),
            receiver=party(name="王芳", phone="13900001111", id_number=buyer),
            pickup_checks={"xray_screened": False},
        ),
        export_postal(
            accepted_at=TUESDAY_W47,
            outlet_id="SF-A",
            sender=party(phone="13700000023", id_type="passport", id_number=passport),
            pickup_checks={"opened_inspection": False},
        ),
    ]
    for body in bodies:
        desk.score(body)
    numbers = [verified_unused, unverified, false_id, buyer, passport]
    # A number, and for the 18-character ones the 17 digits before the check character.
    forbidden = [*numbers, *(n[:17] for n in numbers if len(n) == 18)]

    texts: dict[str, str] = {}
    for route in ("metrics", "dashboard", "offending"):
        texts[route] = desk.http.get(f"/v1/audit/{route}", params={"week": "2026-W47"}).text
    book = zipfile.ZipFile(io.BytesIO(desk.download("weekly/2026-W47")))
    texts |= {f"xlsx:{n}": book.read(n).decode("utf-8") for n in book.namelist()}
    texts["html"] = desk.download("weekly/2026-W47", format="html").decode("utf-8")
    for name in ("carriers", "outlets", "regions", "daily", "offending"):
        texts[f"csv:{name}"] = desk.download("weekly/2026-W47", format="csv", table=name).decode("utf-8-sig")
    texts["monthly"] = desk.download("monthly/2026-11", format="csv", table="offending").decode("utf-8-sig")
    for number in (unverified, buyer):
        traced = desk.http.post(
            "/v1/audit/trace/export",
            json={"from": "2026-11-16", "to": "2026-11-22", "id_type": "resident_id", "id_number": number},
        )
        assert traced.status_code == 200 and len(csv_rows(traced.content)) == 1
        texts[f"trace:{number[:6]}"] = traced.content.decode("utf-8-sig")
    written = run_report_command(settings, monkeypatch, tmp_path / "reports")
    for path in written.iterdir():
        if path.suffix == ".xlsx":
            files = zipfile.ZipFile(path)
            texts |= {f"cli:{n}": files.read(n).decode("utf-8") for n in files.namelist()}
        else:
            texts[f"cli:{path.name}"] = path.read_text(encoding="utf-8-sig")

    leaks = [(where, n) for where, text in texts.items() for n in forbidden if n in text]
    assert leaks == []
    # The identities did reach the reports, masked.
    for number in (unverified, false_id, passport):
        assert mask_id(number) in texts["csv:offending"]
