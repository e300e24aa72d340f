"""The history store interface and the limits both implementations share."""

from collections.abc import Mapping, Sequence
from typing import Protocol

from screening.errors import HistoryUnavailable
from screening.history.events import EntityKey, Observation, ParcelEvent, Span, StoredDecision

__all__ = [
    "DAY_MS",
    "DEFAULT_DECISION_TTL_S",
    "DEFAULT_HORIZON_MS",
    "DEFAULT_MAX_CBEC",
    "DEFAULT_MAX_EVENTS",
    "LONG_KEEP_MS",
    "HistoryStore",
    "HistoryUnavailable",
]

DAY_MS = 86_400_000
DEFAULT_HORIZON_MS = 30 * DAY_MS + 3_600_000
DEFAULT_MAX_EVENTS = 2000
# Entities with more tracked cbec parcels than this are platforms, not persons: their further
# contributions still add to the year sums but are no longer kept one by one.
DEFAULT_MAX_CBEC = 5000
DEFAULT_DECISION_TTL_S = 30 * 86_400
LONG_KEEP_MS = 400 * DAY_MS
# How long a parcel stays marked as being decided when its decision is never remembered (a call that died).
PENDING_MS = 5_000


class HistoryStore(Protocol):
    """Per-entity parcel history in event time."""

    async def observe(
        self,
        *,
        parcel: str,
        entities: Mapping[EntityKey, ParcelEvent],
        span: Span | None = None,
        watch: str | None = None,
    ) -> Observation:
        """Return every entity's history before this parcel and add the parcel to each; one round trip.

        With a span, events older than its detail come as counts and times only (Span). With no decision
        remembered, the parcel is marked as being decided (for PENDING_MS, or until its decision is
        remembered) by the body of its events' digest: an observe() meanwhile gives that mark as previous.
        watch: a key of the same Redis whose value comes back as Observation.watched in that round trip (the
        agreement registry's version); a store of no Redis gives None.
        """
        ...

    async def remember_decision(self, *, parcel: str, digest: str, decision_json: bytes) -> None:
        """Keep the decision made for a parcel so a re-send can find it."""
        ...

    async def observe_many(
        self,
        parcels: Sequence[tuple[str, Mapping[EntityKey, ParcelEvent]]],
        span: Span | None = None,
        *,
        retake: bool = False,
    ) -> list[Observation]:
        """observe() for each parcel in order, in one round trip (parcels must be distinct); retake: the
        parcels were observed before and that is taken back first, all of them, in the same round trip."""
        ...

    async def remember_many(self, decisions: Sequence[tuple[str, str, bytes]]) -> None:
        """remember_decision() for each (parcel, digest, decision_json), in one round trip."""
        ...

    async def remember_soon(self, decisions: Sequence[tuple[str, str, bytes]]) -> None:
        """remember_many() without a round trip of its own: the writes ride on the store's next one, soon.

        recall() in this process finds them at once, and close() writes what still waits.
        """
        ...

    async def recall(self, *, parcel: str) -> StoredDecision | None:
        """The decision remembered for a parcel, if any (read only)."""
        ...

    async def forget(self, *, parcel: str, entities: Sequence[EntityKey]) -> None:
        """Remove a parcel's events and cbec contribution from these entities."""
        ...

    async def record_violation(self, *, entity: EntityKey, at_ms: int, parcel: str) -> None:
        """Record a confirmed violation of an entity (once per parcel)."""
        ...

    async def set_listed(self, *, entity: EntityKey, list_name: str, listed: bool) -> None:
        """Put an entity on a list or take it off."""
        ...

    async def ping(self) -> bool:
        """Whether the store answers now."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...
