"""What the history store keeps per entity and the compact text form both stores use."""

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

EntityKey = str

_BEIJING = timezone(timedelta(hours=8))
_FIELDS = 8


@dataclass(frozen=True, slots=True)
class ParcelEvent:
    """One parcel as seen from one entity's history."""

    parcel: str
    at_ms: int
    value_cny: float
    limit_cny: float
    cross_border: bool
    cbec: bool
    goods: str
    counterpart: str
    digest: str


@dataclass(frozen=True, slots=True)
class EntityHistory:
    """One entity's state before the observed parcel (that parcel excluded)."""

    events: tuple[ParcelEvent, ...]
    first_seen_ms: int | None
    violations: tuple[int, ...]
    cbec_year_cny: float
    lists: frozenset[str]


@dataclass(frozen=True, slots=True)
class StoredDecision:
    """The decision remembered for a parcel, with the digest of the body it was made for."""

    digest: str
    decision_json: bytes


@dataclass(frozen=True, slots=True)
class Observation:
    """What observe() returns: the remembered decision and every entity's history."""

    previous: StoredDecision | None
    entities: dict[EntityKey, EntityHistory]


def to_cents(value_cny: float) -> int:
    """A CNY amount as integer cents."""
    return round(value_cny * 100)


def beijing_year(at_ms: int) -> int:
    """The Beijing-time (UTC+8) calendar year of an epoch-millisecond instant."""
    return datetime.fromtimestamp(at_ms // 1000, tz=_BEIJING).year


def encode_event(e: ParcelEvent) -> str:
    """parcel|at_ms|value_cents|limit_cents|flags|goods|counterpart|digest (flags: 1 cross-border, 2 cbec)."""
    for text in (e.parcel, e.goods, e.counterpart, e.digest):
        if "|" in text:
            raise ValueError(f"'|' is not allowed in event text fields: {text!r}")
    flags = (1 if e.cross_border else 0) | (2 if e.cbec else 0)
    return (
        f"{e.parcel}|{e.at_ms}|{to_cents(e.value_cny)}|{to_cents(e.limit_cny)}|{flags}"
        f"|{e.goods}|{e.counterpart}|{e.digest}"
    )


def decode_event(s: str) -> ParcelEvent:
    """The inverse of encode_event."""
    parts = s.split("|")
    if len(parts) != _FIELDS:
        raise ValueError(f"not an encoded event: {s!r}")
    return _event(parts)


def decode_events(joined: str) -> list[ParcelEvent]:
    """Events encoded by encode_event and joined with '|' (each has a fixed number of fields)."""
    if not joined:
        return []
    parts = joined.split("|")
    if len(parts) % _FIELDS:
        raise ValueError(f"not a sequence of encoded events: {joined[:200]!r}")
    return [_event(parts[i : i + _FIELDS]) for i in range(0, len(parts), _FIELDS)]


def _event(parts: list[str]) -> ParcelEvent:
    parcel, at_ms, value, limit, flags, goods, counterpart, digest = parts
    bits = int(flags)
    return ParcelEvent(
        parcel=parcel,
        at_ms=int(at_ms),
        value_cny=int(value) / 100,
        limit_cny=int(limit) / 100,
        cross_border=bool(bits & 1),
        cbec=bool(bits & 2),
        goods=goods,
        counterpart=counterpart,
        digest=digest,
    )
