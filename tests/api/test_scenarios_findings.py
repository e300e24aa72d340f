"""Officers' findings flowing back into the history and the model's labels over HTTP, from the shared sources.

Written from ../shared/ARCHITECTURE.md ("officer outcome → history + labels (feedback loop)"; RANDOM_AUDIT
picks parcels "so that labels are unbiased"; inspection and case results come back through
`POST /v1/inspections` and the case workflow), ../shared/contract/README.md (`POST /v1/inspections`: a
label for training and, for a violation, a confirmed violation of the parcel's entities),
../shared/domain/RULES.md (§3 PRIOR_VIOLATIONS: inspect for a confirmed violation of an entity of the
parcel, hold for two within a year, 刑法 art. 153; no plain ID number anywhere) and the README ("Cases for
customs officers": seized, returned and referred to the police confirm a violation of the parcel's entities
and are positive labels, a release is a negative one; "What is checked": the entities, and a violation
found on a parcel reaches its IDs, phones and buildings in their other role too; PRIOR_VIOLATIONS counts
back one calendar year; a confirmed violation is dated at the parcel's pickup; `screening labels export`,
read by `screening train --labels`; the ring action; idempotency and corrections).

Readings where the sources leave a choice:
- The ways a case ends are the four closing actions (release, seize, return, refer_to_police); `assign`
  and `request_info` leave it active. There is no route to reopen a case: acting on a closed one is a 409
  and leaves what it recorded (violation and label) as it was.
- "The parcel's entities" are those of the body the case holds when the officer decides: a correction
  made before the decision (held again or not) moves the finding to the corrected sender, receiver and
  pickup time, as the README says of the history's windows and of the violation's date.
- A ring action confirms the ring's held parcels (its cases), not the ring's parcels that were released
  and never became cases: their receivers are not flagged.
- The evidence of PRIOR_VIOLATIONS names the entity kind (`entity`), the count (`violations`), the start
  of the year counted (`since`, one calendar year before the parcel's pickup, Beijing time), the window in
  years and the hold count of the policy.
- Labels are the rows of `screening labels export` (carrier, waybill_no, label, violation_type, source,
  at, case_id); `screening.modelling.dataset.read_history` is how `screening train --labels` reads them.
"""

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx2
import polars as pl
import pytest
from typer.testing import CliRunner

from api.cli import app as cli
from screening.modelling.dataset import read_history
from screening.policy.schemas import Audit, Policy
from screening.settings import get_settings
from tests.api.answers import codes, reason_of
from tests.api.conftest import CaseClient
from tests.api.keys import bearer, make_key
from tests.factories import (
    BASE_TIME,
    BEIJING,
    ant_ring,
    cn_receiver,
    export_postal,
    hk_receiver,
    inspection_report,
    item,
    party,
    resident_id,
    waybill,
)

DAY_H = 24.0
HELD_AT_H = 10.0  # the held parcel's pickup, hours after the base time
NEXT_AT_H = 20.0  # the next parcel's pickup

# The held parcel's entities: none shared with the factories' defaults (party(), cn_receiver()).
SENDER_ID = resident_id(region="330106", birth="19850505", seq="731")
SENDER_PHONE = "13700073101"
SENDER_ADDRESS = {"district": "徐汇区", "detail": "漕溪北路595号2号楼1101室", "postcode": "200030"}
RECEIVER_ID = resident_id(region="440305", birth="19870707", seq="742")
RECEIVER_PHONE = "+85291237742"
RECEIVER_ADDRESS = {"district": "Kowloon", "detail": "Flat C, 3/F, 18 Austin Road"}
ACCOUNT = "6222020200731742001"
BUYER_IP = "198.51.100.73"

PLAIN_IDS = (SENDER_ID, RECEIVER_ID, party()["id_number"])

# A building of the ring senders, apart from the factories' default one that the next parcels use.
ELSEWHERE = {"district": "闵行区", "detail": "七莘路1000号1号楼101室"}

VIOLATING = ("seize", "return", "refer_to_police")
STATUS_AFTER = {
    "release": "released",
    "seize": "seized",
    "return": "returned",
    "refer_to_police": "referred_to_police",
}


# Helpers ------------------------------------------------------------------------------------------------


class Desk:
    """The case client, logged in as an officer, keeping the text of every answer it got."""

    def __init__(self, client: CaseClient) -> None:
        self.client = client
        self.app = client.app
        self.texts: list[str] = []
        self.ids: set[str] = set(PLAIN_IDS)
        client.as_new("wang", "officer", "supervisor")

    def _keep(self, r: httpx2.Response) -> httpx2.Response:
        self.texts.append(r.text)
        return r

    def score(self, wb: dict[str, Any]) -> dict[str, Any]:
        """POST /v1/score; expects a decision."""
        self.ids |= {wb[side].get("id_number") or "" for side in ("sender", "receiver")} - {""}
        r = self._keep(self.client.http.post("/v1/score", json=wb))
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def hold(self, wb: dict[str, Any]) -> str:
        """Score a waybill that must be held; its case id."""
        d = self.score(wb)
        assert d["decision"] == "hold" and d["case_id"], d
        case_id: str = d["case_id"]
        return case_id

    def act(self, case_id: str, action: str, **body: Any) -> httpx2.Response:
        """POST an action on one case."""
        return self._keep(self.client.act(case_id, action, **body))

    def acted(self, case_id: str, action: str, **body: Any) -> dict[str, Any]:
        """POST an action on one case; expects it done."""
        r = self.act(case_id, action, **body)
        assert r.status_code == 200, r.text
        out: dict[str, Any] = r.json()
        return out

    def close(self, case_id: str, action: str) -> dict[str, Any]:
        """Close a case; a violating outcome with its type."""
        extra = {"violation_type": "undeclared goods"} if action in VIOLATING else {}
        return self.acted(case_id, action, **extra)

    def ring(self, cluster_id: str, action: str, **body: Any) -> dict[str, Any]:
        """POST one action on every open case of a ring; expects it done."""
        r = self._keep(
            self.client.http.post(f"/v1/cases/clusters/{cluster_id}/actions", json={"action": action, **body})
        )
        assert r.status_code == 200, r.text
        out: dict[str, Any] = r.json()
        return out

    def case(self, case_id: str) -> dict[str, Any]:
        """GET /v1/cases/{case_id}."""
        r = self._keep(self.client.http.get(f"/v1/cases/{case_id}"))
        assert r.status_code == 200, r.text
        out: dict[str, Any] = r.json()
        return out

    def queue(self, **params: Any) -> dict[str, Any]:
        """GET /v1/cases."""
        r = self._keep(self.client.http.get("/v1/cases", params=params))
        assert r.status_code == 200, r.text
        out: dict[str, Any] = r.json()
        return out

    def read_back(self, wb: dict[str, Any]) -> dict[str, Any]:
        """GET /v1/decisions/{carrier}/{waybill_no}."""
        r = self._keep(self.client.http.get(f"/v1/decisions/{wb['carrier']}/{wb['waybill_no']}"))
        assert r.status_code == 200, r.text
        out: dict[str, Any] = r.json()
        return out

    def report(self, wb: dict[str, Any], result: str, hours: float, **more: Any) -> dict[str, Any]:
        """POST /v1/inspections of a waybill, inspected `hours` after the base time; expects it accepted."""
        body = inspection_report(wb, result, inspected_at=at(hours))
        r = self._keep(self.client.http.post("/v1/inspections", json=body | more))
        assert r.status_code == 200, r.text
        out: dict[str, Any] = r.json()
        return out

    def no_plain_ids(self) -> None:
        """No answer so far carries a plain ID number, nor its 17 digits without the check character."""
        assert self.texts
        for text in self.texts:
            for number in self.ids:
                assert number not in text and number[:17] not in text, text


@pytest.fixture
def desk(cases_client: CaseClient) -> Desk:
    """A started app with the case desk and the test policy (random audit off), an officer logged in."""
    return Desk(cases_client)


def at(hours: float) -> str:
    """A timestamp `hours` after the base time, ISO-8601 with the Beijing offset."""
    return (BASE_TIME + timedelta(hours=hours)).isoformat()


def since(hours: float) -> str:
    """The start of the year PRIOR_VIOLATIONS counts for a parcel picked up `hours` after the base time."""
    pickup = (BASE_TIME + timedelta(hours=hours)).astimezone(BEIJING)
    return pickup.replace(year=pickup.year - 1).isoformat()


def prior(d: dict[str, Any]) -> tuple[str, str, str, int]:
    """(decision, PRIOR_VIOLATIONS outcome, its entity kind, its count)."""
    r = reason_of(d, "PRIOR_VIOLATIONS")
    return d["decision"], r["outcome"], r["evidence"]["entity"], r["evidence"]["violations"]


def clean(d: dict[str, Any]) -> bool:
    """A plain release: no reason at all, no case."""
    return d["decision"] == "release" and d["reasons"] == [] and d["case_id"] is None


def small() -> list[dict[str, Any]]:
    """One cheap article: a cross-border parcel under every limit."""
    return [item(quantity=1, unit_value=100.0)]


def person(seq: str, **changes: Any) -> dict[str, Any]:
    """A sender sharing nothing with the held parcel nor the factories' defaults: own ID, phone, building."""
    own: dict[str, Any] = {
        "name": "赵敏",
        "id_number": resident_id(region="510104", birth="19900101", seq=seq),
        "phone": f"135{seq:0>8}",
        "address": {"district": "静安区", "detail": f"南京西路{seq}号", "postcode": "200040"},
    }
    return party(**(own | changes))


def receiver_of(seq: str) -> dict[str, Any]:
    """A receiver in Beijing of their own: phone and building."""
    return cn_receiver(
        name="钱多", phone=f"139{seq:0>8}", address={"district": "海淀区", "detail": f"学院路{seq}号"}
    )


def held_parcel(**changes: Any) -> dict[str, Any]:
    """An export personal article of 1,000 CNY (limit 800): held; it has every kind of entity."""
    base: dict[str, Any] = {
        "hours_after": HELD_AT_H,
        "sender": party(name="周杰", id_number=SENDER_ID, phone=SENDER_PHONE, address=SENDER_ADDRESS),
        "receiver": hk_receiver(
            name="LAM KA YAN",
            phone=RECEIVER_PHONE,
            address=RECEIVER_ADDRESS,
            id_type="resident_id",
            id_number=RECEIVER_ID,
        ),
        "items": [item(quantity=5, unit_value=200.0)],
        "order": {"platform": "shop", "order_id": "O-731", "payment_account": ACCOUNT, "buyer_ip": BUYER_IP},
    }
    return export_postal(**(base | changes))


# The next parcel, picked up after the held one, sharing exactly one of its entities; the entity kind it is
# counted under there. The first eight on the side the entity had; the last six in its other role.
NEXT: dict[str, tuple[str, Any]] = {
    "sender_id": ("sender_id", lambda h: waybill(hours_after=h, sender=party(id_number=SENDER_ID))),
    "sender_phone": ("sender_phone", lambda h: waybill(hours_after=h, sender=party(phone=SENDER_PHONE))),
    "sender_address": (
        "sender_address",
        lambda h: waybill(
            hours_after=h, sender=party(address={"district": "徐汇区", "detail": "漕溪北路595号2栋902室"})
        ),
    ),
    "receiver_id": (
        "receiver_id",
        lambda h: waybill(hours_after=h, receiver=cn_receiver(id_type="resident_id", id_number=RECEIVER_ID)),
    ),
    "receiver_phone": (
        "receiver_phone",
        lambda h: export_postal(hours_after=h, receiver=hk_receiver(phone=RECEIVER_PHONE), items=small()),
    ),
    "receiver_address": (
        "receiver_address",
        lambda h: export_postal(
            hours_after=h,
            receiver=hk_receiver(
                name="CHEUNG", phone="+85291230099", address={"detail": "Flat A, 9/F, 18 Austin Road"}
            ),
            items=small(),
        ),
    ),
    "payment_account": (
        "payment_account",
        lambda h: waybill(hours_after=h, order={"platform": "shop", "payment_account": ACCOUNT}),
    ),
    "buyer_ip": (
        "buyer_ip",
        lambda h: waybill(hours_after=h, order={"platform": "shop", "buyer_ip": BUYER_IP}),
    ),
    "sender_id as receiver": (
        "receiver_id",
        lambda h: waybill(hours_after=h, receiver=cn_receiver(id_type="resident_id", id_number=SENDER_ID)),
    ),
    "sender_phone as receiver": (
        "receiver_phone",
        lambda h: waybill(hours_after=h, receiver=cn_receiver(phone=SENDER_PHONE)),
    ),
    "sender_address as receiver": (
        "receiver_address",
        lambda h: waybill(
            hours_after=h,
            receiver=cn_receiver(
                address={
                    "province": "上海市",
                    "city": "上海市",
                    "district": "徐汇区",
                    "detail": "漕溪北路595号2号楼302室",
                }
            ),
        ),
    ),
    "receiver_id as sender": (
        "sender_id",
        lambda h: waybill(hours_after=h, sender=party(id_number=RECEIVER_ID)),
    ),
    "receiver_phone as sender": (
        "sender_phone",
        lambda h: waybill(hours_after=h, sender=party(phone=RECEIVER_PHONE)),
    ),
    "receiver_address as sender": (
        "sender_address",
        lambda h: waybill(
            hours_after=h,
            service="import",
            channel="postal",
            sender=hk_receiver(
                name="CHEUNG", phone="+85291230098", address={"detail": "Flat D, 1/F, 18 Austin Road"}
            ),
            items=small(),
        ),
    ),
}


def next_of(kind: str, hours: float = NEXT_AT_H) -> dict[str, Any]:
    """The next parcel sharing one entity with the held one (see NEXT)."""
    make: Any = NEXT[kind][1]
    wb: dict[str, Any] = make(hours)
    return wb


def labels(desk: Desk, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pl.DataFrame:
    """`screening labels export` of the app's case database, as `screening train --labels` reads it."""
    monkeypatch.setenv("SCREENING_DATA_DIR", str(desk.app.state.settings.data_dir))
    monkeypatch.delenv("SCREENING_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    out = tmp_path / "exports" / f"labels-{len(list(tmp_path.glob('exports/*')))}.parquet"
    try:
        done = CliRunner().invoke(cli, ["labels", "export", "--out", str(out)])
    finally:
        get_settings.cache_clear()
    assert done.exit_code == 0, done.output
    return pl.read_parquet(out)


def label_rows(frame: pl.DataFrame) -> set[tuple[Any, ...]]:
    """(waybill_no, label, violation_type, source, case_id) of each exported label."""
    return set(frame.select("waybill_no", "label", "violation_type", "source", "case_id").rows())


# Every way a case ends: which record a violation, against which entities --------------------------------


def test_the_next_parcels_are_plain_releases_when_nothing_was_found(desk: Desk) -> None:
    """The yardstick of the scenarios below: without a finding, no next parcel has any reason."""
    desk.hold(held_parcel())
    for kind in NEXT:
        assert clean(desk.score(next_of(kind))), kind


def expect_one_violation(desk: Desk, kind: str) -> None:
    """The next parcel sharing one entity of the held one carries exactly one prior violation of it."""
    d = desk.score(next_of(kind))
    assert prior(d) == ("inspect", "inspect", NEXT[kind][0], 1), kind
    assert codes(d) == {"PRIOR_VIOLATIONS"} and d["case_id"] is None, kind
    evidence = reason_of(d, "PRIOR_VIOLATIONS")["evidence"]
    assert evidence["since"] == since(NEXT_AT_H), kind
    assert (evidence["window_years"], evidence["hold_count"]) == (1, 2), kind


@pytest.mark.parametrize("kind", list(NEXT))
def test_a_seizure_flags_the_next_parcel_of_each_entity_in_either_role(desk: Desk, kind: str) -> None:
    case_id = desk.hold(held_parcel())
    assert desk.close(case_id, "seize")["status"] == "seized"
    expect_one_violation(desk, kind)
    desk.no_plain_ids()


@pytest.mark.parametrize("action", ["return", "refer_to_police"])
def test_a_return_or_a_referral_to_the_police_flags_every_entity_in_either_role(
    desk: Desk, action: str
) -> None:
    case_id = desk.hold(held_parcel())
    assert desk.close(case_id, action)["status"] == STATUS_AFTER[action]
    for kind in NEXT:
        expect_one_violation(desk, kind)
    desk.no_plain_ids()


@pytest.mark.parametrize(
    "steps", [("release",), ("assign", "release"), ("request_info", "release")], ids="-then-".join
)
def test_a_case_released_as_clean_records_nothing_against_any_entity(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, steps: tuple[str, ...]
) -> None:
    case_id = desk.hold(held_parcel())
    for step in steps:
        desk.acted(case_id, step, note="invoice matches" if step == "release" else None)
    assert desk.case(case_id)["status"] == "released"
    for kind in NEXT:
        assert clean(desk.score(next_of(kind))), kind
    assert label_rows(labels(desk, monkeypatch, tmp_path)) == {
        (case_id.removeprefix("CASE-SF-"), 0, None, "case:released", case_id)
    }


@pytest.mark.parametrize("steps", [(), ("assign",), ("request_info",), ("assign", "request_info")])
def test_a_case_not_yet_ended_records_nothing_and_no_label(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, steps: tuple[str, ...]
) -> None:
    case_id = desk.hold(held_parcel())
    for step in steps:
        desk.acted(case_id, step)
    for kind in ("sender_id", "receiver_phone", "payment_account", "sender_id as receiver"):
        assert clean(desk.score(next_of(kind))), kind
    assert labels(desk, monkeypatch, tmp_path).height == 0


@pytest.mark.parametrize("action", VIOLATING)
def test_a_violation_leaves_people_and_buildings_the_parcel_did_not_name_alone(
    desk: Desk, action: str
) -> None:
    desk.close(desk.hold(held_parcel()), action)
    # Another person in the same city, another HK building on the same road, another account.
    others = [
        waybill(
            hours_after=NEXT_AT_H, sender=party(address={"district": "徐汇区", "detail": "漕溪北路597号"})
        ),
        export_postal(
            hours_after=NEXT_AT_H,
            receiver=hk_receiver(phone="+85291230100", address={"detail": "Flat C, 3/F, 20 Austin Road"}),
            items=small(),
        ),
        waybill(hours_after=NEXT_AT_H, order={"platform": "shop", "payment_account": ACCOUNT[:-1] + "2"}),
        waybill(hours_after=NEXT_AT_H, order={"platform": "shop", "buyer_ip": "198.51.100.74"}),
    ]
    for wb in others:
        assert clean(desk.score(wb)), wb["waybill_no"]


# Two within a year hold (刑法 art. 153) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("first", "second"), [("seize", "return"), ("return", "refer_to_police"), ("refer_to_police", "seize")]
)
def test_two_cases_of_one_sender_ended_as_violations_hold_the_next_parcel_and_open_a_case(
    desk: Desk, first: str, second: str
) -> None:
    desk.close(desk.hold(held_parcel()), first)
    later = held_parcel(hours_after=HELD_AT_H + 200 * DAY_H)
    d = desk.score(later)
    assert prior(d)[1:] == ("inspect", "sender_phone", 1) and d["decision"] == "hold"
    desk.close(d["case_id"], second)
    hours = HELD_AT_H + 201 * DAY_H
    n = desk.score(next_of("sender_id", hours))
    assert prior(n) == ("hold", "hold", "sender_id", 2)
    assert reason_of(n, "PRIOR_VIOLATIONS")["evidence"]["since"] == since(hours)
    assert n["case_id"] is not None
    case = desk.case(n["case_id"])
    assert case["status"] == "open" and "PRIOR_VIOLATIONS" in case["reason_codes"]
    assert [c["case_id"] for c in desk.queue(reason="PRIOR_VIOLATIONS", status="open")["items"]] == [
        n["case_id"]
    ]
    desk.no_plain_ids()


def test_a_seizure_and_an_inspection_finding_of_two_parcels_within_a_year_hold(desk: Desk) -> None:
    desk.close(desk.hold(held_parcel()), "seize")
    found = waybill(hours_after=100 * DAY_H, sender=party(id_number=SENDER_ID))
    assert prior(desk.score(found))[2:] == ("sender_id", 1)
    out = desk.report(found, "violation", 100 * DAY_H + 1)
    assert (out["label"], out["case_id"]) == (1, None)
    assert prior(desk.score(next_of("sender_id", 101 * DAY_H))) == ("hold", "hold", "sender_id", 2)


def test_a_person_caught_once_as_sender_and_once_as_receiver_is_held_in_either_role(desk: Desk) -> None:
    """One citizen number is one person (README: a violation found on a parcel reaches both roles)."""
    desk.close(desk.hold(held_parcel()), "seize")
    # A second parcel, to the same person, found in violation at an inspection.
    to_them = waybill(
        hours_after=50 * DAY_H, receiver=cn_receiver(id_type="resident_id", id_number=SENDER_ID)
    )
    desk.score(to_them)
    desk.report(to_them, "violation", 50 * DAY_H + 1)
    hours = 51 * DAY_H
    assert prior(desk.score(next_of("sender_id", hours))) == ("hold", "hold", "sender_id", 2)
    assert prior(desk.score(next_of("sender_id as receiver", hours))) == ("hold", "hold", "receiver_id", 2)


@pytest.mark.parametrize(
    ("days", "expected"),
    [(364, ("hold", "hold", "sender_id", 2)), (366, ("inspect", "inspect", "sender_id", 1))],
    ids=["within-a-year", "a-year-and-a-day"],
)
def test_two_seizures_count_together_only_when_the_first_pickup_is_within_the_year(
    desk: Desk, days: int, expected: tuple[str, str, str, int]
) -> None:
    desk.close(desk.hold(held_parcel()), "seize")
    desk.close(desk.hold(held_parcel(hours_after=HELD_AT_H + (days - 1) * DAY_H)), "return")
    assert prior(desk.score(next_of("sender_id", HELD_AT_H + days * DAY_H))) == expected


# Event time: a finding is dated at the parcel's pickup ------------------------------------------------------


def test_a_seizure_counts_for_parcels_picked_up_after_the_seized_one_not_before(desk: Desk) -> None:
    case_id = desk.hold(held_parcel(hours_after=100.0))
    desk.close(case_id, "seize")
    # Scored after the seizure, but picked up before the seized parcel: not a prior violation yet.
    assert clean(desk.score(next_of("sender_id", 99.0)))
    assert clean(desk.score(next_of("receiver_phone", 50.0)))
    assert prior(desk.score(next_of("sender_phone", 101.0))) == ("inspect", "inspect", "sender_phone", 1)


def test_a_seizure_counts_for_one_calendar_year_from_the_seized_parcels_pickup(desk: Desk) -> None:
    case_id = desk.hold(held_parcel())
    desk.close(case_id, "seize")
    year = 365 * DAY_H  # 2026-11-11 to 2027-11-11: no 29 February between
    assert prior(desk.score(next_of("sender_id", HELD_AT_H + year - 1)))[2:] == ("sender_id", 1)
    assert clean(desk.score(next_of("sender_phone", HELD_AT_H + year + 1)))


# A finding on a corrected parcel: the corrected body's entities -----------------------------------------


def test_a_seizure_after_a_correction_that_is_still_held_reaches_the_corrected_sender_only(
    desk: Desk,
) -> None:
    wrong = held_parcel()
    case_id = desk.hold(wrong)
    corrected = wrong | {"sender": person("733")}
    assert desk.score(corrected)["case_id"] == case_id
    desk.close(case_id, "seize")
    assert prior(
        desk.score(waybill(hours_after=NEXT_AT_H, sender=party(id_number=person("733")["id_number"])))
    )[2:] == ("sender_id", 1)
    for kind in ("sender_id", "sender_phone", "sender_id as receiver"):
        assert clean(desk.score(next_of(kind))), kind
    # The receiver was not corrected: it carries the violation.
    assert prior(desk.score(next_of("receiver_id")))[2:] == ("receiver_id", 1)


def test_a_return_after_a_corrected_receiver_reaches_the_corrected_receiver_only(desk: Desk) -> None:
    wrong = held_parcel()
    case_id = desk.hold(wrong)
    right = hk_receiver(name="NG", phone="+85291230733", address={"detail": "Flat E, 6/F, 2 Canton Road"})
    assert desk.score(wrong | {"receiver": right})["decision"] == "hold"
    desk.close(case_id, "return")
    to_right = export_postal(hours_after=NEXT_AT_H, receiver=hk_receiver(phone="+85291230733"), items=small())
    assert prior(desk.score(to_right))[2:] == ("receiver_phone", 1)
    for kind in ("receiver_id", "receiver_phone", "receiver_address", "receiver_id as sender"):
        assert clean(desk.score(next_of(kind))), kind


def test_a_seizure_after_a_corrected_pickup_time_is_dated_at_the_corrected_pickup(desk: Desk) -> None:
    wrong = held_parcel()
    case_id = desk.hold(wrong)
    assert desk.score(wrong | {"accepted_at": at(30.0)})["case_id"] == case_id
    desk.close(case_id, "seize")
    assert clean(desk.score(next_of("sender_id", 20.0)))
    assert prior(desk.score(next_of("sender_phone", 31.0)))[2:] == ("sender_phone", 1)


@pytest.mark.parametrize("confirmed_by", ["seize", "inspection"])
def test_a_finding_after_a_correction_no_longer_held_reaches_the_corrected_sender_only(
    desk: Desk, confirmed_by: str
) -> None:
    """The corrected body (another sender, one cheap article) is released; its case stays open for the
    officer (README), who then confirms a violation: the parcel's entities are the corrected body's."""
    wrong = held_parcel()
    case_id = desk.hold(wrong)
    right = person("734")
    again = desk.score(wrong | {"sender": right, "items": small(), "declared_value": 100.0})
    assert again["decision"] == "release"
    case = desk.case(case_id)
    assert case["status"] == "open" and case["history"][-1]["action"] == "rescored_not_held"
    if confirmed_by == "seize":
        desk.close(case_id, "seize")
    else:
        assert desk.report(wrong, "violation", HELD_AT_H + 5)["case_id"] == case_id
    d = desk.score(waybill(hours_after=NEXT_AT_H, sender=party(phone=right["phone"])))
    assert prior(d)[2:] == ("sender_phone", 1)
    for kind in ("sender_id", "sender_phone", "sender_address"):
        assert clean(desk.score(next_of(kind))), kind


# The same finding counts once ---------------------------------------------------------------------------


def test_a_seizure_and_inspection_reports_of_the_same_parcel_are_one_violation(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    wb = held_parcel()
    case_id = desk.hold(wb)
    first = desk.report(wb, "violation", HELD_AT_H + 2)
    assert (first["label"], first["case_id"]) == (1, case_id)
    desk.close(case_id, "seize")
    desk.report(wb, "violation", HELD_AT_H + 30, violation_type="smuggling")
    customs = bearer(make_key(desk.app, "customs", "SHA-PVG"))
    r = desk.client.http.post(
        "/v1/inspections",
        json={"carrier": "SF", "waybill_no": wb["waybill_no"], "result": "violation", "inspected_at": at(40)},
        headers=customs,
    )
    assert r.status_code == 200, r.text
    for kind in ("sender_id", "receiver_phone", "buyer_ip", "receiver_id as sender"):
        assert prior(desk.score(next_of(kind)))[1:] == ("inspect", NEXT[kind][0], 1), kind
    # Every report is its own label of the parcel, all of them positive.
    frame = labels(desk, monkeypatch, tmp_path)
    assert set(frame["waybill_no"]) == {wb["waybill_no"]} and set(frame["label"]) == {1}


def test_a_held_parcel_re_sent_after_its_seizure_adds_no_violation(desk: Desk) -> None:
    wb = held_parcel()
    case_id = desk.hold(wb)
    desk.close(case_id, "seize")
    again = desk.score(wb)
    assert again["case_id"] == case_id
    assert "PRIOR_VIOLATIONS" not in codes(again)
    assert desk.case(case_id)["status"] == "seized"
    assert prior(desk.score(next_of("sender_id")))[2:] == ("sender_id", 1)


def test_a_corrected_body_held_again_after_the_seizure_adds_no_violation(desk: Desk) -> None:
    wb = held_parcel()
    case_id = desk.hold(wb)
    desk.close(case_id, "seize")
    bigger = wb | {"items": [item(quantity=6, unit_value=200.0)], "declared_value": 1200.0}
    assert desk.score(bigger)["case_id"] == case_id
    assert desk.case(case_id)["status"] == "seized"
    assert prior(desk.score(next_of("sender_id")))[2:] == ("sender_id", 1)


def test_a_ring_action_after_a_case_of_the_ring_was_seized_does_not_count_it_again(desk: Desk) -> None:
    ring = ant_ring(
        7, id_number=resident_id(region="510104", seq="736"), phone="13600073600", address=ELSEWHERE
    )
    held = [d["case_id"] for d in map(desk.score, ring) if d["case_id"]]
    assert len(held) == 2
    desk.close(held[0], "seize")
    cluster = desk.case(held[0])["cluster_id"]
    done = desk.ring(cluster, "seize", violation_type="ant moving")
    assert (done["acted"], done["skipped"]) == ([held[1]], [held[0]])
    nxt = waybill(hours_after=48, sender=party(id_number=resident_id(region="510104", seq="736")))
    assert prior(desk.score(nxt)) == ("hold", "hold", "sender_id", 2)


def test_the_same_people_and_building_again_carry_one_violation_not_one_per_entity(desk: Desk) -> None:
    """Every entity of the next parcel shares the one seized parcel: still one violation, an inspection."""
    desk.close(desk.hold(held_parcel()), "seize")
    again = held_parcel(hours_after=NEXT_AT_H, items=small(), declared_value=100.0)
    d = desk.score(again)
    assert (d["decision"], codes(d), d["case_id"]) == ("inspect", {"PRIOR_VIOLATIONS"}, None)
    assert prior(d)[3] == 1 and reason_of(d, "PRIOR_VIOLATIONS")["outcome"] == "inspect"


def test_a_seizure_at_one_carrier_flags_the_same_sender_at_another(desk: Desk) -> None:
    desk.close(desk.hold(held_parcel()), "seize")
    yto = waybill(
        hours_after=NEXT_AT_H,
        carrier="YTO",
        waybill_no="YT7310000000001",
        outlet_id="YTO-310104-0007",
        sender=party(id_number=SENDER_ID),
    )
    assert prior(desk.score(yto)) == ("inspect", "inspect", "sender_id", 1)


# Reopening or changing an outcome: refused, the finding stays -------------------------------------------


@pytest.mark.parametrize(
    ("first", "then"),
    [
        ("seize", "release"),
        ("return", "release"),
        ("refer_to_police", "release"),
        ("seize", "assign"),
        ("return", "request_info"),
    ],
)
def test_a_violation_outcome_cannot_be_changed_and_the_violation_stays(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, first: str, then: str
) -> None:
    case_id = desk.hold(held_parcel())
    desk.close(case_id, first)
    r = desk.act(case_id, then)
    assert r.status_code == 409, r.text
    assert desk.case(case_id)["status"] == STATUS_AFTER[first]
    assert prior(desk.score(next_of("sender_id")))[2:] == ("sender_id", 1)
    assert prior(desk.score(next_of("receiver_address")))[2:] == ("receiver_address", 1)
    assert label_rows(labels(desk, monkeypatch, tmp_path)) == {
        (case_id.removeprefix("CASE-SF-"), 1, "undeclared goods", f"case:{STATUS_AFTER[first]}", case_id)
    }


@pytest.mark.parametrize("then", VIOLATING)
def test_a_released_case_cannot_be_turned_into_a_violation(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, then: str
) -> None:
    case_id = desk.hold(held_parcel())
    desk.close(case_id, "release")
    r = desk.act(case_id, then, violation_type="undeclared goods")
    assert r.status_code == 409, r.text
    assert desk.case(case_id)["violation_type"] is None
    assert clean(desk.score(next_of("sender_id")))
    assert set(labels(desk, monkeypatch, tmp_path)["label"]) == {0}


# An inspection finding at pickup, without a case --------------------------------------------------------


def test_an_inspection_finding_at_pickup_opens_no_case_and_flags_every_entity(desk: Desk) -> None:
    wb = held_parcel(items=small(), declared_value=100.0, hours_after=HELD_AT_H)
    wb["sender"]["id_verified"] = False
    wb["sender"]["verification_method"] = "none"
    d = desk.score(wb)
    assert (d["decision"], d["case_id"]) == ("inspect", None)
    out = desk.report(wb, "violation", HELD_AT_H + 1)
    assert (out["label"], out["case_id"]) == (1, None)
    assert out["entities"] >= 8
    assert desk.queue()["total"] == 0
    for kind in NEXT:
        assert prior(desk.score(next_of(kind)))[1:] == ("inspect", NEXT[kind][0], 1), kind
    assert desk.queue()["total"] == 0
    desk.no_plain_ids()


def test_a_clear_inspection_at_pickup_flags_nobody(desk: Desk) -> None:
    wb = held_parcel(items=small(), declared_value=100.0)
    desk.score(wb)
    out = desk.report(wb, "clear", HELD_AT_H + 1, note="as declared")
    assert (out["label"], out["entities"]) == (0, 0)
    for kind in NEXT:
        assert clean(desk.score(next_of(kind))), kind


# A ring action on a case ---------------------------------------------------------------------------------


def ring_of(desk: Desk, seq: str) -> tuple[list[dict[str, Any]], list[str], str]:
    """One sender's ring of seven (receivers 0-4 in Macau; the sixth and seventh held); its cluster."""
    ring = ant_ring(
        7, id_number=resident_id(region="510104", seq=seq), phone=f"13600{seq:0>6}", address=ELSEWHERE
    )
    held = [d["case_id"] for d in map(desk.score, ring) if d["case_id"]]
    assert held == [f"CASE-SF-{wb['waybill_no']}" for wb in ring[5:]]
    cluster: str = desk.case(held[0])["cluster_id"]
    assert cluster and desk.case(held[1])["cluster_id"] == cluster
    return ring, held, cluster


def to_receiver(wb: dict[str, Any], hours: float) -> dict[str, Any]:
    """A stranger's cheap export to the receiver of a ring parcel (a new stranger each time)."""
    return export_postal(
        hours_after=hours,
        sender=person(wb["waybill_no"][-3:]),
        receiver=wb["receiver"],
        items=small(),
    )


@pytest.mark.parametrize("action", ["seize", "return", "refer_to_police"])
def test_a_ring_action_confirms_each_held_parcel_and_flags_their_receivers_only(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, action: str
) -> None:
    ring, held, cluster = ring_of(desk, "737")
    done = desk.ring(cluster, action, violation_type="ant moving")
    assert (done["acted"], done["skipped"]) == (sorted(held), [])
    status = STATUS_AFTER[action]
    assert label_rows(labels(desk, monkeypatch, tmp_path)) == {
        (c.removeprefix("CASE-SF-"), 1, "ant moving", f"case:{status}", c) for c in held
    }
    # The receivers of the held parcels (5 → receiver 0, 6 → receiver 1) carry one violation each.
    for wb in ring[5:]:
        ev = prior(desk.score(to_receiver(wb, 48)))
        assert (ev[0], ev[3]) == ("inspect", 1) and ev[2].startswith("receiver")
    # Receivers 2-4 had only released ring parcels: no case was decided on them.
    for wb in ring[2:5]:
        assert "PRIOR_VIOLATIONS" not in codes(desk.score(to_receiver(wb, 48)))
    # The sender: two held parcels confirmed, so two within a year.
    assert prior(desk.score(waybill(hours_after=48, sender=ring[0]["sender"])))[0:2] == ("hold", "hold")


def test_a_ring_release_or_request_for_information_records_no_violation(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ring, held, cluster = ring_of(desk, "738")
    assert desk.ring(cluster, "request_info", note="invoices?")["acted"] == sorted(held)
    assert "PRIOR_VIOLATIONS" not in codes(desk.score(waybill(hours_after=48, sender=ring[0]["sender"])))
    assert labels(desk, monkeypatch, tmp_path).height == 0
    assert desk.ring(cluster, "release")["acted"] == sorted(held)
    assert "PRIOR_VIOLATIONS" not in codes(desk.score(waybill(hours_after=49, sender=ring[0]["sender"])))
    assert "PRIOR_VIOLATIONS" not in codes(desk.score(to_receiver(ring[5], 49)))
    frame = labels(desk, monkeypatch, tmp_path)
    assert sorted(frame["label"]) == [0, 0]


# The labels the model is trained from ---------------------------------------------------------------------


def test_each_ended_case_is_one_label_and_open_ones_none(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ended: dict[str, str] = {}
    for n, action in enumerate(("release", "seize", "return", "refer_to_police")):
        wb = held_parcel(sender=person(f"8{n}0"))
        ended[desk.hold(wb)] = action
    claimed = desk.hold(held_parcel(sender=person("850")))
    waiting = desk.hold(held_parcel(sender=person("860")))
    untouched = desk.hold(held_parcel(sender=person("870")))
    for case_id, action in ended.items():
        desk.close(case_id, action)
    desk.acted(claimed, "assign")
    desk.acted(waiting, "request_info")
    frame = labels(desk, monkeypatch, tmp_path)
    assert label_rows(frame) == {
        (
            case_id.removeprefix("CASE-SF-"),
            0 if action == "release" else 1,
            None if action == "release" else "undeclared goods",
            f"case:{STATUS_AFTER[action]}",
            case_id,
        )
        for case_id, action in ended.items()
    }
    assert frame.height == 4 and set(frame["carrier"]) == {"SF"}
    assert {claimed, waiting, untouched}.isdisjoint(set(frame["case_id"]))
    text = frame.write_csv()
    for number in PLAIN_IDS:
        assert number[:17] not in text


def test_the_exported_labels_are_the_training_labels_of_their_parcels(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    seized_wb = held_parcel()
    released_wb = held_parcel(sender=person("880"))
    found_wb = waybill(sender=person("881"))
    cleared_wb = waybill(sender=person("882"))
    unlabelled_wb = waybill(sender=person("883"))
    desk.close(desk.hold(seized_wb), "seize")
    desk.close(desk.hold(released_wb), "release")
    for wb in (found_wb, cleared_wb, unlabelled_wb):
        desk.score(wb)
    desk.report(found_wb, "violation", 5, violation_type="counterfeit")
    desk.report(cleared_wb, "clear", 5)
    exported = tmp_path / "labels.parquet"
    labels(desk, monkeypatch, tmp_path).write_parquet(exported)
    history = tmp_path / "history.parquet"
    parcels = [seized_wb, released_wb, found_wb, cleared_wb, unlabelled_wb]
    pl.DataFrame({"carrier": ["SF"] * 5, "waybill_no": [wb["waybill_no"] for wb in parcels]}).write_parquet(
        history
    )
    trained = dict(read_history(history, exported).select("waybill_no", "label").rows())
    assert [trained[wb["waybill_no"]] for wb in parcels] == [1, 0, 1, 0, None]


def test_random_audit_parcels_are_labelled_by_their_inspections(
    desk: Desk, policy: Policy, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    desk.app.state.engine.policy = policy.model_copy(update={"audit": Audit(random_rate=1.0)})
    found = waybill(sender=person("890"), receiver=receiver_of("890"))
    cleared = waybill(sender=person("891"), receiver=receiver_of("891"))
    for wb in (found, cleared):
        d = desk.score(wb)
        assert (d["decision"], codes(d), d["case_id"]) == ("inspect", {"RANDOM_AUDIT"}, None)
    desk.report(found, "violation", 1)
    desk.report(cleared, "clear", 1, note="as declared")
    assert label_rows(labels(desk, monkeypatch, tmp_path)) == {
        (found["waybill_no"], 1, "counterfeit", "inspection", None),
        (cleared["waybill_no"], 0, None, "inspection", None),
    }
    desk.app.state.engine.policy = policy
    nxt = desk.score(
        waybill(
            hours_after=2, sender=person("892", phone=found["sender"]["phone"]), receiver=receiver_of("892")
        )
    )
    assert prior(nxt) == ("inspect", "inspect", "sender_phone", 1)
    other = waybill(
        hours_after=2, sender=person("893", phone=cleared["sender"]["phone"]), receiver=receiver_of("893")
    )
    assert clean(desk.score(other))


def test_a_random_audit_parcel_held_for_another_reason_is_labelled_by_its_case(
    desk: Desk, policy: Policy, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    desk.app.state.engine.policy = policy.model_copy(update={"audit": Audit(random_rate=1.0)})
    wb = held_parcel()
    d = desk.score(wb)
    assert d["decision"] == "hold" and {"RANDOM_AUDIT", "OVER_PERSONAL_LIMIT"} <= codes(d)
    desk.close(d["case_id"], "return")
    assert label_rows(labels(desk, monkeypatch, tmp_path)) == {
        (wb["waybill_no"], 1, "undeclared goods", "case:returned", d["case_id"])
    }


# What an officer and the courier read back after a finding ---------------------------------------------


@pytest.mark.parametrize("action", list(STATUS_AFTER))
def test_the_case_and_the_read_back_show_the_outcome_without_a_plain_number(desk: Desk, action: str) -> None:
    wb = held_parcel()
    case_id = desk.hold(wb)
    desk.close(case_id, action)
    case = desk.case(case_id)
    assert case["status"] == STATUS_AFTER[action] and case["closed_at"] is not None
    assert case["violation_type"] == (None if action == "release" else "undeclared goods")
    last = case["history"][-1]
    assert (last["action"], last["actor"], last["after"]["label"]) == (
        action,
        "wang",
        0 if action == "release" else 1,
    )
    assert case["sender_id_masked"] == SENDER_ID[:6] + "********" + SENDER_ID[-4:]
    assert case["receiver_id_masked"] == RECEIVER_ID[:6] + "********" + RECEIVER_ID[-4:]
    back = desk.read_back(wb)
    assert (back["case_id"], back["case_status"], back["decision"]) == (case_id, STATUS_AFTER[action], "hold")
    desk.queue(status=STATUS_AFTER[action])
    desk.no_plain_ids()


def test_the_next_parcels_case_lists_the_seized_case_as_a_prior_case_of_its_entities(desk: Desk) -> None:
    first = desk.hold(held_parcel())
    desk.close(first, "seize")
    second = desk.hold(held_parcel(hours_after=HELD_AT_H + 30 * DAY_H))
    case = desk.case(second)
    priors = {p["case_id"]: p for p in case["prior_cases"]}
    assert set(priors) == {first} and priors[first]["status"] == "seized"
    assert {"sender_id", "sender_phone", "receiver_id", "payment_account", "buyer_ip"} <= set(
        priors[first]["shared"]
    )
    assert prior(case["decision"])[1:] == ("inspect", "sender_phone", 1)
    desk.no_plain_ids()
