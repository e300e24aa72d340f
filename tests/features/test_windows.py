"""Event-time windows: the one-pass figures equal their plain definitions, all windows at once each alone."""

from math import fsum

from hypothesis import given, settings
from hypothesis import strategies as st

from features.windows import (
    DAY_MS,
    WINDOWS_MS,
    WindowStats,
    goods_lines,
    in_window,
    is_near_limit,
    linked_where,
    window_stats,
    window_stats_all,
)
from screening.history.events import ParcelEvent

NOW = 1_800_000_000_000


def event(
    parcel: str, at_ms: int, value: float, goods: str, counterpart: str, cross_border: bool = True
) -> ParcelEvent:
    return ParcelEvent(
        parcel=parcel,
        at_ms=at_ms,
        value_cny=value,
        limit_cny=800.0 if cross_border else 0.0,
        cross_border=cross_border,
        cbec=False,
        goods=goods,
        counterpart=counterpart,
        digest="d",
    )


def by_definition(events: list[ParcelEvent], current: ParcelEvent, window: str) -> WindowStats:
    """Each figure computed on its own, as the docstrings of WindowStats define it."""
    rows = [*in_window(events, current=current, window_ms=WINDOWS_MS[window]), current]
    cross = [e for e in rows if e.cross_border]
    split = [e for e in cross if e.limit_cny > 0 and e.value_cny < e.limit_cny]
    same = [e for e in cross if e.goods and goods_lines(e.goods)[0] == goods_lines(current.goods)[0]]
    carrying = [[e for e in cross if line in goods_lines(e.goods)] for line in goods_lines(current.goods)]
    return WindowStats(
        parcels=len(rows),
        value_cny=round(fsum(e.value_cny for e in rows), 2),
        near_limit=sum(1 for e in cross if is_near_limit(e.value_cny, e.limit_cny, 0.9)),
        counterparts=len({e.counterpart for e in rows if e.counterpart}),
        cross_border=len(cross),
        split_parcels=len(split),
        split_value_cny=round(fsum(e.value_cny for e in split), 2),
        split_counterparts=len({e.counterpart for e in split if e.counterpart}),
        same_goods=len(same),
        same_goods_counterparts=len({e.counterpart for e in same if e.counterpart}),
        line_goods=tuple((len(c), len({e.counterpart for e in c if e.counterpart})) for c in carrying),
    )


past = st.lists(
    st.tuples(
        # Before and (late events) after the current parcel; often at one of a few instants, as ties.
        st.integers(-35 * DAY_MS, DAY_MS) | st.sampled_from([0, 1, 3_600_000, 2 * DAY_MS, 8 * DAY_MS]),
        st.floats(1, 2000, allow_nan=False),
        st.booleans(),
        # One article, or several (the main, dearest one first).
        st.sampled_from(["g1", "g2", "", "g1+g2", "g2+g1", "g3+g2+g1"]),
        st.sampled_from(["c1", "c2", "c3", ""]),
    ),
    max_size=25,
)

# The current parcel's goods: one article or several (its main article first).
current_goods = st.sampled_from(["g1", "g1+g2", "g2+g3", "g3+g1+g2"])


@settings(max_examples=300, deadline=None)
@given(past, current_goods)
def test_the_figures_of_every_window_equal_their_definitions(
    rows: list[tuple[int, float, bool, str, str]],
    goods: str,
) -> None:
    events = [event(f"P{i % 7}", NOW - age, v, g, c, cross) for i, (age, v, cross, g, c) in enumerate(rows)]
    current = event("P1", NOW, 790.0, goods, "c1", True)
    together = window_stats_all(events, current, band=0.9)
    assert list(together) == list(WINDOWS_MS)
    for name in WINDOWS_MS:
        alone = window_stats(events, current, window=name, band=0.9)
        assert together[name] == alone == by_definition(events, current, name)


@settings(max_examples=300, deadline=None)
@given(past, current_goods)
def test_a_history_in_time_order_gives_the_same_figures_by_bisection(
    rows: list[tuple[int, float, bool, str, str]],
    goods: str,
) -> None:
    # History stores give events in (at_ms, parcel) order: window_stats_all then slices by bisection.
    events = sorted(
        (event(f"P{i}", NOW - age, v, g, c, cross) for i, (age, v, cross, g, c) in enumerate(rows)),
        key=lambda e: (e.at_ms, e.parcel),
    )
    current = event("P1", NOW, 790.0, goods, "c1", True)
    together = window_stats_all(events, current, band=0.9)
    for name in WINDOWS_MS:
        assert together[name] == window_stats(events, current, window=name, band=0.9)
        assert together[name] == by_definition(events, current, name)
    # Parcels of one instant in another order (time order only): the same figures.
    ties_reversed = sorted(events, key=lambda e: (e.at_ms, [-ord(c) for c in e.parcel]))
    assert window_stats_all(ties_reversed, current, band=0.9) == together


def test_a_parcel_seen_for_the_first_time_has_only_itself_in_every_window() -> None:
    stats = window_stats_all([], event("NOW", NOW, 100.0, "g1", "c1"), band=0.9)
    assert {name: s.parcels for name, s in stats.items()} == dict.fromkeys(WINDOWS_MS, 1)


def test_linked_where_names_the_newest_other_parcels_that_match_up_to_now() -> None:
    current = event("NOW", NOW, 790.0, "g1", "c1", True)
    events = [
        event("OLD", NOW - 8 * DAY_MS, 700.0, "g1", "c2", True),  # outside 7 days
        event("A", NOW - 3 * DAY_MS, 700.0, "g1", "c2", True),
        event("DOMESTIC", NOW - 2 * DAY_MS, 50.0, "g1", "c3", False),
        event("B", NOW - DAY_MS, 760.0, "g1", "c3", True),
        event("SAME_INSTANT", NOW, 750.0, "g1", "c4", True),
        event("NOW", NOW, 790.0, "g1", "c1", True),  # the parcel itself
        event("LATER", NOW + 1, 700.0, "g1", "c5", True),
    ]
    cross = [e.parcel for e in events if e.cross_border]
    assert linked_where(events, current, window="7d", linked_max=5, keep=lambda e: e.cross_border) == (
        "SAME_INSTANT",
        "B",
        "A",
    )
    assert linked_where(events, current, window="7d", linked_max=2, keep=lambda e: True) == (
        "SAME_INSTANT",
        "B",
    )
    assert "OLD" in cross and "LATER" in cross  # present, but outside the window or after the parcel
