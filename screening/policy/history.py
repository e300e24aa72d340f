"""Rules over the parcel's entities' history: ant moving, near-limit splits, fan-out, annual totals, lists."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from features.vector import whole_windows
from features.windows import (
    DAY_MS,
    WINDOWS_MS,
    EventLike,
    WindowStats,
    daily_median,
    goods_lines,
    in_window,
    is_near_limit,
    linked_where,
)
from screening.contract import Reason
from screening.entities import ORDER_KIND, goods_lines_of
from screening.history import EntityHistory, ParcelEvent, Span
from screening.history.store import DEFAULT_HORIZON_MS
from screening.parcel import BEIJING, ItemFacts, Parcel
from screening.policy.catalogue import ENTITY_NAMES, quoted, reason, show_figure
from screening.policy.schemas import Policy

SENDER_SIDE = ("sender_id", "sender_phone")
RECEIVER_SIDE = ("receiver_id", "receiver_phone", "receiver_address")
# The entities of one person: a party's ID and phone.
_PERSON = {
    "sender_id": "sender",
    "sender_phone": "sender",
    "receiver_id": "receiver",
    "receiver_phone": "receiver",
}
_LISTS_ZH = {"watch": "关注名单", "black": "黑名单"}


@dataclass(frozen=True, slots=True)
class EntityView:
    """One entity of the parcel: its kind, its stored history, and its windows with this parcel."""

    kind: str
    key: str
    history: EntityHistory
    stats: dict[str, WindowStats]
    current: ParcelEvent  # the parcel as this entity records it

    def linked(self, window: str, keep: Callable[[EventLike], bool], policy: Policy) -> list[str]:
        """Waybill numbers of the window's other parcels that keep() accepts: the evidence of a rule."""
        parcels = linked_where(
            self.history.events, self.current, window=window, linked_max=policy.history.linked_max, keep=keep
        )
        return _waybills(parcels)


WIDEST = max(WINDOWS_MS, key=WINDOWS_MS.__getitem__)


def history_span(policy: Policy) -> Span | None:
    """What of a history the rules and features read whole: the widest window may be counts alone.

    None (every event whole) when a rule or feature reads more than counts of the widest window, or of
    a window between the widest and those read whole.
    """
    h = policy.history
    # Ant moving reads its windows; velocity 24 h whole and every day's count (EntityHistory.times).
    read = {
        "24h",
        h.ant_sender.short_window,
        h.ant_sender.long_window,
        h.ant_receiver.window,
        h.near_limit.window,
        h.same_goods.window,
    } | whole_windows()
    detail = max(WINDOWS_MS[w] for w in read)
    if (
        any(detail < span < WINDOWS_MS[WIDEST] for span in WINDOWS_MS.values())
        or detail >= WINDOWS_MS[WIDEST]
    ):
        return None
    # An order's lots are added up however far apart (cbec_order_limit): its history comes whole.
    return Span(detail_ms=detail, wide_ms=WINDOWS_MS[WIDEST], whole_kinds=frozenset({ORDER_KIND}))


def with_older(stats: dict[str, WindowStats], history: EntityHistory) -> dict[str, WindowStats]:
    """The window figures with the history's older events counted in the widest window.

    Only its counts take them (history_span leaves the rest to windows read whole).
    """
    if not history.older:
        return stats
    s = stats[WIDEST]
    return stats | {
        WIDEST: s._replace(
            parcels=s.parcels + history.older, cross_border=s.cross_border + history.older_cross
        )
    }


def _carrying(signature: str) -> Callable[[EventLike], bool]:
    """Cross-border parcels carrying this article on any of their lines."""

    def same(e: EventLike) -> bool:
        return e.cross_border and signature in goods_lines(e.goods)

    return same


def _split(e: EventLike) -> bool:
    """A cross-border parcel under its own limit: what ant moving splits into."""
    return e.cross_border and e.limit_cny > 0 and e.value_cny < e.limit_cny


HistoryRule = Callable[[Parcel, Sequence[EntityView], Policy], Reason | None]


def _velocity_words(times: float | None, median: float) -> dict[str, str]:
    shown = show_figure(median)
    if times is None:  # a median of 0: no multiple of it to name
        return {"ratio_zh": "日中位数为0", "ratio": "against a daily median of 0"}
    multiple = show_figure(times)
    return {
        "ratio_zh": f"为日中位数{shown}的{multiple}倍",
        "ratio": f"{multiple}× its daily median of {shown}",
    }


def _ring_limit(p: Parcel, v: EntityView, window: str) -> float:
    """The per-parcel limit L a ring's total is weighed against: the parcel's own, or, for a parcel without
    one (an organisation's express parcel), the largest among the split parcels of the window."""
    # A ring sender's next parcel must not escape the ring's hold by changing channel.
    if p.limit_cny > 0:
        return p.limit_cny
    inside = in_window(v.history.events, current=v.current, window_ms=WINDOWS_MS[window])
    return max((e.limit_cny for e in inside if _split(e)), default=0.0)


def _words(kind: str) -> dict[str, Any]:
    zh, en = ENTITY_NAMES[kind]
    return {"entity_zh": zh, "entity": en}


def _waybills(linked: Sequence[str]) -> list[str]:
    return [p.split(":", 1)[1] for p in linked]


def ant_moving_sender(p: Parcel, views: Sequence[EntityView], policy: Policy) -> Reason | None:
    """One sender splitting cross-border goods over many parcels and receivers, each under the limit."""
    if not p.cross_border:
        return None
    a = policy.history.ant_sender
    for v in views:
        if v.kind not in SENDER_SIDE:
            continue
        for window, needed in ((a.short_window, a.parcels_24h), (a.long_window, a.parcels_7d)):
            s = v.stats[window]
            if s.split_parcels < needed or s.split_counterparts < a.distinct_receivers:
                continue
            limit = _ring_limit(p, v, window)
            if limit > 0 and s.split_value_cny >= a.total_times_limit * limit:
                return reason(
                    "ANT_MOVING_SENDER",
                    entity=v.kind,
                    window=window,
                    parcels=s.split_parcels,
                    distinct_receivers=s.split_counterparts,
                    total_value=s.split_value_cny,
                    per_parcel_limit=limit,
                    near_limit_parcels=s.near_limit,
                    thresholds={
                        "parcels": needed,
                        "distinct_receivers": a.distinct_receivers,
                        "total_value": a.total_times_limit * limit,
                    },
                    linked_waybills=v.linked(window, _split, policy),
                    words=_words(v.kind),
                )
    return None


def ant_moving_receiver(p: Parcel, views: Sequence[EntityView], policy: Policy) -> Reason | None:
    """One receiver (ID, phone or address) collecting cross-border parcels from many senders."""
    if not p.cross_border:
        return None
    a = policy.history.ant_receiver
    for v in views:
        if v.kind not in RECEIVER_SIDE:
            continue
        s = v.stats[a.window]
        if s.split_parcels < a.parcels_7d or s.split_counterparts < a.distinct_senders:
            continue
        limit = _ring_limit(p, v, a.window)
        if limit > 0 and s.split_value_cny >= a.total_times_limit * limit:
            return reason(
                "ANT_MOVING_RECEIVER",
                entity=v.kind,
                window=a.window,
                parcels=s.split_parcels,
                distinct_senders=s.split_counterparts,
                total_value=s.split_value_cny,
                per_parcel_limit=limit,
                near_limit_parcels=s.near_limit,
                thresholds={
                    "parcels": a.parcels_7d,
                    "distinct_senders": a.distinct_senders,
                    "total_value": a.total_times_limit * limit,
                },
                linked_waybills=v.linked(a.window, _split, policy),
                words=_words(v.kind),
            )
    return None


def near_limit_split(p: Parcel, views: Sequence[EntityView], policy: Policy) -> Reason | None:
    """Several cross-border parcels of one entity declared just under the limit."""
    if not p.cross_border:
        return None
    rule = policy.history.near_limit
    band = policy.limits.near_limit_band
    best = max(views, key=lambda v: v.stats[rule.window].near_limit, default=None)
    if best is None or best.stats[rule.window].near_limit < rule.min_count:
        return None
    s = best.stats[rule.window]

    def near(e: EventLike) -> bool:
        return e.cross_border and is_near_limit(e.value_cny, e.limit_cny, band)

    # The band the counted parcels were in, each under its own limit (not this parcel's, which may have
    # another limit or none); parcels under different limits give one band each.
    counted = [*in_window(best.history.events, current=best.current, window_ms=WINDOWS_MS[rule.window])]
    limits = sorted({e.limit_cny for e in (*counted, best.current) if near(e)})
    # band and per_parcel_limit keep the contract example's shapes (a pair, a number): this parcel's limit
    # when its parcels were near it, else the largest; every band is listed when there are several.
    limit = p.limit_cny if p.limit_cny in limits or not limits else limits[-1]
    several: dict[str, Any] = (
        {"bands": [[round(band * x, 2), x] for x in limits], "per_parcel_limits": limits}
        if len(limits) > 1
        else {}
    )
    return reason(
        "NEAR_LIMIT_SPLIT",
        entity=best.kind,
        window=rule.window,
        near_limit_parcels=s.near_limit,
        band=[round(band * limit, 2), limit],
        per_parcel_limit=limit,
        **several,
        min_count=rule.min_count,
        linked_waybills=best.linked(rule.window, near, policy),
        words={**_words(best.kind), "band_pct": f"{band * 100:g}"},
    )


def same_goods_fanout(p: Parcel, views: Sequence[EntityView], policy: Policy) -> Reason | None:
    """The same goods on many cross-border parcels of one entity, to or from many counterparts."""
    if not p.cross_border:
        return None
    rule = policy.history.same_goods
    lines: list[tuple[str, ItemFacts]] | None = None
    for v in views:
        s = v.stats[rule.window]
        # Any article of the parcel, main first: riding beside a dearer, changing article hides nothing.
        for j, (parcels, counterparts) in enumerate(s.line_goods):
            if parcels >= rule.parcels and counterparts >= rule.counterparts:
                lines = lines if lines is not None else goods_lines_of(p)
                signature, line = lines[j]
                return reason(
                    "SAME_GOODS_FANOUT",
                    entity=v.kind,
                    window=rule.window,
                    parcels=parcels,
                    counterparts=counterparts,
                    description=quoted(line.item.description, p.waybill),
                    thresholds={"parcels": rule.parcels, "counterparts": rule.counterparts},
                    linked_waybills=v.linked(rule.window, _carrying(signature), policy),
                    words=_words(v.kind),
                )
    return None


def cbec_order_limit(p: Parcel, views: Sequence[EntityView], policy: Policy) -> Reason | None:
    """One e-commerce order shipped in several parcels passes the single-transaction limit together (a parcel
    over it alone is limits.cbec_single_limit's)."""
    w = p.waybill
    limit = policy.limits.cbec_single_cny
    if w.channel != "cbec" or w.service not in policy.limits.cbec_lanes or p.value_cny > limit:
        return None
    for v in views:
        if v.kind != "cbec_order":
            continue
        # Every other parcel of the order, in time order and whole however long ago (history_span): a later
        # lot that arrived first is still part of the transaction.
        others = [e for e in v.history.events if e.parcel != v.current.parcel]
        total = round(p.value_cny + sum(e.value_cny for e in others), 2)
        if total > limit:
            return reason(
                "CBEC_SINGLE_LIMIT",
                value_cny=total,
                this_parcel_cny=p.value_cny,
                order_parcels=len(others) + 1,
                limit_cny=limit,
                linked_waybills=_waybills([e.parcel for e in others[::-1][: policy.history.linked_max]]),
            )
    return None


def cbec_annual_limit(p: Parcel, views: Sequence[EntityView], policy: Policy) -> Reason | None:
    """The buyer's calendar-year cross-border e-commerce total passes the annual limit with this parcel."""
    w = p.waybill
    if w.channel != "cbec" or w.service != "import":
        return None
    limit = policy.limits.cbec_annual_cny
    for v in views:
        if v.kind != "receiver_id":
            continue
        total = round(v.history.cbec_year_cny + p.value_cny, 2)
        if total > limit:
            return reason(
                "CBEC_ANNUAL_LIMIT",
                year=p.local_day.year,
                year_total_cny=total,
                earlier_cny=round(v.history.cbec_year_cny, 2),
                this_parcel_cny=p.value_cny,
                limit_cny=limit,
            )
    return None


def velocity_spike(p: Parcel, views: Sequence[EntityView], policy: Policy) -> Reason | None:
    """A sender with enough history suddenly sending many times its usual daily volume."""
    rule = policy.history.velocity
    now = p.at_ms
    for v in views:
        first = v.history.first_seen_ms
        if v.kind not in SENDER_SIDE or first is None or first > now - rule.min_history_days * DAY_MS:
            continue
        # The parcels the store's cap let go count too, by the hour they were picked up in (the store keeps
        # no more of them): a busy day past the cap is not a spike over a median of the few parcels held.
        dropped = v.history.dropped_hours
        count = v.stats["24h"].parcels
        if dropped:
            count += sum(n for hour, n in dropped if now - DAY_MS < hour <= now)
        if count < rule.min_parcels_24h:
            continue
        # Days a horizon behind the store's newest parcel are let go whole (a parcel scored weeks late): they
        # are not empty days, so count from after them.
        held = v.history.times()
        since = first
        if not dropped and v.history.dropped_until_ms is not None:
            # Let go before the store counted them (a history kept by an earlier version): from after them.
            since = max(since, v.history.dropped_until_ms + 1)
        if held:
            since = max(since, max(held) - DEFAULT_HORIZON_MS)
        # The parcels the cap let go count at the start of their hour: one by one they would be tens of
        # thousands a month for a busy sender.
        med = daily_median(held, now_ms=now, first_seen_ms=since, counted=dropped)
        if count >= rule.times_median * med:
            times = round(count / med, 1) if med else None
            return reason(
                "VELOCITY_SPIKE",
                entity=v.kind,
                window="24h",
                parcels_24h=count,
                daily_median=med,
                times=times,
                thresholds={"times_median": rule.times_median, "min_parcels_24h": rule.min_parcels_24h},
                history_days=(now - first) // DAY_MS,
                words={**_words(v.kind), **_velocity_words(times, med)},
            )
    return None


def watchlist_hit(p: Parcel, views: Sequence[EntityView], policy: Policy) -> Reason | None:
    """An entity of the parcel is on a watch or black list."""
    hits = [(v.kind, sorted(v.history.lists)) for v in views if v.history.lists]
    if not hits:
        return None
    kind, names = hits[0]
    return reason(
        "WATCHLIST_HIT",
        entity=kind,
        lists=names,
        hits=[{"entity": k, "lists": n} for k, n in hits],
        words={**_words(kind), "list_name": names[0], "list_zh": _LISTS_ZH.get(names[0], names[0])},
    )


def prior_violations(p: Parcel, views: Sequence[EntityView], policy: Policy) -> Reason | None:
    """An entity with confirmed violations within a year (two within a year: hold, 刑法 art. 153)."""
    rule = policy.history.prior_violations
    start = years_before(p.at_ms, rule.window_years)
    # A party's ID and phone are one person (刑法 art. 153 adds up a person's penalties): their violations
    # count together, one parcel's violation recorded under both once, two parcels of one instant twice.
    found: dict[str, tuple[set[str], list[tuple[int, str]]]] = {}
    for v in views:
        parcels = {parcel for t, parcel in v.history.violations if start <= t < p.at_ms}
        if parcels:
            seen, kinds = found.setdefault(_PERSON.get(v.kind, v.kind), (set(), []))
            seen |= parcels
            kinds.append((len(parcels), v.kind))
    if not found:
        return None
    # Most violations; the entity named is the one holding most of them (among equals, the greatest name).
    violated, counted = max(found.values(), key=lambda f: (len(f[0]), max(f[1])))
    count, kind, named = len(violated), max(counted)[1], sorted(k for _, k in counted)
    return reason(
        "PRIOR_VIOLATIONS",
        outcome="hold" if count >= rule.hold_count else "inspect",
        entity=kind,
        **({"entities": named} if len(named) > 1 else {}),
        violations=count,
        window_years=rule.window_years,
        since=datetime.fromtimestamp(start // 1000, BEIJING).isoformat(),
        hold_count=rule.hold_count,
        words=_words(kind),
    )


def years_before(at_ms: int, years: int) -> int:
    """The same Beijing date and time `years` calendar years before (29 February falls back to the 28th)."""
    local = datetime.fromtimestamp(at_ms // 1000, BEIJING)
    try:
        start = local.replace(year=local.year - years)
    except ValueError:
        start = local.replace(year=local.year - years, day=28)
    return int(start.timestamp()) * 1000 + at_ms % 1000


HISTORY_RULES: tuple[HistoryRule, ...] = (
    watchlist_hit,
    ant_moving_sender,
    ant_moving_receiver,
    cbec_order_limit,
    cbec_annual_limit,
    prior_violations,
    near_limit_split,
    same_goods_fanout,
    velocity_spike,
)


def history_unavailable(p: Parcel, policy: Policy) -> Reason:
    """The decision was taken without history (the store did not answer)."""
    u = policy.history.unavailable
    outcome = u.cross_border if p.cross_border else u.domestic
    return reason("HISTORY_UNAVAILABLE", outcome=outcome, lane=p.waybill.service, cross_border=p.cross_border)
