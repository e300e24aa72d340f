"""What only the embedded store has: bounded memory without a server."""

import pytest

from screening.history import EmbeddedHistoryStore, ParcelEvent, StoredDecision

pytestmark = pytest.mark.anyio

T0 = 1_772_413_200_000


def make_event(parcel: str = "SF:1", at_ms: int = T0) -> ParcelEvent:
    """A domestic parcel event."""
    return ParcelEvent(parcel, at_ms, 10.0, 0.0, False, False, "books", "rad:1", "d")


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_decision_is_forgotten_after_its_ttl() -> None:
    clock = Clock()
    store = EmbeddedHistoryStore(decision_ttl_s=60, clock=clock)
    await store.remember_decision(parcel="SF:1", digest="d", decision_json=b"{}")

    clock.now += 59.9
    assert (await store.observe(parcel="SF:1", entities={})).previous == StoredDecision("d", b"{}")
    clock.now += 0.1
    assert (await store.observe(parcel="SF:1", entities={})).previous is None


async def test_decisions_beyond_the_maximum_evict_the_least_recently_used() -> None:
    store = EmbeddedHistoryStore(max_decisions=2)
    for parcel in ("SF:1", "SF:2"):
        await store.remember_decision(parcel=parcel, digest=parcel, decision_json=b"{}")
    await store.observe(parcel="SF:1", entities={})
    await store.remember_decision(parcel="SF:3", digest="SF:3", decision_json=b"{}")

    previous = {p: (await store.observe(parcel=p, entities={})).previous for p in ("SF:1", "SF:2", "SF:3")}

    assert {p for p, d in previous.items() if d is not None} == {"SF:1", "SF:3"}


async def test_entities_beyond_the_maximum_evict_the_least_recently_written_but_keep_lists() -> None:
    store = EmbeddedHistoryStore(max_entities=2)
    await store.set_listed(entity="sid:a", list_name="black", listed=True)
    for n, entity in enumerate(("sid:a", "sid:b", "sid:c")):
        await store.observe(parcel=f"SF:{n}", entities={entity: make_event(f"SF:{n}", T0 + n)})

    history = (await store.observe(parcel="SF:9", entities={"sid:a": make_event("SF:9")})).entities["sid:a"]

    assert history.events == ()
    assert history.lists == {"black"}
