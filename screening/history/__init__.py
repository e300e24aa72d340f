"""Per-entity parcel history in event time: the interface, its events and two implementations."""

from screening.history.embedded import EmbeddedHistoryStore
from screening.history.events import (
    EntityHistory,
    EntityKey,
    Observation,
    ParcelEvent,
    Span,
    StoredDecision,
    beijing_year,
    decode_event,
    encode_event,
)
from screening.history.redis import RedisHistoryStore
from screening.history.store import HistoryStore, HistoryUnavailable

__all__ = [
    "EmbeddedHistoryStore",
    "EntityHistory",
    "EntityKey",
    "HistoryStore",
    "HistoryUnavailable",
    "Observation",
    "ParcelEvent",
    "RedisHistoryStore",
    "Span",
    "StoredDecision",
    "beijing_year",
    "decode_event",
    "encode_event",
]
