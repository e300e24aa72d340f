"""Scenarios of the feedback loop, the watch lists, the history outage and the random audit.

Written from ../shared/domain/RULES.md (PRIOR_VIOLATIONS, WATCHLIST_HIT, HISTORY_UNAVAILABLE,
RANDOM_AUDIT), ../shared/contract/README.md (POST /v1/inspections) and ../shared/ARCHITECTURE.md
(failure behaviour). Officers' outcomes are driven through the case desk on SQLite and PostgreSQL;
admin-recorded violations and list entries on each history store.
"""

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from screening.cases.desk import CaseDesk
from screening.cases.schemas import Action
from screening.cases.tables import Label
from screening.contract import Decision, Inspection
from screening.db import Database
from screening.engine import Engine, build_engine
from screening.errors import HistoryUnavailable
from screening.history import (
    EntityKey,
    HistoryStore,
    Observation,
    ParcelEvent,
    RedisHistoryStore,
    Span,
    StoredDecision,
)
from screening.policy.schemas import Audit, Policy
from screening.settings import Settings
from screening.watchlists import ListEntry, Violation
from tests.factories import (
    BASE_TIME,
    cn_receiver,
    export_postal,
    hk_receiver,
    item,
    party,
    resident_id,
    waybill,
)
from tests.screening.cases import conftest as case_fixtures
from tests.screening.cases.conftest import held
from tests.screening.test_scenarios import codes, reason_of, score

pytestmark = pytest.mark.anyio

# The case tests' fixtures, used here too: a migrated case database (an SQLite file, then PostgreSQL)
# and a case desk on the test engine whose confirmed violations feed the engine's history.
migrated_postgres = case_fixtures.migrated_postgres
database_url = case_fixtures.database_url
db = case_fixtures.db
make_desk = case_fixtures.make_desk
desk = case_fixtures.desk


# Helpers ------------------------------------------------------------------------------------------


def at(days: float) -> str:
    """A timestamp `days` after the base time (negative: before), ISO-8601 with the Beijing offset."""
    return (BASE_TIME + timedelta(days=days)).isoformat()


def id_violation(number: str, when: str, waybill_no: str) -> Violation:
    """A confirmed violation of a resident ID, for one parcel."""
    return Violation.model_validate(
        {"kind": "id", "id_type": "resident_id", "value": number, "at": when, "parcel": f"SF:{waybill_no}"}
    )


def report(decision: Decision, result: str, *, hours: float = 1.0) -> Inspection:
    """An inspection result for a scored parcel, `hours` after the base time."""
    return Inspection.model_validate(
        {
            "carrier": decision.carrier,
            "waybill_no": decision.waybill_no,
            "result": result,
            "violation_type": "counterfeit" if result == "violation" else None,
            "inspected_at": (BASE_TIME + timedelta(hours=hours)).isoformat(),
        }
    )


class SwitchableHistory:
    """The test's embedded store, or, while `down`, a Redis store pointed at a closed port."""

    def __init__(self, live: HistoryStore) -> None:
        self.live = live
        self.dead = RedisHistoryStore.from_url("redis://127.0.0.1:1/0", timeout_s=0.1)
        self.down = False

    @property
    def now(self) -> HistoryStore:
        """The store calls go to at the moment."""
        return self.dead if self.down else self.live

    async def observe(
        self,
        *,
        parcel: str,
        entities: Mapping[EntityKey, ParcelEvent],
        span: Span | None = None,
        watch: str | None = None,
    ) -> Observation:
        """Delegated."""
        return await self.now.observe(parcel=parcel, entities=entities, span=span, watch=watch)

    async def remember_decision(self, *, parcel: str, digest: str, decision_json: bytes) -> None:
        """Delegated."""
        await self.now.remember_decision(parcel=parcel, digest=digest, decision_json=decision_json)

    async def observe_many(
        self,
        parcels: Sequence[tuple[str, Mapping[EntityKey, ParcelEvent]]],
        span: Span | None = None,
        *,
        retake: bool = False,
    ) -> list[Observation]:
        """Delegated."""
        return await self.now.observe_many(parcels, span, retake=retake)

    async def remember_many(self, decisions: Sequence[tuple[str, str, bytes]]) -> None:
        """Delegated."""
        await self.now.remember_many(decisions)

    async def remember_soon(self, decisions: Sequence[tuple[str, str, bytes]]) -> None:
        """Delegated."""
        await self.now.remember_soon(decisions)

    async def recall(self, *, parcel: str) -> StoredDecision | None:
        """Delegated."""
        return await self.now.recall(parcel=parcel)

    async def forget(self, *, parcel: str, entities: Sequence[EntityKey]) -> None:
        """Delegated."""
        await self.now.forget(parcel=parcel, entities=entities)

    async def record_violation(self, *, entity: EntityKey, at_ms: int, parcel: str) -> None:
        """Delegated."""
        await self.now.record_violation(entity=entity, at_ms=at_ms, parcel=parcel)

    async def set_listed(self, *, entity: EntityKey, list_name: str, listed: bool) -> None:
        """Delegated."""
        await self.now.set_listed(entity=entity, list_name=list_name, listed=listed)

    async def ping(self) -> bool:
        """Delegated."""
        return await self.now.ping()

    async def close(self) -> None:
        """Close the dead store's client (the live one is the engine fixture's)."""
        await self.dead.close()


@pytest.fixture
async def outage(
    engine: Engine, db: Database, make_desk: Callable[..., CaseDesk]
) -> AsyncIterator[tuple[SwitchableHistory, CaseDesk]]:
    """The engine's history behind a switch (down on demand), and a case desk on that engine."""
    switch = SwitchableHistory(engine.history)
    engine.history = switch
    yield switch, make_desk(db)
    await switch.close()


# PRIOR_VIOLATIONS: counting in event time -------------------------------------------------------


@pytest.mark.parametrize(
    ("days_before", "outcome", "counted"),
    [
        ((30, 200), "hold", 2),
        ((30, 364), "hold", 2),
        ((30, 366), "inspect", 1),
        ((30, 500), "inspect", 1),
        ((400, 500), None, 0),
    ],
    ids=["both-recent", "one-just-inside-a-year", "one-just-outside", "more-than-a-year-apart", "both-old"],
)
async def test_two_violations_hold_only_when_both_fall_within_the_year_before_the_parcel(
    history_engine: Engine, days_before: tuple[int, int], outcome: str | None, counted: int
) -> None:
    number = resident_id(region="350203", birth="19830303", seq="611")
    await history_engine.record_violations(
        [id_violation(number, at(-d), f"SF{1600000000000 + d}") for d in days_before]
    )
    d = await score(history_engine, waybill(sender=party(id_number=number)))
    if outcome is None:
        assert "PRIOR_VIOLATIONS" not in codes(d) and d.decision == "release"
        return
    ev = reason_of(d, "PRIOR_VIOLATIONS")
    assert (d.decision, ev["violations"], ev["entity"]) == (outcome, counted, "sender_id")


async def test_a_violation_dated_after_the_parcel_does_not_count_for_it(history_engine: Engine) -> None:
    number = resident_id(region="350203", birth="19830303", seq="612")
    await history_engine.record_violations(
        [
            id_violation(number, at(-10), "SF1600000000010"),
            id_violation(number, at(1), "SF1600000000011"),
        ]
    )
    sender = party(id_number=number)
    # Picked up before the later violation: only the earlier one counts, so inspect, not hold.
    now = await score(history_engine, waybill(sender=sender))
    assert now.decision == "inspect" and reason_of(now, "PRIOR_VIOLATIONS")["violations"] == 1
    # A late-arriving parcel picked up before both counts neither.
    earlier = await score(history_engine, waybill(sender=sender, hours_after=-24 * 20))
    assert "PRIOR_VIOLATIONS" not in codes(earlier) and earlier.decision == "release"
    # Picked up after both: two within a year, held.
    later = await score(history_engine, waybill(sender=sender, hours_after=48))
    assert later.decision == "hold" and reason_of(later, "PRIOR_VIOLATIONS")["violations"] == 2


async def test_the_same_violation_recorded_twice_counts_once(history_engine: Engine) -> None:
    number = resident_id(region="350203", birth="19830303", seq="613")
    once = id_violation(number, at(-30), "SF1600000000020")
    await history_engine.record_violations([once])
    await history_engine.record_violations([once, once])
    # The same parcel's violation reported again with a corrected time is still that one violation.
    await history_engine.record_violations([id_violation(number, at(-29), "SF1600000000020")])
    d = await score(history_engine, waybill(sender=party(id_number=number)))
    assert d.decision == "inspect" and reason_of(d, "PRIOR_VIOLATIONS")["violations"] == 1


@pytest.mark.parametrize("side", ["sender", "receiver"])
async def test_a_recorded_phone_violation_follows_the_number_in_any_writing_on_either_side(
    history_engine: Engine, side: str
) -> None:
    await history_engine.record_violations(
        [
            Violation.model_validate(
                {"kind": "phone", "value": "+86 137 0002 0099", "at": at(-5), "parcel": "SF:SF1600000000030"}
            )
        ]
    )
    wb = (
        waybill(sender=party(phone="137-0002-0099"))
        if side == "sender"
        else waybill(receiver=cn_receiver(phone="0086 13700020099"))
    )
    d = await score(history_engine, wb)
    assert reason_of(d, "PRIOR_VIOLATIONS")["entity"] == f"{side}_phone" and d.decision == "inspect"


# PRIOR_VIOLATIONS from the feedback loop: officers' outcomes and inspection reports ---------------

VIOLATOR_ID = resident_id(region="130102", birth="19770707", seq="111")
BUYER_ID = resident_id(region="130102", birth="19780808", seq="222")
VIOLATOR_ADDRESS = {"district": "徐汇区", "detail": "漕溪北路595号2号楼1101室", "postcode": "200030"}


def violating_parcel() -> dict[str, Any]:
    """A released domestic parcel with every kind of entity: sender ID, phone and address, receiver ID,
    phone and address, payment account."""
    return waybill(
        sender=party(phone="13700020001", id_number=VIOLATOR_ID, address=VIOLATOR_ADDRESS),
        receiver=cn_receiver(
            phone="13700020002",
            id_type="resident_id",
            id_number=BUYER_ID,
            address={"district": "东城区", "detail": "东四十条100号7号楼301"},
        ),
        order={"platform": "shop", "order_id": "O-77", "payment_account": "6222020200112233445"},
    )


# The sender's next parcel that shares exactly one entity with the violating parcel.
SHARING_ONE: dict[str, Callable[[], dict[str, Any]]] = {
    "sender_id": lambda: waybill(hours_after=3, sender=party(phone="13700029991", id_number=VIOLATOR_ID)),
    "sender_phone": lambda: waybill(hours_after=3, sender=party(phone="13700020001")),
    # The same building written another way, by another person.
    "sender_address": lambda: waybill(
        hours_after=3,
        sender=party(
            name="李娜",
            phone="13700029993",
            id_number=resident_id(region="310104", birth="19900303", seq="333"),
            address={"district": "徐汇区", "detail": "漕溪北路 595号 2号楼 1203室"},
        ),
    ),
    "receiver_id": lambda: waybill(
        hours_after=3, receiver=cn_receiver(id_type="resident_id", id_number=BUYER_ID)
    ),
    "receiver_phone": lambda: waybill(hours_after=3, receiver=cn_receiver(phone="13700020002")),
    "receiver_address": lambda: waybill(
        hours_after=3,
        receiver=cn_receiver(
            name="王芳",
            phone="13700029992",
            address={"district": "东城区", "detail": "东四十条100号7号楼 1502室"},
        ),
    ),
    "payment_account": lambda: waybill(
        hours_after=3,
        order={"platform": "shop", "order_id": "O-78", "payment_account": "6222020200112233445"},
    ),
}


@pytest.mark.parametrize("kind", list(SHARING_ONE))
async def test_an_inspection_violation_carries_to_the_next_parcel_of_each_entity_of_the_parcel(
    engine: Engine, desk: CaseDesk, kind: str
) -> None:
    released = await score(engine, violating_parcel())
    assert released.decision == "release"
    outcome = await desk.inspection(inspection=report(released, "violation"), actor="wang")
    assert outcome.label == 1 and outcome.entities >= 7
    d = await score(engine, SHARING_ONE[kind]())
    ev = reason_of(d, "PRIOR_VIOLATIONS")
    assert (d.decision, ev["entity"], ev["violations"]) == ("inspect", kind, 1)
    # A parcel sharing nothing with it is not touched.
    assert "PRIOR_VIOLATIONS" not in codes(await score(engine, waybill(hours_after=4)))


@pytest.mark.parametrize("action", ["seize", "return", "refer_to_police"])
async def test_each_confirming_case_outcome_counts_one_violation(
    engine: Engine, desk: CaseDesk, action: Action
) -> None:
    sender = party(id_number=resident_id(region="320106", birth="19860606", seq="301"))
    case_id = (await score(engine, held(sender=sender))).case_id or ""
    await desk.act(case_id=case_id, action="assign", actor="wang")
    await desk.act(case_id=case_id, action=action, actor="wang", violation_type="undeclared goods")
    d = await score(engine, waybill(sender=sender, hours_after=3))
    assert d.decision == "inspect" and reason_of(d, "PRIOR_VIOLATIONS")["violations"] == 1


async def test_asking_for_information_then_releasing_counts_no_violation(
    engine: Engine, desk: CaseDesk
) -> None:
    sender = party(id_number=resident_id(region="320106", birth="19860606", seq="302"))
    case_id = (await score(engine, held(sender=sender))).case_id or ""
    await desk.act(case_id=case_id, action="request_info", actor="wang", note="invoice please")
    assert "PRIOR_VIOLATIONS" not in codes(await score(engine, waybill(sender=sender, hours_after=2)))
    await desk.act(case_id=case_id, action="release", actor="wang")
    later = await score(engine, waybill(sender=sender, hours_after=3))
    assert "PRIOR_VIOLATIONS" not in codes(later) and later.decision == "release"


async def test_two_seized_parcels_within_a_year_hold_the_senders_next_parcel(
    engine: Engine, desk: CaseDesk
) -> None:
    sender = party(id_number=resident_id(region="320106", birth="19860606", seq="303"))
    first = await score(engine, held(sender=sender))
    await desk.act(case_id=first.case_id or "", action="seize", actor="wang", violation_type="undeclared")
    second = await score(engine, held(sender=sender, hours_after=24 * 40))
    assert reason_of(second, "PRIOR_VIOLATIONS")["violations"] == 1
    await desk.act(case_id=second.case_id or "", action="seize", actor="wang", violation_type="undeclared")
    d = await score(engine, waybill(sender=sender, hours_after=24 * 41))
    assert d.decision == "hold" and reason_of(d, "PRIOR_VIOLATIONS")["violations"] == 2
    assert next(r for r in d.reasons if r.code == "PRIOR_VIOLATIONS").outcome == "hold"


async def test_a_cleared_inspection_counts_no_violation(engine: Engine, desk: CaseDesk) -> None:
    sender = party(id_number=resident_id(region="320106", birth="19860606", seq="304"))
    released = await score(engine, waybill(sender=sender))
    outcome = await desk.inspection(inspection=report(released, "clear"), actor="wang")
    assert (outcome.label, outcome.entities) == (0, 0)
    d = await score(engine, waybill(sender=sender, hours_after=3))
    assert "PRIOR_VIOLATIONS" not in codes(d) and d.decision == "release"


async def test_one_violation_reported_by_the_case_and_again_by_inspections_counts_once(
    engine: Engine, desk: CaseDesk
) -> None:
    sender = party(id_number=resident_id(region="320106", birth="19860606", seq="305"))
    decision = await score(engine, held(sender=sender))
    await desk.act(case_id=decision.case_id or "", action="seize", actor="wang", violation_type="undeclared")
    # Customs reports the same finding, re-sends the report, then sends it once more with a later time.
    await desk.inspection(inspection=report(decision, "violation", hours=2), actor="customs")
    await desk.inspection(inspection=report(decision, "violation", hours=2), actor="customs")
    await desk.inspection(inspection=report(decision, "violation", hours=5), actor="customs")
    d = await score(engine, waybill(sender=sender, hours_after=6))
    assert d.decision == "inspect" and reason_of(d, "PRIOR_VIOLATIONS")["violations"] == 1


async def test_a_seizure_does_not_count_for_the_senders_parcels_picked_up_before_it(
    engine: Engine, desk: CaseDesk
) -> None:
    sender = party(id_number=resident_id(region="320106", birth="19860606", seq="306"))
    decision = await score(engine, held(sender=sender, hours_after=10))
    await desk.act(case_id=decision.case_id or "", action="seize", actor="wang", violation_type="undeclared")
    late = await score(engine, waybill(sender=sender, hours_after=2))  # picked up earlier, arrives late
    assert "PRIOR_VIOLATIONS" not in codes(late)
    after = await score(engine, waybill(sender=sender, hours_after=12))
    assert "PRIOR_VIOLATIONS" in codes(after)


@pytest.mark.parametrize("confirmed_by", ["case", "inspection"])
async def test_a_confirmed_violation_is_dated_at_the_violating_parcels_pickup(
    engine: Engine, desk: CaseDesk, confirmed_by: str
) -> None:
    sender = party(id_number=resident_id(region="320106", birth="19860606", seq="307"))
    if confirmed_by == "case":
        decision = await score(engine, held(sender=sender))
        await desk.act(
            case_id=decision.case_id or "", action="seize", actor="wang", violation_type="undeclared"
        )
    else:  # no case: the report alone, five hours after the pickup
        decision = await score(engine, waybill(sender=sender))
        await desk.inspection(inspection=report(decision, "violation", hours=5), actor="customs")
    # The sender's next parcel was picked up two hours after the violating one, and is scored now.
    d = await score(engine, waybill(sender=sender, hours_after=2))
    assert "PRIOR_VIOLATIONS" in codes(d)


# WATCHLIST_HIT ----------------------------------------------------------------------------------

LISTED_ID = resident_id(region="420106", birth="19810303", seq="901")
LISTED_ADDRESS = {
    "country": "CN",
    "province": "湖北省",
    "city": "武汉市",
    "district": "江汉区",
    "detail": "解放大道688号2栋",
}
ADDRESS_VARIANT = {
    "province": "湖北",
    "city": "武汉",
    "district": "江汉区",
    "detail": "解放大道688号二栋 1801室",
}

# kind of entity → (list entry, a parcel that has that entity and no other listed one)
LISTED: dict[str, tuple[dict[str, Any], Callable[[], dict[str, Any]]]] = {
    "sender_id": (
        {"kind": "id", "id_type": "resident_id", "value": LISTED_ID},
        lambda: waybill(sender=party(id_number=LISTED_ID)),
    ),
    "receiver_id": (
        {"kind": "id", "id_type": "resident_id", "value": LISTED_ID},
        lambda: waybill(receiver=cn_receiver(id_type="resident_id", id_number=LISTED_ID)),
    ),
    "sender_phone": (
        {"kind": "phone", "value": "13600136000"},
        lambda: waybill(sender=party(phone="13600136000")),
    ),
    "receiver_phone": (
        {"kind": "phone", "value": "13600136000"},
        lambda: waybill(receiver=cn_receiver(phone="13600136000")),
    ),
    "receiver_address": (
        {"kind": "address", "address": LISTED_ADDRESS},
        lambda: waybill(receiver=cn_receiver(address=ADDRESS_VARIANT)),
    ),
    "payment_account": (
        {"kind": "account", "value": "6222020200998877665"},
        lambda: waybill(order={"platform": "shop", "payment_account": "6222020200998877665"}),
    ),
    "buyer_ip": (
        {"kind": "ip", "value": "203.0.113.7"},
        lambda: waybill(order={"platform": "shop", "buyer_ip": "203.0.113.7"}),
    ),
}


@pytest.mark.parametrize("kind", list(LISTED))
async def test_each_listed_kind_of_entity_holds_the_parcel(history_engine: Engine, kind: str) -> None:
    entry, parcel = LISTED[kind]
    assert (await score(history_engine, parcel())).decision == "release"
    await history_engine.set_listed([ListEntry.model_validate({**entry, "list": "black"})])
    d = await score(history_engine, parcel())
    ev = reason_of(d, "WATCHLIST_HIT")
    assert (d.decision, ev["entity"], ev["lists"]) == ("hold", kind, ["black"])


@pytest.mark.parametrize(
    "written",
    [
        "13987654321",
        "+8613987654321",
        "+86 139 8765 4321",
        "0086-139-8765-4321",
        "(+86) 139 8765 4321",
        "１３９８７６５４３２１",
        "+86１３９８７６５４３２１",
    ],
)
async def test_a_listed_phone_matches_every_writing_of_the_number(
    history_engine: Engine, written: str
) -> None:
    await history_engine.set_listed([ListEntry(kind="phone", value="+86 139-8765-4321", list="watch")])
    d = await score(history_engine, waybill(sender=party(phone=written)))
    assert d.decision == "hold" and reason_of(d, "WATCHLIST_HIT")["entity"] == "sender_phone"


async def test_a_listed_phone_matches_a_writing_with_some_full_width_digits(history_engine: Engine) -> None:
    await history_engine.set_listed([ListEntry(kind="phone", value="13987654321", list="watch")])
    d = await score(history_engine, waybill(receiver=cn_receiver(phone="139８７６５４３２１")))
    assert d.decision == "hold" and reason_of(d, "WATCHLIST_HIT")["entity"] == "receiver_phone"


async def test_taking_an_entry_off_in_another_writing_stops_the_hit(history_engine: Engine) -> None:
    await history_engine.set_listed(
        [
            ListEntry(kind="phone", value="13987650000", list="watch"),
            ListEntry.model_validate({"kind": "address", "address": LISTED_ADDRESS, "list": "watch"}),
        ]
    )
    by_phone = waybill(receiver=cn_receiver(phone="13987650000"))
    by_address = waybill(receiver=cn_receiver(address=ADDRESS_VARIANT))
    assert (await score(history_engine, by_phone)).decision == "hold"
    assert (await score(history_engine, by_address)).decision == "hold"
    await history_engine.set_listed(
        [
            ListEntry(kind="phone", value="+86 139 8765 0000", list="watch", listed=False),
            ListEntry.model_validate(
                {"kind": "address", "address": {"country": "CN", **ADDRESS_VARIANT}, "listed": False}
            ),
        ]
    )
    for wb in (by_phone, by_address):
        d = await score(history_engine, {**wb, "waybill_no": wb["waybill_no"] + "1"})
        assert "WATCHLIST_HIT" not in codes(d) and d.decision == "release"


async def test_taking_an_entry_off_one_list_leaves_it_on_the_other(history_engine: Engine) -> None:
    account = {"kind": "account", "value": "6222020200123123123"}
    await history_engine.set_listed(
        [
            ListEntry.model_validate({**account, "list": "watch"}),
            ListEntry.model_validate({**account, "list": "black"}),
        ]
    )

    def parcel() -> dict[str, Any]:
        return waybill(order={"payment_account": "6222020200123123123"})

    assert reason_of(await score(history_engine, parcel()), "WATCHLIST_HIT")["lists"] == ["black", "watch"]
    await history_engine.set_listed([ListEntry.model_validate({**account, "list": "watch", "listed": False})])
    d = await score(history_engine, parcel())
    assert d.decision == "hold" and reason_of(d, "WATCHLIST_HIT")["lists"] == ["black"]
    await history_engine.set_listed([ListEntry.model_validate({**account, "list": "black", "listed": False})])
    assert (await score(history_engine, parcel())).decision == "release"


# HISTORY_UNAVAILABLE ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parcel", "decision", "also"),
    [
        (lambda: waybill(), "release", set()),
        (lambda: export_postal(items=[item(quantity=1, unit_value=100.0)]), "inspect", set()),
        (
            lambda: waybill(service="import", channel="postal", sender=hk_receiver(), receiver=cn_receiver()),
            "inspect",
            set(),
        ),
        (
            lambda: waybill(
                items=[item(description="仿真手枪 一把", category=None, quantity=1, unit_value=200.0)]
            ),
            "reject",
            {"PROHIBITED_ITEM"},
        ),
        (lambda: export_postal(sender=party(id_type=None, id_number=None)), "reject", {"REALNAME_MISSING"}),
        (lambda: held(), "hold", {"OVER_PERSONAL_LIMIT"}),
    ],
    ids=["domestic", "export", "import", "prohibited", "no-sender-id", "over-limit"],
)
async def test_without_history_the_lane_decides_and_stateless_rules_still_apply(
    engine: Engine, parcel: Callable[[], dict[str, Any]], decision: str, also: set[str]
) -> None:
    engine.history = RedisHistoryStore.from_url("redis://127.0.0.1:1/0", timeout_s=0.1)
    try:
        d = await score(engine, parcel())
        assert d.decision == decision
        assert {"HISTORY_UNAVAILABLE", *also} <= codes(d)
        unavailable = next(r for r in d.reasons if r.code == "HISTORY_UNAVAILABLE")
        cross = parcel()["service"] != "domestic"
        assert unavailable.outcome == ("inspect" if cross else "release")
        assert unavailable.evidence["cross_border"] is cross
    finally:
        await engine.history.close()


async def test_a_hold_without_history_opens_its_case_and_its_seizure_reaches_history_once_back(
    engine: Engine, outage: tuple[SwitchableHistory, CaseDesk]
) -> None:
    switch, desk = outage
    sender = party(id_number=resident_id(region="410102", birth="19870707", seq="401"))
    switch.down = True
    decision = await score(engine, held(sender=sender))
    assert decision.decision == "hold" and "HISTORY_UNAVAILABLE" in codes(decision)
    case = await desk.get(decision.case_id or "")
    assert case.status == "open"
    await desk.act(case_id=case.case_id, action="seize", actor="wang", violation_type="undeclared")
    switch.down = False
    assert await desk.apply_feedback() == 1  # what the desk's retry loop does every few seconds
    d = await score(engine, waybill(sender=sender, hours_after=3))
    assert reason_of(d, "PRIOR_VIOLATIONS")["violations"] == 1


async def test_a_violation_reported_while_history_is_down_is_refused_for_a_retry_not_lost(
    engine: Engine, db: Database, outage: tuple[SwitchableHistory, CaseDesk]
) -> None:
    switch, desk = outage
    sender = party(id_number=resident_id(region="410102", birth="19870707", seq="402"))
    released = await score(engine, waybill(sender=sender))
    switch.down = True
    with pytest.raises(HistoryUnavailable):  # a 503: the reporting system sends it again
        await desk.inspection(inspection=report(released, "violation"), actor="customs")
    assert db.read_sync(lambda s: s.scalar(sa.select(sa.func.count()).select_from(Label))) == 0
    switch.down = False
    outcome = await desk.inspection(inspection=report(released, "violation"), actor="customs")
    assert outcome.label == 1
    d = await score(engine, waybill(sender=sender, hours_after=3))
    assert "PRIOR_VIOLATIONS" in codes(d)


async def test_a_violation_on_a_parcel_decided_while_history_was_down_reaches_its_entities(
    engine: Engine, outage: tuple[SwitchableHistory, CaseDesk]
) -> None:
    """The history never remembered that decision; the decision log did, with the entity keys."""
    switch, desk = outage
    number = resident_id(region="410102", birth="19870707", seq="403")
    sender = party(phone="13700040301", id_number=number)
    switch.down = True
    decided = await score(engine, waybill(sender=sender))
    assert decided.decision == "release" and "HISTORY_UNAVAILABLE" in codes(decided)
    switch.down = False
    outcome = await desk.inspection(inspection=report(decided, "violation", hours=30), actor="customs")
    assert outcome.label == 1 and outcome.entities >= 4
    # Another phone, the same ID; and the same phone, another ID: each carries the violation.
    other_phone = party(phone="13700040399", id_number=number)
    by_id = await score(engine, waybill(sender=other_phone, hours_after=40))
    by_phone = await score(engine, waybill(sender=party(phone="13700040301"), hours_after=41))
    assert reason_of(by_id, "PRIOR_VIOLATIONS")["entity"] == "sender_id"
    assert reason_of(by_phone, "PRIOR_VIOLATIONS")["entity"] == "sender_phone"
    # Dated at the parcel's pickup, as the log recorded it: a parcel picked up before it is clean.
    before = await score(engine, waybill(sender=sender, hours_after=-2))
    assert "PRIOR_VIOLATIONS" not in codes(before)


# RANDOM_AUDIT -----------------------------------------------------------------------------------


def audited(decisions: Sequence[Decision | Any]) -> set[str]:
    """Waybill numbers whose decision carries RANDOM_AUDIT."""
    return {d.waybill_no for d in decisions if "RANDOM_AUDIT" in codes(d)}


def with_audit_rate(policy: Policy, rate: float) -> Policy:
    """The policy with another random audit rate."""
    return policy.model_copy(update={"audit": Audit(random_rate=rate)})


async def test_random_audit_picks_the_same_parcels_on_resend_correction_and_replay(
    engine: Engine, tmp_path: Path
) -> None:
    engine.policy = with_audit_rate(engine.policy, 0.25)
    bodies = [waybill(waybill_no=f"SF{1700000000000 + n}", hours_after=n * 0.1) for n in range(80)]
    first = [await score(engine, wb) for wb in bodies]
    chosen = audited(first)
    assert 5 <= len(chosen) <= 40
    assert all(d.decision == ("inspect" if d.waybill_no in chosen else "release") for d in first)
    assert audited([await score(engine, wb) for wb in bodies]) == chosen  # re-sent as they were
    corrected = [
        {**wb, "items": [item(quantity=3, unit_value=60.0)], "declared_value": 180.0} for wb in bodies
    ]
    assert audited([await score(engine, wb) for wb in corrected]) == chosen  # corrected bodies
    replay = build_engine(Settings(env="development", data_dir=tmp_path / "replay"))
    replay.policy = engine.policy
    try:
        again = await replay.decide_batch(bodies)  # a replay through a fresh engine
    finally:
        await replay.close()
    assert audited(again) == chosen


async def test_random_audit_inspects_about_the_policys_rate_of_many_waybills(engine: Engine) -> None:
    engine.policy = with_audit_rate(engine.policy, 0.2)
    # Each parcel between other people: one sender's 2,000 parcels would make every later parcel read a
    # long history, and the test is about the draw, not windows.
    bodies = [
        waybill(
            waybill_no=f"YT{1800000000000 + n}",
            carrier="YTO",
            outlet_id="YTO-1",
            hours_after=n * 0.01,
            sender=party(
                phone=f"1390{n:07d}",
                id_number=resident_id(birth=f"19{60 + n // 1000}0101", seq=f"{n % 1000:03d}"),
                address={"detail": f"建国路{n}号"},
            ),
            receiver=cn_receiver(phone=f"1370{n:07d}", address={"detail": f"长安街{n}号"}),
        )
        for n in range(2000)
    ]
    decisions = [d for d in await engine.decide_batch(bodies) if isinstance(d, Decision)]
    assert len(decisions) == len(bodies)
    drawn = [d for d in decisions if "RANDOM_AUDIT" in codes(d)]
    assert 0.17 < len(drawn) / len(bodies) < 0.23
    assert all(d.decision == "inspect" for d in drawn)
    assert {reason_of(d, "RANDOM_AUDIT")["rate"] for d in drawn} == {0.2}
