"""VELOCITY_SPIKE and event time, from RULES.md §3, the wire contract, ARCHITECTURE.md and the README.

RULES.md §3: VELOCITY_SPIKE (inspect) fires when "an entity with ≥ 14 days of history sends ≥ 5× its daily
median and ≥ 20 parcels in 24 h; never for an entity without that history"; "Windows are in event time
(`accepted_at`)". ARCHITECTURE.md: windows in event time, "never wall-clock, so a replay of last month
computes the same features that live scoring computed". The README: a window holds the entity's other
parcels up to this one's pickup; an entity's history keeps "its parcels of the 30 days (and an hour) behind
its newest parcel"; where parcels were let go, the daily median counts "the days after it only (a sender of
300 parcels a day is not a spike of a median of 0)"; a parcel past the 30-day history keeps its pickup as
when the entity was first seen. The contract: the same body re-sent returns the same decision and changes
nothing; a changed body is scored again and counts once.

History tests run on the embedded store, single-node Redis and Redis Cluster (`history_engine`); the three
heaviest histories run on the embedded store alone (`engine`), to keep the file fast.

Readings used here, where the sources leave a choice:
- "in 24 h" is (t - 24 h, t] of event time: a parcel exactly 24 h older is out, a second younger is in.
- "≥ 14 days of history" is this pickup minus the entity's first pickup, at least 14 × 24 h.
- The daily median is taken over the days before the last 24 h that the history keeps (30 days at most).
  Habits are built so that every reading of "a day" (Beijing calendar day or 24 h slices back from the
  parcel) gives the same median: a day's parcels lie within 70 minutes, away from either kind of edge.
- What an entity sends is what it sends as the sender (by ID or by phone): parcels a person receives are
  not parcels they send.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from screening.contract import Decision, Reason
from screening.engine import Engine
from tests.conftest import ScoringClient
from tests.factories import BASE_TIME, BEIJING, cn_receiver, item
from tests.screening.test_scenarios import codes, score
from tests.screening.test_scenarios_edges import abroad
from tests.screening.test_scenarios_rings import at, domestic, export, import_postal, mainland, run

pytestmark = pytest.mark.anyio

SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# 12:30 in Beijing: three hours after the habits' parcels of each day (09:30 to at most 11:00).
BURST = BASE_TIME + 3 * HOUR
VELOCITY = "VELOCITY_SPIKE"
# RULES.md §3: ≥ 5 × the daily median and ≥ 20 parcels in 24 h.
THRESHOLDS = {"times_median": 5.0, "min_parcels_24h": 20}
SEVERITY_ORDER = ["reject", "hold", "inspect", "release"]


# Helpers ------------------------------------------------------------------------------------------------


def habit(
    sender: dict[str, Any], *, days: int, per_day: int, before: datetime = BASE_TIME
) -> list[dict[str, Any]]:
    """`per_day` domestic parcels, ten minutes apart, on each of the `days` days before `before` (at its time
    of day): the sender is first seen `days` days before it."""
    return [
        domestic(sender, before - d * DAY + 10 * MINUTE * j)
        for d in range(days, 0, -1)
        for j in range(per_day)
    ]


def burst(
    sender: dict[str, Any], count: int, *, start: datetime = BURST, step: timedelta = 3 * MINUTE
) -> list[dict[str, Any]]:
    """`count` domestic parcels of the sender from `start` on, one every `step`."""
    return [domestic(sender, start + k * step) for k in range(count)]


def in_utc(when: datetime) -> str:
    """An instant written in UTC, with a Z."""
    return when.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def seed(engine: Engine, waybills: list[dict[str, Any]]) -> list[Decision]:
    """Score waybills in one batch, in order (the same as one after the other, per the contract)."""
    out = await engine.decide_batch(waybills)
    decisions = [d for d in out if isinstance(d, Decision)]
    assert len(decisions) == len(waybills), out
    return decisions


def spike(d: Decision) -> Reason:
    """The VELOCITY_SPIKE reason of a decision (it must carry one)."""
    found = [r for r in d.reasons if r.code == VELOCITY]
    assert found, (d.decision, sorted(codes(d)))
    return found[0]


def none_spike(decisions: list[Decision]) -> bool:
    """No decision carries VELOCITY_SPIKE."""
    return all(VELOCITY not in codes(d) for d in decisions)


# Thresholds: 5 × the median, 20 parcels, 14 days ------------------------------------------------------


async def test_four_point_nine_times_the_median_is_no_spike_and_five_times_is(history_engine: Engine) -> None:
    """Against a median of 10 a day, 49 parcels in 24 h (4.9×) are no spike and the 50th (5×) is one."""
    sender = mainland(701)
    await seed(history_engine, habit(sender, days=15, per_day=10))
    parcels = burst(sender, 50, step=MINUTE)
    decisions = await seed(history_engine, parcels[:48])
    decisions += await run(history_engine, parcels[48:])
    assert none_spike(decisions[:49])  # RULES.md §3: ≥ 5 × the daily median
    assert decisions[48].decision == "release"
    r = spike(decisions[49])
    assert (r.evidence["parcels_24h"], r.evidence["daily_median"], r.evidence["times"]) == (50, 10.0, 5.0)
    assert r.message_en == "The sender ID sent 50 parcels in 24 h, 5× its daily median of 10"
    assert decisions[49].decision == "inspect"


async def test_twenty_parcels_are_needed_even_against_a_median_of_zero(history_engine: Engine) -> None:
    """Seen once 20 days ago: 19 parcels in 24 h are no spike, the 20th is one and says its median is 0."""
    sender = mainland(702)
    await score(history_engine, domestic(sender, BASE_TIME - 20 * DAY))
    decisions = await run(history_engine, burst(sender, 20))
    assert none_spike(decisions[:19])  # RULES.md §3: ≥ 20 parcels in 24 h
    assert decisions[18].decision == "release"
    r = spike(decisions[19])
    assert r.evidence["daily_median"] == 0.0 and r.evidence["times"] is None
    assert (r.evidence["parcels_24h"], r.evidence["history_days"]) == (20, 20)
    assert r.message == "寄件人证件24小时内寄递20件，日中位数为0"
    assert r.message_en == "The sender ID sent 20 parcels in 24 h, against a daily median of 0"


async def test_nineteen_parcels_are_no_spike_though_six_times_a_median_of_three(
    history_engine: Engine,
) -> None:
    """Median 3: 15 parcels reach 5× but only the 20th (6.7×) is a spike, shown to one decimal."""
    sender = mainland(703)
    await seed(history_engine, habit(sender, days=16, per_day=3))
    decisions = await run(history_engine, burst(sender, 20))
    assert none_spike(decisions[:19])  # 15 to 19 parcels: ≥ 5 × 3 but fewer than 20
    r = spike(decisions[19])
    assert (r.evidence["daily_median"], r.evidence["times"]) == (3.0, 6.7)
    assert r.message == "寄件人证件24小时内寄递20件，为日中位数3的6.7倍"
    assert r.message_en == "The sender ID sent 20 parcels in 24 h, 6.7× its daily median of 3"


@pytest.mark.parametrize(("days", "fires"), [(13, False), (14, True)], ids=["13-days", "14-days"])
async def test_thirteen_days_of_history_are_too_few_and_fourteen_are_enough(
    history_engine: Engine, days: int, fires: bool
) -> None:
    """One parcel a day for 13 days then 30 in an hour: never a spike; after 14 days, from the 20th on."""
    sender = mainland(704)
    await seed(history_engine, habit(sender, days=days, per_day=1))  # RULES.md §3: ≥ 14 days of history
    decisions = await run(history_engine, burst(sender, 30, step=2 * MINUTE))
    assert none_spike(decisions[:19])
    if not fires:
        assert none_spike(decisions) and all(d.decision == "release" for d in decisions)
    else:
        assert all(VELOCITY in codes(d) for d in decisions[19:])
        assert spike(decisions[19]).evidence["history_days"] == 14


async def test_a_newcomer_is_never_a_spike_however_many_it_sends(history_engine: Engine) -> None:
    """A sender without history sending 40 parcels in two hours is never a velocity spike."""
    decisions = await seed(history_engine, burst(mainland(705), 40))
    assert none_spike(decisions)  # RULES.md §3: never for an entity without that history
    assert all(d.decision == "release" for d in decisions)


# Which entities: the sender's ID and phone, never the receiver ------------------------------------------


async def test_a_seasoned_phone_under_twenty_new_ids_is_a_sender_phone_spike(history_engine: Engine) -> None:
    """Twenty hired senders, each a new ID, giving one phone with 16 days of history: the phone spikes."""
    phone = "15800097001"
    await seed(history_engine, habit(mainland(706, phone=phone), days=16, per_day=1))
    hired = [domestic(mainland(720 + k, phone=phone), BURST + k * 3 * MINUTE) for k in range(20)]
    decisions = await run(history_engine, hired)
    assert none_spike(decisions[:19])
    r = spike(decisions[19])
    assert (r.evidence["entity"], r.evidence["parcels_24h"], r.evidence["daily_median"]) == (
        "sender_phone",
        20,
        1.0,
    )
    assert r.message == "寄件人电话24小时内寄递20件，为日中位数1的20倍"
    assert r.message_en == "The sender phone sent 20 parcels in 24 h, 20× its daily median of 1"


async def test_an_overseas_sender_without_an_id_is_judged_by_its_phone(history_engine: Engine) -> None:
    """An overseas shop (no ID) importing one parcel a day, then twenty in an hour: its phone spikes."""
    shop, receiver = abroad("HK", 7), cn_receiver(phone="13600097002")

    def parcel(when: datetime) -> dict[str, Any]:
        return {**import_postal(shop, receiver, 50.0), "accepted_at": at(when)}

    await seed(history_engine, [parcel(BASE_TIME - d * DAY) for d in range(16, 0, -1)])
    decisions = await run(history_engine, [parcel(BURST + k * 3 * MINUTE) for k in range(20)])
    assert none_spike(decisions[:19])
    r = spike(decisions[19])
    assert (r.evidence["entity"], r.evidence["parcels_24h"], r.evidence["history_days"]) == (
        "sender_phone",
        20,
        16,
    )
    assert codes(decisions[19]) == {VELOCITY} and decisions[19].decision == "inspect"


async def test_parcels_a_seasoned_sender_receives_are_not_parcels_it_sends(history_engine: Engine) -> None:
    """A person sending one parcel a day receives thirty in an hour: no spike, then or at their next send."""
    person = mainland(707)
    await seed(history_engine, habit(person, days=16, per_day=1))
    as_receiver = cn_receiver(
        name=person["name"],
        phone=person["phone"],
        address=person["address"],
        id_type="resident_id",
        id_number=person["id_number"],
    )
    flood = [
        domestic(mainland(740 + k), BURST + k * 2 * MINUTE) | {"receiver": as_receiver} for k in range(30)
    ]
    decisions = await run(history_engine, flood)
    assert none_spike(decisions) and all(d.decision == "release" for d in decisions)
    own = await score(history_engine, domestic(person, BURST + 2 * HOUR))
    assert VELOCITY not in codes(own) and own.decision == "release"


# Evidence, sentences and outcome ------------------------------------------------------------------------


async def test_the_spike_carries_its_figures_and_a_sentence_in_each_language(history_engine: Engine) -> None:
    """The 20th parcel against a median of 1: every figure, both sentences, inspect, no case."""
    sender = mainland(708)
    await seed(history_engine, habit(sender, days=16, per_day=1))
    decisions = await run(history_engine, burst(sender, 22))
    d = decisions[19]
    r = spike(d)
    assert r.evidence == {
        "entity": "sender_id",
        "window": "24h",
        "parcels_24h": 20,
        "daily_median": 1.0,
        "times": 20.0,
        "thresholds": THRESHOLDS,
        "history_days": 16,
    }
    assert r.message == "寄件人证件24小时内寄递20件，为日中位数1的20倍"
    assert r.message_en == "The sender ID sent 20 parcels in 24 h, 20× its daily median of 1"
    assert (r.outcome, d.decision, d.case_id, codes(d)) == ("inspect", "inspect", None, {VELOCITY})
    # Each further parcel of the burst is flagged again with its own count.
    assert [spike(x).evidence["parcels_24h"] for x in decisions[20:]] == [21, 22]
    assert [spike(x).evidence["times"] for x in decisions[20:]] == [21.0, 22.0]


async def test_a_spike_of_a_ring_sender_is_listed_after_the_hold(history_engine: Engine) -> None:
    """A seasoned sender's burst of cheap exports to four receivers: held as a ring, the spike listed too."""
    sender = mainland(709)
    await seed(history_engine, habit(sender, days=16, per_day=1))
    ring = [export(sender, abroad("HK", k % 4), 200.0, when=at(BURST + k * 3 * MINUTE)) for k in range(20)]
    decisions = await run(history_engine, ring)
    assert none_spike(decisions[:19])
    d = decisions[19]
    assert {"ANT_MOVING_SENDER", VELOCITY} <= codes(d) and d.decision == "hold"
    outcomes = [r.outcome for r in d.reasons]
    assert outcomes == sorted(outcomes, key=SEVERITY_ORDER.index)  # contract: most severe first
    assert spike(d).outcome == "inspect" and spike(d).evidence["parcels_24h"] == 20


async def test_a_spike_is_still_listed_on_a_rejected_parcel(engine: Engine) -> None:
    """The 20th parcel of a burst, holding a detonator, is rejected with the velocity spike listed too."""
    sender = mainland(710)
    await seed(engine, habit(sender, days=16, per_day=1))
    parcels = burst(sender, 20)
    parcels[19]["items"] = [
        item(description="雷管 detonator", category="general", quantity=1, unit_value=60.0)
    ]
    parcels[19]["declared_value"] = 60.0
    decisions = await run(engine, parcels)
    d = decisions[19]
    assert d.decision == "reject" and {"PROHIBITED_ITEM", VELOCITY} <= codes(d)
    assert [r.code for r in d.reasons].index("PROHIBITED_ITEM") < [r.code for r in d.reasons].index(VELOCITY)


def test_a_courier_system_sees_the_spike_over_http(client: ScoringClient) -> None:
    """Over HTTP a batch of a habit and 19 parcels flags none; the 20th answers inspect, figures in JSON."""
    sender = mainland(711)
    parcels = [*habit(sender, days=16, per_day=1), *burst(sender, 20)]
    r = client.http.post("/v1/score/batch", json={"waybills": parcels[:-1]})
    assert r.status_code == 200, r.text
    assert all(VELOCITY not in {x["code"] for x in d["reasons"]} for d in r.json()["decisions"])
    body = client.score(parcels[-1])
    assert body["decision"] == "inspect" and body["case_id"] is None
    [reason] = [x for x in body["reasons"] if x["code"] == VELOCITY]
    assert reason["outcome"] == "inspect"
    assert reason["evidence"] == {
        "entity": "sender_id",
        "window": "24h",
        "parcels_24h": 20,
        "daily_median": 1.0,
        "times": 20.0,
        "thresholds": THRESHOLDS,
        "history_days": 16,
    }
    assert reason["message"] == "寄件人证件24小时内寄递20件，为日中位数1的20倍"
    assert reason["message_en"] == "The sender ID sent 20 parcels in 24 h, 20× its daily median of 1"


# Event time: arrival order, re-sends, corrections --------------------------------------------------------


@pytest.mark.parametrize(
    "order",
    [
        pytest.param(list(range(19, -1, -1)), id="reversed"),
        pytest.param([*range(1, 20), 0], id="earliest-pickup-arrives-last"),
    ],
)
async def test_a_burst_is_counted_by_pickup_time_whatever_order_it_arrives_in(
    history_engine: Engine, order: list[int]
) -> None:
    """Twenty parcels out of pickup order: none has 19 picked up before it; one after them all counts 21."""
    sender = mainland(713)
    await seed(history_engine, habit(sender, days=16, per_day=1))
    parcels = burst(sender, 20)
    decisions = await run(history_engine, [parcels[i] for i in order])
    # Windows are in event time: the last to arrive of "earliest-last" was picked up first and sees none.
    assert none_spike(decisions) and all(d.decision == "release" for d in decisions)
    after = await score(history_engine, domestic(sender, BURST + HOUR))
    assert spike(after).evidence["parcels_24h"] == 21


async def test_a_parcel_typed_for_tomorrow_does_not_complete_todays_twenty(history_engine: Engine) -> None:
    """Eighteen parcels, one picked up 27 hours on, then one more today: 19 in today's 24 h, no spike."""
    sender = mainland(714)
    await seed(history_engine, habit(sender, days=16, per_day=1))
    decisions = await run(history_engine, burst(sender, 18))
    tomorrow = await score(history_engine, domestic(sender, BURST + 27 * HOUR))
    today = await score(history_engine, domestic(sender, BURST + HOUR))
    assert none_spike([*decisions, tomorrow, today])
    assert today.decision == "release"


async def test_a_late_re_send_of_the_spike_parcel_returns_its_first_answer(history_engine: Engine) -> None:
    """Re-sent after five late parcels of its window came, the 20th gets its first answer and counts once."""
    sender = mainland(715)
    await seed(history_engine, habit(sender, days=16, per_day=1))
    parcels = burst(sender, 20)
    first = (await run(history_engine, parcels))[19]
    assert spike(first).evidence["parcels_24h"] == 20
    late = [domestic(sender, BURST + k * 3 * MINUTE + MINUTE) for k in range(5)]  # picked up among them
    await run(history_engine, late)
    again = await score(history_engine, parcels[19])
    assert again.model_dump() == first.model_dump()  # contract: the same body, the same decision
    after = await score(history_engine, domestic(sender, BURST + HOUR))
    assert spike(after).evidence["parcels_24h"] == 26  # 20 + 5 late + itself: the re-send counted once


async def test_a_pickup_corrected_to_two_days_later_leaves_the_burst(history_engine: Engine) -> None:
    """The 20th parcel's pickup corrected to two days on: no longer a spike itself, nor counted today."""
    sender = mainland(716)
    await seed(history_engine, habit(sender, days=16, per_day=1))
    parcels = burst(sender, 20)
    assert VELOCITY in codes((await run(history_engine, parcels))[19])
    corrected = await score(history_engine, {**parcels[19], "accepted_at": at(BURST + 2 * DAY)})
    assert VELOCITY not in codes(corrected) and corrected.decision == "release"
    after = await score(history_engine, domestic(sender, BURST + HOUR))
    assert spike(after).evidence["parcels_24h"] == 20  # 19 + itself: the corrected parcel left the window


# Window edges and Beijing midnight ----------------------------------------------------------------------

MIDNIGHT = datetime(2026, 11, 12, 0, 0, tzinfo=BEIJING)  # 16:00 on 11 November in UTC


@pytest.mark.parametrize(
    ("last_after", "fires"), [(DAY - SECOND, True), (DAY, False)], ids=["24h-less-1s", "exactly-24h"]
)
async def test_a_parcel_exactly_24_hours_before_at_beijing_midnight_is_out(
    history_engine: Engine, last_after: timedelta, fires: bool
) -> None:
    """First of twenty at Beijing midnight, written in UTC: the last, a second short of 24 h on, counts it."""
    sender = mainland(717)
    await seed(history_engine, habit(sender, days=16, per_day=1))
    first = {**domestic(sender, MIDNIGHT), "accepted_at": in_utc(MIDNIGHT)}
    middle = burst(sender, 18, start=MIDNIGHT + HOUR, step=10 * MINUTE)
    last = domestic(sender, MIDNIGHT + last_after)
    decisions = await run(history_engine, [first, *middle, last])
    assert none_spike(decisions[:19])
    assert (VELOCITY in codes(decisions[19])) is fires
    if fires:
        assert spike(decisions[19]).evidence["parcels_24h"] == 20
    else:  # RULES.md §3 "in 24 h": the first parcel is 24 h old, 19 remain
        assert decisions[19].decision == "release"


async def test_a_burst_across_beijing_midnight_is_one_24_hours(history_engine: Engine) -> None:
    """Ten parcels before Beijing midnight and ten after, written in UTC (one UTC date): the 20th spikes."""
    sender = mainland(718)
    await seed(history_engine, habit(sender, days=16, per_day=1))
    times = [MIDNIGHT - HOUR + k * 6 * MINUTE for k in range(10)] + [
        MIDNIGHT + k * 6 * MINUTE for k in range(10)
    ]
    decisions = await run(history_engine, [{**domestic(sender, t), "accepted_at": in_utc(t)} for t in times])
    assert none_spike(decisions[:19])
    assert spike(decisions[19]).evidence["parcels_24h"] == 20


async def test_twenty_parcels_on_two_beijing_dates_more_than_a_day_apart_are_no_spike(
    history_engine: Engine,
) -> None:
    """Ten just after one midnight and ten just before the next but one: never twenty in 24 h."""
    sender = mainland(719)
    await seed(history_engine, habit(sender, days=16, per_day=1))
    early = burst(sender, 10, start=MIDNIGHT + 5 * MINUTE, step=5 * MINUTE)
    late = burst(sender, 10, start=MIDNIGHT + 2 * DAY - 55 * MINUTE, step=5 * MINUTE)
    decisions = await run(history_engine, [*early, *late])
    assert none_spike(decisions) and all(d.decision == "release" for d in decisions)


async def test_a_habit_that_straddles_midnight_is_four_parcels_a_day(history_engine: Engine) -> None:
    """Four parcels a night from 23:30 to 00:30: median 4, so 19 parcels in 24 h are no spike and 20 are."""
    sender = mainland(730)
    morning = MIDNIGHT + 3 * HOUR  # 03:00 on 12 November
    nights = [
        domestic(sender, MIDNIGHT - n * DAY - 30 * MINUTE + j * 20 * MINUTE)
        for n in range(15, 0, -1)
        for j in range(4)
    ]
    await seed(history_engine, nights)  # the last night ends at 00:30 on 11 November, 26.5 h before the burst
    decisions = await run(history_engine, burst(sender, 20, start=morning))
    assert none_spike(decisions[:19])  # 19 < 20 = 5 × 4
    ev = spike(decisions[19]).evidence
    assert (ev["parcels_24h"], ev["daily_median"], ev["times"], ev["history_days"]) == (20, 4.0, 5.0, 15)


# What the history keeps: 30 days (and an hour) behind the newest parcel -------------------------------


async def test_busy_days_older_than_the_kept_thirty_do_not_raise_the_median(engine: Engine) -> None:
    """Five a day for 39 days long ago, then one a day for 29: the median is 1, and twenty parcels spike."""
    sender = mainland(731)
    old = habit(sender, days=70, per_day=5)[: 39 * 5]  # days 70 to 32 before: a median of 5 over all 70
    await seed(engine, [*old, *habit(sender, days=29, per_day=1)])
    decisions = await run(engine, burst(sender, 20))
    assert none_spike(decisions[:19])
    ev = spike(decisions[19]).evidence  # README: the history keeps 30 days (and an hour)
    assert (ev["parcels_24h"], ev["daily_median"], ev["history_days"]) == (20, 1.0, 70)


async def test_a_first_sighting_older_than_the_kept_thirty_days_is_still_history(
    history_engine: Engine,
) -> None:
    """Seen once 40 days ago and daily for the last ten: it has 40 days of history, and 20 parcels spike."""
    sender = mainland(732)
    await seed(history_engine, [domestic(sender, BASE_TIME - 40 * DAY), *habit(sender, days=10, per_day=1)])
    decisions = await run(history_engine, burst(sender, 20))
    assert none_spike(decisions[:19])
    ev = spike(decisions[19]).evidence
    assert (ev["parcels_24h"], ev["history_days"], ev["daily_median"]) == (20, 40, 0.0)


def usual_day_before_the_burst(sender: dict[str, Any]) -> list[dict[str, Any]]:
    """Five parcels a day on days 16 to 2 before BASE_TIME, then 19 in the 20 hours before it."""
    usual = habit(sender, days=16, per_day=5)[: 15 * 5]  # days 16 to 2 before
    return [*usual, *burst(sender, 19, start=BASE_TIME - 20 * HOUR, step=30 * MINUTE)]


async def test_a_late_parcel_of_a_busy_sender_is_not_judged_against_days_the_history_let_go(
    history_engine: Engine,
) -> None:
    """Five a day for 15 days, 19 in the last 20 h; the 20th, picked up then, scored 25 days late, is 4×."""
    sender = mainland(733)
    await seed(history_engine, usual_day_before_the_burst(sender))
    # The sender goes on sending: two parcels 25 days on move its history's front.
    await seed(history_engine, [domestic(sender, BASE_TIME + 25 * DAY + k * MINUTE) for k in range(2)])
    late = await score(history_engine, domestic(sender, BASE_TIME))  # 20 in its 24 h, median 5: 4× only
    assert VELOCITY not in codes(late), spike(late).evidence
    assert late.decision == "release"


async def test_the_same_parcel_scored_in_time_is_released(engine: Engine) -> None:
    """Five a day for 15 days, 19 in the last 20 h: the 20th, scored in time, is 4× the median, no spike."""
    sender = mainland(734)
    await seed(engine, usual_day_before_the_burst(sender))
    d = await score(engine, domestic(sender, BASE_TIME))
    assert VELOCITY not in codes(d) and d.decision == "release"
