"""Event-time windows: all windows at once give the figures of each window computed alone."""

from hypothesis import given, settings
from hypothesis import strategies as st

from features.windows import DAY_MS, WINDOWS_MS, window_stats, window_stats_all
from screening.history.events import ParcelEvent

NOW = 1_800_000_000_000


def event(parcel: str, at_ms: int, value: float, goods: str, counterpart: str) -> ParcelEvent:
    return ParcelEvent(
        parcel=parcel,
        at_ms=at_ms,
        value_cny=value,
        limit_cny=800.0,
        cross_border=True,
        cbec=False,
        goods=goods,
        counterpart=counterpart,
        digest="d",
    )


past = st.lists(
    st.tuples(
        st.integers(-35 * DAY_MS, DAY_MS),  # before and (late events) after the current parcel
        st.floats(1, 2000, allow_nan=False),
        st.sampled_from(["g1", "g2", ""]),
        st.sampled_from(["c1", "c2", "c3", ""]),
    ),
    max_size=25,
)


@settings(max_examples=300, deadline=None)
@given(past)
def test_all_windows_at_once_equal_each_window_alone(rows: list[tuple[int, float, str, str]]) -> None:
    events = [event(f"P{i}", NOW - age, v, g, c) for i, (age, v, g, c) in enumerate(rows)]
    current = event("NOW", NOW, 790.0, "g1", "c1")
    together = window_stats_all(events, current, band=0.9, linked_max=5)
    assert list(together) == list(WINDOWS_MS)
    for name in WINDOWS_MS:
        assert together[name] == window_stats(events, current, window=name, band=0.9, linked_max=5)


def test_a_parcel_seen_for_the_first_time_has_only_itself_in_every_window() -> None:
    stats = window_stats_all([], event("NOW", NOW, 100.0, "g1", "c1"), band=0.9, linked_max=5)
    assert {name: s.parcels for name, s in stats.items()} == dict.fromkeys(WINDOWS_MS, 1)
