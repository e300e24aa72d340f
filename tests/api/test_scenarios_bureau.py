"""The postal bureau's audit figures end to end over HTTP: small, deliberate mixes of parcels counted by hand.

Every waybill goes through POST /v1/score (or the batch), officers and customs report through the case
and inspection APIs, and the auditor reads /v1/audit/metrics, /dashboard, /offending and the report
downloads. The expected figures come from RULES.md §1 (the three systems: 实名收寄、收寄验视、过机安检;
who must register an ID; letters and agreement customers exempt), the wire contract and the README
("Compliance audit for the postal bureau", "HTTP API", "Security model"), never from the service's code.
These scenarios add to tests/api/test_scenarios_audit_http.py and
tests/screening/compliance/test_scenarios_audit.py: identity documents and lanes they leave out, what
an inspection report does to the figures, holds that move between periods, leap months and year ends,
empty periods and their downloads, a carrier's own key, period labels that are not labels.
"""

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from screening.outlets import Outlet
from screening.policy.schemas import Policy
from screening.settings import Settings
from tests.api.conftest import CaseClient
from tests.api.keys import bearer, make_key
from tests.factories import (
    NO_ID,
    cn_receiver,
    hk_receiver,
    party,
    resident_id,
    waybill,
    wrong_check_digit,
)
from tests.screening.compliance.test_scenarios_audit import (
    BEIJING,
    TUESDAY_W47,
    Desk,
    csv_rows,
    letter,
    over_limit,
    table,
    total,
)

W47 = {"week": "2026-W47"}
SUNDAY_W46 = "2026-11-15T10:00:00+08:00"
USCC = "91110000600037341L"  # a unified social credit code with its right check character


@pytest.fixture
def desk(settings: Settings, policy: Policy, cheap_password_hashes: None) -> Iterator[Desk]:
    """A started app (SQLite cases, test policy) with an auditor-officer; server errors answer 500."""
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as http:
        app.state.engine.policy = policy
        yield Desk(CaseClient(http, app))


def sorted_rows(body: dict[str, Any], key: str, *names: str) -> list[tuple[Any, ...]]:
    """Some columns of a response's rows, sorted (for groupings whose order no source fixes)."""
    return sorted(table(body, key, *names), key=lambda r: tuple(str(v) for v in r))


def cbec(service: str, person_id: str | None, **changes: Any) -> dict[str, Any]:
    """A cross-border e-commerce parcel: an import to a buyer in Beijing, or an export to Hong Kong."""
    identity = NO_ID if person_id is None else {"id_number": person_id}
    if service == "import":
        buyer = party(name="王芳", phone="13900001111", **identity)
        sides = {"sender": hk_receiver(), "receiver": buyer}
    else:
        sides = {"sender": party(phone="13900002222", **identity), "receiver": hk_receiver()}
    return waybill(**{"service": service, "channel": "cbec", **sides, **changes})


def codes(decision: dict[str, Any]) -> set[str]:
    """The reason codes of a decision."""
    return {r["code"] for r in decision["reasons"]}


def inspection(desk: Desk, decision: dict[str, Any], result: str) -> None:
    """Report an inspection result for a scored parcel (POST /v1/inspections)."""
    body = {
        "carrier": decision["carrier"],
        "waybill_no": decision["waybill_no"],
        "result": result,
        "violation_type": "undeclared goods" if result == "violation" else None,
        "inspected_at": "2026-11-17T15:00:00+08:00",
    }
    r = desk.http.post("/v1/inspections", json=body)
    assert r.status_code == 200, r.text


def workbook(content: bytes, tmp_path: Path) -> openpyxl.Workbook:
    """A downloaded workbook, opened with its cells' types (formulas stay formulas)."""
    path = tmp_path / "report.xlsx"
    path.write_bytes(content)
    return openpyxl.load_workbook(path)


def summary_sheet(content: bytes, tmp_path: Path) -> dict[str, tuple[Any, ...]]:
    """The workbook's summary sheet: heading → (this period, previous period, …)."""
    book = workbook(content, tmp_path)
    rows = list(book["汇总 Summary"].iter_rows(values_only=True))
    book.close()
    return {str(r[0]): tuple(r[1:]) for r in rows if r[0]}


# Real-name pickup (实名收寄): who is in the denominator, for lanes and documents the other tests leave out.


def test_an_export_cbec_parcel_needs_the_senders_id_and_a_cbec_import_does_not(desk: Desk) -> None:
    at = TUESDAY_W47
    decided = {
        "export_no_id": desk.score(cbec("export", None, accepted_at=at, outlet_id="SF-B")),
        "export_ok": desk.score(
            cbec("export", resident_id(seq="311"), accepted_at=at, outlet_id="SF-B", sender=party())
        ),
        "import_buyer_id": desk.score(
            cbec("import", resident_id(region="440106", seq="771"), accepted_at=at, outlet_id="SF-B")
        ),
    }
    assert {n: d["decision"] for n, d in decided.items()} == {
        "export_no_id": "reject",
        "export_ok": "release",
        "import_buyer_id": "release",
    }
    assert codes(decided["export_no_id"]) == {"REALNAME_MISSING"}
    # RULES.md §1: real-name pickup applies to domestic and export parcels; an import's sender is abroad.
    body = desk.get("metrics", **W47, by="outlet")
    assert table(
        body, "rows", "outlet_id", "parcels", "realname_needed", "realname_ok", "realname_missing"
    ) == [("SF-B", 3, 2, 1, 1)]
    assert body["total"]["realname_rate"] == 1 / 2
    listed = desk.get("offending", **W47, check="realname")
    assert [(r["waybill_no"], r["channel"], r["service"]) for r in listed["rows"]] == [
        (decided["export_no_id"]["waybill_no"], "cbec", "export")
    ]


def test_an_agreement_customer_without_a_contract_number_is_not_exempt(desk: Desk) -> None:
    sender = party(**NO_ID, phone="13700000301", customer_type="contract")  # no contract_id at all
    decided = desk.score(waybill(accepted_at=TUESDAY_W47, outlet_id="SF-A", sender=sender))
    assert decided["decision"] == "reject"
    assert codes(decided) == {"REALNAME_MISSING", "CONTRACT_UNQUALIFIED"}
    body = desk.get("metrics", **W47)
    assert total(
        body,
        "contract_parcels",
        "contract_qualified",
        "agreement_coverage",
        "realname_needed",
        "realname_missing",
        "realname_rate",
    ) == {
        "contract_parcels": 1,
        "contract_qualified": 0,
        "agreement_coverage": 0.0,
        "realname_needed": 1,
        "realname_missing": 1,
        "realname_rate": 0.0,
    }


def test_every_accepted_document_verified_meets_real_name_and_a_tick_without_a_method_does_not(
    desk: Desk,
) -> None:
    at = TUESDAY_W47
    senders = {
        # RULES.md §1: organisations register their USCC; passports, permits and military IDs are accepted.
        "uscc": party(phone="13700000311", id_type="uscc", id_number=USCC, verification_method="manual"),
        "passport": party(
            phone="13700000312", id_type="passport", id_number="P98765432", verification_method="face_match"
        ),
        "permit": party(
            phone="13700000313",
            id_type="hk_macau_permit",
            id_number="C61234567",
            verification_method="online_check",
        ),
        "military": party(phone="13700000314", id_type="military_id", id_number="南字第731205号"),
        # Ticked as verified, but by no method: not checked against the person (REALNAME_UNVERIFIED).
        "ticked_by_none": party(phone="13700000315", id_verified=True, verification_method="none"),
    }
    decided = {n: desk.score(waybill(accepted_at=at, outlet_id="SF-A", sender=s)) for n, s in senders.items()}
    assert {n: d["decision"] for n, d in decided.items()} == {
        "uscc": "release",
        "passport": "release",
        "permit": "release",
        "military": "release",
        "ticked_by_none": "inspect",
    }
    assert codes(decided["ticked_by_none"]) == {"REALNAME_UNVERIFIED"}
    body = desk.get("metrics", **W47)
    assert total(body, "realname_needed", "realname_ok", "realname_unverified", "realname_rate") == {
        "realname_needed": 5,
        "realname_ok": 4,
        "realname_unverified": 1,
        "realname_rate": 4 / 5,
    }
    listed = desk.get("offending", **W47)
    assert [(r["waybill_no"], r["problems"]) for r in listed["rows"]] == [
        (decided["ticked_by_none"]["waybill_no"], ["realname_unverified"])
    ]


def test_a_false_receiver_id_is_caught_but_the_senders_real_name_pickup_was_done(desk: Desk) -> None:
    receiver = cn_receiver(id_type="resident_id", id_number=wrong_check_digit(resident_id(seq="555")))
    decided = desk.score(waybill(accepted_at=TUESDAY_W47, outlet_id="SF-B", receiver=receiver))
    assert (decided["decision"], codes(decided)) == ("reject", {"ID_INVALID"})
    body = desk.get("metrics", **W47)
    # Real-name pickup is about the sender (快递暂行条例 art. 22): a valid, verified sender ID was taken.
    assert total(body, "reject", "realname_needed", "realname_ok", "realname_invalid", "non_compliant") == {
        "reject": 1,
        "realname_needed": 1,
        "realname_ok": 1,
        "realname_invalid": 0,
        "non_compliant": 0,
    }
    assert desk.get("offending", **W47)["total"] == 0


def test_a_letter_known_by_its_description_alone_needs_no_real_name_pickup(desk: Desk) -> None:
    # RULES.md §2: without a category the service infers it from the description; documents are letters.
    papers = [{"description": "合同文件", "quantity": 1, "unit_value": 0.0}]
    plain = desk.score(
        waybill(accepted_at=TUESDAY_W47, outlet_id="SF-A", sender=party(**NO_ID), items=papers, weight_kg=0.1)
    )
    # A letter's sender who gave a false ID is still refused (ID_INVALID), but a letter needs no real-name
    # pickup at all: the service's reading, which keeps it out of the real-name figures.
    false_id = party(phone="13700000321", id_number=wrong_check_digit(resident_id(seq="556")))
    refused = desk.score(letter(accepted_at=TUESDAY_W47, outlet_id="SF-A", sender=false_id))
    assert [plain["decision"], refused["decision"]] == ["release", "reject"]
    assert codes(refused) == {"ID_INVALID"}
    body = desk.get("metrics", **W47)
    assert total(body, "parcels", "realname_needed", "realname_invalid", "realname_rate", "reject") == {
        "parcels": 2,
        "realname_needed": 0,
        "realname_invalid": 0,
        "realname_rate": None,
        "reject": 1,
    }


def test_a_parcel_that_broke_all_three_systems_is_one_offending_parcel_named_for_each(desk: Desk) -> None:
    broke_all = waybill(
        accepted_at=TUESDAY_W47,
        outlet_id="SF-A",
        sender=party(**NO_ID),
        pickup_checks={"opened_inspection": False, "xray_screened": False},
    )
    assert desk.score(broke_all)["decision"] == "reject"
    desk.score(waybill(accepted_at=TUESDAY_W47, outlet_id="SF-A"))
    body = desk.get("metrics", **W47)
    assert total(
        body,
        "parcels",
        "non_compliant",
        "non_compliance_rate",
        "realname_rate",
        "inspection_rate",
        "xray_rate",
    ) == {
        "parcels": 2,
        "non_compliant": 1,
        "non_compliance_rate": 1 / 2,
        "realname_rate": 1 / 2,
        "inspection_rate": 1 / 2,
        "xray_rate": 1 / 2,
    }
    listed = desk.get("offending", **W47)
    assert [(r["waybill_no"], r["problems"]) for r in listed["rows"]] == [
        (broke_all["waybill_no"], ["realname_missing", "inspection_missing", "xray_missing"])
    ]
    assert [desk.get("offending", **W47, check=c)["total"] for c in ("realname", "inspection", "xray")] == [
        1,
        1,
        1,
    ]


# What was caught: rejects, holds, and what cases and inspection reports made of them.


def test_inspection_reports_on_inspected_parcels_change_no_pickup_figure(desk: Desk) -> None:
    unscreened = desk.score(
        waybill(accepted_at=TUESDAY_W47, outlet_id="SF-A", pickup_checks={"xray_screened": False})
    )
    clean = desk.score(waybill(accepted_at=TUESDAY_W47, outlet_id="SF-A"))
    before = desk.get("metrics", **W47)["total"]
    inspection(desk, unscreened, "violation")
    inspection(desk, clean, "clear")
    after = desk.get("metrics", **W47)["total"]
    # A report after pickup neither adds a parcel nor records a check that was not done at pickup.
    assert after == before
    assert (after["parcels"], after["inspect"], after["release"], after["xrayed"]) == (2, 1, 1, 1)


def test_an_inspection_that_found_a_violation_confirms_the_hold(desk: Desk) -> None:
    held = desk.score(over_limit(accepted_at=TUESDAY_W47, outlet_id="SF-B"))
    assert held["decision"] == "hold"
    inspection(desk, held, "violation")
    body = desk.get("metrics", **W47)
    assert total(body, "hold", "holds_confirmed", "holds_open", "hold_confirmed_rate") == {
        "hold": 1,
        "holds_confirmed": 1,
        "holds_open": 0,
        "hold_confirmed_rate": 1.0,
    }


def test_a_hold_picked_up_at_1630_utc_on_30_november_is_decembers_with_its_outcome(desk: Desk) -> None:
    held = desk.score(over_limit(accepted_at="2026-11-30T16:30:00Z", outlet_id="SF-A"))  # 00:30, 1 Dec
    desk.act(held["case_id"], "seize", hours_after_opening=3)
    months = {m: desk.get("metrics", month=m)["total"] for m in ("2026-11", "2026-12")}
    assert {
        m: (t["parcels"], t["hold"], t["holds_confirmed"], t["median_resolve_hours"])
        for m, t in months.items()
    } == {
        "2026-11": (0, 0, 0, None),
        "2026-12": (1, 1, 1, 3.0),
    }
    week = desk.get("metrics", week="2026-W49")["total"]  # Monday 30 November to Sunday 6 December
    assert (week["hold"], week["holds_confirmed"]) == (1, 1)
    carriers = csv_rows(desk.download("monthly/2026-12", format="csv", table="carriers"))
    assert [
        (r["快递企业 (carrier)"], r["扣留 (hold)"], r["扣留-确认违规 (holds confirmed)"]) for r in carriers
    ] == [("SF", "1", "1")]
    assert csv_rows(desk.download("monthly/2026-11", format="csv", table="carriers")) == []


def test_a_seized_hold_corrected_into_the_next_week_and_outlet_counts_there_with_its_outcome(
    desk: Desk,
) -> None:
    first = over_limit(accepted_at="2026-11-22T20:00:00+08:00", outlet_id="SF-A")  # Sunday of W47
    held = desk.score(first)
    desk.act(held["case_id"], "seize", hours_after_opening=2)
    desk.get("metrics", **W47)  # the first body is compacted into its day
    moved = {**first, "accepted_at": "2026-11-23T08:00:00+08:00", "outlet_id": "SF-B"}  # Monday of W48
    desk.now = datetime(2026, 11, 23, 9, 0, tzinfo=BEIJING)
    again = desk.client.score(moved)
    assert (again["decision"], again["case_id"]) == ("hold", held["case_id"])
    weeks = {w: desk.get("metrics", week=w, by="outlet") for w in ("2026-W47", "2026-W48")}
    names = ("outlet_id", "parcels", "hold", "holds_confirmed", "holds_open")
    assert {w: table(b, "rows", *names) for w, b in weeks.items()} == {
        "2026-W47": [],
        "2026-W48": [("SF-B", 1, 1, 1, 0)],
    }
    assert total(desk.get("metrics", month="2026-11"), "parcels", "hold", "holds_confirmed") == {
        "parcels": 1,
        "hold": 1,
        "holds_confirmed": 1,
    }


def test_a_hold_scored_more_than_31_days_after_its_week_counts_as_open(desk: Desk) -> None:
    # The README: a hold counts with its case's outcome when the case opened within 31 days after the
    # period; "a parcel scored later than that counts as open".
    late = over_limit(accepted_at=TUESDAY_W47, outlet_id="SF-B")
    desk.now = datetime(2026, 12, 30, 10, 0, tzinfo=BEIJING)  # W47 ends 22 November: 38 days later
    held = desk.client.score(late)
    assert held["decision"] == "hold"
    desk.act(held["case_id"], "seize", hours_after_opening=1)
    assert total(desk.get("metrics", **W47), "hold", "holds_confirmed", "holds_open") == {
        "hold": 1,
        "holds_confirmed": 0,
        "holds_open": 1,
    }


# Corrections and re-sends: once, in the latest state and the latest period.


def test_a_pickup_corrected_to_next_week_and_back_counts_once_on_its_first_day(desk: Desk) -> None:
    first = waybill(accepted_at=TUESDAY_W47, outlet_id="SF-A")
    desk.score(first)
    desk.get("metrics", **W47)
    desk.score({**first, "accepted_at": "2026-11-24T10:00:00+08:00"}, after_s=60)
    desk.get("metrics", week="2026-W48")
    desk.now = datetime(2026, 11, 24, 12, 0, tzinfo=BEIJING)
    back = {
        **first,
        "accepted_at": TUESDAY_W47,
        "pickup_checks": {"opened_inspection": False, "xray_screened": True},
    }
    assert desk.client.score(back)["decision"] == "inspect"
    weeks = {w: desk.get("metrics", week=w)["total"] for w in ("2026-W47", "2026-W48")}
    assert {w: (t["parcels"], t["inspected"], t["inspect"]) for w, t in weeks.items()} == {
        "2026-W47": (1, 0, 1),
        "2026-W48": (0, 0, 0),
    }
    assert desk.get("metrics", month="2026-11")["total"]["parcels"] == 1


def test_a_batch_carrying_a_waybill_and_its_correction_across_midnight_counts_it_once(desk: Desk) -> None:
    sunday = waybill(
        accepted_at="2026-11-22T23:59:59+08:00", outlet_id="SF-A", pickup_checks={"xray_screened": False}
    )
    monday = {
        **sunday,
        "accepted_at": "2026-11-22T16:00:00Z",  # 00:00 on Monday in Beijing
        "pickup_checks": {"opened_inspection": True, "xray_screened": True},
    }
    desk.now = datetime(2026, 11, 23, 0, 10, tzinfo=BEIJING)
    r = desk.http.post("/v1/score/batch", json={"waybills": [sunday, monday]})
    assert [d["decision"] for d in r.json()["decisions"]] == ["inspect", "release"]
    weeks = {w: desk.get("metrics", week=w)["total"] for w in ("2026-W47", "2026-W48")}
    assert {w: (t["parcels"], t["xrayed"]) for w, t in weeks.items()} == {
        "2026-W47": (0, 0),
        "2026-W48": (1, 1),
    }
    assert desk.get("offending", month="2026-11")["total"] == 0


# Periods: Beijing days, ISO weeks, calendar months.


def test_sunday_2359_and_monday_0000_in_beijing_carry_their_missing_checks_into_their_own_weeks(
    desk: Desk,
) -> None:
    sunday = waybill(
        accepted_at="2026-11-22T15:59:59Z", outlet_id="SF-A", pickup_checks={"xray_screened": False}
    )
    monday = waybill(
        accepted_at="2026-11-23T00:00:00+08:00", outlet_id="SF-A", pickup_checks={"opened_inspection": False}
    )
    desk.score(sunday)
    desk.score(monday)
    weeks = {w: desk.get("metrics", week=w)["total"] for w in ("2026-W47", "2026-W48")}
    assert {w: (t["parcels"], t["inspected"], t["xrayed"]) for w, t in weeks.items()} == {
        "2026-W47": (1, 1, 0),
        "2026-W48": (1, 0, 1),
    }
    listed = {w: desk.get("offending", week=w)["rows"] for w in ("2026-W47", "2026-W48")}
    assert {w: [(r["waybill_no"], r["day"], r["problems"]) for r in rows] for w, rows in listed.items()} == {
        "2026-W47": [(sunday["waybill_no"], "2026-11-22", ["xray_missing"])],
        "2026-W48": [(monday["waybill_no"], "2026-11-23", ["inspection_missing"])],
    }
    weekly = csv_rows(desk.download("weekly/2026-W48", format="csv", table="offending"))
    assert [(r["运单号 (waybill no.)"], r["收寄时间 (accepted at, Beijing)"]) for r in weekly] == [
        (monday["waybill_no"], "2026-11-23 00:00:00")
    ]


def test_a_leap_february_ends_on_the_29th_at_beijing_midnight(desk: Desk) -> None:
    for at in ("2028-02-29T23:30:00+08:00", "2028-02-29T16:30:00Z", "2028-02-01T00:00:00+08:00"):
        desk.score(waybill(accepted_at=at, outlet_id="SF-A"))
    feb = desk.get("metrics", month="2028-02")
    assert (feb["period"]["start"], feb["period"]["end"], feb["total"]["parcels"]) == (
        "2028-02-01",
        "2028-02-29",
        2,
    )
    assert desk.get("metrics", month="2028-03")["previous"]["end"] == "2028-02-29"
    assert desk.get("metrics", month="2028-03")["total"]["parcels"] == 1


def test_period_labels_name_their_beijing_days_and_the_period_before(desk: Desk) -> None:
    expected = {
        ("week", "2026-W01"): ("2025-12-29", "2026-01-04", "2025-W52"),
        ("week", "2026-W53"): ("2026-12-28", "2027-01-03", "2026-W52"),
        ("week", "2020-W53"): ("2020-12-28", "2021-01-03", "2020-W52"),
        ("month", "2027-01"): ("2027-01-01", "2027-01-31", "2026-12"),
        ("month", "2026-03"): ("2026-03-01", "2026-03-31", "2026-02"),
        ("month", "2026-02"): ("2026-02-01", "2026-02-28", "2026-01"),
    }
    found = {}
    for kind, label in expected:
        body = desk.get("metrics", **{kind: label})
        found[(kind, label)] = (body["period"]["start"], body["period"]["end"], body["previous"]["label"])
    assert found == expected
    r = desk.http.get("/v1/audit/reports/weekly/2026-W53", params={"format": "csv", "table": "daily"})
    assert r.status_code == 200
    assert r.headers["content-disposition"] == 'attachment; filename="compliance-week-2026-W53-daily.csv"'


def test_without_a_period_the_figures_are_the_last_complete_beijing_week_not_the_one_under_way(
    desk: Desk,
) -> None:
    now = datetime.now(BEIJING)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    at = max(now - timedelta(minutes=1), midnight + timedelta(seconds=1))
    this_year, this_week, _ = at.isocalendar()
    desk.score(waybill(accepted_at=at.isoformat(), outlet_id="SF-A", pickup_checks={"xray_screened": False}))
    monday = midnight - timedelta(days=midnight.weekday())
    year, week, _ = (monday - timedelta(days=7)).isocalendar()
    default = desk.get("metrics")
    assert default["period"]["label"] == f"{year}-W{week:02d}"
    assert default["total"]["parcels"] == 0
    # The week under way: what was scored so far, no more.
    current = desk.get("metrics", week=f"{this_year}-W{this_week:02d}")
    assert total(current, "parcels", "xrayed", "xray_rate") == {"parcels": 1, "xrayed": 0, "xray_rate": 0.0}


def test_a_from_or_a_to_alone_is_that_one_beijing_day(desk: Desk) -> None:
    desk.score(waybill(accepted_at="2026-11-17T15:30:00Z", outlet_id="SF-A"))  # 23:30 on the 17th
    desk.score(waybill(accepted_at="2026-11-17T16:30:00Z", outlet_id="SF-A"))  # 00:30 on the 18th
    found = {}
    for name in ("from", "to"):
        body = desk.get("metrics", **{name: "2026-11-18"})
        found[name] = (body["period"]["label"], body["previous"]["label"], body["total"]["parcels"])
    assert found == {
        "from": ("2026-11-18..2026-11-18", "2026-11-17..2026-11-17", 1),
        "to": ("2026-11-18..2026-11-18", "2026-11-17..2026-11-17", 1),
    }


# Empty periods: zeros and empty lists, no division by zero, downloads that still open.

RATES = ("realname_rate", "inspection_rate", "xray_rate", "agreement_coverage", "non_compliance_rate")


def test_a_week_without_parcels_counts_zero_and_measures_no_rate(desk: Desk) -> None:
    desk.score(waybill(accepted_at=SUNDAY_W46, outlet_id="SF-A"))  # the week before has one
    body = desk.get("metrics", week="2026-W40")
    assert body["rows"] == []
    figures = total(body, "parcels", "non_compliant", "hold", "reject", "holds_open", *RATES)
    assert figures == {
        "parcels": 0,
        "non_compliant": 0,
        "hold": 0,
        "reject": 0,
        "holds_open": 0,
        **dict.fromkeys(RATES),
    }
    assert total(body, "hold_confirmed_rate", "median_resolve_hours", "xray_rate_change") == {
        "hold_confirmed_rate": None,
        "median_resolve_hours": None,
        "xray_rate_change": None,
    }


def test_a_week_without_parcels_after_a_week_with_some_has_previous_rates_and_no_change(desk: Desk) -> None:
    desk.score(waybill(accepted_at=SUNDAY_W46, outlet_id="SF-A", pickup_checks={"xray_screened": False}))
    body = desk.get("metrics", **W47)
    assert total(body, "parcels", "xray_rate", "xray_rate_previous", "xray_rate_change") == {
        "parcels": 0,
        "xray_rate": None,
        "xray_rate_previous": 0.0,
        "xray_rate_change": None,
    }


def test_an_empty_dashboard_has_zero_totals_and_empty_lists(desk: Desk) -> None:
    board = desk.get("dashboard", week="2026-W40")
    assert (board["carriers"], board["provinces"], board["worst_outlets"], board["daily"]) == ([], [], [], [])
    assert total(board, "parcels", "realname_rate", "median_resolve_hours") == {
        "parcels": 0,
        "realname_rate": None,
        "median_resolve_hours": None,
    }
    assert desk.get("offending", week="2026-W40") == {"total": 0, "rows": []}


def test_an_empty_weeks_downloads_open_and_count_nothing(desk: Desk, tmp_path: Path) -> None:
    summary = summary_sheet(desk.download("weekly/2026-W40"), tmp_path)
    assert summary["收寄件数 (parcels)"][:2] == (0, 0)
    assert summary["实名收寄率 (real-name pickup rate)"][:2] == (None, None)
    for name in ("carriers", "regions", "daily", "offending"):
        assert csv_rows(desk.download("weekly/2026-W40", format="csv", table=name)) == [], name
    # The registered outlets are listed, each with nothing counted: a silent outlet is what an audit seeks.
    outlets = csv_rows(desk.download("weekly/2026-W40", format="csv", table="outlets"))
    assert outlets and all(r["收寄件数 (parcels)"] == "0" for r in outlets)
    page = desk.download("weekly/2026-W40", format="html").decode("utf-8")
    assert "2026-W40" in page and "—" in page
    assert not any(word in page for word in ("nan", "NaN", "inf", "None"))


def test_a_carrier_new_this_week_has_no_previous_rate_while_the_other_is_compared(desk: Desk) -> None:
    desk.score(waybill(accepted_at=SUNDAY_W46, outlet_id="SF-A", pickup_checks={"xray_screened": False}))
    desk.score(waybill(accepted_at=TUESDAY_W47, outlet_id="SF-A"))
    desk.score(waybill(accepted_at=TUESDAY_W47, carrier="YTO", outlet_id="YTO-X"))
    body = desk.get("metrics", **W47, by="carrier")
    assert sorted_rows(body, "rows", "carrier", "xray_rate", "xray_rate_previous", "xray_rate_change") == [
        ("SF", 1.0, 0.0, 1.0),
        ("YTO", 1.0, None, None),
    ]


def test_a_page_of_offending_waybills_past_the_end_is_empty_with_the_total(desk: Desk) -> None:
    for n in range(3):
        desk.score(
            waybill(
                accepted_at=TUESDAY_W47,
                outlet_id="SF-A",
                sender=party(phone=f"1370000040{n}"),
                pickup_checks={"xray_screened": False},
            )
        )
    assert desk.get("offending", **W47, offset="3") == {"total": 3, "rows": []}
    assert len(desk.get("offending", **W47, offset="2")["rows"]) == 1


# Another carrier's or outlet's parcels are never mixed in.


def test_a_carrier_and_an_outlet_of_another_carrier_together_match_nothing(desk: Desk) -> None:
    desk.score(waybill(accepted_at=TUESDAY_W47, outlet_id="SF-A", pickup_checks={"xray_screened": False}))
    desk.score(waybill(accepted_at=TUESDAY_W47, outlet_id="SF-B", sender=party(**NO_ID)))
    desk.score(
        waybill(
            accepted_at=TUESDAY_W47, carrier="YTO", outlet_id="YTO-X", pickup_checks={"xray_screened": False}
        )
    )
    assert desk.get("metrics", **W47, carrier="YTO", outlet_id="SF-A")["total"]["parcels"] == 0
    assert desk.get("offending", **W47, carrier="YTO", outlet_id="SF-A")["total"] == 0
    sf = desk.get("dashboard", **W47, carrier="SF")
    assert total(sf, "parcels", "xrayed", "realname_missing", "non_compliant") == {
        "parcels": 2,
        "xrayed": 1,
        "realname_missing": 1,
        "non_compliant": 2,
    }
    assert sorted(o["outlet_id"] for o in sf["worst_outlets"]) == ["SF-A", "SF-B"]
    assert {r["carrier"] for r in desk.get("offending", **W47, carrier="SF")["rows"]} == {"SF"}


def test_two_carriers_outlets_with_the_same_code_keep_their_own_places(desk: Desk) -> None:
    desk.client.app.state.audit.outlets.upsert(
        [
            Outlet(
                outlet_id="0042",
                carrier="SF",
                province="上海市",
                city="上海市",
                district="浦东新区",
                name="顺丰张江",
            ),
            Outlet(
                outlet_id="0042",
                carrier="YTO",
                province="北京市",
                city="北京市",
                district="朝阳区",
                name="圆通朝阳",
            ),
        ]
    )
    desk.score(waybill(accepted_at=TUESDAY_W47, outlet_id="0042"))
    desk.score(waybill(accepted_at=TUESDAY_W47, carrier="YTO", outlet_id="0042"))
    body = desk.get("metrics", **W47, by="outlet")
    assert sorted_rows(body, "rows", "carrier", "outlet_id", "province", "outlet_name", "parcels") == [
        ("SF", "0042", "上海市", "顺丰张江", 1),
        ("YTO", "0042", "北京市", "圆通朝阳", 1),
    ]
    assert desk.get("metrics", **W47, province="上海市")["total"]["parcels"] == 1


# Downloads carry the JSON figures of the same week.


def week_with_outcomes(desk: Desk) -> None:
    """W46 and W47 at SF-A, SF-B and YTO-X, with two holds of W47 decided by officers."""
    desk.score(waybill(accepted_at=SUNDAY_W46, outlet_id="SF-A", pickup_checks={"opened_inspection": False}))
    at = TUESDAY_W47
    desk.score(waybill(accepted_at=at, outlet_id="SF-A"))
    desk.score(
        waybill(
            accepted_at=at, outlet_id="SF-A", sender=party(**NO_ID), pickup_checks={"xray_screened": False}
        )
    )
    seized = desk.score(over_limit(accepted_at=at, outlet_id="SF-B", sender=party(phone="13700000501")))
    released = desk.score(
        over_limit(accepted_at=at, carrier="YTO", outlet_id="YTO-X", sender=party(phone="13700000502"))
    )
    desk.score(
        waybill(accepted_at=at, carrier="YTO", outlet_id="YTO-X", pickup_checks={"opened_inspection": False})
    )
    desk.act(seized["case_id"], "seize", hours_after_opening=4)
    desk.act(released["case_id"], "release", hours_after_opening=8)


CARRIER_CSV = {
    "parcels": "收寄件数 (parcels)",
    "realname_needed": "应实名件数 (parcels needing real-name pickup)",
    "realname_ok": "实名合规件数 (with a valid, verified sender ID)",
    "inspected": "已验视件数 (inspection recorded)",
    "xrayed": "已过机件数 (X-ray recorded)",
    "hold": "扣留 (hold)",
    "reject": "拒收 (reject)",
    "holds_confirmed": "扣留-确认违规 (holds confirmed)",
    "holds_released": "扣留-已放行 (holds released)",
}


def test_the_weekly_carriers_csv_holds_the_weeks_metrics_per_carrier(desk: Desk) -> None:
    week_with_outcomes(desk)
    metrics = desk.get("metrics", **W47, by="carrier")
    assert sorted_rows(metrics, "rows", "carrier", *CARRIER_CSV) == [
        ("SF", 3, 3, 2, 3, 2, 1, 1, 1, 0),
        ("YTO", 2, 2, 2, 1, 2, 1, 0, 0, 1),
    ]
    rows = csv_rows(desk.download("weekly/2026-W47", format="csv", table="carriers"))
    downloaded = sorted((r["快递企业 (carrier)"], *(int(r[h]) for h in CARRIER_CSV.values())) for r in rows)
    assert downloaded == sorted_rows(metrics, "rows", "carrier", *CARRIER_CSV)
    hours = {r["快递企业 (carrier)"]: float(r["结案时长中位数/小时 (median hours to resolve)"]) for r in rows}
    assert hours == {"SF": 4.0, "YTO": 8.0}


def test_the_weekly_workbook_summary_holds_the_weekly_dashboard_and_the_week_before(
    desk: Desk, tmp_path: Path
) -> None:
    week_with_outcomes(desk)
    board = desk.get("dashboard", **W47)
    summary = summary_sheet(desk.download("weekly/2026-W47"), tmp_path)
    lines = {
        "parcels": "收寄件数 (parcels)",
        "realname_rate": "实名收寄率 (real-name pickup rate)",
        "inspection_rate": "收寄验视率 (inspection-recorded rate)",
        "xray_rate": "过机安检率 (X-ray-recorded rate)",
        "hold": "扣留 (hold)",
        "holds_confirmed": "扣留-确认违规 (holds confirmed)",
        "holds_released": "扣留-已放行 (holds released)",
    }
    assert {f: summary[h][0] for f, h in lines.items()} == {f: board["total"][f] for f in lines}
    assert {f: board["total"][f] for f in lines} == {
        "parcels": 5,
        "realname_rate": 4 / 5,
        "inspection_rate": 4 / 5,
        "xray_rate": 4 / 5,
        "hold": 2,
        "holds_confirmed": 1,
        "holds_released": 1,
    }
    assert (summary[lines["parcels"]][1], summary[lines["inspection_rate"]][1]) == (1, 0.0)
    assert board["total"]["inspection_rate_previous"] == 0.0


def test_the_weekly_page_prints_the_weeks_rates(desk: Desk) -> None:
    week_with_outcomes(desk)
    page = desk.download("weekly/2026-W47", format="html").decode("utf-8")
    assert "2026-W47" in page and "2026-W46" in page
    assert "80.0%" in page  # real name, inspection and X-ray: 4 of 5 each
    assert "+80.0 pt" in page  # inspection: 0 of 1 the week before


def test_the_weekly_outlets_csv_ranks_outlets_as_the_dashboard_does(desk: Desk) -> None:
    week_with_outcomes(desk)
    board = desk.get("dashboard", **W47)
    rows = csv_rows(desk.download("weekly/2026-W47", format="csv", table="outlets"))
    assert [r["网点编号 (outlet id)"] for r in rows] == [o["outlet_id"] for o in board["worst_outlets"]]
    assert [(o["outlet_id"], o["non_compliant"], o["parcels"]) for o in board["worst_outlets"]] == [
        ("SF-A", 1, 2),  # 1 of 2, as YTO-X: the tie goes by outlet id
        ("YTO-X", 1, 2),
        ("SF-B", 0, 1),
    ]


def test_an_outlet_id_that_looks_like_a_formula_is_text_in_the_workbook(desk: Desk, tmp_path: Path) -> None:
    odd = '=HYPERLINK("http://x.example","SF-A")'
    desk.score(waybill(accepted_at=TUESDAY_W47, outlet_id=odd, pickup_checks={"xray_screened": False}))
    book = workbook(desk.download("weekly/2026-W47"), tmp_path)
    cells = [
        (name, c.data_type)
        for name in ("网点排名 Outlets", "违规运单 Offending")
        for row in book[name].iter_rows()
        for c in row
        if c.value == odd
    ]
    book.close()
    assert cells == [("网点排名 Outlets", "s"), ("违规运单 Offending", "s")]


# Who may read the figures: an auditor all carriers; a carrier's key none, its own included.


def test_the_auditor_reads_every_carriers_figures_and_they_add_up(desk: Desk) -> None:
    week_with_outcomes(desk)
    body = desk.get("metrics", **W47, by="carrier")
    assert [r["carrier"] for r in body["rows"]] == ["SF", "YTO"]
    for figure in (
        "parcels",
        "realname_needed",
        "realname_ok",
        "inspected",
        "xrayed",
        "hold",
        "holds_confirmed",
    ):
        assert sum(r[figure] for r in body["rows"]) == body["total"][figure], figure


@pytest.mark.parametrize(
    "url",
    [
        "/v1/audit/metrics?week=2026-W47&carrier=SF",
        "/v1/audit/dashboard?week=2026-W47&carrier=SF",
        "/v1/audit/offending?week=2026-W47&carrier=SF",
        "/v1/audit/reports/weekly/2026-W47?format=csv&table=carriers",
    ],
)
def test_a_carriers_key_reads_no_audit_figures_not_even_its_own(desk: Desk, url: str) -> None:
    desk.score(waybill(accepted_at=TUESDAY_W47, outlet_id="SF-A", pickup_checks={"xray_screened": False}))
    desk.log.compact()
    key = make_key(desk.client.app, "carrier", "SF")
    desk.http.cookies.clear()
    r = desk.http.get(url, headers=bearer(key))
    assert r.status_code in (401, 403)
    assert "parcels" not in r.text and "SF-A" not in r.text


# Period labels that are not labels: a 422 naming the field, never figures and never a 500.


@pytest.mark.parametrize(
    ("url", "loc"),
    [
        ("/v1/audit/metrics?week=2026-W54", ["query", "week"]),
        ("/v1/audit/dashboard?week=2027-W53", ["query", "week"]),  # 2027 has 52 ISO weeks
        ("/v1/audit/offending?week=2026-W00", ["query", "week"]),
        ("/v1/audit/metrics?week=2026-w47", ["query", "week"]),
        ("/v1/audit/metrics?week=2026-W047", ["query", "week"]),
        ("/v1/audit/metrics?month=2026-00", ["query", "month"]),
        ("/v1/audit/offending?month=2026-1", ["query", "month"]),
        ("/v1/audit/metrics?month=2026-11-01", ["query", "month"]),
        ("/v1/audit/reports/weekly/2026-W54", ["path", "label"]),
        ("/v1/audit/reports/monthly/2026-13", ["path", "label"]),
        ("/v1/audit/reports/weekly/%202026-W47", ["path", "label"]),
    ],
)
def test_a_bad_period_label_is_a_422_naming_its_field(desk: Desk, url: str, loc: list[str]) -> None:
    r = desk.http.get(url)
    assert r.status_code == 422, r.text
    assert [e["loc"] for e in r.json()["detail"]] == [loc]


@pytest.mark.parametrize(
    ("url", "loc"),
    [
        ("/v1/audit/metrics?week=2026-W47%0A", ["query", "week"]),
        ("/v1/audit/dashboard?month=2026-11%0A", ["query", "month"]),
        ("/v1/audit/reports/weekly/2026-W47%0A", ["path", "label"]),
    ],
)
def test_a_label_with_a_trailing_newline_is_a_422(desk: Desk, url: str, loc: list[str]) -> None:
    r = desk.http.get(url)
    assert r.status_code == 422, (r.status_code, r.headers.get("content-disposition"))
    assert [e["loc"] for e in r.json()["detail"]] == [loc]


def test_a_label_in_full_width_digits_is_a_422_not_a_500(desk: Desk) -> None:
    r = desk.http.get("/v1/audit/reports/weekly/２０２６-W47")
    assert r.status_code == 422, r.status_code
    assert [e["loc"] for e in r.json()["detail"]] == [["path", "label"]]


@pytest.mark.parametrize(
    ("url", "loc"),
    [
        ("/v1/audit/metrics?month=9999-12", ["query", "month"]),
        ("/v1/audit/metrics?week=0001-W01", ["query", "week"]),
        ("/v1/audit/metrics?from=0001-01-01", ["query", "from"]),
        ("/v1/audit/reports/weekly/9999-W52", ["path", "label"]),
    ],
)
def test_a_period_at_the_edge_of_the_calendar_is_a_422_not_a_500(
    desk: Desk, url: str, loc: list[str]
) -> None:
    r = desk.http.get(url)
    assert r.status_code == 422, r.status_code
    assert [e["loc"] for e in r.json()["detail"]] == [loc]
