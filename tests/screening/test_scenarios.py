"""Scripted scenarios from RULES.md, each run on the embedded store, single-node Redis and Redis Cluster."""

from datetime import timedelta
from typing import Any

import pytest

from screening.contract import Decision, Waybill
from screening.engine import Engine
from screening.watchlists import ListEntry, Violation
from tests.factories import (
    BASE_TIME,
    Whole,
    ant_ring,
    cn_receiver,
    export_postal,
    hk_receiver,
    item,
    party,
    resident_id,
    waybill,
)
from tests.factories import macau_receiver as macau_receiver

pytestmark = pytest.mark.anyio


def mainland_sender(n: int) -> dict[str, Any]:
    """The n-th of several distinct mainland senders, each with a verified ID."""
    return party(
        name=f"寄件人{n}",
        phone=f"1390000{n:04d}",
        id_number=resident_id(region="440106", birth="19900101", seq=f"{n % 1000:03d}"),
    )


async def score(engine: Engine, wb: dict[str, Any]) -> Decision:
    """Decide a waybill given in wire form."""
    return await engine.decide(Waybill.model_validate(wb))


def codes(d: Decision) -> set[str]:
    """The reason codes of a decision."""
    return {r.code for r in d.reasons}


def reason_of(d: Decision, code: str) -> dict[str, Any]:
    """The evidence of one reason."""
    return next(r.evidence for r in d.reasons if r.code == code)


async def test_ant_moving_sender_to_macau_is_held_after_the_first_parcels(history_engine: Engine) -> None:
    waybills = ant_ring(15)
    decisions = [await score(history_engine, wb) for wb in waybills]
    assert [d.decision for d in decisions[:2]] == ["release", "release"]
    assert all("ANT_MOVING_SENDER" not in codes(d) for d in decisions[:5])
    assert all(d.decision == "hold" and "ANT_MOVING_SENDER" in codes(d) for d in decisions[5:])
    last = reason_of(decisions[-1], "ANT_MOVING_SENDER")
    assert last["window"] == "24h" and last["parcels"] == 15 and last["distinct_receivers"] == 5
    assert last["per_parcel_limit"] == 800.0 and last["total_value"] == sum(760.0 + i for i in range(15))
    earlier = [wb["waybill_no"] for wb in waybills[:-1]]
    assert set(last["linked_waybills"]) <= set(earlier) and len(last["linked_waybills"]) == 14
    assert waybills[-1]["waybill_no"] not in last["linked_waybills"]
    assert "NEAR_LIMIT_SPLIT" in codes(decisions[2])


async def test_many_senders_to_one_receiver_phone_are_held(history_engine: Engine) -> None:
    receiver = cn_receiver(phone="13712345678")
    decisions = []
    for i in range(6):
        wb = waybill(
            hours_after=i * 20,
            service="import",
            channel="postal",
            sender=hk_receiver(
                name=f"SENDER {i}", phone=f"+8529100{i:04d}", address={"detail": f"{i} Queen's Road"}
            ),
            receiver=receiver,
            items=[item(description="奶粉 milk powder", category="food", quantity=2, unit_value=300.0 + i)],
            weight_kg=2.0,
        )
        decisions.append(await score(history_engine, wb))
    assert all("ANT_MOVING_RECEIVER" not in codes(d) for d in decisions[:4])
    assert decisions[4].decision == "hold"
    ev = reason_of(decisions[4], "ANT_MOVING_RECEIVER")
    assert ev["parcels"] == 5 and ev["distinct_senders"] == 5 and ev["window"] == "7d"
    assert ev["entity"] in {"receiver_phone", "receiver_address"}


async def test_one_address_written_many_ways_is_one_receiver(history_engine: Engine) -> None:
    writings = [
        ("上海市", "上海市", "浦东新区", "张江路88号3号楼201室"),
        ("上海", "上海", "浦东", "张江路88号3栋502"),
        ("上海市", "上海市", "浦东新区", "上海市浦东新区张江路８８号３幢1101室"),
        ("上海市", "上海市", "浦東新區", "張江路88號三號樓 302"),
        ("上海市", "上海市", "浦东新区", "张江路88号 3#楼 2单元 601"),
    ]
    decisions = []
    for i, (prov, city, district, detail) in enumerate(writings):
        wb = waybill(
            hours_after=i * 10,
            service="import",
            channel="postal",
            sender=hk_receiver(
                name=f"SENDER {i}", phone=f"+8529200{i:04d}", address={"detail": f"{i} Des Voeux Road"}
            ),
            receiver=cn_receiver(
                name=f"收件人{i}",
                phone=f"1360000{i:04d}",
                address={"province": prov, "city": city, "district": district, "detail": detail},
            ),
            items=[item(description="保健品 supplements", category="food", quantity=1, unit_value=700.0)],
            weight_kg=1.0,
        )
        decisions.append(await score(history_engine, wb))
    assert "ANT_MOVING_RECEIVER" not in codes(decisions[3])
    ev = reason_of(decisions[4], "ANT_MOVING_RECEIVER")
    assert ev["entity"] == "receiver_address" and ev["parcels"] == 5


async def test_a_benign_domestic_sender_is_never_flagged(history_engine: Engine) -> None:
    sender = party(phone="13811112222")
    for day in range(30):
        for k in range(3):
            wb = waybill(
                hours_after=day * 24 + k * 3,
                sender=sender,
                receiver=cn_receiver(phone=f"1391111{(day * 3 + k) % 7:04d}"),
                items=[item(description="茶叶 tea", category="food", quantity=1, unit_value=150.0)],
                weight_kg=0.5,
            )
            d = await score(history_engine, wb)
            assert d.decision == "release", d.reasons


async def test_cbec_buyer_over_the_annual_limit_is_held(history_engine: Engine) -> None:
    buyer = cn_receiver(
        id_type="resident_id", id_number=resident_id(region="320102", birth="19880808", seq="123")
    )
    decisions = []
    for i in range(6):
        wb = waybill(
            hours_after=i * 24 * 8,
            service="import",
            channel="cbec",
            sender=hk_receiver(name="GLOBAL SHOP", phone="+85230001000"),
            receiver=buyer,
            items=[
                item(
                    description="手提包 handbag",
                    category="bags_leather",
                    quantity=1,
                    unit_value=4800.0 if i < 5 else 2500.0,
                )
            ],
            weight_kg=1.0,
        )
        decisions.append(await score(history_engine, wb))
    assert all("CBEC_ANNUAL_LIMIT" not in codes(d) for d in decisions[:5])
    ev = reason_of(decisions[5], "CBEC_ANNUAL_LIMIT")
    assert ev["year_total_cny"] == 26500.0 and decisions[5].decision == "hold"
    assert ev["limit_cny"] == 26000.0


async def test_the_annual_total_starts_again_in_a_new_beijing_year(history_engine: Engine) -> None:
    buyer = cn_receiver(
        id_type="resident_id", id_number=resident_id(region="320102", birth="19880808", seq="124")
    )
    start = BASE_TIME.replace(month=12, day=31, hour=20)

    def purchase(at: Any, value: float) -> dict[str, Any]:
        wb = waybill(
            service="import",
            channel="cbec",
            sender=hk_receiver(name="GLOBAL SHOP", phone="+85230001000"),
            receiver=buyer,
            items=[item(description="手表 watch", category="general", quantity=1, unit_value=value)],
            weight_kg=0.3,
        )
        wb["accepted_at"] = at.isoformat()
        return wb

    for k in range(5):
        await score(history_engine, purchase(start - timedelta(days=30 * k), 5000.0))
    d = await score(history_engine, purchase(start + timedelta(hours=5), 4000.0))  # 2027-01-01 01:00 Beijing
    assert "CBEC_ANNUAL_LIMIT" not in codes(d)
    d = await score(history_engine, purchase(start + timedelta(hours=1), 1500.0))  # still 2026
    assert "CBEC_ANNUAL_LIMIT" in codes(d)


async def test_a_watchlisted_phone_holds_the_next_parcel(history_engine: Engine) -> None:
    await history_engine.set_listed([ListEntry(kind="phone", value="13987654321", list="watch")])
    d = await score(history_engine, waybill(receiver=cn_receiver(phone="139 8765 4321")))
    assert d.decision == "hold"
    assert reason_of(d, "WATCHLIST_HIT")["lists"] == ["watch"]
    await history_engine.set_listed(
        [ListEntry(kind="phone", value="13987654321", list="watch", listed=False)]
    )
    assert (
        await score(history_engine, waybill(receiver=cn_receiver(phone="13987654321")))
    ).decision == "release"


async def test_a_blacklisted_id_holds_whichever_side_it_is_on(history_engine: Engine) -> None:
    number = resident_id(region="510104", birth="19751111", seq="777")
    await history_engine.set_listed([ListEntry(kind="id", id_type="resident_id", value=number, list="black")])
    as_sender = await score(history_engine, waybill(sender=party(id_number=number)))
    as_receiver = await score(
        history_engine, waybill(receiver=cn_receiver(id_type="resident_id", id_number=number))
    )
    assert as_sender.decision == as_receiver.decision == "hold"


async def test_a_listed_address_matches_its_other_writings(history_engine: Engine) -> None:
    entry = ListEntry.model_validate(
        {
            "kind": "address",
            "address": {
                "country": "CN",
                "province": "广东省",
                "city": "深圳市",
                "district": "南山区",
                "detail": "科技园路1号5栋",
            },
        }
    )
    await history_engine.set_listed([entry])
    wb = waybill(
        receiver=cn_receiver(
            address={
                "province": "广东",
                "city": "深圳",
                "district": "南山区",
                "detail": "科技园路1号五栋 1203室",
            }
        )
    )
    assert "WATCHLIST_HIT" in codes(await score(history_engine, wb))


LISTED_SHOP = {
    "country": "CN",
    "province": "浙江省",
    "city": "金华市",
    "district": "义乌市",
    "detail": "福田街道商城大道88号3栋",
}


async def test_a_listed_address_holds_the_parcels_sent_from_it(history_engine: Engine) -> None:
    await history_engine.set_listed([ListEntry.model_validate({"kind": "address", "address": LISTED_SHOP})])
    shop = LISTED_SHOP | {"detail": "福田街道 商城大道 88号 3栋 201"}
    d = await score(history_engine, waybill(sender=party(address=shop)))
    assert d.decision == "hold"
    assert reason_of(d, "WATCHLIST_HIT")["hits"] == [{"entity": "sender_address", "lists": ["watch"]}]
    # A building is not listed on one side only: parcels sent to it are held too.
    to_shop = await score(history_engine, waybill(receiver=cn_receiver(address=shop)))
    assert reason_of(to_shop, "WATCHLIST_HIT")["hits"] == [{"entity": "receiver_address", "lists": ["watch"]}]
    # Taken off the list, it holds neither.
    await history_engine.set_listed(
        [ListEntry.model_validate({"kind": "address", "address": LISTED_SHOP, "listed": False})]
    )
    assert "WATCHLIST_HIT" not in codes(await score(history_engine, waybill(sender=party(address=shop))))


async def test_a_violation_at_an_address_counts_for_the_parcels_sent_from_it(history_engine: Engine) -> None:
    ref = {"kind": "address", "address": LISTED_SHOP}
    await history_engine.record_violations(
        [Violation.model_validate({**ref, "at": "2026-10-01T10:00:00+08:00", "parcel": "SF:SF0000000009"})]
    )
    d = await score(history_engine, waybill(sender=party(address=LISTED_SHOP)))
    ev = reason_of(d, "PRIOR_VIOLATIONS")
    assert (d.decision, ev["entity"], ev["violations"]) == ("inspect", "sender_address", 1)


async def test_parcels_sent_from_and_to_one_building_are_two_histories(history_engine: Engine) -> None:
    """Six senders of one building export to six receivers: no one receives there, so no ant moving."""
    for n in range(6):
        sender = mainland_sender(n + 40) | {"address": Whole(LISTED_SHOP)}
        goods = [item(description="保温杯 vacuum flask", category="general", quantity=1, unit_value=700.0)]
        wb = export_postal(hours_after=n, sender=sender, receiver=macau_receiver(n), items=goods)
        assert "ANT_MOVING_RECEIVER" not in codes(await score(history_engine, wb))
    inbound = waybill(
        hours_after=7,
        service="import",
        channel="postal",
        sender=hk_receiver(name="SENDER 9", phone="+85291009999"),
        receiver=cn_receiver(address=LISTED_SHOP),
        items=[item(description="保健品 supplements", category="food", quantity=1, unit_value=700.0)],
    )
    assert "ANT_MOVING_RECEIVER" not in codes(await score(history_engine, inbound))


async def test_prior_violations_inspect_then_hold(history_engine: Engine) -> None:
    number = resident_id(region="350203", birth="19820202", seq="555")
    sender = party(id_number=number)
    ref = {"kind": "id", "id_type": "resident_id", "value": number}
    await history_engine.record_violations(
        [Violation.model_validate({**ref, "at": "2026-06-01T10:00:00+08:00", "parcel": "SF:SF0000000001"})]
    )
    d = await score(history_engine, waybill(sender=sender))
    assert d.decision == "inspect" and reason_of(d, "PRIOR_VIOLATIONS")["violations"] == 1
    await history_engine.record_violations(
        [Violation.model_validate({**ref, "at": "2026-09-01T10:00:00+08:00", "parcel": "SF:SF0000000002"})]
    )
    d = await score(history_engine, waybill(sender=sender))
    assert d.decision == "hold" and reason_of(d, "PRIOR_VIOLATIONS")["violations"] == 2


async def test_a_violation_older_than_a_year_no_longer_counts(history_engine: Engine) -> None:
    number = resident_id(region="350203", birth="19820202", seq="556")
    ref = {"kind": "id", "id_type": "resident_id", "value": number}
    await history_engine.record_violations(
        [Violation.model_validate({**ref, "at": "2025-10-01T10:00:00+08:00", "parcel": "SF:SF0000000003"})]
    )
    assert "PRIOR_VIOLATIONS" not in codes(
        await score(history_engine, waybill(sender=party(id_number=number)))
    )


async def test_velocity_spike_needs_two_weeks_of_history(history_engine: Engine) -> None:
    seasoned = party(phone="13822223333", id_number=resident_id(seq="301"))
    for day in range(16):
        for k in range(2):
            await score(history_engine, waybill(hours_after=-(16 - day) * 24 + k, sender=seasoned))
    spike = [await score(history_engine, waybill(hours_after=k * 0.5, sender=seasoned)) for k in range(22)]
    assert "VELOCITY_SPIKE" not in codes(spike[18])
    ev = reason_of(spike[19], "VELOCITY_SPIKE")
    assert ev["parcels_24h"] == 20 and ev["daily_median"] == 2.0
    newcomer = party(phone="13833334444", id_number=resident_id(seq="302"))
    burst = [await score(history_engine, waybill(hours_after=k * 0.5, sender=newcomer)) for k in range(25)]
    assert all("VELOCITY_SPIKE" not in codes(d) for d in burst)


async def test_resending_the_same_body_changes_nothing(history_engine: Engine) -> None:
    sender = party()
    waybills = [
        export_postal(
            hours_after=i,
            sender=sender,
            receiver=macau_receiver(i),
            items=[item(description="面霜 face cream", category="cosmetics", quantity=1, unit_value=750.0)],
            weight_kg=0.4,
        )
        for i in range(5)
    ]
    first = [await score(history_engine, wb) for wb in waybills]
    again = [await score(history_engine, wb) for wb in waybills for _ in range(3)]
    assert [d.model_dump() for d in again[::3]] == [d.model_dump() for d in first]
    sixth = export_postal(
        hours_after=6,
        sender=sender,
        receiver=macau_receiver(9),
        items=[item(description="面霜 face cream", category="cosmetics", quantity=1, unit_value=750.0)],
        weight_kg=0.4,
    )
    ev = reason_of(await score(history_engine, sixth), "ANT_MOVING_SENDER")
    assert ev["parcels"] == 6


async def test_a_corrected_body_is_scored_again_and_counts_once(history_engine: Engine) -> None:
    def parcel(i: int, **changes: Any) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "hours_after": i,
            "sender": party(phone="13844445555"),
            "receiver": macau_receiver(i),
            "items": [
                item(description="面霜 face cream", category="cosmetics", quantity=1, unit_value=750.0)
            ],
            "weight_kg": 0.4,
        }
        return export_postal(**(fields | changes))

    wb = parcel(0, sender=party(id_type=None, id_number=None, phone="13844445555"))
    assert (await score(history_engine, wb)).decision == "reject"
    fixed = {**wb, "sender": party(phone="13844445555")}
    assert "REALNAME_MISSING" not in codes(await score(history_engine, fixed))
    recalled = await history_engine.recall(carrier=wb["carrier"], waybill_no=wb["waybill_no"])
    assert "REALNAME_MISSING" not in {r.code for r in recalled.reasons}
    for i in range(1, 5):
        await score(history_engine, parcel(i))
    # Six scorings so far but five parcels: the corrected parcel counted once.
    d = await score(history_engine, parcel(5))
    assert reason_of(d, "ANT_MOVING_SENDER")["parcels"] == 6


async def test_late_events_are_counted_in_event_time(history_engine: Engine) -> None:
    sender = party(phone="13855556666", id_number=resident_id(seq="401"))
    times = [5.0, 1.0, 3.0, 0.0, 4.0, 2.0]  # arrive out of order, all within 6 hours
    decisions = []
    for i, h in enumerate(times):
        wb = export_postal(
            hours_after=h,
            sender=sender,
            receiver=macau_receiver(i),
            items=[item(description="奶粉 milk powder", category="food", quantity=1, unit_value=700.0)],
            weight_kg=1.0,
        )
        decisions.append(await score(history_engine, wb))
    # Only the parcel at hour 5 has five parcels before it in event time once all have arrived;
    # the last to arrive (hour 2) sees the two before it, not the later ones.
    last = decisions[-1]
    assert "ANT_MOVING_SENDER" not in codes(last)
    replay = export_postal(
        hours_after=5.5,
        sender=sender,
        receiver=macau_receiver(7),
        items=[item(description="奶粉 milk powder", category="food", quantity=1, unit_value=700.0)],
        weight_kg=1.0,
    )
    assert reason_of(await score(history_engine, replay), "ANT_MOVING_SENDER")["parcels"] == 7


async def test_a_parcel_a_month_old_is_outside_every_window(history_engine: Engine) -> None:
    sender = party(phone="13866667777", id_number=resident_id(seq="501"))
    for i in range(8):
        await score(
            history_engine,
            export_postal(
                hours_after=-24 * 40 + i,
                sender=sender,
                receiver=macau_receiver(i),
                items=[item(description="奶粉 milk powder", category="food", quantity=1, unit_value=700.0)],
                weight_kg=1.0,
            ),
        )
    d = await score(
        history_engine,
        export_postal(
            sender=sender,
            receiver=macau_receiver(1),
            items=[item(quantity=1, unit_value=700.0)],
            weight_kg=1.0,
        ),
    )
    assert not codes(d) & {"ANT_MOVING_SENDER", "NEAR_LIMIT_SPLIT", "SAME_GOODS_FANOUT"}
