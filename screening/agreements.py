"""The agreement-customer registry (协议客户): who signed a safety agreement, and until when."""

import asyncio
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from redis.asyncio import Redis, RedisCluster
from redis.exceptions import RedisClusterException, RedisError

from screening.errors import Unavailable
from screening.metrics import STORE_ERRORS
from screening.registry_csv import CsvRegistry, parse_csv_entries

log = logging.getLogger(__name__)
_UNREAD = object()
_FAILURES = (RedisError, RedisClusterException, OSError, TimeoutError)
# The whole registry, written or read: 50,000 agreements took 0.8 s to write and 0.5 s to read (parsed) here.
BULK_TIMEOUT_S = 10.0

AgreementStatus = Literal["active", "suspended", "expired", "not_yet_valid", "unknown"]


class Agreement(BaseModel):
    """One agreement customer as loaded from CSV or the admin API."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # As on a waybill: any agreement number the carrier prints (HT/2026/0042, 协议2026-001).
    contract_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    name: str = Field(min_length=1, max_length=200)
    carrier: str | None = Field(default=None, pattern=r"^[A-Z]{2,8}$")
    status: Literal["active", "suspended"] = "active"
    valid_from: date | None = None
    valid_until: date | None = None

    @field_validator("valid_until", mode="after")
    @classmethod
    def _after_first_day(cls, value: date | None, info: ValidationInfo) -> date | None:
        first = info.data.get("valid_from")
        if value is not None and first is not None and value < first:
            raise PydanticCustomError("agreement_dates", "valid_until is before valid_from", {})
        return value


class AgreementRegistry(CsvRegistry[Agreement]):
    """The registry, shared by the workers through its CSV file; a restart keeps what the admin API loaded.

    The embedded form, for one node: RedisAgreementRegistry shares it between nodes.
    """

    FIELDS = ("contract_id", "name", "carrier", "status", "valid_from", "valid_until")

    def __init__(self, path: Path | None = None, *, seeded: Path | None = None) -> None:
        # One customer may sign with several carriers: each (customer, carrier) is its own agreement.
        super().__init__(path, parse=parse_agreements_csv, key=_key)
        self._seeded = seeded

    @property
    def version_key(self) -> str | None:
        """The Redis key whose value moves with every change (None: status() looks at the file itself)."""
        return None

    async def refresh(self) -> None:
        """Read what other workers saved since the last look."""
        self._refresh()

    async def moved(self, version: bytes | None) -> bool:
        """Whether the registry changed since this snapshot, given its version read elsewhere (the snapshot is
        then read again)."""
        return False

    async def put(self, entries: Sequence[Agreement], *, replace: bool = True) -> int:
        """Add or replace agreements (replace=False: add only those not there yet); returns how many."""
        return self.upsert(entries, replace=replace)

    async def listing(self) -> list[Agreement]:
        """Every agreement, by key, as saved now."""
        return self.all()

    async def close(self) -> None:
        """Release what the registry holds (the file form holds nothing open)."""

    async def load(self, seed: str | None) -> None:
        """At start: seed from the operator's file, if any (see seed_plan); the file as seeded is kept beside
        the registry, for the next start."""
        if seed is None:
            return
        seeded, text = self._seeded, seed
        last = seeded.read_text(encoding="utf-8") if seeded is not None and seeded.exists() else ""
        changed, rows = seed_plan(text, last)
        self.upsert(changed, replace=True)
        self.upsert(rows, replace=False)
        if seeded is not None:
            # The file as seeded, for the next start to tell which rows the operator changed since.
            seeded.parent.mkdir(parents=True, exist_ok=True)
            tmp = seeded.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(seeded)

    def status(self, contract_id: str | None, *, on: date, carrier: str) -> AgreementStatus:
        """Whether the agreement is usable on that day for a parcel of that carrier."""
        # A safety agreement is signed with one carrier (快递暂行条例 art. 31); to others it is unknown. One
        # registered without a carrier stands for every carrier that has none of its own.
        self._refresh()
        agreement = self._by_id.get(_key_of(contract_id or "", carrier)) or self._by_id.get(
            _key_of(contract_id or "", None)
        )
        if agreement is None:
            return "unknown"
        if agreement.status == "suspended":
            return "suspended"
        if agreement.valid_until and on > agreement.valid_until:
            return "expired"
        if agreement.valid_from and on < agreement.valid_from:
            return "not_yet_valid"
        return "active"


def _key_of(contract_id: str, carrier: str | None) -> str:
    # A carrier code has no "|" (its pattern), so the last "|" parts the key, whatever the contract id holds.
    return f"{contract_id}|{carrier or ''}"


def _key(agreement: Agreement) -> str:
    return _key_of(agreement.contract_id, agreement.carrier)


def parse_agreements_csv(text: str) -> list[Agreement]:
    """Agreements from CSV text; every bad row is reported with its line number."""
    return parse_csv_entries(text, Agreement, lambda row: {k: v.strip() or None for k, v in row.items()})


def seed_plan(text: str, last: str) -> tuple[list[Agreement], list[Agreement]]:
    """What seeding the operator's file does, given the file as last seeded: (rows that replace the
    registry's, rows added where the registry lacks them).

    Rows the file changed since the last seed replace the registry's; a row the file left as it was keeps what
    the admin API made of it (a worker's restart must not undo that), so suspending a customer in the file
    takes effect.
    """
    rows = parse_agreements_csv(text)
    before = {_key(a): a for a in parse_agreements_csv(last)}
    return [a for a in rows if before.get(_key(a), a) != a], rows


def read_seed_file(path: Path) -> str:
    """The operator's agreements file as text."""
    # utf-8-sig: a spreadsheet saves its CSV with a byte-order mark, which the upload route takes too.
    return path.read_text(encoding="utf-8-sig")


# Adds or replaces agreements (field, JSON, 1 to replace or 0 to add only where missing), keeps the seeded
# file's text when one is given (ARGV[1]: '' for none, else '=' and the text) and moves the version, in one
# step; its keys share one hash tag (Redis Cluster).
_PUT = """
for i = 2, #ARGV, 3 do
  if ARGV[i + 2] == '1' then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  else
    redis.call('HSETNX', KEYS[1], ARGV[i], ARGV[i + 1])
  end
end
if ARGV[1] ~= '' then
  redis.call('SET', KEYS[3], string.sub(ARGV[1], 2))
end
return redis.call('INCR', KEYS[2])
"""


class RedisAgreementRegistry(AgreementRegistry):
    """The registry in a Redis hash that every node reads (ARCHITECTURE), on a client of its own.

    Each worker holds a snapshot for status(), read again when the version key has moved since. The engine
    reads the version of a contract customer's parcel in the history's round trip (moved()), and a batch's
    once (refresh(), one GET), so a change made through any node holds for the next parcel everywhere.
    """

    def __init__(
        self,
        client: "Redis | RedisCluster",
        *,
        prefix: str = "scr:",
        timeout_s: float = 0.2,
        bulk_timeout_s: float = BULK_TIMEOUT_S,
        legacy: Path | None = None,
    ) -> None:
        # The client's own socket timeouts must allow bulk_timeout_s: timeout_s bounds the version's GET.
        super().__init__(None)
        self._client = client
        self._timeout_s = timeout_s
        self._bulk_timeout_s = max(timeout_s, bulk_timeout_s)
        base = f"{prefix}{{agreements}}"
        self._keys = (base, base + ":v", base + ":seeded")
        # The version key's value when the hash was last read; _UNREAD before the first read.
        self._version: bytes | object | None = _UNREAD
        # The data dir's CSV of a release that kept the registry there: taken over once, while Redis has none.
        self._legacy = legacy

    @property
    def version_key(self) -> str:
        """The key of the registry's version, which every change moves."""
        return self._keys[1]

    async def refresh(self) -> None:
        """Read the hash again if its version moved; with Redis away, status() goes on with the snapshot."""
        await self._read(force=False)

    async def moved(self, version: bytes | None) -> bool:
        """Whether the registry changed since this snapshot, given its version read elsewhere (the snapshot is
        then read again)."""
        if version == self._version:
            return False
        await self._read(force=True)
        return True

    async def put(self, entries: Sequence[Agreement], *, replace: bool = True) -> int:
        """Add or replace agreements for every node; raises Unavailable when Redis does not answer."""
        await self._put([(a, replace) for a in entries], seeded=None)
        return len(entries)

    async def listing(self) -> list[Agreement]:
        """Every agreement, by key, as Redis holds them now."""
        if not await self._read(force=True):
            raise Unavailable("agreement registry: Redis did not answer")
        return self.all()

    async def close(self) -> None:
        """Close the registry's client."""
        await self._client.aclose()

    async def load(self, seed: str | None) -> None:
        """At start: take over an earlier release's CSV while Redis holds no registry, then seed from the
        operator's file (see seed_plan), keeping the file as seeded in Redis for every node's next start."""
        try:
            async with asyncio.timeout(self._bulk_timeout_s):
                last, version = await self._client.mget(self._keys[2], self._keys[1])
        except _FAILURES as exc:
            raise Unavailable(f"agreement registry: {exc!r}") from exc
        puts: list[tuple[Agreement, bool]] = []
        if version is None and self._legacy is not None and self._legacy.exists():
            puts += [(a, False) for a in AgreementRegistry(self._legacy).all()]
        if seed is not None:
            changed, rows = seed_plan(seed, _text(last))
            puts += [(a, True) for a in changed] + [(a, False) for a in rows]
        if puts or seed is not None:
            await self._put(puts, seeded=seed)
        else:
            await self._read(force=True)

    async def _read(self, *, force: bool) -> bool:
        try:
            async with asyncio.timeout(self._timeout_s):
                version = await self._client.get(self._keys[1])
            if version == self._version and not force:
                return True
            async with asyncio.timeout(self._bulk_timeout_s):
                raw = await self._client.hgetall(self._keys[0])
        except _FAILURES:
            STORE_ERRORS.labels("agreements", "read").inc()
            log.warning("agreement registry: Redis did not answer; status() uses the registry as last read")
            return False
        self._by_id = dict(_decoded(raw))
        self._version = version
        return True

    async def _put(self, entries: Sequence[tuple[Agreement, bool]], *, seeded: str | None) -> None:
        args: list[str] = ["" if seeded is None else "=" + seeded]
        for agreement, replace in entries:
            args += [_key(agreement), agreement.model_dump_json(), "1" if replace else "0"]
        try:
            async with asyncio.timeout(self._bulk_timeout_s):
                await self._client.eval(_PUT, len(self._keys), *self._keys, *args)
        except _FAILURES as exc:
            STORE_ERRORS.labels("agreements", "put").inc()
            raise Unavailable(f"agreement registry: {exc!r}") from exc
        await self._read(force=True)


def _text(value: bytes | str | None) -> str:
    return value.decode() if isinstance(value, bytes) else value or ""


def _decoded(raw: Mapping[bytes | str, bytes | str]) -> Iterator[tuple[str, Agreement]]:
    for field, value in raw.items():
        try:
            yield _text(field), Agreement.model_validate_json(value)
        except ValueError:
            # Written by hand or by a later release: the other agreements still count.
            log.exception("agreement registry: field %r does not parse; left out", field)
