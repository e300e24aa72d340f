"""A clause-by-clause audit of RULES.md §3: clauses and boundary sides the other scenario files leave open."""

from datetime import datetime, timedelta
from typing import Any

import pytest

from screening.cases.desk import CaseDesk
from screening.contract import Decision
from screening.engine import Engine
from screening.watchlists import Violation
from tests.factories import BASE_TIME, cn_receiver, item, party, resident_id, waybill
from tests.screening.cases import conftest as case_fixtures
from tests.screening.cases.conftest import held
from tests.screening.test_scenarios import codes, score
from tests.screening.test_scenarios_edges import abroad, buyer, cbec_import
from tests.screening.test_scenarios_rings import at, domestic, export, goods, import_postal, numbers, run
from tests.screening.test_scenarios_windows import evidence, none_has, stranger, the_reason

pytestmark = pytest.mark.anyio

# The case tests' fixtures, as test_scenarios_feedback.py uses them: a migrated case database (SQLite, then
# PostgreSQL) and a case desk on the test engine.
migrated_postgres = case_fixtures.migrated_postgres
database_url = case_fixtures.database_url
db = case_fixtures.db
make_desk = case_fixtures.make_desk
desk = case_fixtures.desk

DAY = timedelta(days=1)
# One pickup instant typed by a courier collecting several parcels at once (README: "a courier collecting
# six parcels at once types one time").
TOGETHER = BASE_TIME - 10 * DAY
NUMBER = resident_id(region="350203", birth="19830303", seq="871")


def violation(ref: dict[str, Any], when: datetime, parcel: str) -> Violation:
    """A confirmed violation of one identifier (an ID, phone, address or account) for one parcel."""
    return Violation.model_validate({**ref, "at": at(when), "parcel": parcel})


def id_ref(number: str = NUMBER) -> dict[str, Any]:
    """A resident ID as an officer records it."""
    return {"kind": "id", "id_type": "resident_id", "value": number}


def sender_with(number: str = NUMBER, phone: str = "15900871001") -> dict[str, Any]:
    """A mainland sender with a verified ID and a phone of their own."""
    return party(phone=phone, id_number=number, address={"district": "静安区", "detail": "长寿路871号8栋"})


def prior(d: Decision) -> tuple[str, int, str]:
    """The PRIOR_VIOLATIONS outcome, its count of violations, and the decision."""
    r = the_reason(d, "PRIOR_VIOLATIONS")
    return r.outcome, r.evidence["violations"], d.decision


# PRIOR_VIOLATIONS: "inspect; hold for two within a year" (刑法 art. 153: two penalties within a year).
# Two parcels picked up at one instant and both found violating are two violations, not one.


async def test_two_violations_on_two_parcels_picked_up_together_hold_the_senders_next_parcel(
    history_engine: Engine,
) -> None:
    """Two of a sender's parcels, picked up at one instant, were both confirmed: the next parcel is held."""
    await history_engine.record_violations(
        [
            violation(id_ref(), TOGETHER, "SF:SF1870000000001"),
            violation(id_ref(), TOGETHER, "SF:SF1870000000002"),
        ]
    )
    d = await score(history_engine, waybill(sender=sender_with()))
    assert prior(d) == ("hold", 2, "hold")


async def test_two_violations_a_millisecond_apart_hold_the_senders_next_parcel(
    history_engine: Engine,
) -> None:
    """The same two parcels picked up a millisecond apart: two violations within the year, hold."""
    await history_engine.record_violations(
        [
            violation(id_ref(), TOGETHER, "SF:SF1870000000003"),
            violation(id_ref(), TOGETHER + timedelta(milliseconds=1), "SF:SF1870000000004"),
        ]
    )
    d = await score(history_engine, waybill(sender=sender_with()))
    assert prior(d) == ("hold", 2, "hold")


async def test_two_held_parcels_picked_up_together_and_both_seized_hold_the_senders_next_parcel(
    engine: Engine, desk: CaseDesk
) -> None:
    """Two parcels over the limit collected at once, both seized by an officer: two violations, hold."""
    sender = sender_with(resident_id(region="350203", birth="19830303", seq="872"), "15900872001")
    pair = await run(engine, [held(sender=sender, accepted_at=at(TOGETHER)) for _ in range(2)])
    assert [d.decision for d in pair] == ["hold", "hold"]
    for d in pair:
        await desk.act(case_id=d.case_id or "", action="seize", actor="wang", violation_type="undeclared")
    d = await score(engine, waybill(sender=sender))
    assert prior(d) == ("hold", 2, "hold")


ADDRESS = {
    "country": "CN",
    "province": "北京市",
    "city": "北京市",
    "district": "朝阳区",
    "detail": "建国路93号万达广场8号楼1201",
}


@pytest.mark.parametrize(
    ("ref", "entity"),
    [
        pytest.param({"kind": "phone", "value": "13912345678"}, "receiver_phone", id="receiver-phone"),
        pytest.param({"kind": "address", "address": ADDRESS}, "receiver_address", id="receiver-building"),
        pytest.param({"kind": "account", "value": "6222020000000871"}, "payment_account", id="account"),
    ],
)
async def test_two_violations_at_one_instant_on_any_entity_of_the_parcel_hold_it(
    engine: Engine, ref: dict[str, Any], entity: str
) -> None:
    """'an entity of the parcel': a phone, building or account with two violations at one instant holds."""
    await engine.record_violations(
        [violation(ref, TOGETHER, "SF:SF1870000000021"), violation(ref, TOGETHER, "SF:SF1870000000022")]
    )
    d = await score(engine, waybill(order={"platform": "shop", "payment_account": "6222020000000871"}))
    assert evidence(d, "PRIOR_VIOLATIONS")["entity"] == entity
    assert prior(d) == ("hold", 2, "hold")


async def test_a_violation_under_the_id_and_another_parcels_under_the_phone_at_one_instant_hold(
    engine: Engine,
) -> None:
    """A person's ID and phone add up (README); two parcels' violations at one instant are still two."""
    number = resident_id(region="350203", birth="19830303", seq="873")
    await engine.record_violations(
        [
            violation(id_ref(number), TOGETHER, "SF:SF1870000000031"),
            violation({"kind": "phone", "value": "15900873001"}, TOGETHER, "SF:SF1870000000032"),
        ]
    )
    d = await score(engine, waybill(sender=sender_with(number, "15900873001")))
    assert prior(d) == ("hold", 2, "hold")


async def test_one_parcels_violation_under_the_id_and_the_phone_counts_once(history_engine: Engine) -> None:
    """The other side of the same instant: one parcel's violation recorded under ID and phone is one."""
    number = resident_id(region="350203", birth="19830303", seq="874")
    parcel = "SF:SF1870000000041"
    await history_engine.record_violations(
        [
            violation(id_ref(number), TOGETHER, parcel),
            violation({"kind": "phone", "value": "15900874001"}, TOGETHER, parcel),
        ]
    )
    d = await score(history_engine, waybill(sender=sender_with(number, "15900874001")))
    assert prior(d) == ("inspect", 1, "inspect")


# Windows hold the parcels picked up at the same instant: the same-goods and cbec clauses at one instant.


async def test_same_goods_on_five_parcels_picked_up_at_one_instant_is_a_fanout(
    history_engine: Engine,
) -> None:
    """SAME_GOODS_FANOUT: five parcels of one face cream to three receivers typed at one time."""
    sender = stranger(875)
    ring = [export(sender, abroad("HK", i % 3), 150.0, when=at(BASE_TIME)) for i in range(5)]
    decisions = await run(history_engine, ring)
    assert none_has(decisions[:4], "SAME_GOODS_FANOUT")
    assert all(d.decision == "release" for d in decisions[:4])
    r = the_reason(decisions[4], "SAME_GOODS_FANOUT")
    assert (r.outcome, r.evidence["parcels"], r.evidence["counterparts"]) == ("inspect", 5, 3)
    assert set(r.evidence["linked_waybills"]) == numbers(ring[:4])
    assert decisions[4].decision == "inspect"


def purchase(who: dict[str, Any], value: float) -> dict[str, Any]:
    """A cbec import of one watch picked up at BASE_TIME (too light for a value-per-kg judgement)."""
    return cbec_import(who, value, at(BASE_TIME), weight_kg=0.01)


async def test_purchases_picked_up_at_one_instant_add_up_to_the_annual_limit(history_engine: Engine) -> None:
    """CBEC_ANNUAL_LIMIT 'passes 26,000': five of 5,000 and one of 1,000 at one instant reach it; 0.01 more
    passes it."""
    who = buyer("876")
    decisions = await run(history_engine, [purchase(who, 5000.0) for _ in range(5)] + [purchase(who, 1000.0)])
    assert none_has(decisions, "CBEC_ANNUAL_LIMIT")
    assert all(d.decision == "release" for d in decisions)
    d = await score(history_engine, purchase(who, 0.01))
    r = the_reason(d, "CBEC_ANNUAL_LIMIT")
    assert (r.outcome, r.evidence["earlier_cny"], r.evidence["year_total_cny"]) == ("hold", 26000.0, 26000.01)
    assert d.decision == "hold"


@pytest.mark.parametrize(("second", "held"), [(2500.0, False), (2500.01, True)])
async def test_two_lots_of_one_order_picked_up_at_one_instant_are_one_transaction(
    engine: Engine, second: float, held: bool
) -> None:
    """CBEC_SINGLE_LIMIT per transaction: two lots of one order at one instant add up; over 5,000 held."""
    order = {"platform": "tmall-global", "order_id": "T-877"}
    who = buyer("877")
    first, last = await run(
        engine,
        [
            cbec_import(who, 2500.0, at(BASE_TIME), order=order),
            cbec_import(who, second, at(BASE_TIME), order=order),
        ],
    )
    assert "CBEC_SINGLE_LIMIT" not in codes(first)
    if not held:
        assert "CBEC_SINGLE_LIMIT" not in codes(last) and last.decision == "release"
        return
    r = the_reason(last, "CBEC_SINGLE_LIMIT")
    assert (r.outcome, r.evidence["value_cny"], r.evidence["order_parcels"]) == ("hold", 5000.01, 2)
    assert r.evidence["linked_waybills"] == [first.waybill_no] and last.decision == "hold"


# CBEC_SINGLE_LIMIT and L = 5,000 for cbec: the export lane


def cbec_export(value: float, **changes: Any) -> dict[str, Any]:
    """A cross-border e-commerce export of one camera to a buyer in Japan."""
    fields: dict[str, Any] = {
        "service": "export",
        "channel": "cbec",
        "receiver": abroad("JP", 1),
        "items": [item(description="相机 camera", category="electronics", quantity=1, unit_value=value)],
        "weight_kg": 2.0,
    }
    return waybill(**(fields | changes))


@pytest.mark.parametrize(("value", "held"), [(5000.0, False), (5000.01, True)])
async def test_a_cbec_export_is_held_a_fen_over_5000_and_passes_at_it(
    engine: Engine, value: float, held: bool
) -> None:
    """'cbec with value over 5,000 CNY': the export lane too; no personal limit on cbec."""
    d = await score(engine, cbec_export(value))
    if not held:
        assert codes(d) == set() and d.decision == "release"
        return
    r = the_reason(d, "CBEC_SINGLE_LIMIT")
    assert (r.outcome, r.evidence["value_cny"], r.evidence["limit_cny"]) == ("hold", 5000.01, 5000.0)
    assert codes(d) == {"CBEC_SINGLE_LIMIT"} and d.decision == "hold"


@pytest.mark.parametrize(
    ("value", "fires"),
    [(4499.99, False), (4500.0, True), (4999.99, True), (5000.0, False)],
    ids=["under-0.9L", "at-0.9L", "a-fen-under-L", "at-L"],
)
async def test_near_limit_cbec_exports_of_one_seller_are_in_4500_to_5000(
    engine: Engine, value: float, fires: bool
) -> None:
    """NEAR_LIMIT_SPLIT with L = 5,000 on cbec exports: three in [4,500, 5,000) within 7 days inspect."""
    seller = stranger(878)
    trio = [
        cbec_export(value, sender=seller, receiver=abroad("JP", i), hours_after=i * 30.0) for i in range(3)
    ]
    decisions = await run(engine, trio)
    assert none_has(decisions[:2], "NEAR_LIMIT_SPLIT")
    if not fires:
        assert "NEAR_LIMIT_SPLIT" not in codes(decisions[2]) and decisions[2].decision == "release"
        return
    ev = evidence(decisions[2], "NEAR_LIMIT_SPLIT")
    assert (ev["near_limit_parcels"], ev["band"], ev["per_parcel_limit"]) == (3, [4500.0, 5000.0], 5000.0)
    assert decisions[2].decision == "inspect"


@pytest.mark.parametrize(
    ("sellers", "value", "fires"),
    [(3, 3000.0, True), (3, 2999.99, False), (2, 3000.0, False)],
    ids=["three-sellers-3L", "three-sellers-a-fen-under-3L", "two-sellers-3L"],
)
async def test_cbec_exports_of_several_sellers_to_one_buyer_abroad_at_three_times_5000(
    engine: Engine, sellers: int, value: float, fires: bool
) -> None:
    """ANT_MOVING_RECEIVER with L = 5,000: five cbec exports from ≥ 3 sellers to one buyer, 3·L together."""
    ring = [
        cbec_export(
            value,
            sender=stranger(880 + i % sellers),
            receiver=abroad("TW", 8),
            hours_after=i * 20.0,
            items=[
                item(description=f"款式{i} 相机 camera", category="electronics", quantity=1, unit_value=value)
            ],
        )
        for i in range(5)
    ]
    decisions = await run(engine, ring)
    assert none_has(decisions[:4], "ANT_MOVING_RECEIVER")
    assert ("ANT_MOVING_RECEIVER" in codes(decisions[4])) is fires
    if fires:
        ev = evidence(decisions[4], "ANT_MOVING_RECEIVER")
        assert (ev["parcels"], ev["distinct_senders"], ev["total_value"]) == (5, 3, 15000.0)
        assert ev["per_parcel_limit"] == 5000.0 and decisions[4].decision == "hold"
    else:
        assert decisions[4].decision == "release"


# SAME_GOODS_FANOUT "to or from ≥ 3 counterparts": the receiving side


@pytest.mark.parametrize(("senders", "fires"), [(2, False), (3, True)])
async def test_same_goods_received_from_two_or_three_senders(
    engine: Engine, senders: int, fires: bool
) -> None:
    """Five imports of one milk powder to one receiver: from two senders no fan-out, from three one."""
    receiver = cn_receiver(phone="13600088100", address={"detail": "和平路881号2栋"})
    ring = [import_postal(abroad("HK", 40 + i % senders), receiver, 150.0, hours=i * 20.0) for i in range(5)]
    decisions = await run(engine, ring)
    assert none_has(decisions[:4], "SAME_GOODS_FANOUT")
    if not fires:
        assert none_has(decisions, "SAME_GOODS_FANOUT") and decisions[4].decision == "release"
        return
    r = the_reason(decisions[4], "SAME_GOODS_FANOUT")
    assert r.evidence["entity"] in {"receiver_phone", "receiver_address"}
    assert (r.outcome, r.evidence["parcels"], r.evidence["counterparts"]) == ("inspect", 5, 3)
    assert "ANT_MOVING_RECEIVER" not in codes(decisions[4]) and decisions[4].decision == "inspect"


# ANT_MOVING_SENDER on imports: an overseas sender (by phone), L of its country


@pytest.mark.parametrize(
    ("receivers_", "value", "fires"),
    [(3, 500.0, True), (3, 499.99, False), (2, 500.0, False)],
    ids=["three-receivers-3L", "three-receivers-a-fen-under-3L", "two-receivers-3L"],
)
async def test_an_overseas_shop_splitting_imports_from_japan_at_three_times_1000(
    engine: Engine, receivers_: int, value: float, fires: bool
) -> None:
    """Six imports from Japan (L = 1,000) to ≥ 3 receivers in 24 h: held at exactly 3,000 together."""
    shop = abroad("JP", 7)
    receivers = [
        cn_receiver(name=f"收件人{i}", phone=f"1350088{i:04d}", address={"detail": f"和平路{i + 1}号88栋"})
        for i in range(3)
    ]
    ring = [
        import_postal(
            shop,
            receivers[i % receivers_],
            value,
            hours=i * 0.5,
            items=goods(value, f"款式{i} 衬衫 shirt", "apparel_shoes"),
        )
        for i in range(6)
    ]
    decisions = await run(engine, ring)
    assert none_has(decisions[:5], "ANT_MOVING_SENDER")
    if not fires:
        assert codes(decisions[5]) == set() and decisions[5].decision == "release"
        return
    r = the_reason(decisions[5], "ANT_MOVING_SENDER")
    assert (r.outcome, r.evidence["entity"], r.evidence["window"]) == ("hold", "sender_phone", "24h")
    assert (r.evidence["total_value"], r.evidence["per_parcel_limit"]) == (3000.0, 1000.0)
    assert decisions[5].decision == "hold"


# VELOCITY_SPIKE: "never for an entity without that history": a receiving history is not a sending one


async def test_a_person_who_only_received_for_three_weeks_has_no_sending_history(engine: Engine) -> None:
    """Twenty-one days of parcels received, then twenty sent in an hour: no 14 days of sending history."""
    number = resident_id(region="440305", birth="19950505", seq="882")
    as_receiver = cn_receiver(phone="15800088200", id_type="resident_id", id_number=number)
    received = [
        waybill(sender=stranger(883), receiver=as_receiver, accepted_at=at(BASE_TIME - d * DAY))
        for d in range(21, 0, -1)
    ]
    await run(engine, received)
    sender = party(phone="15800088200", id_number=number)
    burst = await run(engine, [domestic(sender, BASE_TIME + timedelta(minutes=3 * k)) for k in range(20)])
    assert none_has(burst, "VELOCITY_SPIKE")
    assert all(d.decision == "release" for d in burst)
