"""Per-entity sliding windows in event time, over the entity's other parcels (online form)."""

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter
from statistics import median
from typing import Protocol

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
# Smallest first: window_stats_all relies on each window holding the one before it.
WINDOWS_MS: dict[str, int] = {"1h": HOUR_MS, "24h": DAY_MS, "7d": 7 * DAY_MS, "30d": 30 * DAY_MS}


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


@dataclass(frozen=True, slots=True)
class WindowStats:
    """Figures of one entity over one window, the current parcel included."""

    parcels: int
    value_cny: float
    near_limit: int
    counterparts: int
    top_goods: int
    cross_border: int
    # Cross-border parcels each under their own limit: what ant moving splits into.
    split_parcels: int
    split_value_cny: float
    split_counterparts: int
    same_goods: int
    same_goods_counterparts: int
    linked: tuple[str, ...]

    @property
    def cross_border_share(self) -> float:
        """Share of the window's parcels that crossed a border."""
        return self.cross_border / self.parcels if self.parcels else 0.0


def is_near_limit(value: float, limit: float, band: float) -> bool:
    """Value within the band just under a limit (band·L ≤ v < L); no limit, never near."""
    return limit > 0 and band * limit <= value < limit


def in_window(events: Sequence[EventLike], *, now_ms: int, window_ms: int) -> list[EventLike]:
    """Events strictly before now and inside the window (point in time: later events never count)."""
    start = now_ms - window_ms
    return [e for e in events if start < e.at_ms < now_ms]


def window_stats(
    events: Sequence[EventLike], current: EventLike, *, window: str, band: float, linked_max: int
) -> WindowStats:
    """The window's figures for one entity, the current parcel counted once."""
    inside = in_window(events, now_ms=current.at_ms, window_ms=WINDOWS_MS[window])
    return _figures(inside, current, band=band, linked_max=linked_max)


# Newest first for `linked`; a C key function, as the scoring path sorts every window of every entity.
_TIME_ORDER = attrgetter("at_ms", "parcel")


def _figures(inside: Sequence[EventLike], current: EventLike, *, band: float, linked_max: int) -> WindowStats:
    """The figures of the events inside a window and the current parcel."""
    # One pass over the window (the scoring path runs this for every entity of every parcel); sums are taken
    # in the same order as the events, so the figures equal a plain per-figure computation exactly.
    value = split_value = 0.0
    near = cross = split = same = 0
    counterparts: set[str] = set()
    split_counterparts: set[str] = set()
    same_counterparts: set[str] = set()
    goods: dict[str, int] = {}
    for e in (*inside, current):
        value += e.value_cny
        if e.counterpart:
            counterparts.add(e.counterpart)
        if e.goods:
            goods[e.goods] = goods.get(e.goods, 0) + 1
        if not e.cross_border:
            continue
        cross += 1
        if is_near_limit(e.value_cny, e.limit_cny, band):
            near += 1
        if e.limit_cny > 0 and e.value_cny < e.limit_cny:
            split += 1
            split_value += e.value_cny
            if e.counterpart:
                split_counterparts.add(e.counterpart)
        if e.goods and e.goods == current.goods:
            same += 1
            if e.counterpart:
                same_counterparts.add(e.counterpart)
    newest_first = sorted(inside, key=_TIME_ORDER, reverse=True)
    return WindowStats(
        parcels=len(inside) + 1,
        value_cny=round(value, 2),
        near_limit=near,
        counterparts=len(counterparts),
        top_goods=max(goods.values(), default=0),
        cross_border=cross,
        split_parcels=split,
        split_value_cny=round(split_value, 2),
        split_counterparts=len(split_counterparts),
        same_goods=same,
        same_goods_counterparts=len(same_counterparts),
        linked=tuple(e.parcel for e in newest_first if e.parcel != current.parcel)[:linked_max],
    )


def window_stats_all(
    events: Sequence[EventLike], current: EventLike, *, band: float, linked_max: int
) -> dict[str, WindowStats]:
    """Every window's figures for one entity (WINDOWS_MS, smallest first, nested)."""
    times = [e.at_ms for e in events]
    if times != sorted(times):
        # Out of time order (a history store gives them in order): window by window, as window_stats does.
        return {
            name: window_stats(events, current, window=name, band=band, linked_max=linked_max)
            for name in WINDOWS_MS
        }
    # In time order each window is a slice, found by bisection: the same events in the same order as
    # in_window's filter, so the figures are equal to the last bit.
    end = bisect_left(times, current.at_ms)
    out: dict[str, WindowStats] = {}
    previous: WindowStats | None = None
    previous_begin = -1
    for name, span in WINDOWS_MS.items():
        begin = bisect_right(times, current.at_ms - span, hi=end)
        # Nested windows holding as many parcels hold the same ones: most entities are seen rarely, so most
        # of their windows share the figures (the same object) of the smallest.
        if previous is None or begin != previous_begin:
            previous = _figures(events[begin:end], current, band=band, linked_max=linked_max)
            previous_begin = begin
        out[name] = previous
    return out


def daily_median(events: Sequence[EventLike], *, now_ms: int, first_seen_ms: int, days: int = 30) -> float:
    """Median parcels a day over the whole days before the last 24 h (zero days count), from first sight."""
    end = now_ms - DAY_MS
    start = max(first_seen_ms, now_ms - days * DAY_MS)
    n_days = max(1, (end - start) // DAY_MS)
    counts = [0] * n_days
    for e in events:
        if start <= e.at_ms < end:
            index = min(n_days - 1, (end - 1 - e.at_ms) // DAY_MS)
            counts[index] += 1
    return float(median(counts))
