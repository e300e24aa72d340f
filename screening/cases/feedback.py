"""The feedback loop's way into the history store: confirmed violations of entity keys."""

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import anyio

from screening.engine import ParcelSeen
from screening.history import HistoryStore
from screening.watchlists import Ledger


class ViolationRecorder(Protocol):
    """Records confirmed violations of a parcel's entities and finds a scored parcel's entities."""

    async def record(self, *, entity_keys: Sequence[str], at_ms: int, parcel: str) -> None:
        """Count one confirmed violation for each entity key (once per parcel); durable when it returns."""
        ...

    async def seen_parcel(self, *, carrier: str, waybill_no: str, reported_at: datetime) -> ParcelSeen:
        """Entity keys (→ kind) and pickup of a parcel scored in the 30 days to reported_at, if known."""
        ...


class EntitiesLookup(Protocol):
    """What the engine offers for parcels without a case."""

    async def seen_parcel(self, *, carrier: str, waybill_no: str, reported_at: datetime) -> ParcelSeen:
        """Entity keys (→ kind) and pickup of a parcel the engine scored before reported_at."""
        ...


class HistoryViolations:
    """Violations written to the engine's ledger (replayed at start) and then to its history store."""

    def __init__(self, *, history: HistoryStore, ledger: Ledger, engine: EntitiesLookup) -> None:
        self._history = history
        self._ledger = ledger
        self._engine = engine

    async def record(self, *, entity_keys: Sequence[str], at_ms: int, parcel: str) -> None:
        """Ledger first (so the embedded store gets them back after a restart), then the store."""
        # The same record shape as Engine.record_violations, which replays the ledger at start.
        records: list[dict[str, object]] = [
            {"op": "violation", "key": key, "at_ms": at_ms, "parcel": parcel} for key in entity_keys
        ]
        await anyio.to_thread.run_sync(self._ledger.append, records)
        for key in entity_keys:
            await self._history.record_violation(entity=key, at_ms=at_ms, parcel=parcel)

    async def seen_parcel(self, *, carrier: str, waybill_no: str, reported_at: datetime) -> ParcelSeen:
        """Ask the engine."""
        return await self._engine.seen_parcel(carrier=carrier, waybill_no=waybill_no, reported_at=reported_at)
