"""The definitions behind the postal bureau's audit figures, checked on small worlds counted by hand.

Sources: RULES.md §1 (the three systems 实名收寄、收寄验视、过机安检: the sender's ID for parcels handed
over in China, domestic and export; letters and qualified agreement customers exempt; imports need the buyer's
ID instead; inspection and X-ray recorded at pickup) and §3 (REALNAME_MISSING, ID_INVALID,
REALNAME_UNVERIFIED, BUYER_ID_MISSING, CONTRACT_UNQUALIFIED, INSPECTION_NOT_RECORDED, XRAY_NOT_RECORDED:
"required for every parcel; the policy may relax it per lane"); the wire contract ("(carrier, waybill_no)
identifies a parcel", a re-sent body "changes nothing", a changed body "still counts once",
`POST /v1/inspections`); the README: "HTTP API" (`/v1/audit/metrics`, `/offending` "per carrier / outlet /
courier / region and period"; cluster actions), "Cases for customs officers" (seize, return and referral
confirm a violation; "In the bureau's audit an open hold whose parcel an inspection found a violation in
counts as confirmed"), "Compliance audit for the postal bureau" (the definitions of the real-name,
inspection-recorded and X-ray-recorded rates and of agreement coverage, "a check the policy relaxes is no
breach", week-over-week change, "per carrier, outlet, courier and region", "A parcel counts once, as last
scored", outlets "each code its carrier's own; unknown outlets show as such", registries read again by
every worker when changed) and "Personal data" (masked identities only).

What the neighbouring files hold is not repeated (tests/api/test_audit.py, test_scenarios_audit_http.py,
test_scenarios_bureau.py, test_scenarios_report_periods.py, tests/screening/compliance/). These add: one
world of eighteen parcels whose offending list is compared with the pickup-duty reasons of its decisions
and with the shortfall of every rate; lanes and documents the others leave out (goods declared as
documents, a cbec export of an agreement customer, a temporary ID with a false check digit, an ID ticked
verified without a method); what was caught by a ring's cluster action across outlets and weeks, by
inspection reports (dated later, after a request for information, after a clear one, for one carrier of
two sharing a number, before the hold existed); regions by city and district pooled as counters, unknown
outlets, a code of another carrier, an outlet registered after its parcels; empty rates; a policy swapped
between scorings; comparisons per courier, province and agreement coverage; corrections that change the
lane, the agreement or the courier.

One development-mode app serves the module (SQLite cases, embedded history, the shipped policy without the
random audit). Each test has carrier codes of its own (Lot) and reads the audit for them only, and every
parcel has people of its own, so no history rule joins two tests.
"""

import itertools
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from features.identity import mask_id
from screening.agreements import Agreement
from screening.outlets import Outlet, OutletRegistry
from screening.policy.loader import load_policy
from screening.policy.schemas import Audit, Policy
from screening.settings import DEFAULT_POLICY, Settings
from tests.api.conftest import CaseClient
from tests.api.test_scenarios_report_periods import Lot, person
from tests.factories import (
    NO_ID,
    Whole,
    item,
    macau_receiver,
    merge,
    party,
    resident_id,
    wrong_check_digit,
)
from tests.screening.compliance.test_scenarios_audit import BEIJING, Desk, csv_rows, table, total

TUESDAY = "2026-11-17T10:00:00+08:00"  # 2026-W47
TUESDAY_BEFORE = "2026-11-10T10:00:00+08:00"  # 2026-W46
W47 = {"week": "2026-W47"}
NO_XRAY = {"opened_inspection": True, "xray_screened": False}
NO_INSPECTION = {"opened_inspection": False, "xray_screened": True}
NEITHER = {"opened_inspection": False, "xray_screened": False}
UNKNOWN = "未登记"
_people = itertools.count(9001)
_macau = itertools.count(8000)  # receivers in Macau of one's own (macau_receiver numbers them in 4 digits)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The module's data dir."""
    return tmp_path_factory.mktemp("definitions") / "data"


@pytest.fixture(scope="module")
def desk(data_dir: Path) -> Iterator[Desk]:
    """The module's app with an auditor (who is also an officer) logged in, on clocks the tests set."""
    app = create_app(Settings(env="development", data_dir=data_dir))
    with TestClient(app) as http:
        shipped = load_policy(DEFAULT_POLICY)
        app.state.engine.policy = shipped.model_copy(update={"audit": Audit(random_rate=0.0)})
        yield Desk(CaseClient(http, app))


@pytest.fixture
def lot(desk: Desk) -> Lot:
    """A carrier of the test's own, with {code}-A in Shanghai and {code}-B in Beijing registered."""
    return Lot(desk)


def abroad(n: int) -> dict[str, Any]:
    """A sender in Hong Kong of one's own (no ID: abroad, none is taken)."""
    return party(
        name=f"SENDER {n}",
        phone=f"+8529{n:07d}",
        address={"country": "HK", "province": None, "city": "Hong Kong", "district": "Kowloon"}
        | {"detail": f"{n} Nathan Road", "postcode": None},
        **NO_ID,
    )


def macau() -> dict[str, Any]:
    """A receiver in Macau nobody else in the module has."""
    return macau_receiver(next(_macau))


def buyer(n: int, id_number: str | None) -> dict[str, Any]:
    """A buyer in Beijing of one's own, with this ID (or none)."""
    identity = NO_ID if id_number is None else {"id_number": id_number}
    return party(
        name=f"王{n}",
        phone=f"136{n:08d}",
        address={"province": "北京市", "city": "北京市", "district": "朝阳区", "detail": f"光华路{n}号"},
        **identity,
    )


def sender(**changes: Any) -> dict[str, Any]:
    """A Shanghai sender of one's own, verified resident ID unless changed."""
    return Whole(merge(person(next(_people)), changes))


def new_id() -> str:
    """A resident ID number nobody else in the module has."""
    n = next(_people)
    return resident_id(region="320106", birth=f"19{70 + n % 20:02d}0303", seq=f"{n % 1000:03d}")


def codes(decision: dict[str, Any]) -> set[str]:
    """The reason codes of a decision."""
    return {r["code"] for r in decision["reasons"]}


def letter_items() -> list[dict[str, Any]]:
    """Documents only: a letter."""
    return [item(description="合同文件 contract documents", category="documents", quantity=1, unit_value=0.0)]


def inspection(desk: Desk, decision: dict[str, Any], result: str, at: str) -> None:
    """Customs report an inspection of a scored parcel (POST /v1/inspections)."""
    body = {
        "carrier": decision["carrier"],
        "waybill_no": decision["waybill_no"],
        "result": result,
        "violation_type": "undeclared goods" if result == "violation" else None,
        "inspected_at": at,
    }
    r = desk.http.post("/v1/inspections", json=body)
    assert r.status_code == 200, r.text


def opened_at(desk: Desk, case_id: str) -> datetime:
    """When a case was opened."""
    return datetime.fromisoformat(desk.http.get(f"/v1/cases/{case_id}").json()["opened_at"])


def register(desk: Desk, carrier: str, *places: tuple[str, str, str, str]) -> None:
    """Register outlets (code suffix, province, city, district) of a carrier."""
    desk.client.app.state.audit.outlets.upsert(
        [
            Outlet(
                outlet_id=f"{carrier}-{code}",
                carrier=carrier,
                province=province,
                city=city,
                district=district,
                name=f"{carrier} {district}{code}营业部",
            )
            for code, province, city, district in places
        ]
    )


def offending_nos(lot: Lot, **params: str) -> list[str]:
    """The waybill numbers of a carrier's offending list, sorted."""
    return sorted(r["waybill_no"] for r in lot.get("offending", **params)["rows"])


# One week of eighteen parcels at one carrier, each a case of the definitions.
#
# name: (outlet, what the parcel is) → what it broke (the offending problems, [] for none)
WORLD_PROBLEMS: dict[str, list[str]] = {
    "clean": [],
    "no_id": ["realname_missing"],
    "unverified": ["realname_unverified"],
    "false_id": ["realname_invalid"],
    "not_inspected": ["inspection_missing"],
    "not_xrayed": ["xray_missing"],
    "import_not_xrayed": ["xray_missing"],
    "letter_no_id": [],
    "letter_false_id": [],
    "agreement_not_inspected": ["inspection_missing"],
    "cbec_import_no_buyer_id": [],
    "receiver_false_id": [],
    "prohibited": [],
    "over_limit": [],
    "broke_all": ["realname_missing", "inspection_missing", "xray_missing"],
    "ticked_without_method": [],
    "phone_as_documents": ["realname_missing"],
    "corrected": [],
}
WORLD_DECISIONS = {
    "clean": "release",
    "no_id": "reject",
    "unverified": "inspect",
    "false_id": "reject",
    "not_inspected": "inspect",
    "not_xrayed": "inspect",
    "import_not_xrayed": "inspect",
    "letter_no_id": "release",
    "letter_false_id": "reject",
    "agreement_not_inspected": "inspect",
    "cbec_import_no_buyer_id": "hold",
    "receiver_false_id": "reject",
    "prohibited": "reject",
    "over_limit": "hold",
    "broke_all": "reject",
    "ticked_without_method": "release",
    "phone_as_documents": "reject",
    "corrected": "release",
}
OUTLET_B = {
    "not_xrayed",
    "import_not_xrayed",
    "letter_no_id",
    "letter_false_id",
    "agreement_not_inspected",
    "cbec_import_no_buyer_id",
    "broke_all",
}
# The reasons by which the engine itself says a pickup duty was broken.
PICKUP_CODES = {"REALNAME_MISSING", "REALNAME_UNVERIFIED", "INSPECTION_NOT_RECORDED", "XRAY_NOT_RECORDED"}


class World:
    """The eighteen parcels of one carrier in 2026-W47, scored, with their decisions by name."""

    def __init__(self, desk: Desk) -> None:
        self.lot = Lot(desk)
        lot = self.lot
        shop = f"{lot.carrier}-SHOP"
        desk.engine.agreements.upsert([Agreement(contract_id=shop, name="协议网店", carrier=lot.carrier)])
        n = next(_people)
        pistol = item(description="仿真手枪 replica pistol", category="general", quantity=1, unit_value=100.0)
        phone = item(description="iPhone 15 手机", category="documents", quantity=1, unit_value=5000.0)
        bodies: dict[str, dict[str, Any]] = {
            "clean": lot.parcel(TUESDAY),
            "no_id": lot.parcel(TUESDAY, sender=sender(**NO_ID)),
            "unverified": lot.parcel(TUESDAY, sender=sender(id_verified=False, verification_method="none")),
            "false_id": lot.parcel(TUESDAY, sender=sender(id_number=wrong_check_digit(new_id()))),
            "not_inspected": lot.parcel(TUESDAY, pickup_checks=NO_INSPECTION),
            "not_xrayed": lot.parcel(TUESDAY, "B", pickup_checks=NO_XRAY),
            "import_not_xrayed": lot.parcel(
                TUESDAY,
                "B",
                service="import",
                channel="postal",
                sender=abroad(n),
                pickup_checks=NO_XRAY,
            ),
            "letter_no_id": lot.parcel(TUESDAY, "B", sender=sender(**NO_ID), items=letter_items()),
            "letter_false_id": lot.parcel(
                TUESDAY, "B", sender=sender(id_number=wrong_check_digit(new_id())), items=letter_items()
            ),
            "agreement_not_inspected": lot.parcel(
                TUESDAY,
                "B",
                sender=sender(**NO_ID, customer_type="contract", contract_id=shop),
                pickup_checks=NO_INSPECTION,
            ),
            "cbec_import_no_buyer_id": lot.parcel(
                TUESDAY, "B", service="import", channel="cbec", sender=abroad(n + 1), receiver=buyer(n, None)
            ),
            "receiver_false_id": lot.parcel(TUESDAY, receiver=buyer(n + 1, wrong_check_digit(new_id()))),
            "prohibited": lot.parcel(TUESDAY, items=[pistol]),
            "over_limit": lot.held(TUESDAY),
            "broke_all": lot.parcel(TUESDAY, "B", sender=sender(**NO_ID), pickup_checks=NEITHER),
            "ticked_without_method": lot.parcel(TUESDAY, sender=sender(verification_method=None)),
            "phone_as_documents": lot.parcel(TUESDAY, sender=sender(**NO_ID), items=[phone], weight_kg=0.3),
        }
        self.decided = {name: lot.score(body) for name, body in bodies.items()}
        # Re-sent unchanged: the same decision, counted once.
        self.resent = lot.score(bodies["no_id"], after_s=30)
        # Refused without an ID, then corrected with a verified one: counted once, as released.
        first = lot.parcel(TUESDAY, sender=sender(**NO_ID))
        self.first_refusal = lot.score(first)
        self.decided["corrected"] = lot.score({**first, "sender": sender()}, after_s=60)
        self.number = {name: d["waybill_no"] for name, d in self.decided.items()}
        self.false_id_number = bodies["false_id"]["sender"]["id_number"]
        self.bodies = bodies


@pytest.fixture(scope="module")
def world(desk: Desk) -> World:
    """The world, scored once for the module."""
    return World(desk)


def test_the_worlds_parcels_get_the_decisions_the_rules_ask_for(world: World) -> None:
    """RULES.md §3: each reason's outcome; the final decision is the most severe; a re-send is the same."""
    assert {n: d["decision"] for n, d in world.decided.items()} == WORLD_DECISIONS
    assert world.resent["decision"] == world.decided["no_id"]["decision"]
    assert world.first_refusal["decision"] == "reject"
    assert "REALNAME_MISSING" in codes(world.decided["phone_as_documents"])
    assert codes(world.decided["cbec_import_no_buyer_id"]) == {"BUYER_ID_MISSING"}
    assert codes(world.decided["letter_false_id"]) == {"ID_INVALID"}


def test_the_worlds_totals_match_the_hand_count(world: World) -> None:
    """README: real-name rate over parcels that need it (domestic and export, not letters, not qualified
    agreement customers) with a valid, verified sender ID; inspection and X-ray over every parcel."""
    body = world.lot.get("metrics", **W47)
    assert total(
        body,
        "parcels",
        "realname_needed",
        "realname_ok",
        "realname_missing",
        "realname_invalid",
        "realname_unverified",
        "realname_rate",
    ) == {
        "parcels": 18,
        "realname_needed": 13,
        "realname_ok": 8,
        "realname_missing": 3,
        "realname_invalid": 1,
        "realname_unverified": 1,
        "realname_rate": 8 / 13,
    }
    assert total(body, "inspection_needed", "inspected", "xray_needed", "xrayed", "non_compliant") == {
        "inspection_needed": 18,
        "inspected": 15,
        "xray_needed": 18,
        "xrayed": 15,
        "non_compliant": 9,
    }
    assert total(body, "release", "inspect", "hold", "reject", "contract_parcels", "contract_qualified") == {
        "release": 4,
        "inspect": 5,
        "hold": 2,
        "reject": 7,
        "contract_parcels": 1,
        "contract_qualified": 1,
    }
    # Over every parcel, exempt ones included: 9 of 18 broke a pickup duty; 7 of 18 were refused.
    assert total(
        body, "non_compliance_rate", "reject_share", "hold_share", "inspection_rate", "xray_rate"
    ) == {
        "non_compliance_rate": 9 / 18,
        "reject_share": 7 / 18,
        "hold_share": 2 / 18,
        "inspection_rate": 15 / 18,
        "xray_rate": 15 / 18,
    }


def test_the_worlds_holds_are_caught_at_their_outlets_and_still_open(world: World) -> None:
    """README: holds and their outcomes per outlet; a hold without an officer's decision is open. Neither
    hold (a cbec import without the buyer's ID, a personal article over the limit) broke a pickup duty."""
    body = world.lot.get("metrics", **W47, by="outlet")
    names = (
        "outlet_id",
        "hold",
        "holds_open",
        "holds_confirmed",
        "hold_confirmed_rate",
        "median_resolve_hours",
    )
    a, b = f"{world.lot.carrier}-A", f"{world.lot.carrier}-B"
    assert sorted(table(body, "rows", *names)) == [(a, 1, 1, 0, 0.0, None), (b, 1, 1, 0, 0.0, None)]
    listed = offending_nos(world.lot, **W47)
    assert world.number["over_limit"] not in listed and world.number["cbec_import_no_buyer_id"] not in listed


def test_the_worlds_outlets_match_the_hand_count(world: World) -> None:
    """README: metrics per outlet; rates are the outlet's own parcels' counts."""
    body = world.lot.get("metrics", **W47, by="outlet")
    names = ("outlet_id", "parcels", "realname_needed", "realname_ok", "inspected", "xrayed", "non_compliant")
    a, b = f"{world.lot.carrier}-A", f"{world.lot.carrier}-B"
    assert sorted(table(body, "rows", *names)) == [(a, 11, 11, 7, 10, 11, 5), (b, 7, 2, 1, 5, 4, 4)]


def test_the_offending_list_is_exactly_the_parcels_that_broke_a_pickup_duty(world: World) -> None:
    """README: offending waybills are the parcels whose pickup checks were not done; nothing else."""
    listed = {r["waybill_no"]: r["problems"] for r in world.lot.get("offending", **W47)["rows"]}
    expected = {world.number[n]: p for n, p in WORLD_PROBLEMS.items() if p}
    assert listed == expected


def test_the_offending_list_agrees_with_the_pickup_reasons_of_the_decisions(world: World) -> None:
    """RULES.md §3: REALNAME_MISSING, REALNAME_UNVERIFIED, INSPECTION_NOT_RECORDED and XRAY_NOT_RECORDED
    are the engine's own word that a pickup duty was broken; a false sender ID where real-name pickup
    applies is one too. A false ID of a letter's sender or of a receiver is caught, but no pickup duty
    was broken by it."""
    listed = set(offending_nos(world.lot, **W47))
    by_reasons = {d["waybill_no"] for d in world.decided.values() if codes(d) & PICKUP_CODES}
    assert listed == by_reasons | {world.number["false_id"]}
    assert world.number["letter_false_id"] not in listed
    assert world.number["receiver_false_id"] not in listed


@pytest.mark.parametrize(
    ("check", "needed", "done"),
    [
        ("realname", "realname_needed", "realname_ok"),
        ("inspection", "inspection_needed", "inspected"),
        ("xray", "xray_needed", "xrayed"),
    ],
)
def test_each_checks_list_is_what_its_rate_falls_short_by(
    world: World, check: str, needed: str, done: str
) -> None:
    """README: drill down from a rate to the offending waybills of one check: its shortfall, one by one."""
    figures = world.lot.get("metrics", **W47)["total"]
    rows = world.lot.get("offending", **W47, check=check)["rows"]
    assert len(rows) == figures[needed] - figures[done]
    short = {n for n, p in WORLD_PROBLEMS.items() if any(x.startswith(check) for x in p)}
    assert sorted(r["waybill_no"] for r in rows) == sorted(world.number[n] for n in short)


def test_an_outlets_offending_list_holds_its_non_compliant_parcels(world: World) -> None:
    """README: offending waybills per outlet; an outlet's count of non-compliant parcels is its list."""
    b = f"{world.lot.carrier}-B"
    listed = offending_nos(world.lot, **W47, outlet_id=b)
    assert listed == sorted(world.number[n] for n in OUTLET_B if WORLD_PROBLEMS[n])
    assert len(listed) == 4


def test_the_corrected_and_the_resent_parcel_count_once_each(world: World) -> None:
    """Contract: a re-sent body changes nothing; a changed body still counts once (README: as last scored)."""
    listed = offending_nos(world.lot, **W47)
    assert listed.count(world.number["no_id"]) == 1
    assert world.number["corrected"] not in listed
    couriers = world.lot.get("metrics", **W47, by="courier")
    assert sum(r["parcels"] for r in couriers["rows"]) == 18


def test_offending_rows_show_identities_masked_only(world: World) -> None:
    """RULES.md §1 and README "Personal data": offending lists show masked IDs and phones, never plain."""
    rows = {r["waybill_no"]: r for r in world.lot.get("offending", **W47)["rows"]}
    false_id = rows[world.number["false_id"]]
    number = world.false_id_number
    assert (false_id["sender_id_type"], false_id["sender_id_masked"]) == ("resident_id", mask_id(number))
    sender_phone = world.bodies["false_id"]["sender"]["phone"]
    assert false_id["sender_phone_masked"] == f"+86{sender_phone[:3]}****{sender_phone[-4:]}"
    assert rows[world.number["no_id"]]["sender_id_masked"] is None
    foreign = rows[world.number["import_not_xrayed"]]
    foreign_phone = world.bodies["import_not_xrayed"]["sender"]["phone"]
    assert foreign["sender_phone_masked"] == f"{foreign_phone[:4]}****{foreign_phone[-4:]}"
    text = str(rows)
    assert number not in text and number[:17] not in text
    assert sender_phone not in text and foreign_phone[1:] not in text
    assert not any(k.endswith("_key") for r in rows.values() for k in r)


def test_an_agreement_customers_offending_row_names_the_agreement(world: World) -> None:
    """README: the offending list says who sent it (customer type, agreement status), masked."""
    rows = {r["waybill_no"]: r for r in world.lot.get("offending", **W47)["rows"]}
    row = rows[world.number["agreement_not_inspected"]]
    assert (row["customer_type"], row["agreement_status"], row["problems"]) == (
        "contract",
        "active",
        ["inspection_missing"],
    )


# Who is in the real-name denominator: documents, agreements and IDs the other files leave out.


def test_goods_declared_as_documents_are_no_letter_and_need_real_name_pickup(lot: Lot) -> None:
    """RULES.md §2: letters (documents) are exempt from the ID check; a phone declared as documents is
    goods, so its pickup without an ID is a real-name failure, while a true letter stays outside."""
    phone = item(description="iPhone 15 手机", category="documents", quantity=1, unit_value=5000.0)
    declared = lot.score(lot.parcel(TUESDAY, sender=sender(**NO_ID), items=[phone], weight_kg=0.3))
    letter = lot.score(lot.parcel(TUESDAY, sender=sender(**NO_ID), items=letter_items(), weight_kg=0.1))
    assert "REALNAME_MISSING" in codes(declared)
    assert letter["decision"] == "release"
    body = lot.get("metrics", **W47)
    assert total(body, "parcels", "realname_needed", "realname_missing", "realname_rate") == {
        "parcels": 2,
        "realname_needed": 1,
        "realname_missing": 1,
        "realname_rate": 0.0,
    }
    assert offending_nos(lot, **W47, check="realname") == [declared["waybill_no"]]


def test_an_id_ticked_verified_without_naming_a_method_meets_real_name_pickup(lot: Lot) -> None:
    """Contract: id_verified means the ID was checked against the person; verification_method is optional.
    The engine raises no REALNAME_UNVERIFIED, and the audit counts the pickup as done."""
    decided = lot.score(lot.parcel(TUESDAY, sender=sender(verification_method=None)))
    assert (decided["decision"], decided["reasons"]) == ("release", [])
    body = lot.get("metrics", **W47)
    assert total(body, "realname_needed", "realname_ok", "realname_unverified", "non_compliant") == {
        "realname_needed": 1,
        "realname_ok": 1,
        "realname_unverified": 0,
        "non_compliant": 0,
    }


def test_a_temporary_id_with_a_false_check_digit_is_an_invalid_id_not_an_unverified_one(lot: Lot) -> None:
    """RULES.md §3 ID_INVALID (a temporary ID is checked like a resident ID): a false ID ticked as read by
    the ID reader was still not checked against its bearer, and counts once, as invalid."""
    number = wrong_check_digit(new_id())
    decided = lot.score(lot.parcel(TUESDAY, sender=sender(id_type="temporary_id", id_number=number)))
    assert (decided["decision"], codes(decided)) == ("reject", {"ID_INVALID"})
    body = lot.get("metrics", **W47)
    assert total(body, "realname_needed", "realname_ok", "realname_invalid", "realname_unverified") == {
        "realname_needed": 1,
        "realname_ok": 0,
        "realname_invalid": 1,
        "realname_unverified": 0,
    }
    (row,) = lot.get("offending", **W47)["rows"]
    assert (row["problems"], row["sender_id_type"], row["sender_id_masked"]) == (
        ["realname_invalid"],
        "temporary_id",
        mask_id(number),
    )


def test_a_cbec_export_of_a_qualified_agreement_customer_needs_no_id_and_a_suspended_ones_does(
    lot: Lot,
) -> None:
    """RULES.md §1: export parcels need real-name pickup unless from a qualified agreement customer;
    README: agreement coverage = qualified agreement-customer parcels ÷ agreement-customer parcels."""
    active, suspended = f"{lot.carrier}-OK", f"{lot.carrier}-OFF"
    lot.desk.engine.agreements.upsert(
        [
            Agreement(contract_id=active, name="跨境网店", carrier=lot.carrier),
            Agreement(contract_id=suspended, name="停业网店", carrier=lot.carrier, status="suspended"),
        ]
    )

    def cbec_export(contract_id: str) -> dict[str, Any]:
        return lot.parcel(
            TUESDAY,
            service="export",
            channel="cbec",
            sender=sender(**NO_ID, customer_type="contract", contract_id=contract_id),
            receiver=macau(),
        )

    decided = [lot.score(cbec_export(active)), lot.score(cbec_export(suspended))]
    assert [d["decision"] for d in decided] == ["release", "reject"]
    assert codes(decided[1]) == {"REALNAME_MISSING", "CONTRACT_UNQUALIFIED"}
    body = lot.get("metrics", **W47)
    assert total(
        body,
        "realname_needed",
        "realname_missing",
        "contract_parcels",
        "contract_qualified",
        "agreement_coverage",
    ) == {
        "realname_needed": 1,
        "realname_missing": 1,
        "contract_parcels": 2,
        "contract_qualified": 1,
        "agreement_coverage": 1 / 2,
    }
    (row,) = lot.get("offending", **W47)["rows"]
    assert (row["waybill_no"], row["channel"], row["agreement_status"]) == (
        decided[1]["waybill_no"],
        "cbec",
        "suspended",
    )


def test_an_organisation_exporting_by_express_registers_its_credit_code(lot: Lot) -> None:
    """RULES.md §1: organisations register their unified social credit code; an export needs it."""
    uscc = "91110000600037341L"
    org = sender(id_type="uscc", id_number=uscc, verification_method="manual")
    decided = [
        lot.score(lot.parcel(TUESDAY, service="export", sender=org, receiver=macau())),
        lot.score(
            lot.parcel(
                TUESDAY,
                service="export",
                sender=sender(id_type="uscc", id_number=None, id_verified=False, verification_method=None),
                receiver=macau(),
            )
        ),
    ]
    assert [d["decision"] for d in decided] == ["release", "reject"]
    body = lot.get("metrics", **W47)
    assert total(body, "realname_needed", "realname_ok", "realname_missing") == {
        "realname_needed": 2,
        "realname_ok": 1,
        "realname_missing": 1,
    }


# What was caught: holds and what officers, a ring's cluster action and inspection reports made of them,
# counted at the outlet and in the period of the pickup.


def ring(lot: Lot, start: str, outlets: list[str]) -> list[dict[str, Any]]:
    """One sender's parcels 24 minutes apart to three Macau receivers, each just under the 800 CNY limit:
    from the sixth on, ANT_MOVING_SENDER holds (≥ 6 in 24 h, ≥ 3 receivers, together ≥ 3·L)."""
    who = sender()
    receivers = [macau(), macau(), macau()]
    begin = datetime.fromisoformat(start)
    return [
        lot.parcel(
            (begin + timedelta(minutes=24 * i)).isoformat(),
            outlet,
            service="export",
            channel="postal",
            sender=who,
            receiver=receivers[i % 3],
            items=[
                item(description="面霜 face cream", category="cosmetics", quantity=1, unit_value=760.0 + i)
            ],
            weight_kg=0.4,
        )
        for i, outlet in enumerate(outlets)
    ]


def test_a_rings_cluster_seizure_counts_at_each_parcels_outlet_and_week(lot: Lot) -> None:
    """README: one action on every open case of an ant-moving ring; a seizure confirms a violation; holds
    and their outcomes per outlet and period of pickup. The ring runs from Sunday 21:00 into Monday."""
    parcels = ring(lot, "2026-11-22T21:00:00+08:00", ["A"] * 7 + ["B"] * 3)
    decided = [lot.score(p) for p in parcels]
    held = [d for d in decided if d["decision"] == "hold"]
    assert [i for i, d in enumerate(decided) if d["decision"] == "hold"] == [5, 6, 7, 8, 9]
    assert all("ANT_MOVING_SENDER" in codes(d) for d in held)
    desk = lot.desk
    cluster = desk.http.get(f"/v1/cases/{held[0]['case_id']}").json()["cluster_id"]
    desk.now = datetime(2026, 11, 24, 10, 0, tzinfo=BEIJING)
    r = desk.http.post(
        f"/v1/cases/clusters/{cluster}/actions", json={"action": "seize", "violation_type": "ant moving"}
    )
    assert r.status_code == 200, r.text
    assert sorted(r.json()["acted"]) == sorted(d["case_id"] for d in held)
    names = ("outlet_id", "hold", "holds_confirmed", "holds_open")
    a, b = f"{lot.carrier}-A", f"{lot.carrier}-B"
    w47 = lot.get("metrics", **W47, by="outlet")
    w48 = lot.get("metrics", week="2026-W48", by="outlet")
    assert sorted(table(w47, "rows", *names)) == [(a, 2, 2, 0), (b, 1, 1, 0)]  # 23:00, 23:24 / 23:48
    assert table(w48, "rows", *names) == [(b, 2, 2, 0)]  # 00:12 and 00:36 on Monday
    both_days = lot.get("metrics", **{"from": "2026-11-22", "to": "2026-11-23"})
    assert total(both_days, "hold", "holds_confirmed", "hold_confirmed_rate") == {
        "hold": 5,
        "holds_confirmed": 5,
        "hold_confirmed_rate": 1.0,
    }


def test_an_inspection_finding_a_violation_confirms_a_hold_waiting_for_information(lot: Lot) -> None:
    """README: an open hold whose parcel an inspection found a violation in counts as confirmed (a request
    for information leaves it open); the time to resolve runs from opening to the inspection."""
    held = lot.score(lot.held(TUESDAY))
    desk = lot.desk
    desk.act(held["case_id"], "request_info", hours_after_opening=1)
    assert total(lot.get("metrics", **W47), "holds_open", "holds_confirmed") == {
        "holds_open": 1,
        "holds_confirmed": 0,
    }
    found = opened_at(desk, held["case_id"]) + timedelta(hours=6)
    inspection(desk, held, "violation", found.isoformat())
    assert total(
        lot.get("metrics", **W47), "hold", "holds_confirmed", "holds_open", "median_resolve_hours"
    ) == {
        "hold": 1,
        "holds_confirmed": 1,
        "holds_open": 0,
        "median_resolve_hours": 6.0,
    }


def test_an_inspection_reported_weeks_later_counts_in_the_week_of_pickup_not_of_the_report(lot: Lot) -> None:
    """README: a confirmed violation is dated at the parcel's pickup; holds count in the period of pickup."""
    held = lot.score(lot.held(TUESDAY))
    inspection(lot.desk, held, "violation", "2026-12-09T15:00:00+08:00")
    assert total(lot.get("metrics", **W47), "hold", "holds_confirmed") == {"hold": 1, "holds_confirmed": 1}
    assert total(lot.get("metrics", week="2026-W50"), "hold", "holds_confirmed") == {
        "hold": 0,
        "holds_confirmed": 0,
    }


def test_a_clear_inspection_leaves_the_hold_open_and_a_later_violation_confirms_it(lot: Lot) -> None:
    """Contract: an inspection is clear or a violation; README: only one that found a violation confirms."""
    held = lot.score(lot.held(TUESDAY))
    inspection(lot.desk, held, "clear", "2026-11-17T12:00:00+08:00")
    assert total(lot.get("metrics", **W47), "holds_open", "holds_confirmed") == {
        "holds_open": 1,
        "holds_confirmed": 0,
    }
    inspection(lot.desk, held, "violation", "2026-11-17T14:00:00+08:00")
    assert total(lot.get("metrics", **W47), "holds_open", "holds_confirmed") == {
        "holds_open": 0,
        "holds_confirmed": 1,
    }


def test_a_hold_the_officer_released_stays_released_whatever_an_inspection_reports_later(lot: Lot) -> None:
    """README: an *open* hold is confirmed by an inspection's violation; a released one was closed."""
    held = lot.score(lot.held(TUESDAY))
    lot.desk.act(held["case_id"], "release", hours_after_opening=2)
    inspection(lot.desk, held, "violation", "2026-11-18T09:00:00+08:00")
    assert total(lot.get("metrics", **W47), "hold", "holds_released", "holds_confirmed", "holds_open") == {
        "hold": 1,
        "holds_released": 1,
        "holds_confirmed": 0,
        "holds_open": 0,
    }


def test_an_inspection_of_one_carriers_parcel_confirms_no_other_carriers_hold_of_that_number(
    desk: Desk,
) -> None:
    """Contract: (carrier, waybill_no) identifies a parcel; an inspection names both."""
    one, other = Lot(desk), Lot(desk)
    number = f"{one.carrier}{other.carrier}{next(_people):08d}"
    held = [
        one.score(one.held(TUESDAY, waybill_no=number)),
        other.score(other.held(TUESDAY, waybill_no=number)),
    ]
    assert [d["decision"] for d in held] == ["hold", "hold"]
    inspection(desk, held[0], "violation", "2026-11-17T15:00:00+08:00")
    figures = [total(lot.get("metrics", **W47), "holds_confirmed", "holds_open") for lot in (one, other)]
    assert figures == [{"holds_confirmed": 1, "holds_open": 0}, {"holds_confirmed": 0, "holds_open": 1}]


def test_a_violation_found_before_a_correction_made_the_parcel_a_hold_confirms_that_hold(lot: Lot) -> None:
    """README: "an open hold whose parcel an inspection found a violation in counts as confirmed". The
    parcel was inspected (no X-ray recorded), the inspection found undeclared goods, and the courier's
    corrected body (the real value, over the limit) is held: its parcel was found in violation."""
    coat = item(description="羊毛大衣 wool coat", quantity=1, unit_value=500.0)
    first = lot.held(TUESDAY, items=[coat], declared_value=500.0, pickup_checks=NO_XRAY)
    inspected = lot.score(first)
    assert (inspected["decision"], codes(inspected)) == ("inspect", {"XRAY_NOT_RECORDED"})
    inspection(lot.desk, inspected, "violation", "2026-11-17T11:00:00+08:00")
    corrected = {**first, "items": [{**coat, "quantity": 2}], "declared_value": 1000.0}
    corrected["pickup_checks"] = {"opened_inspection": True, "xray_screened": True}
    held = lot.score(corrected, after_s=3 * 3600)
    assert held["decision"] == "hold"
    assert total(lot.get("metrics", **W47), "hold", "holds_confirmed", "holds_open") == {
        "hold": 1,
        "holds_confirmed": 1,
        "holds_open": 0,
    }


def test_holds_under_review_are_open_and_a_return_is_caught_per_courier(lot: Lot) -> None:
    """README: seized, returned or referred to the police confirm a violation; assign (in review) does not;
    figures per courier within their outlet."""
    held = [
        lot.score(lot.held(TUESDAY, courier_id="C-7")),
        lot.score(lot.held(TUESDAY, courier_id="C-7")),
        lot.score(lot.held(TUESDAY, courier_id="C-8")),
    ]
    lot.desk.act(held[0]["case_id"], "return", hours_after_opening=3)
    lot.desk.act(held[1]["case_id"], "assign", hours_after_opening=1)
    lot.desk.act(held[2]["case_id"], "release", hours_after_opening=5)
    body = lot.get("metrics", **W47, by="courier")
    names = ("courier_id", "hold", "holds_confirmed", "holds_released", "holds_open", "hold_confirmed_rate")
    assert sorted(table(body, "rows", *names)) == [("C-7", 2, 1, 0, 1, 1 / 2), ("C-8", 1, 0, 1, 0, 0.0)]


# Regions: provinces, cities and districts from the outlet registry, rates pooled as counts.


class Regions:
    """One carrier's week in Guangdong and at an unregistered outlet.

    G1 广州市天河区: two parcels, one not X-rayed. G2 深圳市南山区: one clean parcel. G3 深圳市福田区: one
    clean, two without an ID. G4 深圳市福田区: one ID not verified. X (not registered): one clean, one
    without an ID.
    """

    def __init__(self, desk: Desk) -> None:
        self.lot = lot = Lot(desk)
        register(
            desk,
            lot.carrier,
            ("G1", "广东省", "广州市", "天河区"),
            ("G2", "广东省", "深圳市", "南山区"),
            ("G3", "广东省", "深圳市", "福田区"),
            ("G4", "广东省", "深圳市", "福田区"),
        )
        plan: list[tuple[str, dict[str, Any]]] = [
            ("G1", {}),
            ("G1", {"pickup_checks": NO_XRAY}),
            ("G2", {}),
            ("G3", {}),
            ("G3", {"sender": sender(**NO_ID)}),
            ("G3", {"sender": sender(**NO_ID)}),
            ("G4", {"sender": sender(id_verified=False, verification_method="none")}),
            ("X", {}),
            ("X", {"sender": sender(**NO_ID)}),
        ]
        self.numbers: dict[str, list[str]] = {}
        for outlet, changes in plan:
            decided = lot.score(lot.parcel(TUESDAY, outlet, **changes))
            self.numbers.setdefault(outlet, []).append(decided["waybill_no"])
        # The offending parcels by outlet (the first of each outlet is clean).
        self.offending = {o: sorted(n[1:]) for o, n in self.numbers.items()}
        self.offending["G4"] = self.numbers["G4"]


@pytest.fixture(scope="module")
def regions(desk: Desk) -> Regions:
    """The Guangdong week, scored once for the module."""
    return Regions(desk)


def test_a_citys_rate_pools_its_outlets_parcels_rather_than_averaging_their_rates(regions: Regions) -> None:
    """README: the real-name rate is parcels with a valid, verified ID ÷ parcels needing one, per region:
    Shenzhen's outlets (1/1, 1/3, 0/1) make 2/5, not their mean."""
    body = regions.lot.get("metrics", **W47, by="city")
    names = ("province", "city", "parcels", "realname_needed", "realname_ok", "realname_rate", "xray_rate")
    assert sorted(table(body, "rows", *names)) == [
        ("广东省", "广州市", 2, 2, 2, 1.0, 1 / 2),
        ("广东省", "深圳市", 5, 5, 2, 2 / 5, 1.0),
        (UNKNOWN, UNKNOWN, 2, 2, 1, 1 / 2, 1.0),
    ]


def test_districts_and_provinces_add_their_outlets_up(regions: Regions) -> None:
    """README: metrics per region (province, city, district); an unknown outlet shows as such."""
    districts = regions.lot.get("metrics", **W47, by="district")
    names = ("province", "city", "district", "parcels", "realname_ok", "non_compliant", "non_compliance_rate")
    assert sorted(table(districts, "rows", *names)) == [
        ("广东省", "广州市", "天河区", 2, 2, 1, 1 / 2),
        ("广东省", "深圳市", "南山区", 1, 1, 0, 0.0),
        ("广东省", "深圳市", "福田区", 4, 1, 3, 3 / 4),
        (UNKNOWN, UNKNOWN, UNKNOWN, 2, 1, 1, 1 / 2),
    ]
    provinces = regions.lot.get("metrics", **W47, by="province")
    assert sorted(table(provinces, "rows", "province", "parcels", "realname_needed", "realname_ok")) == [
        ("广东省", 7, 7, 4),
        (UNKNOWN, 2, 2, 1),
    ]


def test_an_unregistered_outlet_is_kept_under_its_own_code_with_an_unknown_place(regions: Regions) -> None:
    """README: outlets for the reports; unknown outlets show as such (never dropped or guessed)."""
    body = regions.lot.get("metrics", **W47, by="outlet")
    x = f"{regions.lot.carrier}-X"
    rows = {r["outlet_id"]: r for r in body["rows"]}
    assert (rows[x]["province"], rows[x]["city"], rows[x]["district"], rows[x]["parcels"]) == (
        UNKNOWN,
        UNKNOWN,
        UNKNOWN,
        2,
    )
    assert rows[x]["outlet_name"] != rows[f"{regions.lot.carrier}-G1"]["outlet_name"]
    assert len(rows) == 5


@pytest.mark.parametrize(
    ("place", "outlets"),
    [
        ({"province": "广东省"}, ("G1", "G3", "G4")),
        ({"city": "深圳市"}, ("G3", "G4")),
        ({"district": "福田区"}, ("G3", "G4")),
        ({"province": "广东省", "city": "广州市"}, ("G1",)),
        ({"province": UNKNOWN}, ("X",)),
    ],
    ids=["province", "city", "district", "province-city", "unknown"],
)
def test_a_region_filter_narrows_the_figures_and_the_offending_list_alike(
    regions: Regions, place: dict[str, str], outlets: tuple[str, ...]
) -> None:
    """README: figures per region, and the offending waybills behind them: a region's list holds exactly
    the parcels its non-compliant count counts."""
    figures = regions.lot.get("metrics", **W47, **place)["total"]
    listed = offending_nos(regions.lot, **W47, **place)
    assert listed == sorted(n for o in outlets for n in regions.offending[o])
    assert figures["non_compliant"] == len(listed)


def test_a_known_province_with_an_unknown_city_matches_nothing_in_figures_or_list(regions: Regions) -> None:
    """README: an unknown outlet shows as 未登记 in every region column; no parcel is both in 广东省 and in
    an unknown city, so the figures and the offending list of that filter are both empty."""
    place = {"province": "广东省", "city": UNKNOWN}
    figures = regions.lot.get("metrics", **W47, **place)["total"]
    assert (figures["parcels"], figures["non_compliant"]) == (0, 0)
    assert offending_nos(regions.lot, **W47, **place) == []


def test_a_region_filter_and_a_check_filter_together_list_the_regions_failures_of_that_check(
    regions: Regions,
) -> None:
    """README: drill down to the offending waybills of a region and a check."""
    listed = offending_nos(regions.lot, **W47, city="深圳市", check="realname")
    assert listed == sorted([*regions.offending["G3"], *regions.offending["G4"]])
    assert offending_nos(regions.lot, **W47, city="广州市", check="realname") == []
    assert offending_nos(regions.lot, **W47, city="广州市", check="xray") == regions.offending["G1"]


def test_an_outlet_code_registered_for_another_carrier_is_unknown_for_this_one(desk: Desk) -> None:
    """README: outlets, each code its carrier's own; unknown outlets show as such."""
    owner, stranger = Lot(desk), Lot(desk)
    code = f"{owner.carrier}-A"  # registered for the owner, in Shanghai
    decided = stranger.score(stranger.parcel(TUESDAY, outlet_id=code, pickup_checks=NO_XRAY))
    rows = stranger.get("metrics", **W47, by="outlet")["rows"]
    assert table({"rows": rows}, "rows", "outlet_id", "province", "parcels") == [(code, UNKNOWN, 1)]
    assert offending_nos(stranger, **W47, province="上海市") == []
    assert offending_nos(stranger, **W47, province=UNKNOWN) == [decided["waybill_no"]]
    assert stranger.get("metrics", **W47, province="上海市")["total"]["parcels"] == 0


def test_an_outlet_registered_after_its_parcels_shows_its_region_at_the_next_reading(
    desk: Desk, data_dir: Path
) -> None:
    """README: `screening outlets load` fills the registry; registries live in CSV files that every worker
    reads again when another has changed them. The figures are read from the log with the registry of now."""
    lot = Lot(desk)
    decided = lot.score(lot.parcel(TUESDAY, "NEW", sender=sender(**NO_ID)))
    before = lot.get("metrics", **W47, by="province")["rows"]
    assert table({"rows": before}, "rows", "province", "parcels") == [(UNKNOWN, 1)]
    elsewhere = OutletRegistry(data_dir / "outlets.csv")  # another process loading the outlet file
    elsewhere.upsert(
        [
            Outlet(
                outlet_id=f"{lot.carrier}-NEW",
                carrier=lot.carrier,
                province="浙江省",
                city="杭州市",
                district="西湖区",
                name="文三路营业部",
            )
        ]
    )
    after = lot.get("metrics", **W47, by="district")["rows"]
    assert table({"rows": after}, "rows", "province", "city", "district", "parcels", "realname_missing") == [
        ("浙江省", "杭州市", "西湖区", 1, 1)
    ]
    assert offending_nos(lot, **W47, district="西湖区") == [decided["waybill_no"]]


# Rates with nothing to measure are empty, never 0 % or 100 %; a policy that relaxes a check.


@pytest.fixture
def swap_policy(desk: Desk) -> Iterator[Any]:
    """Put a policy in force as a restart with a changed policy file would (engine and log alike)."""
    engine = desk.engine
    log = desk.log
    kept = (engine.policy, log.policy)

    def put(policy: Policy) -> None:
        log.journal.flush()  # a restart commits what the log holds before the new policy decides
        engine.policy = policy
        log.policy = policy

    yield put
    engine.policy, log.policy = kept


def relaxed(desk: Desk, *, xray: tuple[str, ...], version: str) -> Policy:
    """The policy in force with X-ray required on these lanes only."""
    policy = desk.engine.policy
    pickup = policy.pickup.model_copy(update={"xray_lanes": frozenset(xray)})
    return policy.model_copy(update={"pickup": pickup, "version": version})


def test_a_policy_without_any_xray_lane_leaves_the_xray_rate_empty_not_full(
    lot: Lot, swap_policy: Any
) -> None:
    """RULES.md §3 XRAY_NOT_RECORDED: the policy may relax it per lane; README: the X-ray rate is over the
    parcels the policy in force required it on; a check the policy relaxes is no breach."""
    swap_policy(relaxed(lot.desk, xray=(), version="policy-no-xray"))
    decided = lot.score(lot.parcel(TUESDAY, pickup_checks=NO_XRAY))
    assert (decided["decision"], decided["reasons"], decided["policy_version"]) == (
        "release",
        [],
        "policy-no-xray",
    )
    body = lot.get("metrics", **W47)
    assert total(
        body, "parcels", "xray_needed", "xrayed", "xray_rate", "inspection_rate", "non_compliant"
    ) == {
        "parcels": 1,
        "xray_needed": 0,
        "xrayed": 0,
        "xray_rate": None,
        "inspection_rate": 1.0,
        "non_compliant": 0,
    }
    assert lot.get("offending", **W47, check="xray")["total"] == 0


def test_a_check_relaxed_midweek_counts_for_the_parcels_scored_while_it_was_required(
    lot: Lot, swap_policy: Any
) -> None:
    """README: the X-ray rate is over the parcels whose lane the policy in force required it on — the log
    records it at scoring; a re-send after the change changes nothing (contract)."""
    n = next(_people)
    early = lot.parcel(TUESDAY, service="import", channel="postal", sender=abroad(n), pickup_checks=NO_XRAY)
    assert codes(lot.score(early)) == {"XRAY_NOT_RECORDED"}
    swap_policy(relaxed(lot.desk, xray=("domestic", "export"), version="policy-import-xray-relaxed"))
    late = lot.parcel(
        "2026-11-19T10:00:00+08:00",
        service="import",
        channel="postal",
        sender=abroad(n + 1),
        pickup_checks=NO_XRAY,
    )
    assert lot.score(late)["decision"] == "release"
    resent = lot.score(early, after_s=2 * 86400)
    assert codes(resent) == {"XRAY_NOT_RECORDED"}
    body = lot.get("metrics", **W47)
    assert total(body, "parcels", "xray_needed", "xrayed", "xray_rate", "non_compliant") == {
        "parcels": 2,
        "xray_needed": 1,
        "xrayed": 0,
        "xray_rate": 0.0,
        "non_compliant": 1,
    }
    assert offending_nos(lot, **W47) == [early["waybill_no"]]


def test_groups_with_nothing_to_measure_have_empty_rates_beside_measured_ones(lot: Lot) -> None:
    """README: rates per courier; a rate whose denominator is empty (no parcel needing real name, no hold,
    no agreement customer, no closed case) is empty rather than 0 % or 100 %."""
    held = lot.score(lot.held(TUESDAY, courier_id="C-H"))
    lot.score(lot.parcel(TUESDAY, courier_id="C-L", sender=sender(**NO_ID), items=letter_items()))
    lot.score(lot.parcel(TUESDAY, courier_id="C-L", sender=sender(**NO_ID), items=letter_items()))
    assert held["decision"] == "hold"
    body = lot.get("metrics", **W47, by="courier")
    rows = {r["courier_id"]: r for r in body["rows"]}
    names = (
        "realname_rate",
        "hold_confirmed_rate",
        "agreement_coverage",
        "median_resolve_hours",
        "inspection_rate",
        "release_share",
    )
    assert {c: tuple(r[n] for n in names) for c, r in rows.items()} == {
        "C-H": (1.0, 0.0, None, None, 1.0, 0.0),
        "C-L": (None, None, None, None, 1.0, 1.0),
    }


# The comparison with the period before: this period's rate less the previous one's, per group.


def test_each_courier_is_compared_with_its_own_week_before_and_a_new_one_with_nothing(lot: Lot) -> None:
    """README: week-over-week change per courier; a courier without parcels the week before has no
    previous rate and so no change; one without parcels this week is not a row of this week."""
    lot.score(lot.parcel(TUESDAY_BEFORE, courier_id="C-1"))
    lot.score(lot.parcel(TUESDAY_BEFORE, courier_id="C-1", pickup_checks=NO_XRAY))
    lot.score(lot.parcel(TUESDAY_BEFORE, courier_id="C-3", pickup_checks=NO_XRAY))
    lot.score(lot.parcel(TUESDAY, courier_id="C-1"))
    lot.score(lot.parcel(TUESDAY, courier_id="C-2", pickup_checks=NO_XRAY))
    body = lot.get("metrics", **W47, by="courier")
    names = ("courier_id", "xray_rate", "xray_rate_previous", "xray_rate_change")
    assert sorted(table(body, "rows", *names)) == [("C-1", 1.0, 1 / 2, 1 / 2), ("C-2", 0.0, None, None)]
    assert total(body, "xray_rate", "xray_rate_previous", "xray_rate_change") == {
        "xray_rate": 1 / 2,
        "xray_rate_previous": 1 / 3,
        "xray_rate_change": 1 / 2 - 1 / 3,
    }


def test_a_province_whose_week_before_had_nothing_to_measure_has_no_change(lot: Lot) -> None:
    """README: week-over-week change per region; a previous rate over no parcel needing real name is empty,
    and so is the change, where the unknown outlets' province is compared with its own week before."""
    lot.score(lot.parcel(TUESDAY_BEFORE, "A", sender=sender(**NO_ID), items=letter_items()))
    lot.score(lot.parcel(TUESDAY_BEFORE, "X", sender=sender(**NO_ID)))
    lot.score(lot.parcel(TUESDAY, "A"))
    lot.score(lot.parcel(TUESDAY, "X"))
    body = lot.get("metrics", **W47, by="province")
    names = ("province", "realname_rate", "realname_rate_previous", "realname_rate_change")
    assert sorted(table(body, "rows", *names)) == [("上海市", 1.0, None, None), (UNKNOWN, 1.0, 0.0, 1.0)]


def test_agreement_coverage_is_compared_with_the_week_before(lot: Lot) -> None:
    """README: agreement-customer coverage, week-over-week change."""
    good, gone = f"{lot.carrier}-G", f"{lot.carrier}-U"
    lot.desk.engine.agreements.upsert([Agreement(contract_id=good, name="协议网店", carrier=lot.carrier)])
    shop = {"customer_type": "contract"}
    lot.score(lot.parcel(TUESDAY_BEFORE, sender=sender(**shop, contract_id=good)))
    lot.score(lot.parcel(TUESDAY_BEFORE, sender=sender(**shop, contract_id=gone)))  # unknown: held
    lot.score(lot.parcel(TUESDAY, sender=sender(**shop, contract_id=good)))
    body = lot.get("metrics", **W47)
    assert total(
        body,
        "contract_parcels",
        "contract_qualified",
        "agreement_coverage",
        "agreement_coverage_previous",
        "agreement_coverage_change",
    ) == {
        "contract_parcels": 1,
        "contract_qualified": 1,
        "agreement_coverage": 1.0,
        "agreement_coverage_previous": 1 / 2,
        "agreement_coverage_change": 1 / 2,
    }


# Corrections count the parcel once, as last scored: lane, agreement, courier, identity.


def test_a_correction_to_the_import_lane_takes_the_parcel_out_of_the_real_name_denominator(lot: Lot) -> None:
    """RULES.md §1: real-name pickup for domestic and export parcels, not imports; README: as last scored."""
    n = next(_people)
    first = lot.parcel(TUESDAY, sender=sender(**NO_ID), pickup_checks=NO_XRAY)
    assert lot.score(first)["decision"] == "reject"
    corrected = {**first, "service": "import", "channel": "postal", "sender": abroad(n)}
    assert codes(lot.score(corrected, after_s=600)) == {"XRAY_NOT_RECORDED"}
    body = lot.get("metrics", **W47)
    assert total(
        body, "parcels", "realname_needed", "realname_missing", "xray_needed", "xrayed", "reject"
    ) == {
        "parcels": 1,
        "realname_needed": 0,
        "realname_missing": 0,
        "xray_needed": 1,
        "xrayed": 0,
        "reject": 0,
    }
    (row,) = lot.get("offending", **W47)["rows"]
    assert (row["service"], row["problems"]) == ("import", ["xray_missing"])


def test_a_correction_naming_the_senders_agreement_makes_the_pickup_exempt(lot: Lot) -> None:
    """RULES.md §1: qualified agreement customers need no per-parcel ID; README: as last scored."""
    shop = f"{lot.carrier}-SHOP"
    lot.desk.engine.agreements.upsert([Agreement(contract_id=shop, name="协议网店", carrier=lot.carrier)])
    first = lot.parcel(TUESDAY, sender=sender(**NO_ID))
    assert lot.score(first)["decision"] == "reject"
    corrected = {**first, "sender": {**first["sender"], "customer_type": "contract", "contract_id": shop}}
    assert lot.score(corrected, after_s=600)["decision"] == "release"
    body = lot.get("metrics", **W47)
    assert total(
        body, "parcels", "realname_needed", "contract_parcels", "contract_qualified", "non_compliant"
    ) == {
        "parcels": 1,
        "realname_needed": 0,
        "contract_parcels": 1,
        "contract_qualified": 1,
        "non_compliant": 0,
    }


def test_a_correction_to_another_courier_counts_the_parcel_under_that_courier_only(lot: Lot) -> None:
    """README: metrics per courier; a parcel counts once, as last scored."""
    first = lot.parcel(TUESDAY, courier_id="C-WRONG", pickup_checks=NO_XRAY)
    lot.score(first)
    lot.score({**first, "courier_id": "C-RIGHT"}, after_s=600)
    body = lot.get("metrics", **W47, by="courier")
    assert table(body, "rows", "courier_id", "parcels", "xray_rate") == [("C-RIGHT", 1, 0.0)]
    (row,) = lot.get("offending", **W47)["rows"]
    assert row["courier_id"] == "C-RIGHT"


def test_a_correction_to_a_false_id_lists_the_corrected_number_masked(lot: Lot) -> None:
    """RULES.md §3 ID_INVALID; README: the offending list shows the parcel as last scored, masked."""
    right = new_id()
    first = lot.parcel(TUESDAY, sender=sender(id_number=right))
    assert lot.score(first)["decision"] == "release"
    wrong = wrong_check_digit(
        resident_id(region="440106", birth="19800101", seq=f"{next(_people) % 1000:03d}")
    )
    lot.score({**first, "sender": {**first["sender"], "id_number": wrong}}, after_s=600)
    body = lot.get("metrics", **W47)
    assert total(body, "realname_ok", "realname_invalid") == {"realname_ok": 0, "realname_invalid": 1}
    (row,) = lot.get("offending", **W47)["rows"]
    assert (row["problems"], row["sender_id_masked"]) == (["realname_invalid"], mask_id(wrong))
    assert mask_id(right) != mask_id(wrong)


# More of what was caught, couriers left unnamed, and the download of the world's offending list.


def test_a_violation_inspected_before_a_late_scored_hold_opened_takes_no_negative_time(lot: Lot) -> None:
    """README: the median time to resolve a case; a case opens when its parcel is scored, which may come
    after the pickup. Customs inspected the parcel on Wednesday; the courier system sent the waybill only
    on Thursday: the hold was resolved when it opened, not a day before."""
    body = lot.held(TUESDAY)
    lot.desk.now = datetime(2026, 11, 19, 10, 0, tzinfo=BEIJING)
    held = lot.desk.client.score(body)
    assert held["decision"] == "hold"
    inspection(lot.desk, held, "violation", "2026-11-18T10:00:00+08:00")
    figures = total(lot.get("metrics", **W47), "holds_confirmed", "median_resolve_hours")
    assert figures["holds_confirmed"] == 1
    assert figures["median_resolve_hours"] is not None and figures["median_resolve_hours"] >= 0


def test_parcels_without_a_named_courier_are_their_outlets_own_row(lot: Lot) -> None:
    """Contract: courier_id is optional; README: metrics per courier within their outlet, every parcel
    counted once, so the courier rows add up to the outlet."""
    lot.score(lot.parcel(TUESDAY, courier_id=None, pickup_checks=NO_XRAY))
    lot.score(lot.parcel(TUESDAY, courier_id=None))
    lot.score(lot.parcel(TUESDAY, courier_id="C-5"))
    body = lot.get("metrics", **W47, by="courier")
    assert sorted(table(body, "rows", "courier_id", "parcels", "xray_rate"), key=str) == [
        ("C-5", 1, 1.0),
        (None, 2, 1 / 2),
    ]
    (row,) = lot.get("offending", **W47)["rows"]
    assert row["courier_id"] is None


def test_the_weekly_offending_download_holds_the_worlds_list_row_for_row(world: World) -> None:
    """README: the weekly report's CSV of offending waybills is the drill-down's list, masked."""
    content = world.lot.desk.download("weekly/2026-W47", format="csv", table="offending")
    rows = [r for r in csv_rows(content) if r["快递企业 (carrier)"] == world.lot.carrier]
    assert sorted(r["运单号 (waybill no.)"] for r in rows) == offending_nos(world.lot, **W47)
    text = content.decode("utf-8-sig")
    assert world.false_id_number not in text and mask_id(world.false_id_number) in text
