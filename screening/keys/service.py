"""API keys: create, list, revoke, and resolve a presented key through a short-lived in-memory cache."""

import hashlib
import logging
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

import sqlalchemy as sa
from sqlalchemy.orm import Session

from screening.db import Database
from screening.errors import Forbidden, InvalidInput, NotFound, Unavailable
from screening.keys.tables import ApiKey
from screening.people.roles import Role

log = logging.getLogger("screening.keys")

KeyKind = Literal["carrier", "customs", "admin"]
KEY_KINDS: tuple[KeyKind, ...] = get_args(KeyKind)

# What a key acts as once presented. A customs system works cases like an officer (no unmasking,
# no audit reading); an admin key holds the admin role; a carrier key holds no role: it scores.
KEY_ROLES: dict[KeyKind, tuple[Role, ...]] = {"carrier": (), "customs": ("officer",), "admin": ("admin",)}

# Which keys a route accepts. Routes name one of these, never a list of their own.
COURIER_SYSTEMS: tuple[KeyKind, ...] = ("carrier",)
CUSTOMS_SYSTEMS: tuple[KeyKind, ...] = ("customs",)
# A parcel's decision is read back by the carrier that scored it and by customs (the contract).
DECISION_READERS: tuple[KeyKind, ...] = ("carrier", "customs")
ADMIN_SYSTEMS: tuple[KeyKind, ...] = ("admin",)

_SCOPE = {
    "carrier": re.compile(r"^[A-Z]{2,8}$"),
    "customs": re.compile(r"^[A-Za-z0-9._-]{2,24}$"),
    "admin": re.compile(r"^[A-Za-z0-9._-]{2,24}$"),
}
PREFIX_CHARS = 16


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """A key as the service knows it (never the key itself)."""

    id: int
    prefix: str
    kind: KeyKind
    scope: str
    label: str | None
    rate_per_s: float | None
    created_at: datetime
    revoked_at: datetime | None

    @property
    def roles(self) -> tuple[Role, ...]:
        """The roles the key acts with."""
        return KEY_ROLES[self.kind]

    @property
    def actor(self) -> str:
        """How the audit trail names the key: kind, scope and its public prefix."""
        return f"key:{self.kind}:{self.scope}:{self.prefix}"


def key_hash(token: str) -> str:
    """SHA-256 of a presented key: keys are long random strings, so a fast hash is enough."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _info(row: ApiKey) -> KeyInfo:
    kind: KeyKind = row.kind  # type: ignore[assignment]
    return KeyInfo(
        id=row.id,
        prefix=row.prefix,
        kind=kind,
        scope=row.scope,
        label=row.label,
        rate_per_s=row.rate_per_s,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


def create_key(
    session: Session,
    *,
    kind: KeyKind,
    scope: str,
    now: datetime,
    label: str | None = None,
    rate_per_s: float | None = None,
) -> tuple[str, KeyInfo]:
    """A new key: the key itself (shown once, never stored) and what is stored of it."""
    if kind not in KEY_KINDS:
        raise InvalidInput.field(("kind",), f"kind must be one of {', '.join(KEY_KINDS)}", "enum")
    if not _SCOPE[kind].match(scope):
        raise InvalidInput.field(("scope",), f"{scope!r} is not a valid {kind} name", "pattern")
    if rate_per_s is not None and rate_per_s <= 0:
        raise InvalidInput.field(("rate_per_s",), "the rate must be positive", "greater_than")
    token = f"scr_{kind[:3]}_{secrets.token_urlsafe(32)}"
    row = ApiKey(
        key_hash=key_hash(token),
        prefix=token[:PREFIX_CHARS],
        kind=kind,
        scope=scope,
        label=label,
        rate_per_s=rate_per_s,
        created_at=now,
        revoked_at=None,
    )
    session.add(row)
    session.flush()
    return token, _info(row)


def list_keys(session: Session) -> list[KeyInfo]:
    """Every key, revoked ones included, oldest first."""
    return [_info(r) for r in session.scalars(sa.select(ApiKey).order_by(ApiKey.id))]


def revoke_key(session: Session, *, ref: str, now: datetime) -> KeyInfo:
    """Revoke a key by id or prefix (NotFound when none or several match); revoking twice is a no-op."""
    query = sa.select(ApiKey).where(ApiKey.id == int(ref)) if ref.isdigit() else None
    if query is None:
        query = sa.select(ApiKey).where(ApiKey.prefix.startswith(ref, autoescape=True))
    # Locked while read: a revocation at the same moment waits, then finds the key revoked and keeps the time.
    rows = list(session.scalars(query.with_for_update()))
    if len(rows) != 1:
        raise NotFound(f"{len(rows)} keys match {ref!r}; give the id or a longer prefix")
    row = rows[0]
    if row.revoked_at is None:
        row.revoked_at = now
    return _info(row)


def find_key(session: Session, *, digest: str) -> KeyInfo | None:
    """The live key with this SHA-256, None when unknown or revoked."""
    row = session.scalar(sa.select(ApiKey).where(ApiKey.key_hash == digest))
    if row is None or row.revoked_at is not None:
        return None
    return _info(row)


def ensure_own_carrier(key: KeyInfo | None, carrier: str) -> None:
    """A carrier key reaches only its own carrier's waybills (no key: development mode, anything)."""
    if key is not None and key.kind == "carrier" and key.scope != carrier:
        raise Forbidden(f"this key is for carrier {key.scope}; carrier {carrier} is not its own")


@dataclass(slots=True)
class _Cached:
    info: KeyInfo | None
    fresh_until: float


class KeyRing:
    """Presented keys resolved through SQL at most once per ttl_s per key (a revoke lands within ttl_s).

    When SQL does not answer, a key seen before keeps working on what was last read, so couriers
    are still answered; a key never seen gets Unavailable.
    """

    def __init__(
        self,
        db: Database,
        *,
        ttl_s: float,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._clock = clock
        self._cache: dict[str, _Cached] = {}

    async def lookup(self, token: str) -> KeyInfo | None:
        """The live key behind a presented key, None when unknown or revoked."""
        digest = key_hash(token)
        now = self._clock()
        cached = self._cache.get(digest)
        if cached is not None and cached.fresh_until > now:
            return cached.info
        try:
            info = await self.db.read(lambda s: find_key(s, digest=digest))
        except Unavailable:
            if cached is None or cached.info is None:
                raise
            log.warning("key database unavailable: key %s used as last read", cached.info.prefix)
            cached.fresh_until = now + self.ttl_s
            return cached.info
        if len(self._cache) >= self.max_entries:
            # Unknown keys are cached too (so guessing costs no SQL); bound the memory they take.
            self._cache.clear()
        self._cache[digest] = _Cached(info, now + self.ttl_s)
        return info


class TokenBuckets:
    """Per-key token buckets: rate_per_s sustained, burst at once; in this process only.

    With several workers each keeps its own buckets, so a key gets up to workers x its rate; a
    shared limit would keep the buckets in Redis (one small script per request, keyed by key id).
    """

    def __init__(self, *, rate_per_s: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate_per_s = rate_per_s
        self.burst = burst
        self._clock = clock
        self._buckets: dict[int, tuple[float, float]] = {}  # key id -> (tokens, at)

    def take(self, key_id: int, *, rate_per_s: float | None = None) -> float:
        """Take one token: 0.0 when allowed, else the seconds until one is available."""
        rate = rate_per_s or self.rate_per_s
        burst = float(self.burst) if rate_per_s is None else max(1.0, 2 * rate_per_s)
        now = self._clock()
        tokens, at = self._buckets.get(key_id, (burst, now))
        tokens = min(burst, tokens + (now - at) * rate)
        if tokens >= 1.0:
            self._buckets[key_id] = (tokens - 1.0, now)
            return 0.0
        self._buckets[key_id] = (tokens, now)
        return (1.0 - tokens) / rate
