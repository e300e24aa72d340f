"""Per-entity sliding windows in event time, over the entity's other parcels (online form)."""

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from itertools import chain, islice, repeat
from math import fsum
from operator import attrgetter
from statistics import median
from typing import NamedTuple, Protocol

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
# Smallest first: window_stats_all relies on each window holding the one before it.
WINDOWS_MS: dict[str, int] = {"1h": HOUR_MS, "24h": DAY_MS, "7d": 7 * DAY_MS, "30d": 30 * DAY_MS}
# Between the goods signatures of a parcel's articles in an event's goods: the main (dearest) article first.
GOODS_SEP = "+"


def goods_lines(goods: str) -> list[str]:
    """The signatures of a parcel's articles in an event's goods, the main (dearest) article's first."""
    return goods.split(GOODS_SEP) if goods else []


class EventLike(Protocol):
    """What a window reads of one past parcel (the history store's ParcelEvent fits)."""

    @property
    def parcel(self) -> str: ...
    @property
    def at_ms(self) -> int: ...
    @property
    def value_cny(self) -> float: ...
    @property
    def limit_cny(self) -> float: ...
    @property
    def cross_border(self) -> bool: ...
    @property
    def goods(self) -> str: ...
    @property
    def counterpart(self) -> str: ...


# A NamedTuple, not a frozen dataclass: made for every window of every entity, it is built in a
# fifth of the time.
class WindowStats(NamedTuple):
    """Figures of one entity over one window, the current parcel included."""

    parcels: int
    value_cny: float
    near_limit: int
    counterparts: int
    cross_border: int
    # Cross-border parcels each under their own limit: what ant moving splits into.
    split_parcels: int
    split_value_cny: float
    split_counterparts: int
    # Cross-border parcels whose main article is the current parcel's main article (a model feature).
    same_goods: int
    same_goods_counterparts: int
    # For each article of the current parcel (main first): cross-border parcels carrying it on any line, and
    # their counterparts; the same goods riding beside a dearer, changing article count here.
    line_goods: tuple[tuple[int, int], ...] = ()

    @property
    def cross_border_share(self) -> float:
        """Share of the window's parcels that crossed a border."""
        return self.cross_border / self.parcels if self.parcels else 0.0


def is_near_limit(value: float, limit: float, band: float) -> bool:
    """Value within the band just under a limit (band·L ≤ v < L); no limit, never near."""
    return limit > 0 and band * limit <= value < limit


def in_window(events: Sequence[EventLike], *, current: EventLike, window_ms: int) -> list[EventLike]:
    """Other parcels' events inside the window up to the current parcel's instant (point in time: later
    events never count; a parcel picked up at the same instant and seen before it does)."""
    now, parcel = current.at_ms, current.parcel
    start = now - window_ms
    return [e for e in events if start < e.at_ms < now or (e.at_ms == now and e.parcel != parcel)]


def window_stats(events: Sequence[EventLike], current: EventLike, *, window: str, band: float) -> WindowStats:
    """The window's figures for one entity, the current parcel counted once."""
    tally = _Tally(current, band=band)
    tally.add(in_window(events, current=current, window_ms=WINDOWS_MS[window]))
    return tally.figures()


# Newest first for linked_where.
_TIME_ORDER = attrgetter("at_ms", "parcel")


class _Tally:
    """The running figures of a window: the current parcel, then any slices of past events, in any order."""

    __slots__ = (
        "_band",
        "_current_goods",
        "_current_lines",
        "counterparts",
        "cross",
        "line_counterparts",
        "line_parcels",
        "near",
        "same",
        "same_counterparts",
        "split",
        "split_counterparts",
        "split_values",
        "values",
    )

    def __init__(self, current: EventLike, *, band: float) -> None:
        self._current_goods, self._band = current.goods, band
        self._current_lines = goods_lines(current.goods)
        # Parcels and counterparts carrying each current article beyond the main-to-main matches in same.
        self.line_parcels = [0] * len(self._current_lines)
        self.line_counterparts: list[set[str]] = [set() for _ in self._current_lines]
        self.values: list[float] = []
        self.split_values: list[float] = []
        self.near = self.cross = self.split = self.same = 0
        self.counterparts: set[str] = set()
        self.split_counterparts: set[str] = set()
        self.same_counterparts: set[str] = set()
        self.add((current,))

    def add(self, events: Iterable[EventLike]) -> None:
        """Count these events too (the scoring path runs this over every event of every entity)."""
        # Locals, not attributes, inside the loop: it is the hottest loop of the scoring path.
        values, split_values = self.values, self.split_values
        counterparts, split_cps, same_cps = self.counterparts, self.split_counterparts, self.same_counterparts
        current_goods, band = self._current_goods, self._band
        several = len(self._current_lines) > 1
        near = cross = split = same = 0
        for e in events:
            value, counterpart, g = e.value_cny, e.counterpart, e.goods
            values.append(value)
            if counterpart:
                counterparts.add(counterpart)
            if not e.cross_border:
                continue
            cross += 1
            limit = e.limit_cny
            if limit > 0 and value < limit:
                if band * limit <= value:  # is_near_limit, inlined
                    near += 1
                split += 1
                split_values.append(value)
                if counterpart:
                    split_cps.add(counterpart)
            if not g:
                continue
            if several or GOODS_SEP in g:
                self._lines(g, counterpart)
            elif g == current_goods:
                same += 1
                if counterpart:
                    same_cps.add(counterpart)
        self.near += near
        self.cross += cross
        self.split += split
        self.same += same

    def _lines(self, goods: str, counterpart: str) -> None:
        """Count a cross-border parcel where the current parcel or it has several articles."""
        lines = goods_lines(goods)
        current = self._current_lines
        if lines[0] == current[0]:
            self.same += 1
            if counterpart:
                self.same_counterparts.add(counterpart)
        for j, line in enumerate(current):
            if line in lines and (j or lines[0] != line):
                self.line_parcels[j] += 1
                if counterpart:
                    self.line_counterparts[j].add(counterpart)

    def figures(self) -> WindowStats:
        """The figures counted so far."""
        lines = self.line_parcels
        if lines:
            first = self.same_counterparts | self.line_counterparts[0] if lines[0] else self.same_counterparts
            others = zip(lines[1:], self.line_counterparts[1:], strict=True)
            line_goods = ((self.same + lines[0], len(first)), *((n, len(cps)) for n, cps in others))
        else:
            line_goods = ()
        # fsum is exact, so the sums do not depend on the order the events were added in.
        return WindowStats(
            parcels=len(self.values),
            value_cny=round(fsum(self.values), 2),
            near_limit=self.near,
            counterparts=len(self.counterparts),
            cross_border=self.cross,
            split_parcels=self.split,
            split_value_cny=round(fsum(self.split_values), 2),
            split_counterparts=len(self.split_counterparts),
            same_goods=self.same,
            same_goods_counterparts=len(self.same_counterparts),
            line_goods=line_goods,
        )


def window_stats_all(
    events: Sequence[EventLike], current: EventLike, *, band: float
) -> dict[str, WindowStats]:
    """Every window's figures for one entity (WINDOWS_MS, smallest first, nested)."""
    times = [e.at_ms for e in events]
    now = current.at_ms
    # Parcels of the current parcel's instant count (a courier picks up several at once and types one
    # time); the current parcel itself does not, though only a made-up history holds it.
    end = bisect_right(times, now)
    if times != sorted(times) or any(
        e.parcel == current.parcel for e in events[bisect_left(times, now) : end]
    ):
        # Out of time order (a history store gives them in order): window by window, as window_stats does.
        return {name: window_stats(events, current, window=name, band=band) for name in WINDOWS_MS}
    # In time order each window is a slice, found by bisection, and holds the one before it: one tally
    # grows from the smallest window to the largest, each event counted once.
    tally = _Tally(current, band=band)
    out: dict[str, WindowStats] = {}
    previous: WindowStats | None = None
    previous_begin = end
    for name, span in WINDOWS_MS.items():
        begin = bisect_right(times, current.at_ms - span, hi=end)
        # Nested windows holding as many parcels hold the same ones: most entities are seen rarely, so most
        # of their windows share the figures (the same object) of the smallest.
        if previous is None or begin != previous_begin:
            tally.add(events[begin:previous_begin])
            previous, previous_begin = tally.figures(), begin
        out[name] = previous
    return out


def linked_where(
    events: Sequence[EventLike],
    current: EventLike,
    *,
    window: str,
    linked_max: int,
    keep: Callable[[EventLike], bool],
) -> tuple[str, ...]:
    """The newest linked_max other parcels of the window that keep() accepts, newest first.

    Evidence of a rule that fired (the ants of a ring, not every parcel of the window): computed then,
    not for every window of every entity.
    """
    inside = sorted(
        (e for e in in_window(events, current=current, window_ms=WINDOWS_MS[window]) if keep(e)),
        key=_TIME_ORDER,
        reverse=True,
    )
    return tuple(islice((e.parcel for e in inside), linked_max))


def daily_median(
    times: Iterable[int],
    *,
    now_ms: int,
    first_seen_ms: int,
    days: int = 30,
    counted: Iterable[tuple[int, int]] = (),
) -> float:
    """Median parcels a day over the whole days before the last 24 h (zero days count), from first sight;
    times are the pickup times of the entity's other parcels, counted more parcels given as (time, count)."""
    end = now_ms - DAY_MS
    start = max(first_seen_ms, now_ms - days * DAY_MS)
    n_days = max(1, (end - start) // DAY_MS)
    counts = [0] * n_days
    for at, n in chain(zip(times, repeat(1)), counted):
        if start <= at < end:
            index = min(n_days - 1, (end - 1 - at) // DAY_MS)
            counts[index] += n
    return float(median(counts))
