"""History store in this process's memory: the same behaviour as the Redis store, for one worker."""

import bisect
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter

from screening.history.events import (
    HOUR_MS,
    EntityHistory,
    EntityKey,
    Observation,
    ParcelEvent,
    Span,
    StoredDecision,
    beijing_year,
    body_digest,
    encode_field,
    stored_event,
    time_head,
    to_cents,
    whole_counterparts,
)
from screening.history.store import (
    DEFAULT_DECISION_TTL_S,
    DEFAULT_HORIZON_MS,
    DEFAULT_MAX_CBEC,
    DEFAULT_MAX_EVENTS,
    LONG_KEEP_MS,
    PENDING_MS,
)

__all__ = ["EmbeddedHistoryStore"]


@dataclass(slots=True)
class _Entity:
    events: dict[str, ParcelEvent] = field(default_factory=dict)
    order: list[tuple[int, str]] = field(default_factory=list)  # (at_ms, parcel), sorted
    domestic: list[tuple[int, str]] = field(default_factory=list)  # of order, what the cap lets go first
    first_seen: int | None = None
    first_parcel: str | None = None
    cbec: dict[str, tuple[int, int]] = field(default_factory=dict)  # parcel -> (year, cents)
    cbec_sums: dict[int, int] = field(default_factory=dict)  # year -> cents
    cbec_min_year: int | None = None
    violations: dict[str, int] = field(default_factory=dict)  # parcel -> at_ms
    dropped_until: int | None = None  # the newest at_ms the event cap let go
    dropped_hours: dict[int, int] = field(default_factory=dict)  # pickup hour -> parcels the cap let go

    def remove_event(self, parcel: str) -> None:
        old = self.events.pop(parcel, None)
        if old is not None:
            self.unlist((old.at_ms, parcel), old.cross_border)

    def unlist(self, held: tuple[int, str], cross_border: bool) -> None:
        """Take a held (at_ms, parcel) out of the orders."""
        del self.order[bisect.bisect_left(self.order, held)]
        if not cross_border:
            del self.domestic[bisect.bisect_left(self.domestic, held)]

    def withdraw(self, parcel: str) -> None:
        """Remove a parcel's event; first seen goes with it while the event was held (a corrected parcel's
        earlier version is replaced, not added to), and stays once trimming has let the event go."""
        held = parcel in self.events
        self.remove_event(parcel)
        if held and self.first_parcel == parcel:
            self.first_seen, self.first_parcel = self.order[0] if self.order else (None, None)

    def remove_cbec(self, parcel: str) -> None:
        prev = self.cbec.pop(parcel, None)
        if prev is not None and prev[0] in self.cbec_sums:
            year, cents = prev
            self.cbec_sums[year] -= cents
            if self.cbec_sums[year] == 0:
                del self.cbec_sums[year]


class EmbeddedHistoryStore:
    """HistoryStore in plain dicts; no await inside a mutation, so it is safe under asyncio."""

    def __init__(
        self,
        *,
        horizon_ms: int = DEFAULT_HORIZON_MS,
        max_events: int = DEFAULT_MAX_EVENTS,
        max_cbec: int = DEFAULT_MAX_CBEC,
        decision_ttl_s: int = DEFAULT_DECISION_TTL_S,
        max_entities: int = 500_000,
        max_decisions: int = 200_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._horizon_ms = horizon_ms
        self._max_events = max_events
        self._max_cbec = max_cbec
        self._decision_ttl_s = decision_ttl_s
        self._max_entities = max_entities
        self._max_decisions = max_decisions
        self._clock = clock
        # Least recently written first; the oldest are evicted beyond max_entities.
        self._entities: OrderedDict[EntityKey, _Entity] = OrderedDict()
        # Lists are set by hand and must never be evicted.
        self._lists: dict[EntityKey, set[str]] = {}
        self._decisions: OrderedDict[str, tuple[float, StoredDecision]] = OrderedDict()
        # Parcels being decided: the digest of the body and when the mark lapses (see HistoryStore.observe).
        self._pending: dict[str, tuple[float, str]] = {}

    async def observe(
        self,
        *,
        parcel: str,
        entities: Mapping[EntityKey, ParcelEvent],
        span: Span | None = None,
        watch: str | None = None,
    ) -> Observation:
        """Return every entity's history before this parcel and add the parcel to each (see HistoryStore)."""
        for event in entities.values():
            if event.parcel != parcel:
                raise ValueError(f"event of {event.parcel!r} observed as {parcel!r}")
        previous = self._decision(parcel) or self._claim(parcel, entities)
        histories = {
            key: self._observe_one(key, event, span and span.of(key)) for key, event in entities.items()
        }
        self._evict()
        return Observation(previous=previous, entities=histories)

    async def remember_decision(self, *, parcel: str, digest: str, decision_json: bytes) -> None:
        """Keep the decision made for a parcel for decision_ttl_s."""
        if "|" in digest:
            raise ValueError("'|' is not allowed in a digest")
        expires = self._clock() + self._decision_ttl_s
        self._pending.pop(parcel, None)
        self._decisions[parcel] = (expires, StoredDecision(digest=digest, decision_json=decision_json))
        self._decisions.move_to_end(parcel)
        while len(self._decisions) > self._max_decisions:
            self._decisions.popitem(last=False)

    async def observe_many(
        self,
        parcels: Sequence[tuple[str, Mapping[EntityKey, ParcelEvent]]],
        span: Span | None = None,
        *,
        retake: bool = False,
    ) -> list[Observation]:
        """observe() for each parcel in order; retake: take back their earlier observation first."""
        _distinct(parcels)
        if retake:
            for parcel, entities in parcels:
                await self.forget(parcel=parcel, entities=list(entities))
                self._pending.pop(parcel, None)  # this call's own mark, from its first observation
        return [
            await self.observe(parcel=parcel, entities=entities, span=span) for parcel, entities in parcels
        ]

    async def remember_many(self, decisions: Sequence[tuple[str, str, bytes]]) -> None:
        """remember_decision() for each (parcel, digest, decision_json)."""
        for parcel, digest, decision_json in decisions:
            await self.remember_decision(parcel=parcel, digest=digest, decision_json=decision_json)

    async def remember_soon(self, decisions: Sequence[tuple[str, str, bytes]]) -> None:
        """remember_many(): in this process it costs no round trip to wait for."""
        await self.remember_many(decisions)

    async def recall(self, *, parcel: str) -> StoredDecision | None:
        """The decision remembered for a parcel, if any."""
        return self._decision(parcel)

    async def forget(self, *, parcel: str, entities: Sequence[EntityKey]) -> None:
        """Remove a parcel's events and cbec contribution from these entities."""
        for key in entities:
            entity = self._entities.get(key)
            if entity is None:
                continue
            entity.withdraw(parcel)
            entity.remove_cbec(parcel)

    async def record_violation(self, *, entity: EntityKey, at_ms: int, parcel: str) -> None:
        """Record a confirmed violation of an entity (once per parcel)."""
        state = self._entities.setdefault(entity, _Entity())
        self._entities.move_to_end(entity)
        state.violations[parcel] = at_ms
        _trim_violations(state, max(state.violations.values()))
        self._evict()

    async def set_listed(self, *, entity: EntityKey, list_name: str, listed: bool) -> None:
        """Put an entity on a list or take it off."""
        names = self._lists.setdefault(entity, set())
        if listed:
            names.add(list_name)
        else:
            names.discard(list_name)
        if not names:
            del self._lists[entity]

    async def ping(self) -> bool:
        """Always true: the store is in this process."""
        return True

    async def close(self) -> None:
        """Drop everything."""
        self._entities.clear()
        self._lists.clear()
        self._decisions.clear()
        self._pending.clear()

    def _claim(self, parcel: str, entities: Mapping[EntityKey, ParcelEvent]) -> StoredDecision | None:
        """The mark of a body being decided; none, the parcel is marked for this one (claim.lua alike)."""
        now = self._clock()
        mark = self._pending.get(parcel)
        if mark is not None and mark[0] > now:
            return StoredDecision(digest=mark[1], decision_json=b"", pending=True)
        digest = body_digest(entities)
        if digest:
            if len(self._pending) >= self._max_decisions:
                self._pending = {p: m for p, m in self._pending.items() if m[0] > now}
            self._pending[parcel] = (now + PENDING_MS / 1000, digest)
        return None

    def _decision(self, parcel: str) -> StoredDecision | None:
        entry = self._decisions.get(parcel)
        if entry is None:
            return None
        expires, decision = entry
        if expires <= self._clock():
            del self._decisions[parcel]
            return None
        self._decisions.move_to_end(parcel)
        return decision

    def _observe_one(self, key: EntityKey, event: ParcelEvent, span: Span | None) -> EntityHistory:
        state = self._entities.setdefault(key, _Entity())
        self._entities.move_to_end(key)
        parcel = event.parcel

        # First seen is the earliest at_ms ever observed; a parcel does not count for its own observation.
        state.withdraw(parcel)
        first_seen = state.first_seen if state.first_parcel != parcel else None
        if state.first_seen is None or event.at_ms < state.first_seen:
            state.first_seen, state.first_parcel = event.at_ms, parcel

        # Trimming goes behind the newest other parcel, or behind this one when it is older (a backlog keeps
        # the events of its own time), never behind this one when it is newer: a pickup typed a month or a
        # year late must not trim what its correction will need.
        reference = min(state.order[-1][0], event.at_ms) if state.order else event.at_ms
        state.events[parcel] = stored_event(event)
        bisect.insort(state.order, (event.at_ms, parcel))
        if not event.cross_border:
            bisect.insort(state.domestic, (event.at_ms, parcel))
        behind = (reference - self._horizon_ms, "")
        cut = bisect.bisect_left(state.order, behind)
        for _, member in state.order[:cut]:
            del state.events[member]
        del state.order[:cut]
        del state.domestic[: bisect.bisect_left(state.domestic, behind)]
        if len(state.order) > self._max_events:
            doomed = _over_cap(state, len(state.order) - self._max_events)
            state.dropped_until = max(state.dropped_until or 0, max(at for at, _ in doomed))
            for held in doomed:
                state.unlist(held, state.events.pop(held[1]).cross_border)
                hour = held[0] // HOUR_MS
                state.dropped_hours[hour] = state.dropped_hours.get(hour, 0) + 1

        year = beijing_year(event.at_ms)
        state.remove_cbec(parcel)
        others_cents = state.cbec_sums.get(year, 0)
        if event.cbec:
            cents = to_cents(event.value_cny)
            if len(state.cbec) < self._max_cbec:
                state.cbec[parcel] = (year, cents)
            state.cbec_sums[year] = state.cbec_sums.get(year, 0) + cents
            if state.cbec_sums[year] == 0:
                del state.cbec_sums[year]
            if state.cbec_min_year is None or year < state.cbec_min_year:
                state.cbec_min_year = year
        reference_year = beijing_year(reference)
        if state.cbec_min_year is not None and state.cbec_min_year < reference_year - 1:
            _purge_cbec(state, reference_year - 1)

        _trim_violations(state, reference)
        if state.dropped_hours:
            first_hour = (reference - self._horizon_ms) // HOUR_MS
            state.dropped_hours = {hour: n for hour, n in state.dropped_hours.items() if hour >= first_hour}

        # As from Redis: the counterpart stored short comes back whole when it is this parcel's.
        # What lies beyond the horizon behind this parcel is outside every window: kept, not given.
        since = bisect.bisect_left(state.order, (event.at_ms - self._horizon_ms, ""))
        others = [state.events[p] for _, p in state.order[since:] if p != parcel]
        firsts = [f for f in (first_seen, others[0].at_ms if others else None) if f is not None]
        older: list[ParcelEvent] = []
        if span is not None:
            edge = bisect.bisect_right(others, event.at_ms - span.detail_ms, key=_AT)
            older, others = others[:edge], others[edge:]
        events = tuple(whole_counterparts(others, event))
        wide = [e for e in older if e.at_ms > event.at_ms - span.wide_ms] if span is not None else []
        return EntityHistory(
            events=events,
            first_seen_ms=min(firsts) if firsts else None,
            violations=tuple(
                sorted((at, p) for p, at in state.violations.items() if at >= event.at_ms - LONG_KEEP_MS)
            ),
            cbec_year_cny=others_cents / 100,
            lists=frozenset(self._lists.get(key, ())),
            dropped_until_ms=state.dropped_until,
            dropped_hours=_hours_since(state.dropped_hours, event.at_ms - self._horizon_ms),
            older=len(wide),
            older_cross=sum(1 for e in wide if e.cross_border),
            older_heads=b"".join(map(time_head, older)),
        )

    def _evict(self) -> None:
        while len(self._entities) > self._max_entities:
            self._entities.popitem(last=False)
        now = self._clock()
        while self._decisions:
            parcel, (expires, _) = next(iter(self._decisions.items()))
            if expires > now:
                break
            del self._decisions[parcel]


_AT = attrgetter("at_ms")


def _over_cap(state: _Entity, excess: int) -> list[tuple[int, str]]:
    """The events the cap lets go: the oldest domestic ones, then the oldest cross-border ones (the
    cross-border rules count only those)."""
    doomed = _oldest(state.domestic, excess)
    if len(doomed) < excess:
        cross_border = (held for held in state.order if state.events[held[1]].cross_border)
        doomed += _oldest(cross_border, excess - len(doomed))
    return doomed


def _oldest(lane: Iterable[tuple[int, str]], count: int) -> list[tuple[int, str]]:
    """The count first of a lane in (at_ms, parcel) order, but parcels of one instant by their fields'
    bytes, as observe.lua orders them."""
    found: list[tuple[int, str]] = []
    for held in lane:
        if len(found) >= count and held[0] != found[-1][0]:
            break
        found.append(held)
    if len(found) > count:
        found.sort(key=lambda held: (held[0], _field_order(held[1])))
    return found[:count]


def _hours_since(hours: dict[int, int], since_ms: int) -> tuple[tuple[int, int], ...]:
    """The counts of the hours that end after since_ms, as (start of the hour, count), oldest first."""
    if not hours:
        return ()
    first = since_ms // HOUR_MS
    return tuple((hour * HOUR_MS, n) for hour, n in sorted(hours.items()) if hour >= first)


def _field_order(parcel: str) -> bytes:
    """What orders parcels of one instant: their hash field in Redis (a parcel Redis refuses, as it is)."""
    try:
        return encode_field(parcel)
    except ValueError:
        return parcel.encode()


def _purge_cbec(state: _Entity, keep_from_year: int) -> None:
    """Drop contributions of years before keep_from_year; the yearly sums stay (a late purchase adds up)."""
    state.cbec = {p: yc for p, yc in state.cbec.items() if yc[0] >= keep_from_year}
    years = [y for y, _ in state.cbec.values()]
    state.cbec_min_year = min(years) if years else None


def _trim_violations(state: _Entity, newest_ms: int) -> None:
    cutoff = newest_ms - LONG_KEEP_MS
    if any(at < cutoff for at in state.violations.values()):
        state.violations = {p: at for p, at in state.violations.items() if at >= cutoff}


def _distinct(parcels: Sequence[tuple[str, Mapping[EntityKey, ParcelEvent]]]) -> None:
    if len({parcel for parcel, _ in parcels}) != len(parcels):
        raise ValueError("observe_many takes each parcel once: observe a re-sent parcel in a later call")
