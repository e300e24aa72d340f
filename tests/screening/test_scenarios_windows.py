"""Scenarios of the history rules' windows from RULES.md §3: the edges the other scenario files leave.

Each test runs on the embedded store, single-node Redis and Redis Cluster (`history_engine`).

Readings of RULES.md used here:
- "in 24 h" / "within 7 days" are spans of event time (`accepted_at`) that end at this parcel and never
  count a parcel picked up after it. RULES.md does not settle the window's exact first instant, so the
  edges here are tested a second inside and a second outside it.
- L is the per-parcel limit that applies to each parcel: 800 CNY to/from HK, MO, TW, 1,000 CNY elsewhere
  (the `postal` channel and `express` parcels of individuals), 5,000 CNY for `cbec`. "Each under L" and the
  band [0.9·L, L) are judged per parcel against its own L.
- CBEC_ANNUAL_LIMIT adds up one buyer's (one receiver ID's) cross-border e-commerce purchases of one
  Beijing-time (UTC+8) calendar year; personal postal articles and domestic parcels are no such purchase.
- VELOCITY_SPIKE is about what an entity sends. Its histories are built so that every reading of "daily
  median" gives the same figure: k parcels on each of the days before, clustered within 70 minutes, and the
  burst starts three hours after the clusters' time of day.
"""

from datetime import datetime, timedelta
from typing import Any

import pytest

from screening.contract import Decision, Reason
from screening.engine import Engine
from screening.history import EmbeddedHistoryStore
from screening.watchlists import Violation
from tests.factories import BASE_TIME, Whole, cn_receiver, resident_id, waybill
from tests.screening.test_scenarios import codes, score
from tests.screening.test_scenarios_edges import abroad, buyer, cbec_import
from tests.screening.test_scenarios_rings import (
    at,
    domestic,
    export,
    goods,
    import_postal,
    mainland,
    numbers,
    run,
)

pytestmark = pytest.mark.anyio

SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)
WEEK = timedelta(days=7)
BURST = BASE_TIME + timedelta(hours=3)
CROSS_BORDER_RULES = {"ANT_MOVING_SENDER", "ANT_MOVING_RECEIVER", "NEAR_LIMIT_SPLIT", "SAME_GOODS_FANOUT"}


# Helpers


def the_reason(d: Decision, code: str) -> Reason:
    """The reason of one code (its outcome and evidence); the decision must carry it."""
    assert code in codes(d), f"{code} missing: {d.decision}, {sorted(codes(d))}"
    return next(r for r in d.reasons if r.code == code)


def evidence(d: Decision, code: str) -> dict[str, Any]:
    """The evidence of one reason; the decision must carry it."""
    return the_reason(d, code).evidence


def timed(wb: dict[str, Any], when: datetime | str) -> dict[str, Any]:
    """The waybill picked up at another time."""
    return {**wb, "accepted_at": when if isinstance(when, str) else at(when)}


def stranger(n: int) -> dict[str, Any]:
    """The n-th mainland person with an ID, phone and building of their own."""
    return mainland(n, address={"district": "静安区", "detail": f"长寿路{n}号{n}栋101室"})


def seasoned(sender: dict[str, Any], *, days: int, per_day: int) -> list[dict[str, Any]]:
    """`per_day` domestic parcels on each of the `days` days before BASE_TIME, within 70 minutes of its time
    of day: the sender is first seen `days` days before BASE_TIME and sends `per_day` parcels a day."""
    return [
        domestic(sender, BASE_TIME - d * DAY + timedelta(minutes=10 * j))
        for d in range(days, 0, -1)
        for j in range(per_day)
    ]


def burst(
    sender: dict[str, Any], count: int, *, step: timedelta = timedelta(minutes=3)
) -> list[dict[str, Any]]:
    """`count` domestic parcels from three hours after BASE_TIME on, one every `step`."""
    return [domestic(sender, BURST + k * step) for k in range(count)]


def none_has(decisions: list[Decision], code: str) -> bool:
    """No decision carries the code."""
    return all(code not in codes(d) for d in decisions)


# VELOCITY_SPIKE: ≥ 14 days of history, ≥ 5 × the daily median AND ≥ 20 parcels in 24 h


@pytest.mark.parametrize(
    ("per_day", "first_spike"),
    [(4, 20), (6, 30), (8, 40)],
    ids=["median-4-both-edges-at-once", "median-6", "median-8"],
)
async def test_velocity_spike_fires_at_the_larger_of_twenty_and_five_times_the_median(
    history_engine: Engine, per_day: int, first_spike: int
) -> None:
    sender = mainland(40)
    await run(history_engine, seasoned(sender, days=16, per_day=per_day))
    decisions = await run(history_engine, burst(sender, first_spike))
    # One short of the larger threshold never fires: 19 parcels, or 5 × median - 1 for a busy sender.
    assert none_has(decisions[:-1], "VELOCITY_SPIKE")
    assert all(d.decision == "release" for d in decisions[:-1])
    spike = the_reason(decisions[-1], "VELOCITY_SPIKE")
    assert (spike.evidence["parcels_24h"], spike.evidence["daily_median"]) == (first_spike, float(per_day))
    assert spike.outcome == "inspect" and decisions[-1].decision == "inspect"


@pytest.mark.parametrize(("days", "fires"), [(13, False), (15, True)])
async def test_thirteen_days_of_history_never_make_a_velocity_spike_and_fifteen_do(
    history_engine: Engine, days: int, fires: bool
) -> None:
    sender = mainland(41)
    await run(history_engine, seasoned(sender, days=days, per_day=1))
    decisions = await run(history_engine, burst(sender, 40))  # 40 × the median, 40 in 24 h
    assert none_has(decisions[:19], "VELOCITY_SPIKE")
    if fires:
        assert all("VELOCITY_SPIKE" in codes(d) for d in decisions[19:])
    else:  # first seen 13 days and 5 hours before the last parcel
        assert none_has(decisions, "VELOCITY_SPIKE")
        assert all(d.decision == "release" for d in decisions)


def every_day(sender: dict[str, Any], *, days: int, per_day: int) -> list[dict[str, Any]]:
    """`per_day` domestic parcels 20 minutes apart on each of the `days` days before BASE_TIME."""
    return [
        domestic(sender, BASE_TIME - d * DAY + timedelta(minutes=20 * j))
        for d in range(days, 0, -1)
        for j in range(per_day)
    ]


async def test_a_busy_senders_days_the_store_let_go_are_not_empty_days(engine: Engine) -> None:
    # A store keeping 100 parcels an entity holds four of this sender's sixteen days: counting the twelve it
    # let go as days without parcels made the median 0, and every parcel of an ordinary day a spike.
    engine.history = EmbeddedHistoryStore(max_events=100)
    sender = mainland(45)
    await run(engine, every_day(sender, days=16, per_day=25))
    ordinary = await run(engine, [domestic(sender, BASE_TIME + timedelta(minutes=20 * j)) for j in range(25)])
    assert none_has(ordinary, "VELOCITY_SPIKE")
    assert all(d.decision == "release" for d in ordinary)


async def test_a_spike_still_fires_over_the_days_a_capped_store_holds(engine: Engine) -> None:
    engine.history = EmbeddedHistoryStore(max_events=60)  # twelve of the sixteen days of five parcels
    sender = mainland(46)
    await run(engine, every_day(sender, days=16, per_day=5))
    decisions = await run(engine, burst(sender, 25))
    assert none_has(decisions[:-1], "VELOCITY_SPIKE")
    spike = evidence(decisions[-1], "VELOCITY_SPIKE")
    assert (spike["parcels_24h"], spike["daily_median"], spike["history_days"]) == (25, 5.0, 16)


@pytest.mark.parametrize(
    ("last_after", "fires"), [(DAY - SECOND, True), (DAY + SECOND, False)], ids=["24h-less-1s", "24h-and-1s"]
)
async def test_velocity_counts_twenty_parcels_only_within_24_hours(
    history_engine: Engine, last_after: timedelta, fires: bool
) -> None:
    sender = mainland(42)
    await run(history_engine, seasoned(sender, days=16, per_day=1))
    times = [BURST] + [BURST + timedelta(hours=1, minutes=10 * k) for k in range(18)] + [BURST + last_after]
    decisions = await run(history_engine, [domestic(sender, t) for t in times])
    assert none_has(decisions[:19], "VELOCITY_SPIKE")
    assert ("VELOCITY_SPIKE" in codes(decisions[19])) is fires
    if fires:
        assert evidence(decisions[19], "VELOCITY_SPIKE")["parcels_24h"] == 20
    else:
        assert decisions[19].decision == "release"


async def test_a_receiver_flooded_with_parcels_sends_nothing_and_is_no_velocity_spike(
    history_engine: Engine,
) -> None:
    receiver = cn_receiver(
        phone="13600040001", id_type="resident_id", id_number=resident_id(region="320102", seq="451")
    )
    for d in range(16, 0, -1):  # one parcel a day received for 16 days
        await score(
            history_engine, timed(waybill(sender=stranger(200 + d), receiver=receiver), BASE_TIME - d * DAY)
        )
    flood = [
        timed(waybill(sender=stranger(300 + k), receiver=receiver), BURST + k * timedelta(minutes=3))
        for k in range(30)
    ]
    decisions = await run(history_engine, flood)
    assert none_has(decisions, "VELOCITY_SPIKE")
    assert all(d.decision == "release" for d in decisions)


async def test_one_sender_id_behind_new_phones_and_addresses_is_one_velocity_history(
    history_engine: Engine,
) -> None:
    sender = mainland(43)
    await run(history_engine, seasoned(sender, days=16, per_day=1))
    moving = [
        domestic(
            mainland(
                43, phone=f"1590002{k:04d}", address={"district": "闵行区", "detail": f"莘庄路{k + 1}号"}
            ),
            BURST + k * timedelta(minutes=3),
        )
        for k in range(20)
    ]
    decisions = await run(history_engine, moving)
    assert none_has(decisions[:19], "VELOCITY_SPIKE")
    ev = evidence(decisions[19], "VELOCITY_SPIKE")
    assert (ev["entity"], ev["parcels_24h"], ev["daily_median"]) == ("sender_id", 20, 1.0)


async def test_cross_border_and_domestic_parcels_both_count_towards_a_velocity_spike(
    history_engine: Engine,
) -> None:
    sender = mainland(44)
    await run(history_engine, seasoned(sender, days=16, per_day=1))
    mixed = [
        domestic(sender, BURST + k * timedelta(minutes=3))
        if k % 2
        else export(sender, abroad("HK", 1), 100.0, when=at(BURST + k * timedelta(minutes=3)))
        for k in range(20)
    ]
    decisions = await run(history_engine, mixed)
    assert none_has(decisions[:19], "VELOCITY_SPIKE")
    spike = the_reason(decisions[19], "VELOCITY_SPIKE")
    assert (spike.outcome, spike.evidence["parcels_24h"]) == ("inspect", 20)


async def test_late_parcels_see_only_the_part_of_a_burst_picked_up_before_them(
    history_engine: Engine,
) -> None:
    sender = mainland(45)
    await run(history_engine, seasoned(sender, days=16, per_day=1))
    decisions = await run(history_engine, burst(sender, 25))  # BURST + 0, 3, …, 72 minutes
    assert "VELOCITY_SPIKE" in codes(decisions[-1])
    # Picked up an hour before the burst, scored after it: one parcel in its 24 h.
    before = await score(history_engine, domestic(sender, BURST - timedelta(hours=1)))
    assert "VELOCITY_SPIKE" not in codes(before) and before.decision == "release"
    # Picked up after the burst's first 12: with the one before and itself, 14 in its 24 h.
    middle = await score(history_engine, domestic(sender, BURST + timedelta(minutes=34)))
    assert "VELOCITY_SPIKE" not in codes(middle) and middle.decision == "release"
    # Picked up after 21 of them: 21 + the two late ones + itself.
    later = await score(history_engine, domestic(sender, BURST + timedelta(minutes=61)))
    assert evidence(later, "VELOCITY_SPIKE")["parcels_24h"] == 24


async def test_history_that_arrives_late_is_still_the_senders_history(history_engine: Engine) -> None:
    sender = mainland(46)
    decisions = await run(history_engine, burst(sender, 20))
    assert none_has(decisions, "VELOCITY_SPIKE")  # a newcomer: no history yet
    await run(history_engine, seasoned(sender, days=16, per_day=1))  # last fortnight's parcels, sent late
    d = await score(history_engine, domestic(sender, BURST + timedelta(minutes=70)))
    ev = evidence(d, "VELOCITY_SPIKE")
    assert (ev["parcels_24h"], ev["daily_median"]) == (21, 1.0)


# CBEC_ANNUAL_LIMIT: 26,000 CNY per buyer (by ID) per Beijing-time calendar year, this parcel included


@pytest.mark.parametrize(
    ("when", "in_2026"),
    [
        ("2026-12-31T23:59:59+08:00", True),
        ("2027-01-01T00:00:00+08:00", False),
        ("2026-12-31T15:59:59Z", True),
        ("2026-12-31T16:00:00Z", False),
        ("2026-12-31T11:30:00-05:00", False),  # 31 Dec in New York and in UTC; 00:30 on 1 Jan in Beijing
        ("2027-01-01T00:30:00+09:00", True),  # 1 Jan in Tokyo; 23:30 on 31 Dec in Beijing
    ],
    ids=["beijing-last-second", "beijing-midnight", "utc-last-second", "utc-midnight", "new-york", "tokyo"],
)
async def test_the_cbec_year_turns_at_beijing_midnight_whatever_the_offset(
    history_engine: Engine, when: str, in_2026: bool
) -> None:
    who = buyer("451")
    for k in range(5):
        await score(history_engine, cbec_import(who, 5000.0, f"2026-12-0{k + 1}T10:00:00+08:00"))
    d = await score(history_engine, cbec_import(who, 1500.0, when))
    if in_2026:
        ev = evidence(d, "CBEC_ANNUAL_LIMIT")
        assert (ev["year_total_cny"], ev["limit_cny"], d.decision) == (26500.0, 26000.0, "hold")
    else:
        assert "CBEC_ANNUAL_LIMIT" not in codes(d)


async def test_one_buyer_id_under_other_names_phones_and_addresses_has_one_annual_total(
    history_engine: Engine,
) -> None:
    number = resident_id(region="320102", birth="19880808", seq="452")
    cities = [("浙江省", "杭州市", "西湖区"), ("江苏省", "南京市", "鼓楼区"), ("广东省", "广州市", "天河区")]
    cities += [("四川省", "成都市", "武侯区"), ("湖北省", "武汉市", "江汉区"), ("福建省", "厦门市", "思明区")]
    decisions = []
    for k, (province, city, district) in enumerate(cities):
        who = cn_receiver(
            name=f"买家{k}",
            phone=f"1581234{k:04d}",
            address={"province": province, "city": city, "district": district, "detail": f"中山路{k + 1}号"},
            id_type="resident_id",
            id_number=number,
        )
        value = 5000.0 if k < 5 else 1000.01
        decisions.append(
            await score(history_engine, cbec_import(who, value, f"2026-0{k + 1}-15T10:00:00+08:00"))
        )
    assert none_has(decisions[:5], "CBEC_ANNUAL_LIMIT")
    ev = evidence(decisions[5], "CBEC_ANNUAL_LIMIT")
    assert (ev["year_total_cny"], decisions[5].decision) == (26000.01, "hold")


BUYER_NUMBER = resident_id(region="320102", birth="19880808", seq="100")  # its check character is X


@pytest.mark.parametrize(
    "written",
    [
        pytest.param({"id_type": "resident_id", "id_number": BUYER_NUMBER[:-1] + "x"}, id="lowercase-x"),
        pytest.param(
            {"id_type": "temporary_id", "id_number": BUYER_NUMBER},
            id="temporary-id",
        ),
    ],
)
async def test_one_citizen_number_on_another_document_is_the_same_buyer(
    history_engine: Engine, written: dict[str, str]
) -> None:
    assert BUYER_NUMBER.endswith("X")
    for k in range(5):
        who = cn_receiver(id_type="resident_id", id_number=BUYER_NUMBER)
        await score(history_engine, cbec_import(who, 5000.0, f"2026-0{k + 1}-15T10:00:00+08:00"))
    d = await score(history_engine, cbec_import(cn_receiver(**written), 1500.0, "2026-07-15T10:00:00+08:00"))
    ev = evidence(d, "CBEC_ANNUAL_LIMIT")
    assert (ev["year_total_cny"], d.decision) == (26500.0, "hold")


async def test_two_buyers_sharing_a_phone_and_address_have_two_annual_totals(history_engine: Engine) -> None:
    home = {"phone": "13612340000", "address": {"detail": "建国路93号万达广场8号楼1201"}}
    mother = cn_receiver(
        name="王芳", id_type="resident_id", id_number=resident_id(region="320102", seq="453"), **home
    )
    son = cn_receiver(
        name="王强", id_type="resident_id", id_number=resident_id(region="320102", seq="454"), **home
    )
    decisions = []
    for k in range(5):
        decisions.append(
            await score(history_engine, cbec_import(mother, 5000.0, f"2026-0{k + 1}-10T10:00:00+08:00"))
        )
        decisions.append(
            await score(history_engine, cbec_import(son, 5000.0, f"2026-0{k + 1}-11T10:00:00+08:00"))
        )
    assert none_has(decisions, "CBEC_ANNUAL_LIMIT")  # 25,000 each, 50,000 at the one phone and address
    d = await score(history_engine, cbec_import(mother, 1000.0, "2026-07-10T10:00:00+08:00"))
    assert "CBEC_ANNUAL_LIMIT" not in codes(d)  # exactly 26,000
    d = await score(history_engine, cbec_import(mother, 1.0, "2026-08-10T10:00:00+08:00"))
    assert evidence(d, "CBEC_ANNUAL_LIMIT")["year_total_cny"] == 26001.0


async def test_postal_imports_and_domestic_parcels_to_the_buyer_are_not_cbec_purchases(
    history_engine: Engine,
) -> None:
    who = buyer("455")
    for k in range(5):
        await score(history_engine, cbec_import(who, 5000.0, f"2026-0{k + 1}-15T10:00:00+08:00"))
    for k in range(3):
        wb = timed(import_postal(abroad("JP", k), who, 700.0), f"2026-06-0{k + 1}T10:00:00+08:00")
        assert "CBEC_ANNUAL_LIMIT" not in codes(await score(history_engine, wb))
    gift = timed(waybill(receiver=who, items=goods(900.0), weight_kg=0.5), "2026-06-05T10:00:00+08:00")
    await score(history_engine, gift)
    d = await score(history_engine, cbec_import(who, 1000.0, "2026-07-15T10:00:00+08:00"))
    assert "CBEC_ANNUAL_LIMIT" not in codes(d)  # 26,000 of cbec purchases
    d = await score(history_engine, cbec_import(who, 1.0, "2026-08-15T10:00:00+08:00"))
    assert evidence(d, "CBEC_ANNUAL_LIMIT")["year_total_cny"] == 26001.0


async def test_a_late_purchase_of_last_year_counts_in_last_year_only(history_engine: Engine) -> None:
    who = buyer("456")
    for k in range(5):
        await score(history_engine, cbec_import(who, 5000.0, f"2027-0{k + 2}-10T10:00:00+08:00"))
    late = await score(history_engine, cbec_import(who, 5000.0, "2026-12-31T23:30:00+08:00"))
    assert "CBEC_ANNUAL_LIMIT" not in codes(late)  # 5,000 in 2026
    d = await score(history_engine, cbec_import(who, 1000.0, "2027-07-10T10:00:00+08:00"))
    assert "CBEC_ANNUAL_LIMIT" not in codes(d)  # exactly 26,000 in 2027
    d = await score(history_engine, cbec_import(who, 1.0, "2027-08-10T10:00:00+08:00"))
    assert evidence(d, "CBEC_ANNUAL_LIMIT")["year_total_cny"] == 26001.0


async def test_a_purchase_corrected_into_the_old_year_leaves_the_new_one(history_engine: Engine) -> None:
    who = buyer("457")
    for k in range(4):
        await score(history_engine, cbec_import(who, 5000.0, f"2026-12-0{k + 1}T10:00:00+08:00"))
    typed = cbec_import(who, 5000.0, "2027-01-01T00:30:00+08:00")
    await score(history_engine, typed)
    await score(history_engine, timed(typed, "2026-12-31T23:30:00+08:00"))  # the courier corrects the time
    d = await score(history_engine, cbec_import(who, 1000.01, "2026-12-31T23:45:00+08:00"))
    assert evidence(d, "CBEC_ANNUAL_LIMIT")["year_total_cny"] == 26000.01
    for k in range(5):
        d = await score(history_engine, cbec_import(who, 5000.0, f"2027-0{k + 2}-10T10:00:00+08:00"))
    d = await score(history_engine, cbec_import(who, 1000.0, "2027-07-10T10:00:00+08:00"))
    assert "CBEC_ANNUAL_LIMIT" not in codes(d)  # 26,000 in 2027 without the corrected purchase


async def test_a_purchase_replayed_long_after_its_year_adds_up_with_that_year(history_engine: Engine) -> None:
    who = buyer("458")
    for k in range(5):
        await score(history_engine, cbec_import(who, 5000.0, f"2025-0{k + 1}-15T10:00:00+08:00"))
    await score(history_engine, cbec_import(who, 100.0, "2027-02-01T10:00:00+08:00"))
    # A 2025 purchase that reaches the service only now: 2025's total with it is 26,500.
    d = await score(history_engine, cbec_import(who, 1500.0, "2025-12-01T10:00:00+08:00"))
    ev = evidence(d, "CBEC_ANNUAL_LIMIT")
    assert (ev["year_total_cny"], d.decision) == (26500.0, "hold")


# NEAR_LIMIT_SPLIT: ≥ 3 cross-border parcels of one entity in [0.9·L, L) within 7 days


def near_limit_parcel(lane: str, value: float, i: int) -> dict[str, Any]:
    """The i-th of three parcels of one entity on a lane, 30 hours apart."""
    if lane == "export-MO":
        return export(mainland(50), abroad("MO", 0), value, hours=i * 30)
    if lane == "export-JP":
        return export(mainland(50), abroad("JP", 0), value, hours=i * 30)
    if lane == "import-JP":
        return import_postal(abroad("JP", i), cn_receiver(phone="13600050001"), value, hours=i * 30)
    return cbec_import(buyer("459"), value, hours_after=i * 30)


@pytest.mark.parametrize(
    ("lane", "value", "band"),
    [
        ("export-MO", 799.99, [720.0, 800.0]),
        ("import-JP", 900.0, [900.0, 1000.0]),
        ("export-JP", 1000.0, None),
        ("cbec", 4499.99, None),
        ("cbec", 4999.99, [4500.0, 5000.0]),
        ("cbec", 5000.0, None),
    ],
)
async def test_near_limit_band_edges_per_lane(
    history_engine: Engine, lane: str, value: float, band: list[float] | None
) -> None:
    decisions = await run(history_engine, [near_limit_parcel(lane, value, i) for i in range(3)])
    assert "NEAR_LIMIT_SPLIT" not in codes(decisions[1])
    assert not codes(decisions[2]) & {"OVER_PERSONAL_LIMIT", "CBEC_SINGLE_LIMIT"}  # at L is not over L
    if band is None:
        assert "NEAR_LIMIT_SPLIT" not in codes(decisions[2])
    else:
        ev = evidence(decisions[2], "NEAR_LIMIT_SPLIT")
        assert (ev["near_limit_parcels"], ev["band"]) == (3, band)
        assert decisions[2].decision == "inspect"


@pytest.mark.parametrize(
    ("parcels", "fires"),
    [
        ((("HK", 760.0), ("JP", 950.0), ("MO", 760.0)), True),
        ((("HK", 760.0), ("JP", 760.0), ("MO", 760.0)), False),  # 760 is not near 1,000
        ((("HK", 760.0), ("HK", 850.0), ("MO", 760.0)), False),  # 850 is over 800, not under it
    ],
    ids=["each-in-its-own-band", "under-the-japan-band", "over-the-hong-kong-limit"],
)
async def test_each_parcel_is_near_its_own_limit(
    history_engine: Engine, parcels: tuple[tuple[str, float], ...], fires: bool
) -> None:
    sender = mainland(51)
    ring = [
        export(sender, abroad(country, i), value, hours=i * 20) for i, (country, value) in enumerate(parcels)
    ]
    decisions = await run(history_engine, ring)
    assert ("NEAR_LIMIT_SPLIT" in codes(decisions[2])) is fires
    if fires:
        assert evidence(decisions[2], "NEAR_LIMIT_SPLIT")["near_limit_parcels"] == 3


async def test_an_individuals_express_exports_just_under_800_are_near_the_limit(
    history_engine: Engine,
) -> None:
    sender = mainland(52)
    ring = [
        export(sender, abroad("HK", i), 760.0, hours=i * 20, channel=channel)
        for i, channel in enumerate(["express", "postal", "express"])
    ]
    decisions = await run(history_engine, ring)
    assert "NEAR_LIMIT_SPLIT" not in codes(decisions[1])
    ev = evidence(decisions[2], "NEAR_LIMIT_SPLIT")
    assert (ev["near_limit_parcels"], ev["band"]) == (3, [720.0, 800.0])


async def test_near_limit_imports_to_one_receiver_id_at_three_addresses_add_up(
    history_engine: Engine,
) -> None:
    number = resident_id(region="330106", birth="19920606", seq="453")
    ring = [
        import_postal(
            abroad("HK", i),
            cn_receiver(
                name=f"收件人{i}",
                phone=f"1350002{i:04d}",
                address={"detail": f"人民路{i + 1}号{i + 1}栋"},
                id_type="resident_id",
                id_number=number,
            ),
            790.0,
            hours=i * 40,
        )
        for i in range(3)
    ]
    decisions = await run(history_engine, ring)
    assert "NEAR_LIMIT_SPLIT" not in codes(decisions[1])
    ev = evidence(decisions[2], "NEAR_LIMIT_SPLIT")
    assert (ev["entity"], ev["near_limit_parcels"]) == ("receiver_id", 3)


# ANT_MOVING_SENDER / ANT_MOVING_RECEIVER at their edges


@pytest.mark.parametrize(
    ("tenth_after", "fires"), [(WEEK - SECOND, True), (WEEK + SECOND, False)], ids=["7d-less-1s", "7d-and-1s"]
)
async def test_the_senders_seven_day_window_edge(
    history_engine: Engine, tenth_after: timedelta, fires: bool
) -> None:
    sender = mainland(60)
    times = [BASE_TIME] + [BASE_TIME + DAY + timedelta(hours=6 * k) for k in range(8)]  # ≤ 4 a day
    ring = [export(sender, abroad("MO", i % 4), 700.0, when=at(t)) for i, t in enumerate(times)]
    decisions = await run(history_engine, ring)
    assert none_has(decisions, "ANT_MOVING_SENDER")
    tenth = await score(
        history_engine, export(sender, abroad("MO", 1), 700.0, when=at(BASE_TIME + tenth_after))
    )
    assert ("ANT_MOVING_SENDER" in codes(tenth)) is fires
    if fires:
        ev = evidence(tenth, "ANT_MOVING_SENDER")
        assert (ev["window"], ev["parcels"], ev["distinct_receivers"], ev["total_value"]) == (
            "7d",
            10,
            4,
            7000.0,
        )
        assert tenth.decision == "hold"


@pytest.mark.parametrize(
    ("value", "receivers", "fires"),
    [(240.0, 3, True), (239.99, 3, False), (700.0, 2, False)],
    ids=["exactly-3L", "a-cent-under-3L", "two-receivers"],
)
async def test_the_senders_seven_day_rule_at_its_total_and_receiver_edges(
    history_engine: Engine, value: float, receivers: int, fires: bool
) -> None:
    sender = mainland(61)
    ring = [export(sender, abroad("HK", i % receivers), value, hours=i * 14) for i in range(10)]  # ≤ 2 a day
    decisions = await run(history_engine, ring)
    assert none_has(decisions[:9], "ANT_MOVING_SENDER")
    assert ("ANT_MOVING_SENDER" in codes(decisions[9])) is fires
    if fires:
        ev = evidence(decisions[9], "ANT_MOVING_SENDER")
        assert (ev["window"], ev["parcels"], ev["distinct_receivers"], ev["total_value"]) == (
            "7d",
            10,
            3,
            2400.0,
        )
        assert ev["per_parcel_limit"] == 800.0


async def test_six_cheap_parcels_in_a_day_are_a_ring_with_the_week_before_them(
    history_engine: Engine,
) -> None:
    sender = mainland(62)
    week = [export(sender, abroad("HK", i), 700.0, hours=i * 24) for i in range(4)]  # hours 0, 24, 48, 72
    day = [export(sender, abroad("HK", 4 + i), 100.0, hours=100 + i * 0.5) for i in range(6)]
    decisions = await run(history_engine, [*week, *day])
    # Six in 24 h but 600 < 3 × 800; ten in 7 days, 3,400 ≥ 2,400: the week speaks.
    assert none_has(decisions[:9], "ANT_MOVING_SENDER")
    ev = evidence(decisions[9], "ANT_MOVING_SENDER")
    assert (ev["window"], ev["parcels"], ev["total_value"]) == ("7d", 10, 3400.0)


async def test_an_overseas_sender_splitting_imports_over_three_receivers_is_an_ant_sender(
    history_engine: Engine,
) -> None:
    shop = abroad("HK", 5)
    receivers = [
        cn_receiver(
            name=f"收件人{i}", phone=f"1350003{i:04d}", address={"detail": f"和平路{i + 1}号{i + 1}栋"}
        )
        for i in range(3)
    ]
    ring = [import_postal(shop, receivers[i % 3], 700.0, hours=i * 0.5) for i in range(6)]
    decisions = await run(history_engine, ring)
    assert none_has(decisions[:5], "ANT_MOVING_SENDER")
    assert none_has(decisions, "ANT_MOVING_RECEIVER")  # two parcels each
    ev = evidence(decisions[5], "ANT_MOVING_SENDER")
    assert (ev["window"], ev["parcels"], ev["distinct_receivers"]) == ("24h", 6, 3)
    assert (ev["total_value"], ev["per_parcel_limit"]) == (4200.0, 800.0)
    assert decisions[5].decision == "hold"


async def test_receivers_written_in_other_phone_formats_are_not_more_receivers(
    history_engine: Engine,
) -> None:
    sender = mainland(63)
    writings = [
        (90, "+85291110001"),
        (90, "+852 9111 0001"),
        (90, "9111 0001"),
        (91, "+85291110002"),
        (91, "+852-9111-0002"),
        (91, "91110002"),
    ]
    ring = [
        export(sender, Whole(abroad("HK", n) | {"phone": phone}), 700.0, hours=i * 0.5)
        for i, (n, phone) in enumerate(writings)
    ]
    decisions = await run(history_engine, ring)
    assert none_has(decisions, "ANT_MOVING_SENDER")  # six parcels, two receivers
    to_a_third = await score(history_engine, export(sender, abroad("HK", 92), 700.0, hours=3))
    ev = evidence(to_a_third, "ANT_MOVING_SENDER")
    assert (ev["parcels"], ev["distinct_receivers"]) == (7, 3)


async def test_a_sender_ant_under_its_own_higher_limit_counts(history_engine: Engine) -> None:
    sender = mainland(64)
    ring = [export(sender, abroad("MO", i), 700.0, hours=i * 0.5) for i in range(4)]
    ring.append(export(sender, abroad("JP", 4), 900.0, hours=2.0))  # over 800, under Japan's 1,000
    ring.append(export(sender, abroad("MO", 5), 700.0, hours=2.5))
    decisions = await run(history_engine, ring)
    assert "OVER_PERSONAL_LIMIT" not in codes(decisions[4])
    assert none_has(decisions[:5], "ANT_MOVING_SENDER")
    ev = evidence(decisions[5], "ANT_MOVING_SENDER")
    assert (ev["parcels"], ev["distinct_receivers"], ev["total_value"]) == (6, 6, 4400.0)


async def test_a_receiver_ant_under_its_own_higher_limit_counts(history_engine: Engine) -> None:
    receiver = cn_receiver(phone="13600060001")
    ring = [import_postal(abroad("JP", 0), receiver, 900.0, hours=0)]
    ring += [import_postal(abroad("HK", i), receiver, 700.0, hours=i * 20) for i in range(1, 5)]
    decisions = await run(history_engine, ring)
    assert "OVER_PERSONAL_LIMIT" not in codes(decisions[0])
    assert none_has(decisions[:4], "ANT_MOVING_RECEIVER")
    ev = evidence(decisions[4], "ANT_MOVING_RECEIVER")
    assert (ev["parcels"], ev["distinct_senders"], ev["total_value"]) == (5, 5, 3700.0)


async def test_an_import_at_exactly_the_limit_is_not_one_of_the_receivers_ants(
    history_engine: Engine,
) -> None:
    receiver = cn_receiver(phone="13600060002")
    values = [700.0, 800.0, 700.0, 700.0, 700.0, 700.0]
    ring = [import_postal(abroad("HK", i), receiver, v, hours=i * 20) for i, v in enumerate(values)]
    decisions = await run(history_engine, ring)
    assert "OVER_PERSONAL_LIMIT" not in codes(decisions[1])
    assert none_has(decisions[:5], "ANT_MOVING_RECEIVER")  # four ants and one parcel at L
    ev = evidence(decisions[5], "ANT_MOVING_RECEIVER")
    assert (ev["parcels"], ev["distinct_senders"], ev["total_value"]) == (5, 5, 3500.0)
    assert set(ev["linked_waybills"]) == numbers([ring[0], *ring[2:5]])
    assert decisions[5].decision == "hold"


async def test_domestic_parcels_to_a_receiver_do_not_count_towards_its_ring(history_engine: Engine) -> None:
    receiver = cn_receiver(phone="13600060003")
    mixed: list[dict[str, Any]] = []
    for i in range(4):
        mixed.append(import_postal(abroad("HK", i), receiver, 700.0, hours=i * 20))
        if i < 3:
            mixed.append(
                waybill(
                    hours_after=i * 20 + 10, sender=stranger(70 + i), receiver=receiver, items=goods(700.0)
                )
            )
    decisions = await run(history_engine, mixed)
    assert none_has(decisions, "ANT_MOVING_RECEIVER")  # four imports and three domestic parcels
    assert all(not codes(d) & CROSS_BORDER_RULES for d in decisions[1::2])
    fifth = await score(history_engine, import_postal(abroad("HK", 4), receiver, 700.0, hours=90))
    ev = evidence(fifth, "ANT_MOVING_RECEIVER")
    assert (ev["parcels"], ev["distinct_senders"], ev["total_value"]) == (5, 5, 3500.0)


# Out of event order and far in the past


async def test_a_batch_in_reverse_time_order_counts_no_parcel_after_each_one(history_engine: Engine) -> None:
    sender = mainland(66)
    ring = [export(sender, abroad("HK", i), 700.0, hours=i * 0.5) for i in range(6)]
    decisions = await history_engine.decide_batch(list(reversed(ring)))
    assert all(isinstance(d, Decision) and "ANT_MOVING_SENDER" not in codes(d) for d in decisions)
    seventh = await score(history_engine, export(sender, abroad("HK", 6), 700.0, hours=3))
    ev = evidence(seventh, "ANT_MOVING_SENDER")
    assert (ev["parcels"], ev["total_value"]) == (7, 4900.0)
    assert set(ev["linked_waybills"]) == numbers(ring)


async def test_a_late_parcel_from_last_month_counts_in_no_window_of_today(history_engine: Engine) -> None:
    sender = mainland(67)
    today = [export(sender, abroad("HK", i), 760.0, hours=i * 0.5) for i in range(5)]
    await run(history_engine, today)
    old = await score(history_engine, export(sender, abroad("HK", 5), 760.0, hours=-24 * 40))
    assert not codes(old) & CROSS_BORDER_RULES
    sixth = await score(history_engine, export(sender, abroad("HK", 6), 760.0, hours=3))
    ev = evidence(sixth, "ANT_MOVING_SENDER")
    assert (ev["parcels"], ev["near_limit_parcels"]) == (6, 6)
    assert set(ev["linked_waybills"]) == numbers(today)


async def test_a_backlog_of_last_months_ring_is_judged_in_its_own_time(history_engine: Engine) -> None:
    sender = mainland(65)
    await score(history_engine, export(sender, abroad("HK", 9), 700.0, hours=0))  # today's parcel first
    backlog = [
        export(sender, abroad("HK", i), 700.0, when=at(BASE_TIME - 40 * DAY + timedelta(minutes=30 * i)))
        for i in range(6)
    ]
    decisions = await run(history_engine, backlog)  # last month's parcels, uploaded late
    assert none_has(decisions[:5], "ANT_MOVING_SENDER")
    ev = evidence(decisions[5], "ANT_MOVING_SENDER")
    assert (ev["window"], ev["parcels"], ev["total_value"]) == ("24h", 6, 4200.0)
    assert decisions[5].decision == "hold"


# PRIOR_VIOLATIONS in event time


def id_violation(number: str, when: datetime, parcel: str) -> Violation:
    """A confirmed violation of a resident ID."""
    return Violation.model_validate(
        {"kind": "id", "id_type": "resident_id", "value": number, "at": at(when), "parcel": f"SF:{parcel}"}
    )


async def test_the_year_of_prior_violations_slides_with_the_parcels_pickup(history_engine: Engine) -> None:
    number = resident_id(region="350203", birth="19830303", seq="461")
    await history_engine.record_violations(
        [
            id_violation(number, BASE_TIME - 300 * DAY, "SF1610000000001"),
            id_violation(number, BASE_TIME - 100 * DAY, "SF1610000000002"),
        ]
    )
    sender = mainland(68, id_number=number)
    d = await score(history_engine, waybill(sender=sender))
    assert (d.decision, evidence(d, "PRIOR_VIOLATIONS")["violations"]) == ("hold", 2)
    d = await score(history_engine, waybill(sender=sender, hours_after=24 * 70))  # the first is 370 days back
    assert (d.decision, evidence(d, "PRIOR_VIOLATIONS")["violations"]) == ("inspect", 1)
    d = await score(history_engine, waybill(sender=sender, hours_after=24 * 270))  # both over a year back
    assert "PRIOR_VIOLATIONS" not in codes(d) and d.decision == "release"


async def test_an_ids_violations_count_when_it_is_the_receiver(history_engine: Engine) -> None:
    number = resident_id(region="350203", birth="19830303", seq="462")
    receiver = cn_receiver(id_type="resident_id", id_number=number)
    await history_engine.record_violations([id_violation(number, BASE_TIME - 30 * DAY, "SF1610000000003")])
    d = await score(history_engine, waybill(receiver=receiver))
    r = the_reason(d, "PRIOR_VIOLATIONS")
    assert (d.decision, r.outcome, r.evidence["entity"], r.evidence["violations"]) == (
        "inspect",
        "inspect",
        "receiver_id",
        1,
    )
    await history_engine.record_violations([id_violation(number, BASE_TIME - 10 * DAY, "SF1610000000004")])
    d = await score(history_engine, waybill(receiver=receiver, hours_after=1))
    assert (d.decision, evidence(d, "PRIOR_VIOLATIONS")["violations"]) == ("hold", 2)
