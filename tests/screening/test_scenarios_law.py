"""More scenarios written from RULES.md: thresholds met and just missed, lanes that do not apply."""

from typing import Any

import pytest

from screening.engine import Engine
from screening.history import RedisHistoryStore
from tests.factories import cn_receiver, export_postal, hk_receiver, item, party, resident_id, waybill
from tests.screening.test_scenarios import codes, macau_receiver, reason_of, score

pytestmark = pytest.mark.anyio


def goods(
    value: float, description: str = "运动鞋 sneakers", category: str = "apparel_shoes"
) -> list[dict[str, Any]]:
    """One item line worth value."""
    return [item(description=description, category=category, quantity=1, unit_value=value)]


async def test_same_goods_to_many_receivers_is_inspected_even_when_cheap(history_engine: Engine) -> None:
    sender = party(phone="13700001111", id_number=resident_id(seq="601"))
    decisions = [
        await score(
            history_engine,
            export_postal(
                hours_after=i * 30,
                sender=sender,
                receiver=macau_receiver(i % 3),
                items=goods(120.0),
                weight_kg=1.0,
            ),
        )
        for i in range(5)
    ]
    assert all("SAME_GOODS_FANOUT" not in codes(d) for d in decisions[:4])
    ev = reason_of(decisions[4], "SAME_GOODS_FANOUT")
    assert (ev["parcels"], ev["counterparts"], ev["window"]) == (5, 3, "7d")
    assert decisions[4].decision == "inspect"
    assert "ANT_MOVING_SENDER" not in codes(decisions[4])  # together far under 3 × L


async def test_same_goods_to_two_receivers_is_not_a_fanout(history_engine: Engine) -> None:
    sender = party(phone="13700002222", id_number=resident_id(seq="602"))
    for i in range(6):
        d = await score(
            history_engine,
            export_postal(
                hours_after=i * 30,
                sender=sender,
                receiver=macau_receiver(i % 2),
                items=goods(120.0),
                weight_kg=1.0,
            ),
        )
    assert "SAME_GOODS_FANOUT" not in codes(d)


async def test_ant_moving_over_a_week_holds_at_the_tenth_parcel(history_engine: Engine) -> None:
    sender = party(phone="13700003333", id_number=resident_id(seq="603"))
    decisions = []
    for i in range(10):
        wb = export_postal(
            hours_after=i * 14,  # never six within 24 h
            sender=sender,
            receiver=macau_receiver(i % 4),
            items=goods(500.0 + i, description=f"款式{i} 衣服", category="apparel_shoes"),
            weight_kg=1.0,
        )
        decisions.append(await score(history_engine, wb))
    assert all("ANT_MOVING_SENDER" not in codes(d) for d in decisions[:9])
    ev = reason_of(decisions[9], "ANT_MOVING_SENDER")
    assert (ev["window"], ev["parcels"], ev["distinct_receivers"]) == ("7d", 10, 4)


async def test_parcels_over_the_limit_do_not_make_an_ant_ring(history_engine: Engine) -> None:
    sender = party(phone="13700004444", id_number=resident_id(seq="604"))
    for i in range(7):
        d = await score(
            history_engine,
            export_postal(
                hours_after=i,
                sender=sender,
                receiver=macau_receiver(i),
                items=[item(quantity=2, unit_value=450.0)],
            ),
        )
    assert "OVER_PERSONAL_LIMIT" in codes(d)
    assert "ANT_MOVING_SENDER" not in codes(d)


async def test_ant_ring_below_three_times_the_limit_in_total_is_not_held(history_engine: Engine) -> None:
    sender = party(phone="13700005555", id_number=resident_id(seq="605"))
    for i in range(6):
        d = await score(
            history_engine,
            export_postal(
                hours_after=i, sender=sender, receiver=macau_receiver(i), items=goods(390.0), weight_kg=1.0
            ),
        )
    # Six parcels, six receivers, but 6 × 390 = 2,340 < 3 × 800.
    assert "ANT_MOVING_SENDER" not in codes(d)


async def test_many_domestic_parcels_never_trigger_cross_border_rules(history_engine: Engine) -> None:
    sender = party(phone="13700006666", id_number=resident_id(seq="606"))
    for i in range(12):
        d = await score(
            history_engine,
            waybill(
                hours_after=i,
                sender=sender,
                receiver=cn_receiver(phone=f"1350000{i:04d}"),
                items=goods(950.0),
            ),
        )
    assert not codes(d) & {
        "ANT_MOVING_SENDER",
        "NEAR_LIMIT_SPLIT",
        "SAME_GOODS_FANOUT",
        "OVER_PERSONAL_LIMIT",
    }


async def test_three_imports_just_under_the_limit_to_one_receiver_are_inspected(
    history_engine: Engine,
) -> None:
    receiver = cn_receiver(phone="13700007777")
    decisions = []
    for i in range(3):
        wb = waybill(
            hours_after=i * 30,
            service="import",
            channel="postal",
            sender=hk_receiver(name="SAME SENDER", phone="+85291110000"),
            receiver=receiver,
            items=goods(780.0, description="化妆品 cosmetics set", category="cosmetics"),
            weight_kg=0.8,
        )
        decisions.append(await score(history_engine, wb))
    assert "NEAR_LIMIT_SPLIT" not in codes(decisions[1])
    ev = reason_of(decisions[2], "NEAR_LIMIT_SPLIT")
    assert ev["near_limit_parcels"] == 3 and ev["band"] == [720.0, 800.0]
    assert decisions[2].decision == "inspect"


async def test_near_limit_band_is_per_limit_elsewhere_1000(history_engine: Engine) -> None:
    sender = party(phone="13700008888", id_number=resident_id(seq="607"))
    japan = hk_receiver(
        phone="+81312345678", address={"country": "JP", "city": "Tokyo", "detail": "1-1 Chiyoda"}
    )
    for i in range(3):
        d = await score(
            history_engine, export_postal(hours_after=i, sender=sender, receiver=japan, items=goods(850.0))
        )
    # 850 is under 0.9 × 1,000: not near the limit to Japan (it would be to Hong Kong).
    assert "NEAR_LIMIT_SPLIT" not in codes(d)


async def test_history_down_still_answers_with_the_lane_outcome(engine: Engine) -> None:
    engine.history = RedisHistoryStore.from_url("redis://127.0.0.1:1/0", timeout_s=0.1)
    try:
        cross = await score(engine, export_postal(items=goods(100.0), weight_kg=1.0))
        assert cross.decision == "inspect"
        assert reason_of(cross, "HISTORY_UNAVAILABLE")["cross_border"] is True
        domestic = await score(engine, waybill())
        assert domestic.decision == "release"
        assert [r.code for r in domestic.reasons] == ["HISTORY_UNAVAILABLE"]
        rejected = await score(engine, waybill(sender=party(id_type=None, id_number=None)))
        assert rejected.decision == "reject"
    finally:
        await engine.history.close()
