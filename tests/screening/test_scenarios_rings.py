"""Ant-moving rings as smugglers run them, written from RULES.md §1 and §3 and the wire contract.

Each test runs on the embedded store, single-node Redis and Redis Cluster (`history_engine`).

Reading of RULES.md used here (it names the windows but not their edges):
- "in 24 h" / "within 7 days" in event time (`accepted_at`) is the span up to and including this parcel's
  instant, (t - 24 h, t] and (t - 7 d, t]: a parcel exactly one full window older is out, one a second
  younger is in. Back-to-back windows then never share a parcel. Parcels picked up at the same instant as
  this one are not "after it", so they are inside its window.
- L is the limit of the parcel's lane and counterpart: 800 CNY to/from HK, MO, TW; 1,000 CNY elsewhere;
  5,000 CNY for cbec. "Each under L" is strict (a parcel at exactly L is not under it; nor is it over it).
"""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from screening.contract import Decision
from screening.engine import Engine
from tests.factories import (
    BASE_TIME,
    BEIJING,
    Whole,
    cn_receiver,
    export_postal,
    item,
    party,
    resident_id,
    waybill,
)
from tests.screening.test_scenarios import codes, reason_of, score
from tests.screening.test_scenarios_edges import abroad

pytestmark = pytest.mark.anyio

CROSS_BORDER_RULES = {"ANT_MOVING_SENDER", "ANT_MOVING_RECEIVER", "NEAR_LIMIT_SPLIT", "SAME_GOODS_FANOUT"}


# Helpers


def mainland(n: int, **changes: Any) -> dict[str, Any]:
    """The n-th of several distinct mainland people, each with a verified resident ID and own phone."""
    fields: dict[str, Any] = {
        "name": f"寄件人{n}",
        "phone": f"1580000{n:04d}",
        "id_number": resident_id(region="440305", birth="19950505", seq=f"{n % 1000:03d}"),
    }
    return party(**(fields | changes))


def goods(
    value: float, description: str = "面霜 face cream", category: str = "cosmetics"
) -> list[dict[str, Any]]:
    """One article worth value."""
    return [item(description=description, category=category, quantity=1, unit_value=value)]


def at(when: datetime) -> str:
    """An accepted_at in ISO form with its offset."""
    return when.isoformat()


def export(
    sender: dict[str, Any],
    receiver: dict[str, Any],
    value: float,
    *,
    hours: float = 0.0,
    when: str | None = None,
    **changes: Any,
) -> dict[str, Any]:
    """A personal postal export of one article."""
    fields: dict[str, Any] = {
        "hours_after": hours,
        "sender": sender,
        "receiver": receiver,
        "items": goods(value),
        "weight_kg": 0.5,
    }
    wb = export_postal(**(fields | changes))
    if when is not None:
        wb["accepted_at"] = when
    return wb


def import_postal(
    sender: dict[str, Any], receiver: dict[str, Any], value: float, *, hours: float = 0.0, **changes: Any
) -> dict[str, Any]:
    """A personal postal import of one article."""
    fields: dict[str, Any] = {
        "hours_after": hours,
        "service": "import",
        "channel": "postal",
        "sender": sender,
        "receiver": receiver,
        "items": goods(value, description="奶粉 milk powder", category="food"),
        "weight_kg": 1.0,
    }
    return waybill(**(fields | changes))


async def run(engine: Engine, waybills: list[dict[str, Any]]) -> list[Decision]:
    """Score waybills one after the other."""
    return [await score(engine, wb) for wb in waybills]


def numbers(waybills: list[dict[str, Any]]) -> set[str]:
    """The waybill numbers of some waybills."""
    return {wb["waybill_no"] for wb in waybills}


# ANT_MOVING_SENDER: each bound met exactly and just missed, per limit L


@pytest.mark.parametrize(
    ("country", "value", "limit", "fires"),
    [
        ("HK", 400.0, 800.0, True),  # 6 × 400 = 2,400 = 3 × 800
        ("HK", 399.99, 800.0, False),
        ("TW", 400.0, 800.0, True),
        ("JP", 500.0, 1000.0, True),  # 6 × 500 = 3,000 = 3 × 1,000
        ("JP", 499.99, 1000.0, False),
        ("JP", 400.0, 1000.0, False),  # enough to Hong Kong, not to Japan
    ],
)
async def test_ant_sender_total_is_measured_against_three_times_the_parcels_limit(
    history_engine: Engine, country: str, value: float, limit: float, fires: bool
) -> None:
    sender = mainland(1)
    ring = [export(sender, abroad(country, i), value, hours=i * 0.5) for i in range(6)]
    d = (await run(history_engine, ring))[-1]
    assert ("ANT_MOVING_SENDER" in codes(d)) is fires
    if fires:
        ev = reason_of(d, "ANT_MOVING_SENDER")
        assert (ev["parcels"], ev["distinct_receivers"], ev["window"]) == (6, 6, "24h")
        assert ev["per_parcel_limit"] == limit and ev["total_value"] == round(6 * value, 2)
        assert d.decision == "hold"


@pytest.mark.parametrize(("value", "fires"), [(799.99, True), (800.0, False)])
async def test_a_parcel_exactly_at_the_limit_is_not_one_of_the_ants(
    history_engine: Engine, value: float, fires: bool
) -> None:
    sender = mainland(2)
    ring = [export(sender, abroad("HK", i), value, hours=i * 0.5) for i in range(6)]
    d = (await run(history_engine, ring))[-1]
    assert ("ANT_MOVING_SENDER" in codes(d)) is fires
    assert "OVER_PERSONAL_LIMIT" not in codes(d)  # 800.00 is not over 800


async def test_a_parcel_over_the_limit_in_the_window_is_not_counted_as_an_ant(history_engine: Engine) -> None:
    sender = mainland(3)
    over = export(sender, abroad("HK", 9), 0.0, hours=0, items=[item(quantity=2, unit_value=450.0)])
    assert "OVER_PERSONAL_LIMIT" in codes(await score(history_engine, over))
    ring = [export(sender, abroad("HK", i), 700.0, hours=1 + i * 0.5) for i in range(5)]
    decisions = await run(history_engine, ring)
    assert "ANT_MOVING_SENDER" not in codes(decisions[4])  # five ants and one parcel over L
    sixth = await score(history_engine, export(sender, abroad("HK", 5), 700.0, hours=4))
    ev = reason_of(sixth, "ANT_MOVING_SENDER")
    assert (ev["parcels"], ev["total_value"]) == (6, 4200.0)


@pytest.mark.parametrize(("receivers", "fires"), [(2, False), (3, True)])
async def test_ant_sender_needs_three_distinct_receivers(
    history_engine: Engine, receivers: int, fires: bool
) -> None:
    sender = mainland(4)
    ring = [export(sender, abroad("MO", i % receivers), 700.0, hours=i) for i in range(8)]
    d = (await run(history_engine, ring))[-1]
    assert ("ANT_MOVING_SENDER" in codes(d)) is fires
    if fires:
        assert reason_of(d, "ANT_MOVING_SENDER")["distinct_receivers"] == 3


async def test_ant_sender_five_in_a_day_and_nine_in_a_week_is_not_yet_a_ring(history_engine: Engine) -> None:
    sender = mainland(5)
    # Four parcels spread over the first days, then five within one day: 9 in 7 d, 5 in 24 h.
    hours = [0.0, 30.0, 60.0, 90.0] + [120.0 + k for k in range(5)]
    ring = [export(sender, abroad("HK", i), 700.0, hours=h) for i, h in enumerate(hours)]
    decisions = await run(history_engine, ring)
    assert all("ANT_MOVING_SENDER" not in codes(d) for d in decisions)
    tenth = await score(history_engine, export(sender, abroad("HK", 9), 700.0, hours=125.0))
    ev = reason_of(tenth, "ANT_MOVING_SENDER")
    assert (ev["parcels"], ev["window"]) == (6, "24h")  # six in a day: the 24 h window speaks first


@pytest.mark.parametrize(("value", "fires"), [(2500.0, True), (2499.99, False)])
async def test_cbec_ant_sender_uses_the_5000_limit(history_engine: Engine, value: float, fires: bool) -> None:
    sender = mainland(6)
    ring = [
        export(sender, abroad("JP", i), value, hours=i * 0.5, channel="cbec", items=goods(value))
        for i in range(6)
    ]
    d = (await run(history_engine, ring))[-1]
    assert ("ANT_MOVING_SENDER" in codes(d)) is fires
    if fires:
        ev = reason_of(d, "ANT_MOVING_SENDER")
        assert (ev["per_parcel_limit"], ev["total_value"]) == (5000.0, 15000.0)


async def test_an_individuals_express_export_counts_like_a_postal_article(history_engine: Engine) -> None:
    sender = mainland(7)
    ring = [export(sender, abroad("HK", i), 760.0, hours=i * 0.5, channel="express") for i in range(6)]
    d = (await run(history_engine, ring))[-1]
    ev = reason_of(d, "ANT_MOVING_SENDER")
    assert (ev["parcels"], ev["per_parcel_limit"]) == (6, 800.0)


# ANT_MOVING_RECEIVER: bounds per L


@pytest.mark.parametrize(
    ("country", "value", "fires"),
    [
        ("HK", 480.0, True),  # 5 × 480 = 2,400 = 3 × 800
        ("HK", 479.99, False),
        ("JP", 600.0, True),  # 5 × 600 = 3,000 = 3 × 1,000
        ("JP", 599.99, False),
    ],
)
async def test_ant_receiver_total_is_measured_against_three_times_the_parcels_limit(
    history_engine: Engine, country: str, value: float, fires: bool
) -> None:
    receiver = cn_receiver(phone="13600001111")
    ring = [import_postal(abroad(country, i % 3), receiver, value, hours=i * 20) for i in range(5)]
    decisions = await run(history_engine, ring)
    assert all("ANT_MOVING_RECEIVER" not in codes(d) for d in decisions[:4])
    assert ("ANT_MOVING_RECEIVER" in codes(decisions[4])) is fires
    if fires:
        ev = reason_of(decisions[4], "ANT_MOVING_RECEIVER")
        assert (ev["parcels"], ev["distinct_senders"], ev["total_value"]) == (5, 3, round(5 * value, 2))


@pytest.mark.parametrize(("value", "fires"), [(3000.0, True), (2999.99, False)])
async def test_cbec_ant_receiver_uses_the_5000_limit(
    history_engine: Engine, value: float, fires: bool
) -> None:
    buyer = cn_receiver(
        phone="13600002222", id_type="resident_id", id_number=resident_id(region="320102", seq="301")
    )
    ring = [
        import_postal(abroad("HK", i % 3), buyer, value, hours=i * 20, channel="cbec", items=goods(value))
        for i in range(5)
    ]
    d = (await run(history_engine, ring))[-1]
    assert ("ANT_MOVING_RECEIVER" in codes(d)) is fires
    assert "CBEC_ANNUAL_LIMIT" not in codes(d)
    if fires:
        ev = reason_of(d, "ANT_MOVING_RECEIVER")
        assert (ev["per_parcel_limit"], ev["total_value"]) == (5000.0, 15000.0)


# Rings that hide: one receiver under many writings, one sender under many phones, hired senders


async def test_one_receiver_phone_in_five_writings_is_one_receiver(history_engine: Engine) -> None:
    writings = ["13712345678", "+8613712345678", "+86 137 1234 5678", "137-1234-5678", "137 1234 5678"]
    cities = [("浙江省", "杭州市", "西湖区"), ("江苏省", "南京市", "鼓楼区"), ("广东省", "广州市", "天河区")]
    cities += [("四川省", "成都市", "武侯区"), ("湖北省", "武汉市", "江汉区")]
    ring = []
    for i, (phone, (prov, city, district)) in enumerate(zip(writings, cities, strict=True)):
        receiver = cn_receiver(
            name=f"收件人{i}",
            phone=phone,
            address={"province": prov, "city": city, "district": district, "detail": f"解放路{i + 1}号"},
        )
        ring.append(import_postal(abroad("HK", i), receiver, 600.0, hours=i * 10))
    decisions = await run(history_engine, ring)
    assert all("ANT_MOVING_RECEIVER" not in codes(d) for d in decisions[:4])
    ev = reason_of(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"], ev["distinct_senders"]) == ("receiver_phone", 5, 5)
    assert set(ev["linked_waybills"]) == numbers(ring[:4])


async def test_one_hong_kong_receiver_phone_in_five_writings_collects_an_export_ring(
    history_engine: Engine,
) -> None:
    writings = ["+85291234567", "+852 9123 4567", "+852-9123-4567", "9123 4567", "91234567"]
    ring = [
        export(
            mainland(20 + i),
            Whole(abroad("HK", 50 + i) | {"phone": phone}),
            500.0,
            hours=i * 10,
        )
        for i, phone in enumerate(writings)
    ]
    decisions = await run(history_engine, ring)
    assert all("ANT_MOVING_RECEIVER" not in codes(d) for d in decisions[:4])
    ev = reason_of(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"], ev["distinct_senders"]) == ("receiver_phone", 5, 5)
    assert (ev["per_parcel_limit"], ev["total_value"]) == (800.0, 2500.0)


async def test_a_senders_phone_in_other_writings_is_still_one_counterpart(history_engine: Engine) -> None:
    """Two Hong Kong senders (no ID) writing their phones differently are two senders, not five."""
    receiver = cn_receiver(phone="13600003333")
    phones = ["+85291110001", "+852 9111 0001", "+85291110002", "9111-0002", "+852-9111-0001"]
    ring = [
        import_postal(Whole(abroad("HK", 70) | {"phone": p}), receiver, 600.0, hours=i * 10)
        for i, p in enumerate(phones)
    ]
    d = (await run(history_engine, ring))[-1]
    assert "ANT_MOVING_RECEIVER" not in codes(d)


async def test_a_sender_changing_phones_is_still_one_sender(history_engine: Engine) -> None:
    ring = [
        export(mainland(8, phone=f"1590000{i:04d}"), abroad("MO", i % 3), 700.0, hours=i * 0.5)
        for i in range(6)
    ]
    decisions = await run(history_engine, ring)
    ev = reason_of(decisions[5], "ANT_MOVING_SENDER")
    assert (ev["entity"], ev["parcels"], ev["distinct_receivers"]) == ("sender_id", 6, 3)


async def test_one_sender_id_behind_new_phones_is_one_counterpart(history_engine: Engine) -> None:
    """One mainland person, ID given, sending from five phones to one Hong Kong receiver: one sender."""
    receiver = abroad("HK", 80)
    ring = [export(mainland(9, phone=f"1590001{i:04d}"), receiver, 700.0, hours=i * 10) for i in range(5)]
    d = (await run(history_engine, ring))[-1]
    assert "ANT_MOVING_RECEIVER" not in codes(d)


async def test_five_buildings_of_one_compound_are_five_receivers(history_engine: Engine) -> None:
    ring = [
        import_postal(
            abroad("HK", i),
            cn_receiver(
                name=f"收件人{i}",
                phone=f"1360001{i:04d}",
                address={"detail": f"建国路93号万达广场{i + 1}号楼1201"},
            ),
            600.0,
            hours=i * 10,
        )
        for i in range(5)
    ]
    d = (await run(history_engine, ring))[-1]
    assert "ANT_MOVING_RECEIVER" not in codes(d)


async def test_one_building_written_five_ways_collects_a_ring_over_a_week(history_engine: Engine) -> None:
    details = [
        "建国路93号万达广场8号楼1201",
        "建国路93号 万达广场 8栋 502室",
        "建国路９３号万达广场８幢2203",
        "北京市朝阳区建国路93号万达广场8号楼 1605",
        "建國路93號萬達廣場8號樓 901",
    ]
    ring = [
        import_postal(
            abroad("JP", i),
            cn_receiver(name=f"收件人{i}", phone=f"1360002{i:04d}", address={"detail": detail}),
            650.0,
            hours=i * 36,  # one every day and a half: 6 days from first to last
        )
        for i, detail in enumerate(details)
    ]
    decisions = await run(history_engine, ring)
    assert "ANT_MOVING_RECEIVER" not in codes(decisions[3])
    ev = reason_of(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["entity"], ev["parcels"], ev["total_value"], ev["per_parcel_limit"]) == (
        "receiver_address",
        5,
        3250.0,
        1000.0,
    )


SHOP = {
    "country": "CN",
    "province": "广东省",
    "city": "深圳市",
    "district": "福田区",
    "detail": "华强北路1002号赛格广场3栋",
}


def hired(n: int) -> dict[str, Any]:
    """The n-th hired sender: own name, phone and ID, all handing over from one building."""
    return Whole(
        mainland(100 + n) | {"address": SHOP | {"detail": f"华强北路1002号 赛格广场3栋 {n + 1}0{n + 1}室"}}
    )


async def test_hired_senders_sharing_a_building_are_one_near_limit_splitter(history_engine: Engine) -> None:
    ring = [export(hired(i), abroad("HK", i), 760.0, hours=i * 20) for i in range(3)]
    decisions = await run(history_engine, ring)
    assert "NEAR_LIMIT_SPLIT" not in codes(decisions[1])
    ev = reason_of(decisions[2], "NEAR_LIMIT_SPLIT")
    assert (ev["entity"], ev["near_limit_parcels"]) == ("sender_address", 3)
    assert decisions[2].decision == "inspect"


async def test_hired_senders_sharing_a_building_fan_out_the_same_goods(history_engine: Engine) -> None:
    ring = [export(hired(i), abroad("MO", i % 3), 150.0, hours=i * 20) for i in range(5)]
    decisions = await run(history_engine, ring)
    assert "SAME_GOODS_FANOUT" not in codes(decisions[3])
    ev = reason_of(decisions[4], "SAME_GOODS_FANOUT")
    assert (ev["entity"], ev["parcels"], ev["counterparts"]) == ("sender_address", 5, 3)


# Out of time order: a late parcel lands in its own window and never counts parcels after it


async def test_a_late_parcel_lands_in_the_window_of_its_own_time(history_engine: Engine) -> None:
    sender = mainland(10)
    ring = [export(sender, abroad("HK", i), 700.0, hours=10 + i) for i in range(5)]  # hours 10-14
    await run(history_engine, ring)
    late = export(sender, abroad("HK", 5), 700.0, hours=0)
    assert "ANT_MOVING_SENDER" not in codes(await score(history_engine, late))  # nothing before hour 0
    next_day = export(sender, abroad("HK", 6), 700.0, hours=24.5)  # hour 0 is now more than 24 h back
    ev = reason_of(await score(history_engine, next_day), "ANT_MOVING_SENDER")
    assert ev["parcels"] == 6 and set(ev["linked_waybills"]) == numbers(ring)
    later_late = export(sender, abroad("HK", 7), 700.0, hours=23)  # sees hour 0 and 10-14, not 24.5
    ev = reason_of(await score(history_engine, later_late), "ANT_MOVING_SENDER")
    assert ev["parcels"] == 7 and set(ev["linked_waybills"]) == numbers([*ring, late])


async def test_a_late_parcel_does_not_count_the_receivers_later_parcels(history_engine: Engine) -> None:
    receiver = cn_receiver(phone="13600004444")
    ring = [import_postal(abroad("HK", i), receiver, 600.0, hours=24 + i * 10) for i in range(4)]
    await run(history_engine, ring)
    late = import_postal(abroad("HK", 4), receiver, 600.0, hours=0)
    assert "ANT_MOVING_RECEIVER" not in codes(await score(history_engine, late))
    fifth = import_postal(abroad("HK", 5), receiver, 600.0, hours=60)
    ev = reason_of(await score(history_engine, fifth), "ANT_MOVING_RECEIVER")
    assert ev["parcels"] == 6  # the late one at hour 0 is inside the 7 days before hour 60


async def test_parcels_picked_up_at_the_same_instant_count_each_other(history_engine: Engine) -> None:
    """A courier collects six parcels of one sender at once and records one pickup time for all."""
    sender = mainland(11)
    when = "2026-11-11T15:00:00+08:00"
    ring = [export(sender, abroad("MO", i), 760.0, when=when) for i in range(6)]
    decisions = await run(history_engine, ring)
    ev = reason_of(decisions[5], "ANT_MOVING_SENDER")
    assert ev["parcels"] == 6 and set(ev["linked_waybills"]) == numbers(ring[:5])


async def test_near_limit_parcels_picked_up_together_count_each_other(history_engine: Engine) -> None:
    sender = mainland(34)
    ring = [export(sender, abroad("HK", i), 760.0, when="2026-11-11T15:00:00+08:00") for i in range(3)]
    decisions = await run(history_engine, ring)
    assert "NEAR_LIMIT_SPLIT" in codes(decisions[2])


# Windows in event time: the exact edges, Beijing midnight, other offsets


@pytest.mark.parametrize(
    ("sixth_after", "fires"),
    [(timedelta(hours=24), False), (timedelta(hours=24) - timedelta(seconds=1), True)],
    ids=["exactly-24h-out", "a-second-less-in"],
)
async def test_the_24_hour_window_edge(history_engine: Engine, sixth_after: timedelta, fires: bool) -> None:
    sender = mainland(12)
    first = BASE_TIME
    times = [first] + [first + timedelta(hours=20 + k) for k in range(4)]
    for i, t in enumerate(times):
        await score(history_engine, export(sender, abroad("HK", i), 700.0, when=at(t)))
    sixth = export(sender, abroad("HK", 5), 700.0, when=at(first + sixth_after))
    assert ("ANT_MOVING_SENDER" in codes(await score(history_engine, sixth))) is fires


@pytest.mark.parametrize(
    ("fifth_after", "fires"),
    [(timedelta(days=7), False), (timedelta(days=7) - timedelta(seconds=1), True)],
    ids=["exactly-7d-out", "a-second-less-in"],
)
async def test_the_7_day_window_edge_for_a_receiver(
    history_engine: Engine, fifth_after: timedelta, fires: bool
) -> None:
    receiver = cn_receiver(phone="13600005555")
    first = BASE_TIME
    times = [first] + [first + timedelta(days=5, hours=k) for k in range(3)]
    for i, t in enumerate(times):
        wb = import_postal(abroad("HK", i), receiver, 600.0)
        wb["accepted_at"] = at(t)
        await score(history_engine, wb)
    fifth = import_postal(abroad("HK", 4), receiver, 600.0)
    fifth["accepted_at"] = at(first + fifth_after)
    assert ("ANT_MOVING_RECEIVER" in codes(await score(history_engine, fifth))) is fires


@pytest.mark.parametrize(
    ("third_after", "fires"),
    [(timedelta(days=7), False), (timedelta(days=7) - timedelta(seconds=1), True)],
    ids=["exactly-7d-out", "a-second-less-in"],
)
async def test_the_7_day_window_edge_for_near_limit_parcels(
    history_engine: Engine, third_after: timedelta, fires: bool
) -> None:
    sender = mainland(13)
    for i, t in enumerate([BASE_TIME, BASE_TIME + timedelta(days=3)]):
        await score(history_engine, export(sender, abroad("HK", i), 760.0, when=at(t)))
    third = export(sender, abroad("HK", 2), 760.0, when=at(BASE_TIME + third_after))
    assert ("NEAR_LIMIT_SPLIT" in codes(await score(history_engine, third))) is fires


async def test_a_ring_across_beijing_midnight_in_mixed_offsets_is_one_day(history_engine: Engine) -> None:
    sender = mainland(14)
    utc, tokyo, new_york = UTC, timezone(timedelta(hours=9)), timezone(timedelta(hours=-5))
    beijing = BEIJING
    # 21:00, 22:30, 23:59 on 11 Nov, then 00:30, 01:00, 02:00 on 12 Nov, Beijing time.
    times = [
        datetime(2026, 11, 11, 21, 0, tzinfo=beijing),
        datetime(2026, 11, 11, 14, 30, tzinfo=utc),
        datetime(2026, 11, 12, 0, 59, tzinfo=tokyo),
        datetime(2026, 11, 11, 11, 30, tzinfo=new_york),
        datetime(2026, 11, 11, 17, 0, tzinfo=utc),
        datetime(2026, 11, 12, 2, 0, tzinfo=beijing),
    ]
    ring = [export(sender, abroad("TW", i), 700.0, when=at(t)) for i, t in enumerate(times)]
    decisions = await run(history_engine, ring)
    assert all("ANT_MOVING_SENDER" not in codes(d) for d in decisions[:5])
    ev = reason_of(decisions[5], "ANT_MOVING_SENDER")
    assert (ev["window"], ev["parcels"], ev["total_value"]) == ("24h", 6, 4200.0)


@pytest.mark.parametrize(
    ("first_five", "sixth", "fires"),
    [
        # 09:30 in New York is 22:30 Beijing; the sixth is 10.5 h later although its date is the next day.
        ("2026-11-11T09:3{k}:00-05:00", "2026-11-12T09:00:00+08:00", True),
        # 09:00 in New York on the 12th is 22:00 Beijing: 36.5 h after 09:30 Beijing on the 11th.
        ("2026-11-11T09:3{k}:00+08:00", "2026-11-12T09:00:00-05:00", False),
    ],
    ids=["wall-clock-next-day-but-inside", "wall-clock-inside-but-36h-later"],
)
async def test_the_window_is_real_time_not_wall_clock(
    history_engine: Engine, first_five: str, sixth: str, fires: bool
) -> None:
    sender = mainland(15)
    for k in range(5):
        await score(history_engine, export(sender, abroad("HK", k), 700.0, when=first_five.format(k=k)))
    d = await score(history_engine, export(sender, abroad("HK", 5), 700.0, when=sixth))
    assert ("ANT_MOVING_SENDER" in codes(d)) is fires


# NEAR_LIMIT_SPLIT: the band per L


@pytest.mark.parametrize(
    ("country", "value", "fires"),
    [
        ("TW", 720.0, True),
        ("TW", 719.99, False),
        ("JP", 900.0, True),
        ("JP", 899.99, False),
        ("JP", 999.99, True),
    ],
)
async def test_near_limit_band_per_counterpart(
    history_engine: Engine, country: str, value: float, fires: bool
) -> None:
    sender = mainland(16)
    ring = [export(sender, abroad(country, 0), value, hours=i * 30) for i in range(3)]
    decisions = await run(history_engine, ring)
    assert "NEAR_LIMIT_SPLIT" not in codes(decisions[1])
    assert ("NEAR_LIMIT_SPLIT" in codes(decisions[2])) is fires
    assert "OVER_PERSONAL_LIMIT" not in codes(decisions[2])


async def test_near_limit_parcels_of_one_receiver_from_many_senders(history_engine: Engine) -> None:
    receiver = cn_receiver(phone="13600006666")
    ring = [import_postal(abroad("HK", i), receiver, 790.0, hours=i * 40) for i in range(3)]
    decisions = await run(history_engine, ring)
    ev = reason_of(decisions[2], "NEAR_LIMIT_SPLIT")
    assert ev["near_limit_parcels"] == 3 and ev["entity"] in {"receiver_phone", "receiver_address"}
    assert ev["band"] == [720.0, 800.0]


# SAME_GOODS_FANOUT: one description in many writings


async def test_same_goods_written_with_other_case_width_and_spacing_is_one_description(
    history_engine: Engine,
) -> None:
    writings = [
        "面霜 Face Cream",
        "面霜 face cream",
        "面霜  FACE   CREAM ",
        "面霜　ｆａｃｅ　ｃｒｅａｍ",  # full-width letters and ideographic spaces
        "\t面霜 Face\u00a0Cream",
    ]
    sender = mainland(17)
    ring = [
        export(sender, abroad("HK", i % 3), 150.0, hours=i * 20, items=goods(150.0, description=w))
        for i, w in enumerate(writings)
    ]
    decisions = await run(history_engine, ring)
    assert all("SAME_GOODS_FANOUT" not in codes(d) for d in decisions[:4])
    ev = reason_of(decisions[4], "SAME_GOODS_FANOUT")
    assert (ev["parcels"], ev["counterparts"], ev["window"]) == (5, 3, "7d")
    assert decisions[4].decision == "inspect"


async def test_same_goods_written_with_and_without_a_space_between_scripts_is_one_description(
    history_engine: Engine,
) -> None:
    writings = ["面霜 face cream", "面霜face cream", "面霜 face cream", "面霜face cream", "面霜 face cream"]
    sender = mainland(18)
    ring = [
        export(sender, abroad("HK", i % 3), 150.0, hours=i * 20, items=goods(150.0, description=w))
        for i, w in enumerate(writings)
    ]
    d = (await run(history_engine, ring))[-1]
    assert reason_of(d, "SAME_GOODS_FANOUT")["parcels"] == 5


async def test_different_goods_are_not_a_fanout(history_engine: Engine) -> None:
    sender = mainland(19)
    descriptions = ["面霜 face cream", "眼霜 eye cream"] * 3
    ring = [
        export(sender, abroad("HK", i % 3), 150.0, hours=i * 20, items=goods(150.0, description=desc))
        for i, desc in enumerate(descriptions)
    ]
    decisions = await run(history_engine, ring)
    assert all("SAME_GOODS_FANOUT" not in codes(d) for d in decisions)


async def test_a_domestic_parcel_of_the_same_goods_does_not_complete_a_fanout(history_engine: Engine) -> None:
    sender = mainland(21)
    await score(history_engine, waybill(hours_after=0, sender=sender, items=goods(150.0)))
    ring = [export(sender, abroad("HK", i % 3), 150.0, hours=1 + i * 20) for i in range(4)]
    decisions = await run(history_engine, ring)
    assert all("SAME_GOODS_FANOUT" not in codes(d) for d in decisions)  # four cross-border, one domestic


async def test_same_goods_five_parcels_over_more_than_seven_days_is_not_a_fanout(
    history_engine: Engine,
) -> None:
    sender = mainland(22)
    ring = [export(sender, abroad("HK", i % 3), 150.0, hours=i * 43) for i in range(5)]  # 172 h > 168 h
    decisions = await run(history_engine, ring)
    assert "SAME_GOODS_FANOUT" not in codes(decisions[4])
    sixth = await score(history_engine, export(sender, abroad("HK", 0), 150.0, hours=4 * 43 + 1))
    assert reason_of(sixth, "SAME_GOODS_FANOUT")["parcels"] == 5  # the first has left the window


# VELOCITY_SPIKE


def domestic(sender: dict[str, Any], when: datetime) -> dict[str, Any]:
    """A plain domestic parcel of sender at a time."""
    wb = waybill(sender=sender)
    wb["accepted_at"] = at(when)
    return wb


@pytest.mark.parametrize(
    ("first_seen_before", "fires"),
    [(timedelta(days=14), True), (timedelta(days=14) - timedelta(minutes=1), False)],
    ids=["exactly-14-days", "a-minute-short"],
)
async def test_velocity_spike_needs_fourteen_full_days_of_history(
    history_engine: Engine, first_seen_before: timedelta, fires: bool
) -> None:
    sender = mainland(23)
    spike_end = BASE_TIME
    first = spike_end - first_seen_before
    for day in range(13):  # one parcel a day from the first sighting on
        await score(history_engine, domestic(sender, first + timedelta(days=day)))
    burst = [domestic(sender, spike_end - timedelta(minutes=6 * (19 - k))) for k in range(20)]
    decisions = await run(history_engine, burst)
    assert all("VELOCITY_SPIKE" not in codes(d) for d in decisions[:19])
    assert ("VELOCITY_SPIKE" in codes(decisions[19])) is fires
    if fires:
        ev = reason_of(decisions[19], "VELOCITY_SPIKE")
        assert ev["parcels_24h"] == 20 and decisions[19].decision == "inspect"


async def test_velocity_spike_after_a_long_quiet_history(history_engine: Engine) -> None:
    """One parcel three weeks ago, then twenty in a morning: the daily median is 0, and 20 is enough."""
    sender = mainland(24)
    await score(history_engine, domestic(sender, BASE_TIME - timedelta(days=21)))
    burst = [domestic(sender, BASE_TIME + timedelta(minutes=5 * k)) for k in range(20)]
    decisions = await run(history_engine, burst)
    assert "VELOCITY_SPIKE" not in codes(decisions[18])
    assert reason_of(decisions[19], "VELOCITY_SPIKE")["parcels_24h"] == 20


async def test_re_sent_parcels_do_not_make_a_velocity_spike(history_engine: Engine) -> None:
    sender = mainland(25)
    for day in range(16):
        await score(history_engine, domestic(sender, BASE_TIME - timedelta(days=16 - day)))
    burst = [domestic(sender, BASE_TIME + timedelta(minutes=5 * k)) for k in range(10)]
    for wb in burst:
        for _ in range(3):
            d = await score(history_engine, wb)
            assert "VELOCITY_SPIKE" not in codes(d)  # ten parcels, thirty requests


# Re-sends and corrections


async def test_re_sent_near_limit_parcels_count_once(history_engine: Engine) -> None:
    sender = mainland(26)
    ring = [export(sender, abroad("HK", i), 760.0, hours=i * 10) for i in range(3)]
    for wb in ring[:2]:
        for _ in range(4):
            assert "NEAR_LIMIT_SPLIT" not in codes(await score(history_engine, wb))
    ev = reason_of(await score(history_engine, ring[2]), "NEAR_LIMIT_SPLIT")
    assert ev["near_limit_parcels"] == 3


async def test_a_corrected_value_takes_the_parcel_out_of_the_band(history_engine: Engine) -> None:
    sender = mainland(27)
    first = export(sender, abroad("HK", 0), 760.0, hours=0)
    await score(history_engine, first)
    await score(history_engine, {**first, "items": goods(500.0), "declared_value": 500.0})
    ring = [export(sender, abroad("HK", i), 760.0, hours=i * 10) for i in (1, 2)]
    assert "NEAR_LIMIT_SPLIT" not in codes((await run(history_engine, ring))[-1])


async def test_a_corrected_pickup_time_moves_the_parcel_out_of_the_day(history_engine: Engine) -> None:
    sender = mainland(28)
    ring = [export(sender, abroad("HK", i), 700.0, hours=i * 0.5) for i in range(5)]
    await run(history_engine, ring)
    await score(history_engine, {**ring[0], "accepted_at": at(BASE_TIME - timedelta(days=2))})
    d = await score(history_engine, export(sender, abroad("HK", 5), 700.0, hours=3))
    assert "ANT_MOVING_SENDER" not in codes(d)  # five in 24 h; six in 7 d is under 10


async def test_a_corrected_receiver_leaves_too_few_distinct_receivers(history_engine: Engine) -> None:
    sender = mainland(29)
    ring = [export(sender, abroad("MO", i % 2), 700.0, hours=i * 0.5) for i in range(5)]
    ring[2] = export(sender, abroad("MO", 2), 700.0, hours=1.0)
    await run(history_engine, ring)
    await score(history_engine, {**ring[2], "receiver": abroad("MO", 0)})  # it went to receiver 0
    d = await score(history_engine, export(sender, abroad("MO", 1), 700.0, hours=3))
    assert "ANT_MOVING_SENDER" not in codes(d)  # six parcels but two receivers


async def test_a_parcel_corrected_to_domestic_leaves_the_ring(history_engine: Engine) -> None:
    sender = mainland(30)
    ring = [export(sender, abroad("HK", i), 700.0, hours=i * 0.5) for i in range(5)]
    await run(history_engine, ring)
    corrected = {**ring[4], "service": "domestic", "channel": "express", "receiver": cn_receiver()}
    assert not codes(await score(history_engine, corrected)) & CROSS_BORDER_RULES
    d = await score(history_engine, export(sender, abroad("HK", 5), 700.0, hours=3))
    assert "ANT_MOVING_SENDER" not in codes(d)


async def test_a_parcel_sent_twice_in_one_batch_counts_once(history_engine: Engine) -> None:
    sender = mainland(31)
    ring = [export(sender, abroad("HK", i), 700.0, hours=i * 0.5) for i in range(6)]
    decisions = await history_engine.decide_batch([*ring[:5], ring[4], ring[5]])
    last = decisions[-1]
    assert isinstance(last, Decision)
    ev = reason_of(last, "ANT_MOVING_SENDER")
    assert (ev["parcels"], ev["total_value"]) == (6, 4200.0)


# Domestic parcels and evidence


async def test_domestic_parcels_of_a_ring_sender_do_not_count_towards_it(history_engine: Engine) -> None:
    sender = mainland(32)
    mixed = []
    for i in range(5):
        mixed.append(export(sender, abroad("HK", i), 760.0, hours=i * 0.5))
        mixed.append(waybill(hours_after=i * 0.5 + 0.25, sender=sender, items=goods(760.0)))
    decisions = await run(history_engine, mixed)
    assert all(not codes(d) & CROSS_BORDER_RULES for d in decisions[1::2])  # domestic: never
    assert all("ANT_MOVING_SENDER" not in codes(d) for d in decisions)
    sixth = await score(history_engine, export(sender, abroad("HK", 5), 760.0, hours=3))
    ev = reason_of(sixth, "ANT_MOVING_SENDER")
    assert (ev["parcels"], ev["distinct_receivers"], ev["total_value"]) == (6, 6, 4560.0)


async def test_the_rings_evidence_names_exactly_its_other_parcels(history_engine: Engine) -> None:
    sender = mainland(33)
    ants = [export(sender, abroad("HK", i), 760.0 - i, hours=i * 0.5) for i in range(5)]
    await run(history_engine, ants)
    await score(history_engine, waybill(hours_after=2.6, sender=sender, items=goods(300.0)))
    sixth = export(sender, abroad("HK", 5), 755.0, hours=3)
    ev = reason_of(await score(history_engine, sixth), "ANT_MOVING_SENDER")
    assert ev["parcels"] == 6 and ev["total_value"] == sum(760.0 - i for i in range(5)) + 755.0
    assert ev["near_limit_parcels"] == 6
    assert set(ev["linked_waybills"]) == numbers(ants)  # the ring's other parcels, not the domestic one


async def test_the_receivers_evidence_matches_what_was_sent(history_engine: Engine) -> None:
    receiver = cn_receiver(phone="13600007777")
    values = [300.0, 750.0, 500.0, 730.0, 600.0]
    ring = [import_postal(abroad("HK", i % 4), receiver, v, hours=i * 30) for i, v in enumerate(values)]
    decisions = await run(history_engine, ring)
    ev = reason_of(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["parcels"], ev["distinct_senders"], ev["total_value"]) == (5, 4, 2880.0)
    assert (ev["per_parcel_limit"], ev["near_limit_parcels"], ev["window"]) == (800.0, 2, "7d")
    assert set(ev["linked_waybills"]) == numbers(ring[:4])
    assert ring[4]["waybill_no"] not in ev["linked_waybills"]


async def test_a_fanout_quoting_a_description_masks_the_senders_own_id_number_in_it(engine: Engine) -> None:
    """RULES §1 "Nowhere a plain ID number": SAME_GOODS_FANOUT quotes the goods, which here repeat the
    sender's own number; the answer shows it masked."""
    sender = mainland(7)
    number = sender["id_number"]
    ring = [
        export(
            sender, abroad("MO", i % 3), 150.0, hours=i * 20, items=goods(150.0, f"面霜 {number} face cream")
        )
        for i in range(5)
    ]
    decisions = await run(engine, ring)
    ev = reason_of(decisions[4], "SAME_GOODS_FANOUT")
    assert number not in ev["description"] and "face cream" in ev["description"]
    assert number not in decisions[4].model_dump_json()
