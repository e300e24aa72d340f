"""What the history store keeps per entity and the compact binary form the Redis store uses.

An event is stored as a hash field (its parcel, see encode_field) and a value: a 12-byte head >HIiH
(flags in the top 6 bits of H, at_ms in the other 42 bits, value in cents, limit in whole yuan;
>HIii when the limit has cents, >HIqq when an amount does not fit int32), then the goods signature
(6 raw bytes for 12 hex digits; for several articles' such signatures joined by GOODS_SEP, a length byte
with its top bit set and 6 raw bytes each; else length-prefixed text), the first 8 characters of the body
digest (4 raw bytes for hex, else length-prefixed text) and the short counterpart key (the rest).
"""

import functools
import re
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import NamedTuple

from features.windows import GOODS_SEP

EntityKey = str

_BEIJING = timezone(timedelta(hours=8))
_HEAD = struct.Struct(">HIiH")
_CENTS_HEAD = struct.Struct(">HIii")
_WIDE_HEAD = struct.Struct(">HIqq")
_CROSS, _CBEC, _GOODS_RAW, _DIGEST_RAW, _WIDE, _LIMIT_CENTS = 1, 2, 4, 8, 16, 32
_I32_MIN, _I32_MAX = -(2**31), 2**31 - 1
_MAX_AT = 2**42
_HEX = frozenset("0123456789abcdef")
_GOODS_HEX = 12
# A text part's length byte never has its top bit set (_MAX_TEXT): with it, the goods are raw signatures.
_RAW_LINES = 0x80
_MAX_RAW_LINES = 0x7F // (_GOODS_HEX // 2)
_DIGEST = 8
_SHORT_COUNTERPART = 15
_MAX_TEXT = 64
_MAX_PARCEL = 200
# carrier:[letters]number, the number without a leading zero (SF:SF1400238817561, STO:773012345678).
_NUMBERED = re.compile(r"([A-Za-z0-9]{1,16}):([A-Z]{0,4})([1-9][0-9]{0,18})")


# A NamedTuple, not a frozen dataclass: every past event of a history is decoded into one, built in a
# sixth of the time.
class ParcelEvent(NamedTuple):
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


class Span(NamedTuple):
    """How much of a history observe() gives whole.

    Events within detail_ms before the observed parcel (and any after it) come whole; older ones only
    as counts (those within wide_ms, and of them the cross-border ones) and times: what the widest
    window's figures and a daily median read of them.
    """

    detail_ms: int
    wide_ms: int
    # Kinds of entity (an EntityKey's prefix, before its ':') whose histories come whole all the same: a
    # few events each, which a rule adds up however far apart they lie (an e-commerce order's lots).
    whole_kinds: frozenset[str] = frozenset()

    def of(self, entity: EntityKey) -> "Span | None":
        """The span an entity's history is observed with (None: every event whole)."""
        return None if entity.partition(":")[0] in self.whole_kinds else self


@dataclass(frozen=True, slots=True)
class EntityHistory:
    """One entity's state before the observed parcel (that parcel excluded)."""

    events: tuple[ParcelEvent, ...]
    first_seen_ms: int | None
    # Confirmed violations as (at_ms, parcel), in time order: one a parcel, however many share an instant.
    violations: tuple[tuple[int, str], ...]
    cbec_year_cny: float
    lists: frozenset[str]
    # The newest instant of a parcel the store let go to keep its event cap: before it, events may be missing.
    dropped_until_ms: int | None = None
    # The parcels the cap let go within the horizon behind this parcel: (start of their pickup hour, count).
    dropped_hours: tuple[tuple[int, int], ...] = ()
    # Observed with a Span: the events older than its detail, not in events (see Span).
    older: int = 0
    older_cross: int = 0
    older_heads: bytes = b""

    def times(self) -> list[int]:
        """The pickup times of every event held, older ones included, in no particular order."""
        return [e.at_ms for e in self.events] + head_times(self.older_heads)


@dataclass(frozen=True, slots=True)
class StoredDecision:
    """The decision remembered for a parcel, with the digest of the body it was made for."""

    digest: str
    decision_json: bytes
    # Only from observe(): another call is deciding a body of this digest now and has not remembered its
    # decision yet (decision_json is empty); recall() gives the decision once it is there.
    pending: bool = False


@dataclass(frozen=True, slots=True)
class Observation:
    """What observe() returns: the remembered decision and every entity's history."""

    previous: StoredDecision | None
    entities: dict[EntityKey, EntityHistory]
    # The value of the key observe() was asked to watch, read in the same round trip (None: none, no Redis).
    watched: bytes | None = None


def to_cents(value_cny: float) -> int:
    """A CNY amount as integer cents."""
    return round(value_cny * 100)


def beijing_year(at_ms: int) -> int:
    """The Beijing-time (UTC+8) calendar year of an epoch-millisecond instant."""
    return datetime.fromtimestamp(at_ms // 1000, tz=_BEIJING).year


def short_counterpart(counterpart: str) -> str:
    """The stored form of a counterpart key: 11 base64 characters (66 bits) of its HMAC when longer."""
    if len(counterpart) <= _SHORT_COUNTERPART:
        return counterpart
    return counterpart[counterpart.find(":") + 1 :][:11]


def stored_event(e: ParcelEvent) -> ParcelEvent:
    """The event as a store gives it back: short counterpart key and digest, everything else exact."""
    counterpart, digest = short_counterpart(e.counterpart), e.digest[:_DIGEST]
    if counterpart == e.counterpart and digest == e.digest:
        return e
    return ParcelEvent(
        e.parcel, e.at_ms, e.value_cny, e.limit_cny, e.cross_border, e.cbec, e.goods, counterpart, digest
    )


def encode_field(parcel: str) -> bytes:
    """A parcel as a hash field: carrier[\x1fletters]|number bytes for a numbered waybill, else as is."""
    match = _NUMBERED.fullmatch(parcel)
    if match is not None:
        carrier, letters, number = match[1], match[2], int(match[3])
        head = f"{carrier}\x1f{letters}|" if letters else f"{carrier}|"
        return head.encode() + number.to_bytes((number.bit_length() + 7) // 8, "big")
    if "|" in parcel:
        raise ValueError(f"'|' is not allowed in a parcel: {parcel!r}")
    raw = parcel.encode()
    if not raw or len(raw) > _MAX_PARCEL:
        raise ValueError(f"a parcel must have 1 to {_MAX_PARCEL} bytes: {parcel!r}")
    return raw


def decode_field(field: bytes) -> str:
    """The inverse of encode_field."""
    head, sep, number = field.partition(b"|")
    if not sep:
        return field.decode()
    carrier, _, letters = head.decode().partition("\x1f")
    return f"{carrier}:{letters}{int.from_bytes(number, 'big')}"


def encode_event(e: ParcelEvent) -> bytes:
    """An event without its parcel (the field): head, goods, digest, counterpart; see the module docstring."""
    at = e.at_ms
    if not 0 <= at < _MAX_AT:
        raise ValueError(f"at_ms out of range: {at}")
    flags = (_CROSS if e.cross_border else 0) | (_CBEC if e.cbec else 0)
    value, limit = to_cents(e.value_cny), to_cents(e.limit_cny)
    goods, digest = e.goods, e.digest[:_DIGEST]
    if len(goods) == _GOODS_HEX and _HEX.issuperset(goods):
        flags |= _GOODS_RAW
        goods_part = bytes.fromhex(goods)
    elif _raw_lines(goods):
        raw = bytes.fromhex(goods.replace(GOODS_SEP, ""))
        goods_part = bytes((_RAW_LINES | len(raw),)) + raw
    else:
        goods_part = _text(goods)
    if len(digest) == _DIGEST and _HEX.issuperset(digest):
        flags |= _DIGEST_RAW
        digest_part = bytes.fromhex(digest)
    else:
        digest_part = _text(digest)
    if _I32_MIN <= value <= _I32_MAX and 0 <= limit < 6_553_600 and limit % 100 == 0:
        head = _HEAD.pack(at >> 32 | flags << 10, at & 0xFFFFFFFF, value, limit // 100)
    elif _I32_MIN <= value <= _I32_MAX and _I32_MIN <= limit <= _I32_MAX:
        head = _CENTS_HEAD.pack(at >> 32 | (flags | _LIMIT_CENTS) << 10, at & 0xFFFFFFFF, value, limit)
    else:
        head = _WIDE_HEAD.pack(at >> 32 | (flags | _WIDE) << 10, at & 0xFFFFFFFF, value, limit)
    counterpart = short_counterpart(e.counterpart).encode()
    if len(counterpart) > _MAX_TEXT:
        raise ValueError(f"counterpart too long: {e.counterpart!r}")
    return head + goods_part + digest_part + counterpart


def decode_event(field: bytes, data: bytes, counterpart: tuple[str, str] = ("", "")) -> ParcelEvent:
    """The inverse of encode_event; a stored counterpart counterpart[0] comes back as counterpart[1]."""
    hi, lo, value, limit = _HEAD.unpack_from(data)
    flags = hi >> 10
    at = (hi & 0x3FF) << 32 | lo
    limit *= 100
    i = _HEAD.size
    if flags & _LIMIT_CENTS:
        _, _, value, limit = _CENTS_HEAD.unpack_from(data)
        i = _CENTS_HEAD.size
    elif flags & _WIDE:
        _, _, value, limit = _WIDE_HEAD.unpack_from(data)
        i = _WIDE_HEAD.size
    if not flags & _GOODS_RAW and data[i] & _RAW_LINES:
        n = data[i] & ~_RAW_LINES
        raw, i = data[i + 1 : i + 1 + n].hex(), i + 1 + n
        goods = GOODS_SEP.join(raw[j : j + _GOODS_HEX] for j in range(0, len(raw), _GOODS_HEX))
    else:
        goods, i = _part(data, i, raw=_GOODS_HEX // 2 if flags & _GOODS_RAW else 0)
    digest, i = _part(data, i, raw=_DIGEST // 2 if flags & _DIGEST_RAW else 0)
    stored = data[i:].decode()
    return ParcelEvent(
        parcel=decode_field(field),
        at_ms=at,
        value_cny=value / 100,
        limit_cny=limit / 100,
        cross_border=bool(flags & _CROSS),
        cbec=bool(flags & _CBEC),
        goods=goods,
        counterpart=counterpart[1] if stored == counterpart[0] else stored,
        digest=digest,
    )


_TIME_HEAD = struct.Struct(">HI")
# The parcels the event cap lets go are counted by the hour of their pickup: a bounded count, where times
# would grow with the entity's volume.
HOUR_MS = 3_600_000


def time_head(e: ParcelEvent) -> bytes:
    """The first 6 bytes of an encoded event: its flags and pickup time."""
    flags = (_CROSS if e.cross_border else 0) | (_CBEC if e.cbec else 0)
    return _TIME_HEAD.pack(e.at_ms >> 32 | flags << 10, e.at_ms & 0xFFFFFFFF)


def head_times(heads: bytes) -> list[int]:
    """The pickup times of events given by their first 6 bytes, one after the other."""
    return [(hi & 0x3FF) << 32 | lo for hi, lo in _TIME_HEAD.iter_unpack(heads)]


def decode_record(record: bytes) -> ParcelEvent:
    """An event from its record <field length><field><event>, as the observe script returns it."""
    n = record[0]
    return decode_event(record[1 : 1 + n], record[1 + n :])


# An event never changes once stored, and an entity's events come back with each of its parcels: the
# same bytes are decoded again and again (a third of the history's CPU per waybill), so the decoded
# event is kept, keyed by its record. 131,072 events are some 40 MB in each worker.
_decoded = functools.lru_cache(maxsize=131_072)(decode_record)


def _part(data: bytes, i: int, *, raw: int) -> tuple[str, int]:
    """The text part at i (raw bytes as hex when raw > 0, else length-prefixed) and where the next begins."""
    if raw:
        return data[i : i + raw].hex(), i + raw
    n = data[i]
    return data[i + 1 : i + 1 + n].decode(), i + 1 + n


def decode_events(records: Iterable[bytes], current: ParcelEvent | None = None) -> list[ParcelEvent]:
    """Events from their records; current's counterpart comes back whole."""
    try:
        events = [_decoded(r) for r in records]
    except (IndexError, struct.error, UnicodeDecodeError) as exc:
        raise ValueError(f"not an encoded event record: {exc}") from exc
    return events if current is None else whole_counterparts(events, current)


def body_digest(entities: Mapping[EntityKey, ParcelEvent]) -> str | None:
    """The digest of the body a parcel's events came from (they all carry it), None without events."""
    return next((e.digest for e in entities.values()), None) or None


def whole_counterparts(events: list[ParcelEvent], current: ParcelEvent) -> list[ParcelEvent]:
    """The events, the counterpart stored short given back whole where it is the current parcel's."""
    short, whole = short_counterpart(current.counterpart), current.counterpart
    if short == whole:
        return events
    return [e._replace(counterpart=whole) if e.counterpart == short else e for e in events]


def _raw_lines(goods: str) -> bool:
    """Several articles' signatures, each of 12 hex digits, that fit a length byte with the top bit set."""
    lines = goods.split(GOODS_SEP)
    return (
        1 < len(lines) <= _MAX_RAW_LINES
        and all(len(line) == _GOODS_HEX for line in lines)
        and _HEX.issuperset(goods.replace(GOODS_SEP, ""))
    )


def _text(text: str) -> bytes:
    raw = text.encode()
    if len(raw) > _MAX_TEXT:
        raise ValueError(f"event text field too long: {text!r}")
    return bytes((len(raw),)) + raw
