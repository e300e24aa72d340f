"""The history store contract: the embedded store, single-node Redis and Redis Cluster behave the same."""

import random
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from screening.history import EntityHistory, HistoryStore, Observation, ParcelEvent, Span, StoredDecision
from screening.history.events import head_times
from screening.history.redis import RedisHistoryStore
from screening.history.store import PENDING_MS

pytestmark = pytest.mark.anyio

BEIJING = timezone(timedelta(hours=8))
HOUR = 3_600_000
DAY = 24 * HOUR
T0 = int(datetime(2026, 3, 2, 9, 0, tzinfo=BEIJING).timestamp() * 1000)
SENDER = "sid:3q2+7wAbCdEf"
PHONE = "sph:Zm9vYmFy"
BACKENDS = ("embedded", "redis", "cluster")

MakeStore = Callable[[str], Callable[..., HistoryStore]]


def make_event(parcel: str = "SF:SF1400000001", at_ms: int = T0, **changes: Any) -> ParcelEvent:
    """A parcel event with ordinary values; override any field."""
    fields: dict[str, Any] = {
        "parcel": parcel,
        "at_ms": at_ms,
        "value_cny": 120.5,
        "limit_cny": 1000.0,
        "cross_border": True,
        "cbec": False,
        "goods": "cosmetics:lancome",
        "counterpart": "rad:9f8e7d",
        "digest": "d41d8cd98f00",
    }
    fields.update(changes)
    return ParcelEvent(**fields)


def beijing_ms(year: int, month: int, day: int, hour: int = 0) -> int:
    """Epoch milliseconds of a Beijing wall-clock time."""
    return int(datetime(year, month, day, hour, tzinfo=BEIJING).timestamp() * 1000)


async def observe(store: HistoryStore, event: ParcelEvent, entity: str = SENDER) -> EntityHistory:
    """Observe one parcel for one entity and return that entity's history."""
    observation = await store.observe(parcel=event.parcel, entities={entity: event})
    return observation.entities[entity]


def parcels(history: EntityHistory) -> list[str]:
    """The parcels of a history, in its order."""
    return [e.parcel for e in history.events]


@pytest.fixture
def store(backend: str, make_store: MakeStore) -> HistoryStore:
    """A fresh store with default limits on the backend under test."""
    return make_store(backend)()


async def test_a_new_entity_has_an_empty_history(store: HistoryStore) -> None:
    observation = await store.observe(parcel="SF:1", entities={SENDER: make_event("SF:1")})
    assert observation == Observation(
        previous=None,
        entities={
            SENDER: EntityHistory(
                events=(), first_seen_ms=None, violations=(), cbec_year_cny=0.0, lists=frozenset()
            )
        },
    )


async def test_other_parcels_are_returned_in_event_order_and_this_one_excluded(store: HistoryStore) -> None:
    first = make_event("SF:1", T0, value_cny=99.99, goods="milk:a2", digest="aa")
    await observe(store, first)
    await observe(store, make_event("SF:2", T0 + HOUR))

    history = await observe(store, make_event("SF:3", T0 + 2 * HOUR))

    assert parcels(history) == ["SF:1", "SF:2"]
    assert history.events[0] == first
    assert history.first_seen_ms == T0


async def test_each_entity_sees_only_its_own_parcels(store: HistoryStore) -> None:
    await observe(store, make_event("SF:1"), SENDER)
    event = make_event("SF:2", T0 + HOUR)

    observation = await store.observe(parcel="SF:2", entities={SENDER: event, PHONE: event})

    assert parcels(observation.entities[SENDER]) == ["SF:1"]
    assert parcels(observation.entities[PHONE]) == []
    assert list(observation.entities) == [SENDER, PHONE]


async def test_a_changed_body_replaces_the_earlier_event_and_counts_once(store: HistoryStore) -> None:
    await observe(store, make_event("SF:1", T0, value_cny=100.0, digest="v1"))
    await observe(store, make_event("SF:1", T0 + 5 * HOUR, value_cny=250.0, digest="v2"))

    history = await observe(store, make_event("SF:2", T0 + 6 * HOUR))

    assert [(e.parcel, e.at_ms, e.value_cny, e.digest) for e in history.events] == [
        ("SF:1", T0 + 5 * HOUR, 250.0, "v2")
    ]


async def test_an_identical_re_observe_changes_nothing(store: HistoryStore) -> None:
    first_time = await observe(store, make_event("SF:1", T0))
    again = await observe(store, make_event("SF:1", T0))
    assert again == first_time
    assert again.first_seen_ms is None

    await observe(store, make_event("SF:2", T0 + HOUR))
    retry = await observe(store, make_event("SF:2", T0 + HOUR))
    assert parcels(retry) == ["SF:1"]

    assert parcels(await observe(store, make_event("SF:3", T0 + 2 * HOUR))) == ["SF:1", "SF:2"]


async def test_late_events_are_kept_and_returned_by_event_time(store: HistoryStore) -> None:
    await observe(store, make_event("SF:new", T0 + 10 * HOUR))

    late = await observe(store, make_event("SF:late", T0))
    assert parcels(late) == ["SF:new"]

    history = await observe(store, make_event("SF:probe", T0 + 11 * HOUR))
    assert parcels(history) == ["SF:late", "SF:new"]
    assert history.first_seen_ms == T0


async def test_events_beyond_the_horizon_behind_the_newest_event_are_trimmed(
    backend: str, make_store: MakeStore
) -> None:
    store = make_store(backend)(horizon_ms=10 * DAY)
    await observe(store, make_event("SF:old", T0))
    at_edge = await observe(store, make_event("SF:edge", T0 + 10 * DAY))
    assert parcels(at_edge) == ["SF:old"]

    # Beyond the horizon behind this parcel: not given; trimmed behind the newest other parcel.
    past_edge = await observe(store, make_event("SF:past", T0 + 10 * DAY + 1))
    assert parcels(past_edge) == ["SF:edge"]
    await observe(store, make_event("SF:next", T0 + 10 * DAY + 2))

    # A late parcel keeps the events of its own horizon (a backlog is judged in its own time) until a
    # parcel at the front trims behind the newest event again.
    too_late = await observe(store, make_event("SF:too-late", T0))
    assert parcels(too_late) == ["SF:edge", "SF:past", "SF:next"]
    also_late = await observe(store, make_event("SF:also-late", T0 + HOUR))
    assert parcels(also_late) == ["SF:too-late", "SF:edge", "SF:past", "SF:next"]
    front = await observe(store, make_event("SF:front", T0 + 10 * DAY + 2 * HOUR))
    assert parcels(front) == ["SF:edge", "SF:past", "SF:next"]
    back = await observe(store, make_event("SF:back", T0 + 2 * HOUR))
    assert parcels(back) == ["SF:also-late", "SF:edge", "SF:past", "SF:next", "SF:front"]


async def test_a_parcel_typed_far_ahead_trims_nothing_behind_the_others(
    backend: str, make_store: MakeStore
) -> None:
    store = make_store(backend)(horizon_ms=10 * DAY)
    for n in range(3):
        await observe(store, make_event(f"SF:{n}", T0 + n * HOUR))
    await observe(store, make_event("SF:typo", T0 + 400 * DAY))

    corrected = await observe(store, make_event("SF:typo", T0 + 3 * HOUR))

    assert parcels(corrected) == ["SF:0", "SF:1", "SF:2"]


async def test_the_event_cap_keeps_the_newest_by_event_time(backend: str, make_store: MakeStore) -> None:
    store = make_store(backend)(max_events=3)
    for hour in (5, 1, 4, 2, 3):
        await observe(store, make_event(f"SF:{hour}", T0 + hour * HOUR))

    assert (await observe(store, make_event("SF:6", T0 + 6 * HOUR))).dropped_until_ms == T0 + 3 * HOUR
    history = await observe(store, make_event("SF:0", T0))

    assert parcels(history) == ["SF:4", "SF:5", "SF:6"]
    # The newest parcel the cap let go; a later, lower drop does not move it back.
    assert history.dropped_until_ms == T0 + 3 * HOUR


async def test_with_a_span_older_events_come_as_counts_and_times(store: HistoryStore) -> None:
    now = T0 + 40 * DAY
    times = {
        "SF:30d": (now - 30 * DAY, True),  # held (the horizon is 30 days and an hour), not within 30 days
        "SF:20d": (now - 20 * DAY, True),
        "SF:10d": (now - 10 * DAY, False),
        "SF:7d": (now - 7 * DAY, True),  # the 7-day window is (now - 7 days, now]: older
        "SF:in": (now - 7 * DAY + 1, False),
        "SF:later": (now + HOUR, True),  # after this parcel: whole, as every event after it
    }
    for parcel, (at, cross) in times.items():
        await observe(store, make_event(parcel, at, cross_border=cross))
    span = Span(detail_ms=7 * DAY, wide_ms=30 * DAY)

    seen = await store.observe(parcel="SF:now", entities={SENDER: make_event("SF:now", now)}, span=span)

    history = seen.entities[SENDER]
    assert parcels(history) == ["SF:in", "SF:later"]
    assert (history.older, history.older_cross) == (3, 2)
    assert sorted(head_times(history.older_heads)) == [
        times[p][0] for p in ("SF:30d", "SF:20d", "SF:10d", "SF:7d")
    ]
    assert sorted(history.times()) == sorted(at for at, _ in times.values())
    assert history.first_seen_ms == now - 30 * DAY
    # Without a span every event comes whole.
    whole = await observe(store, make_event("SF:now", now))
    assert len(whole.events) == 6 and (whole.older, whole.older_heads) == (0, b"")


async def test_a_span_gives_the_histories_of_its_whole_kinds_whole(store: HistoryStore) -> None:
    order = "ord:b3JkZXIx"
    now = T0 + 40 * DAY
    for parcel, at in (("SF:20d", now - 20 * DAY), ("SF:in", now - DAY)):
        await store.observe(
            parcel=parcel, entities={SENDER: make_event(parcel, at), order: make_event(parcel, at)}
        )
    span = Span(detail_ms=7 * DAY, wide_ms=30 * DAY, whole_kinds=frozenset({"ord"}))

    event = make_event("SF:now", now)
    seen = await store.observe(parcel="SF:now", entities={SENDER: event, order: event}, span=span)

    assert parcels(seen.entities[SENDER]) == ["SF:in"] and seen.entities[SENDER].older == 1
    assert parcels(seen.entities[order]) == ["SF:20d", "SF:in"]
    assert (seen.entities[order].older, seen.entities[order].older_heads) == (0, b"")


async def test_a_history_under_its_cap_has_dropped_nothing(backend: str, make_store: MakeStore) -> None:
    store = make_store(backend)(max_events=3, horizon_ms=2 * DAY)
    await observe(store, make_event("SF:1", T0))
    await observe(store, make_event("SF:2", T0 + 3 * DAY))  # SF:1 goes by the horizon, not the cap

    assert (await observe(store, make_event("SF:3", T0 + 3 * DAY + HOUR))).dropped_until_ms is None


async def test_first_seen_is_the_earliest_parcel_ever_observed_except_this_one(store: HistoryStore) -> None:
    assert (await observe(store, make_event("SF:1", T0))).first_seen_ms is None
    assert (await observe(store, make_event("SF:2", T0 + HOUR))).first_seen_ms == T0

    late = await observe(store, make_event("SF:late", T0 - 5 * DAY))
    assert late.first_seen_ms == T0
    assert (await observe(store, make_event("SF:late", T0 - 5 * DAY))).first_seen_ms == T0
    assert (await observe(store, make_event("SF:3", T0 + 2 * HOUR))).first_seen_ms == T0 - 5 * DAY

    # A parcel taken off the entity (a correction naming another) takes its time with it.
    await store.forget(parcel="SF:late", entities=[SENDER])
    assert (await observe(store, make_event("SF:4", T0 + 3 * HOUR))).first_seen_ms == T0


async def test_first_seen_survives_trimming(backend: str, make_store: MakeStore) -> None:
    store = make_store(backend)(horizon_ms=10 * DAY, max_events=2)
    await observe(store, make_event("SF:1", T0))
    await observe(store, make_event("SF:2", T0 + 20 * DAY))
    for n in range(3, 6):
        await observe(store, make_event(f"SF:{n}", T0 + 20 * DAY + n * HOUR))

    history = await observe(store, make_event("SF:6", T0 + 21 * DAY))

    assert parcels(history) == ["SF:5"]
    assert history.first_seen_ms == T0


async def test_first_seen_moves_when_the_first_parcel_is_corrected_to_later(store: HistoryStore) -> None:
    await observe(store, make_event("STO:77000000000001", T0))
    await observe(store, make_event("SF:2", T0 + HOUR))
    moved = await observe(store, make_event("STO:77000000000001", T0 + 3 * HOUR))
    assert moved.first_seen_ms == T0 + HOUR

    history = await observe(store, make_event("SF:3", T0 + 4 * HOUR))
    assert parcels(history) == ["SF:2", "STO:77000000000001"]
    assert history.first_seen_ms == T0 + HOUR


async def test_first_seen_stays_when_a_trimmed_first_parcel_is_re_sent(
    backend: str, make_store: MakeStore
) -> None:
    store = make_store(backend)(horizon_ms=10 * DAY)
    await observe(store, make_event("SF:1", T0))
    await observe(store, make_event("SF:2", T0 + 20 * DAY))
    await observe(store, make_event("SF:2b", T0 + 20 * DAY + 1))  # SF:1's event goes by the horizon
    await observe(store, make_event("SF:1", T0 + 20 * DAY + HOUR))

    history = await observe(store, make_event("SF:3", T0 + 21 * DAY))

    assert parcels(history) == ["SF:2", "SF:2b", "SF:1"]
    assert history.first_seen_ms == T0


async def test_keyed_counterparts_and_digests_come_back_short_and_this_parcels_counterpart_whole(
    store: HistoryStore,
) -> None:
    alice, bob = "rph:" + "A" * 20, "rph:" + "B" * 10 + "C" * 10
    await observe(store, make_event("SF:1", T0, counterpart=alice, digest="0123456789abcdef01234567"))
    await observe(store, make_event("SF:2", T0 + HOUR, counterpart=bob))
    await observe(store, make_event("SF:3", T0 + 2 * HOUR, counterpart="rph:" + "B" * 20))

    history = await observe(store, make_event("SF:4", T0 + 3 * HOUR, counterpart=bob))

    assert [(e.counterpart, e.digest) for e in history.events] == [
        ("A" * 11, "01234567"),
        (bob, "d41d8cd9"),
        ("B" * 11, "d41d8cd9"),
    ]
    assert len({e.counterpart for e in history.events} | {bob}) == 3


async def test_cbec_year_sum_counts_other_cbec_parcels_of_the_same_year(store: HistoryStore) -> None:
    await observe(store, make_event("SF:1", T0, cbec=True, value_cny=100.25))
    await observe(store, make_event("SF:2", T0 + DAY, cbec=True, value_cny=200.5))
    await observe(store, make_event("SF:domestic", T0 + DAY, cbec=False, value_cny=5000.0))
    await observe(store, make_event("SF:last-year", beijing_ms(2025, 12, 1), cbec=True, value_cny=700.0))

    history = await observe(store, make_event("SF:3", T0 + 2 * DAY, cbec=True, value_cny=50.0))
    assert history.cbec_year_cny == pytest.approx(300.75)

    again = await observe(store, make_event("SF:3", T0 + 2 * DAY, cbec=True, value_cny=50.0))
    assert again.cbec_year_cny == pytest.approx(300.75)


async def test_cbec_years_follow_beijing_time(store: HistoryStore) -> None:
    # 2027-01-01T01:00+08:00 is still 2026 in UTC.
    await observe(store, make_event("SF:dec31", beijing_ms(2026, 12, 31, 20), cbec=True, value_cny=100.0))
    await observe(store, make_event("SF:jan1", beijing_ms(2027, 1, 1, 1), cbec=True, value_cny=200.0))

    in_2027 = await observe(store, make_event("SF:p1", beijing_ms(2027, 1, 1, 2), cbec=True))
    in_2026 = await observe(store, make_event("SF:p2", beijing_ms(2026, 12, 31, 21), cbec=True))

    assert in_2027.cbec_year_cny == pytest.approx(200.0)
    assert in_2026.cbec_year_cny == pytest.approx(100.0)


async def test_a_replaced_cbec_parcel_replaces_its_contribution(store: HistoryStore) -> None:
    await observe(store, make_event("SF:1", T0, cbec=True, value_cny=100.0))
    await observe(store, make_event("SF:1", T0, cbec=True, value_cny=150.0))
    assert (await observe(store, make_event("SF:2", T0, cbec=True))).cbec_year_cny == pytest.approx(150.0)

    await observe(store, make_event("SF:1", T0, cbec=False, value_cny=150.0))
    assert (await observe(store, make_event("SF:3", T0))).cbec_year_cny == pytest.approx(120.5)

    await observe(store, make_event("SF:2", beijing_ms(2027, 2, 1), cbec=True))
    assert (await observe(store, make_event("SF:4", T0))).cbec_year_cny == pytest.approx(0.0)


async def test_beyond_max_cbec_contributions_still_add_up_but_are_no_longer_tracked_one_by_one(
    backend: str, make_store: MakeStore
) -> None:
    store = make_store(backend)(max_cbec=2)
    for parcel, value in (("SF:1", 10.0), ("SF:2", 20.0), ("SF:3", 40.0)):
        await observe(store, make_event(parcel, T0, cbec=True, value_cny=value))
    # A re-send of a tracked parcel replaces it; one beyond the cap (a platform, not a person) adds again.
    await observe(store, make_event("SF:2", T0, cbec=True, value_cny=25.0))
    await observe(store, make_event("SF:3", T0, cbec=True, value_cny=40.0))

    history = await observe(store, make_event("SF:4", T0))

    assert history.cbec_year_cny == pytest.approx(10.0 + 25.0 + 40.0 + 40.0)


async def test_forget_removes_a_parcels_events_and_cbec_contribution(store: HistoryStore) -> None:
    await observe(store, make_event("SF:1", T0, cbec=True, value_cny=80.0), SENDER)
    await observe(store, make_event("SF:1", T0, cbec=True, value_cny=80.0), PHONE)
    await observe(store, make_event("SF:2", T0 + HOUR, cbec=True, value_cny=20.0))

    await store.forget(parcel="SF:1", entities=[SENDER, PHONE])

    history = await observe(store, make_event("SF:3", T0 + 2 * HOUR, cbec=True))
    assert parcels(history) == ["SF:2"]
    assert history.cbec_year_cny == pytest.approx(20.0)
    assert parcels(await observe(store, make_event("SF:3", T0 + 2 * HOUR), PHONE)) == []


async def test_a_forgotten_parcel_leaves_no_gap_in_the_event_cap(backend: str, make_store: MakeStore) -> None:
    store = make_store(backend)(max_events=3)
    for n in (1, 2, 3):
        await observe(store, make_event(f"SF:{n}", T0 + n * HOUR))
    await store.forget(parcel="SF:2", entities=[SENDER])

    history = await observe(store, make_event("SF:4", T0 + 4 * HOUR))

    assert parcels(history) == ["SF:1", "SF:3"]


async def test_violations_are_recorded_once_per_parcel_and_sorted(store: HistoryStore) -> None:
    await store.record_violation(entity=SENDER, at_ms=T0 - DAY, parcel="SF:9")
    await store.record_violation(entity=SENDER, at_ms=T0 - 5 * DAY, parcel="SF:8")
    await store.record_violation(entity=SENDER, at_ms=T0 - DAY, parcel="SF:9")
    await store.record_violation(entity=SENDER, at_ms=T0 - DAY, parcel="SF:7")  # another parcel, one instant

    history = await observe(store, make_event("SF:1", T0))

    assert history.violations == ((T0 - 5 * DAY, "SF:8"), (T0 - DAY, "SF:7"), (T0 - DAY, "SF:9"))


async def test_violations_are_kept_400_days_of_event_time(store: HistoryStore) -> None:
    await store.record_violation(entity=SENDER, at_ms=T0, parcel="SF:old")
    await store.record_violation(entity=SENDER, at_ms=T0 + 100 * DAY, parcel="SF:recent")

    recent = (T0 + 100 * DAY, "SF:recent")
    assert (await observe(store, make_event("SF:1", T0 + 400 * DAY))).violations == ((T0, "SF:old"), recent)
    assert (await observe(store, make_event("SF:2", T0 + 400 * DAY + 1))).violations == (recent,)
    # Kept until a parcel trims behind another parcel over 400 days after it: a backlog still sees it.
    assert (await observe(store, make_event("SF:3", T0 + 400 * DAY + 2))).violations == (recent,)
    assert (await observe(store, make_event("SF:0", T0 + HOUR))).violations == (recent,)


async def test_lists_are_set_and_unset(store: HistoryStore) -> None:
    await store.set_listed(entity=SENDER, list_name="watch", listed=True)
    await store.set_listed(entity=SENDER, list_name="black", listed=True)
    assert (await observe(store, make_event("SF:1"))).lists == {"watch", "black"}
    assert (await observe(store, make_event("SF:1"), PHONE)).lists == frozenset()

    await store.set_listed(entity=SENDER, list_name="watch", listed=False)
    assert (await observe(store, make_event("SF:2"))).lists == {"black"}

    await store.set_listed(entity=SENDER, list_name="black", listed=False)
    await store.set_listed(entity=SENDER, list_name="never-set", listed=False)
    assert (await observe(store, make_event("SF:3"))).lists == frozenset()


async def test_a_remembered_decision_comes_back_as_previous(store: HistoryStore) -> None:
    decision = b'{"decision":"hold","reasons":["OVER_PERSONAL_LIMIT"],"note":"a|b"}'
    await store.remember_decision(parcel="SF:1", digest="abc123", decision_json=decision)

    seen = await store.observe(parcel="SF:1", entities={SENDER: make_event("SF:1")})
    other = await store.observe(parcel="SF:2", entities={})

    assert seen.previous == StoredDecision(digest="abc123", decision_json=decision)
    assert other == Observation(previous=None, entities={})

    await store.remember_decision(parcel="SF:1", digest="def456", decision_json=b"{}")
    replaced = await store.observe(parcel="SF:1", entities={})
    assert replaced.previous == StoredDecision(digest="def456", decision_json=b"{}")


async def test_a_decision_remembered_soon_is_recalled_at_once_and_found_by_the_parcels_next_observation(
    store: HistoryStore,
) -> None:
    await store.observe(parcel="SF:1", entities={SENDER: make_event("SF:1", digest="aaa111")})

    await store.remember_soon([("SF:1", "aaa111", b'{"d":1}'), ("SF:2", "bbb222", b'{"d":2}')])

    remembered = StoredDecision(digest="aaa111", decision_json=b'{"d":1}')
    assert await store.recall(parcel="SF:1") == remembered
    again = await store.observe(parcel="SF:1", entities={SENDER: make_event("SF:1", digest="aaa111")})
    assert again.previous == remembered
    assert await store.recall(parcel="SF:2") == StoredDecision(digest="bbb222", decision_json=b'{"d":2}')


async def test_a_parcel_observed_and_not_yet_decided_is_pending_to_a_second_observation(
    store: HistoryStore,
) -> None:
    first = await store.observe(parcel="SF:1", entities={SENDER: make_event("SF:1", digest="aaa111")})
    again = await store.observe(parcel="SF:1", entities={SENDER: make_event("SF:1", digest="bbb222")})

    assert first.previous is None
    assert again.previous == StoredDecision(digest="aaa111", decision_json=b"", pending=True)
    assert await store.recall(parcel="SF:1") is None  # a read-back knows no decision yet

    await store.remember_decision(parcel="SF:1", digest="aaa111", decision_json=b'{"d":1}')
    assert await store.recall(parcel="SF:1") == StoredDecision(digest="aaa111", decision_json=b'{"d":1}')
    decided = await store.observe(parcel="SF:1", entities={SENDER: make_event("SF:1", digest="bbb222")})
    assert decided.previous == StoredDecision(digest="aaa111", decision_json=b'{"d":1}')


async def test_a_parcel_taken_again_by_the_call_that_observed_it_is_not_pending_to_it(
    store: HistoryStore,
) -> None:
    event = make_event("SF:1", digest="aaa111")
    await store.observe_many([("SF:1", {SENDER: event})])

    [retaken] = await store.observe_many([("SF:1", {SENDER: event})], retake=True)

    assert retaken.previous is None


async def test_a_pending_mark_lapses_when_no_decision_comes(make_store: MakeStore) -> None:
    now = [1000.0]
    store = make_store("embedded")(clock=lambda: now[0])
    await store.observe(parcel="SF:1", entities={SENDER: make_event("SF:1")})
    now[0] += PENDING_MS / 1000 + 0.001

    assert (await store.observe(parcel="SF:1", entities={SENDER: make_event("SF:1")})).previous is None


async def test_an_event_must_belong_to_the_parcel_observed(store: HistoryStore) -> None:
    with pytest.raises(ValueError, match="SF:other"):
        await store.observe(parcel="SF:1", entities={SENDER: make_event("SF:other")})


async def test_a_scripted_stream_gives_identical_observations_on_every_backend(make_store: MakeStore) -> None:
    options = {"horizon_ms": 3 * DAY, "max_events": 8, "max_cbec": 6}
    results = {backend: await _play(make_store(backend)(**options)) for backend in BACKENDS}

    assert results["redis"] == results["embedded"]
    assert results["cluster"] == results["embedded"]
    observed = [
        h for step in results["embedded"] if isinstance(step, Observation) for h in step.entities.values()
    ]
    assert max(len(h.events) for h in observed) >= 7
    assert any(h.cbec_year_cny > 0 for h in observed)
    assert any(h.violations for h in observed)
    assert any(h.lists for h in observed)


async def _play(store: HistoryStore, steps: int = 300) -> list[Observation | None]:
    """A fixed pseudo-random mix of observations, re-sends, late parcels and the other calls."""
    rng = random.Random(20260302)
    entities = [f"{kind}:{n:03d}" for kind in ("sid", "sph", "rad", "acc") for n in range(5)]
    sent: list[ParcelEvent] = []
    clock = beijing_ms(2026, 12, 20)
    results: list[Observation | None] = []
    for step in range(steps):
        roll = rng.random()
        if roll < 0.04:
            entity = rng.choice(entities)
            await store.record_violation(
                entity=entity, at_ms=clock - rng.randrange(30 * DAY), parcel=f"V:{step}"
            )
            results.append(None)
        elif roll < 0.07:
            name = rng.choice(("watch", "black"))
            await store.set_listed(entity=rng.choice(entities), list_name=name, listed=rng.random() < 0.6)
            results.append(None)
        elif roll < 0.10 and sent:
            done = rng.choice(sent)
            await store.remember_decision(parcel=done.parcel, digest=done.digest, decision_json=b'{"d":1}')
            results.append(None)
        elif roll < 0.12 and sent:
            await store.forget(parcel=rng.choice(sent).parcel, entities=rng.sample(entities, 3))
            results.append(None)
        else:
            if roll < 0.25 and sent:
                # A re-send: sometimes identical, sometimes with a changed body or time.
                event = rng.choice(sent)
                if rng.random() < 0.5:
                    event = event._replace(value_cny=round(rng.uniform(1, 3000), 2), digest=f"r{step}")
            else:
                clock += rng.randrange(6 * HOUR)
                late = rng.random() < 0.15
                event = make_event(
                    f"SF:{step:05d}" if step % 2 else f"STO:{77_000_000_000_000 + step}",
                    clock - rng.randrange(5 * DAY) if late else clock,
                    value_cny=round(rng.uniform(1, 3000), 2),
                    cbec=rng.random() < 0.4,
                    digest=f"d{step}",
                )
                if rng.random() < 0.01:
                    clock += 400 * DAY
            sent.append(event)
            chosen = rng.sample(entities, rng.randint(1, 4))
            results.append(await store.observe(parcel=event.parcel, entities=dict.fromkeys(chosen, event)))
    return results


async def test_observing_again_with_retake_sees_what_the_first_observation_saw(store: HistoryStore) -> None:
    """A batch's rest observed again after a correction: no parcel sees the ones after it a second time."""
    await observe(store, make_event("SF:0", T0, cbec=True, value_cny=100.0))
    rest = [make_event("SF:1", T0 + HOUR, cbec=True, value_cny=200.0), make_event("SF:2", T0 + 2 * HOUR)]
    batch = [(e.parcel, {SENDER: e}) for e in rest]
    first = await store.observe_many(batch)
    again = await store.observe_many(batch, retake=True)
    for before, after in zip(first, again, strict=True):
        assert parcels(after.entities[SENDER]) == parcels(before.entities[SENDER])
        assert after.entities[SENDER].cbec_year_cny == before.entities[SENDER].cbec_year_cny
    assert parcels(again[0].entities[SENDER]) == ["SF:0"]
    assert parcels(await observe(store, make_event("SF:3", T0 + 3 * HOUR))) == ["SF:0", "SF:1", "SF:2"]


async def test_a_watched_key_comes_back_with_the_observation_from_redis_and_none_from_memory(
    store: HistoryStore, backend: str
) -> None:
    key = f"watched-{backend}-{random.getrandbits(40)}"
    if isinstance(store, RedisHistoryStore):
        await store._client.set(key, b"7")
    seen = await store.observe(parcel="SF:1", entities={SENDER: make_event("SF:1")}, watch=key)
    unwatched = await store.observe(parcel="SF:2", entities={SENDER: make_event("SF:2")})
    assert (seen.watched, unwatched.watched) == ((b"7" if backend != "embedded" else None), None)
    assert parcels(seen.entities[SENDER]) == [] and parcels(unwatched.entities[SENDER]) == ["SF:1"]
