"""History store on Redis or Redis Cluster: one Lua script call per entity, one round trip per parcel."""

import asyncio
import contextlib
import math
from collections.abc import Iterable, Mapping, Sequence
from importlib import resources
from operator import attrgetter
from typing import Any, NamedTuple, Self

from redis.asyncio import Redis, RedisCluster
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import NoScriptError, RedisClusterException, RedisError, ResponseError

from screening import metrics
from screening.history.events import (
    HOUR_MS,
    EntityHistory,
    EntityKey,
    Observation,
    ParcelEvent,
    Span,
    StoredDecision,
    beijing_year,
    body_digest,
    decode_events,
    encode_event,
    encode_field,
    to_cents,
)
from screening.history.store import (
    DEFAULT_DECISION_TTL_S,
    DEFAULT_HORIZON_MS,
    DEFAULT_MAX_CBEC,
    DEFAULT_MAX_EVENTS,
    LONG_KEEP_MS,
    PENDING_MS,
    HistoryUnavailable,
)

__all__ = ["RedisHistoryStore"]

# Keys of one entity share the hash tag {entity}, so each script stays in one cluster slot:
#   {prefix}{entity}     hash encoded parcel -> encoded event (events.py), and '|f' first seen,
#                        '|y' oldest cbec year, '|c<year>' cbec sums, '|l:<list>' lists, '|t' dropped up to,
#                        '|d<hour>' parcels of that pickup hour the cap let go
#   {prefix}{entity}:cb  hash encoded parcel -> "year:cents" (cbec entities only)
#   {prefix}{entity}:v   zset parcel -> violation at_ms (violators only)
#   {prefix}{d:<parcel>} "digest|decision json", or "?digest" while a body is being decided (claim.lua)
# An event takes ~49 bytes of listpack, so an ordinary entity is one hash: 391 bytes with 5 events
# (python -m loadtest.memory), where the former five keys an entity took 1,783.
_SCRIPTS = ("observe", "forget", "violation", "listed", "claim", "remember")
_FAILURES = (RedisError, RedisClusterException, OSError, TimeoutError)

# (script name, keys, args) for EVALSHA, or (None, (), command) for a plain command.
_Call = tuple[str | None, tuple[str, ...], tuple[str | int | bytes, ...]]


class _Waiting(NamedTuple):
    """A decision remembered soon: its parcel, the decision key's value, and the call writing it."""

    parcel: str
    value: bytes
    call: _Call


# How long a decision remembered soon waits for another call's round trip to ride on before it is written on
# its own. Under load the next parcel's round trip comes sooner; a re-send meanwhile finds the parcel claimed
# (claim.lua) and polls for it, and in this process recall() finds it at once.
REMEMBER_SOON_S = 0.005
# After a failed round trip the decisions it carried wait again, tried this often with no other call, and at
# most this many (the oldest dropped beyond).
REMEMBER_RETRY_S = 1.0
REMEMBER_WAITING_MAX = 10_000


_SOURCES = {
    name: (resources.files("screening.history") / "scripts" / f"{name}.lua").read_text(encoding="utf-8")
    for name in _SCRIPTS
}


def _str(raw: bytes | str) -> str:
    return raw.decode() if isinstance(raw, bytes) else raw


def connect(
    url: str, *, cluster: bool = False, timeout_s: float = 0.2, socket_timeouts: bool = True
) -> Redis | RedisCluster:
    """A client for redis://host:port (any node of the cluster when cluster=True), as the service uses one.

    socket_timeouts=False: reads and writes have no timeout of their own, for a caller that bounds each
    call as a whole (asyncio.timeout); connecting still times out.
    """
    # No client-side retries: the caller falls back at once and the next call reconnects.
    common: dict[str, Any] = {
        # redis-py bounds each write with asyncio.wait_for, a task of its own a write.
        "socket_timeout": timeout_s if socket_timeouts else None,
        "socket_connect_timeout": timeout_s,
        "retry": Retry(NoBackoff(), 0),
        "decode_responses": False,
    }
    return RedisCluster.from_url(url, **common) if cluster else Redis.from_url(url, **common)


class RedisHistoryStore:
    """HistoryStore on Redis; every script touches the keys of one entity, so it runs on Redis Cluster."""

    def __init__(
        self,
        client: "Redis | RedisCluster",
        *,
        prefix: str = "scr:",
        horizon_ms: int = DEFAULT_HORIZON_MS,
        max_events: int = DEFAULT_MAX_EVENTS,
        max_cbec: int = DEFAULT_MAX_CBEC,
        decision_ttl_s: int = DEFAULT_DECISION_TTL_S,
        timeout_s: float = 0.2,
    ) -> None:
        if "{" in prefix or "}" in prefix:
            raise ValueError("the key prefix must not contain braces: the entity is the hash tag")
        # The store owns the client from here on: close() closes it.
        self._client = client
        self._prefix = prefix
        self._decision_ttl_ms = decision_ttl_s * 1000
        self._timeout_s = timeout_s
        # The same for every entity and call: packed once.
        self._limits = (horizon_ms, max_events, LONG_KEEP_MS, max_cbec, LONG_KEEP_MS)
        self._shas: dict[str, str] = {}
        # remember_soon(): SETs waiting for the next round trip, and their values by parcel until they land.
        self._soon: list[_Waiting] = []
        self._soon_values: dict[str, bytes] = {}
        self._soon_timer: asyncio.TimerHandle | None = None
        self._flushes: set[asyncio.Task[None]] = set()

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        cluster: bool = False,
        prefix: str = "scr:",
        timeout_s: float = 0.2,
        **options: Any,
    ) -> Self:
        """A store on a new client for redis://host:port (any node of the cluster when cluster=True)."""
        return cls(
            # Every call is bounded as a whole in _execute (ping() too).
            connect(url, cluster=cluster, timeout_s=timeout_s, socket_timeouts=False),
            prefix=prefix,
            timeout_s=timeout_s,
            **options,
        )

    async def observe(
        self,
        *,
        parcel: str,
        entities: Mapping[EntityKey, ParcelEvent],
        span: Span | None = None,
        watch: str | None = None,
    ) -> Observation:
        """Return every entity's history before this parcel and add the parcel to each; one round trip (the
        watched key's GET in it)."""
        return (await self._observe_many([(parcel, entities)], span, retake=False, watch=watch))[0]

    async def observe_many(
        self,
        parcels: Sequence[tuple[str, Mapping[EntityKey, ParcelEvent]]],
        span: Span | None = None,
        *,
        retake: bool = False,
    ) -> list[Observation]:
        """observe() for each parcel in order, in one round trip (parcels must be distinct); retake: their
        earlier observation is taken back first, all of them, in the same round trip."""
        return await self._observe_many(parcels, span, retake=retake, watch=None)

    async def _observe_many(
        self,
        parcels: Sequence[tuple[str, Mapping[EntityKey, ParcelEvent]]],
        span: Span | None,
        *,
        retake: bool,
        watch: str | None,
    ) -> list[Observation]:
        if len({parcel for parcel, _ in parcels}) != len(parcels):
            raise ValueError("observe_many takes each parcel once: observe a re-sent parcel in a later call")
        calls: list[_Call] = []
        if retake:
            # All taken back before any is observed again: else one would see the next one's first event.
            for parcel, entities in parcels:
                field = encode_field(parcel)
                calls += [("forget", self._entity_keys(e)[:2], (field,)) for e in entities]
        taken = len(calls)
        for parcel, entities in parcels:
            # Taken again, a parcel's mark is this call's own from its first observation: not claimed again.
            key = self._decision_key(parcel)
            calls.append((None, (), ("GET", key)) if retake else _claim(key, entities))
            args: dict[tuple[ParcelEvent, Span | None], tuple[str | int | bytes, ...]] = {}
            for entity, event in entities.items():
                if event.parcel != parcel:
                    raise ValueError(f"event of {event.parcel!r} observed as {parcel!r}")
                spanned = span and span.of(entity)
                if (event, spanned) not in args:
                    edges = (0, 0) if spanned is None else (spanned.detail_ms, spanned.wide_ms)
                    args[event, spanned] = (*self._observe_args(event), *edges)
                calls.append(("observe", self._entity_keys(entity), args[event, spanned]))
        if watch is not None:
            calls.append((None, (), ("GET", watch)))
        results = (await self._execute(calls))[taken:]
        watched = results.pop() if watch is not None else None
        out, at = [], 0
        for _, entities in parcels:
            replies = results[at + 1 : at + 1 + len(entities)]
            out.append(
                Observation(
                    previous=_unless_pending(_decision(results[at])) if retake else _decision(results[at]),
                    entities={
                        entity: _history(raw, event)
                        for (entity, event), raw in zip(entities.items(), replies, strict=True)
                    },
                    watched=watched,
                )
            )
            at += 1 + len(entities)
        return out

    async def remember_decision(self, *, parcel: str, digest: str, decision_json: bytes) -> None:
        """Keep the decision made for a parcel for decision_ttl_s."""
        await self.remember_many([(parcel, digest, decision_json)])

    async def remember_many(self, decisions: Sequence[tuple[str, str, bytes]]) -> None:
        """remember_decision() for each (parcel, digest, decision_json), in one round trip."""
        await self._execute([self._remember_call(parcel, value) for parcel, value in _stored(decisions)])

    async def remember_soon(self, decisions: Sequence[tuple[str, str, bytes]]) -> None:
        """remember_many(), written with this store's next round trip (within REMEMBER_SOON_S), not its own.

        recall() in this process finds them at once; close() writes what still waits. A round trip that fails
        leaves them waiting for the next; written late, a decision does not replace another body's.
        """
        for (parcel, value), (_, digest, _) in zip(_stored(decisions), decisions, strict=True):
            call: _Call = ("remember", (self._decision_key(parcel),), (value, self._decision_ttl_ms, digest))
            self._soon.append(_Waiting(parcel, value, call))
            self._soon_values[parcel] = value
        self._arm(REMEMBER_SOON_S)

    def _remember_call(self, parcel: str, value: bytes) -> _Call:
        return (None, (), ("SET", self._decision_key(parcel), value, "PX", self._decision_ttl_ms))

    def _arm(self, delay_s: float) -> None:
        if self._soon_timer is None:
            self._soon_timer = asyncio.get_running_loop().call_later(delay_s, self._flush_soon)

    def _disarm(self) -> None:
        if self._soon_timer is not None:
            self._soon_timer.cancel()
            self._soon_timer = None

    def _flush_soon(self) -> None:
        self._soon_timer = None
        if self._soon:
            task = asyncio.get_running_loop().create_task(self._flush())
            self._flushes.add(task)  # held until done: the loop keeps only a weak reference
            task.add_done_callback(self._flushes.discard)

    async def _flush(self) -> None:
        with contextlib.suppress(HistoryUnavailable):
            await self._execute([])

    async def forget(self, *, parcel: str, entities: Sequence[EntityKey]) -> None:
        """Remove a parcel's events and cbec contribution from these entities."""
        try:
            field = encode_field(parcel)
        except ValueError:
            return  # observe() refuses such a parcel, so no entity holds it.
        await self._execute([("forget", self._entity_keys(e)[:2], (field,)) for e in entities])

    async def record_violation(self, *, entity: EntityKey, at_ms: int, parcel: str) -> None:
        """Record a confirmed violation of an entity (once per parcel)."""
        key = self._entity_keys(entity)[2]
        await self._execute([("violation", (key,), (parcel, at_ms, LONG_KEEP_MS, LONG_KEEP_MS))])

    async def set_listed(self, *, entity: EntityKey, list_name: str, listed: bool) -> None:
        """Put an entity on a list or take it off."""
        key = self._entity_keys(entity)[0]
        await self._execute([("listed", (key,), (list_name, 1 if listed else 0, LONG_KEEP_MS))])

    async def recall(self, *, parcel: str) -> StoredDecision | None:
        """The decision remembered for a parcel, if any."""
        waiting = self._soon_values.get(parcel)
        if waiting is not None:
            return _decision(waiting)
        results = await self._execute([(None, (), ("GET", self._decision_key(parcel)))])
        return _unless_pending(_decision(results[0]))

    async def ping(self) -> bool:
        """Whether Redis answers within the timeout."""
        try:
            async with asyncio.timeout(self._timeout_s):
                return bool(await self._client.ping())
        except _FAILURES:
            return False

    async def close(self) -> None:
        """Write the decisions remembered soon, then close the client and its connections."""
        self._disarm()
        await asyncio.gather(*self._flushes)
        await self._flush()
        self._disarm()
        if self._soon:
            metrics.STORE_ERRORS.labels("history", "remember").inc(len(self._soon))
            self._soon.clear()
            self._soon_values.clear()
        await self._client.aclose()

    def _decision_key(self, parcel: str) -> str:
        return f"{self._prefix}{{d:{parcel}}}"

    def _entity_keys(self, entity: EntityKey) -> tuple[str, str, str]:
        base = f"{self._prefix}{{{entity}}}"
        return base, base + ":cb", base + ":v"

    def _observe_args(self, event: ParcelEvent) -> tuple[str | int | bytes, ...]:
        return (
            encode_field(event.parcel),
            encode_event(event),
            1 if event.cbec else 0,
            beijing_year(event.at_ms),
            to_cents(event.value_cny),
            *self._limits,
        )

    async def _execute(self, calls: Sequence[_Call]) -> list[Any]:
        # Decisions remembered soon go first: a later observe() of the same parcel must find them.
        waiting, self._soon = self._soon, []
        if waiting:
            self._disarm()
        if not waiting and not calls:
            return []
        sent = [*(w.call for w in waiting), *calls] if waiting else calls
        try:
            async with asyncio.timeout(self._timeout_s):
                if not self._shas:
                    await self._load_scripts()
                results = await self._pipeline(sent)
                if any(isinstance(r, NoScriptError) for r in results):
                    # A restarted or failed-over node lost its script cache; every call is idempotent.
                    await self._load_scripts()
                    results = await self._pipeline(sent)
        except _FAILURES as exc:
            self._wait_again(waiting)
            if isinstance(self._client, RedisCluster) and not isinstance(exc, ResponseError):
                # Rediscover the cluster's nodes and slots on the next call.
                with contextlib.suppress(*_FAILURES):
                    await self._client.aclose()
            raise HistoryUnavailable(f"history store: {exc!r}") from exc
        except BaseException:
            self._wait_again(waiting)  # cancelled: written or not, they are tried again
            raise
        for w, r in zip(waiting, results, strict=False):
            if isinstance(r, Exception):
                metrics.STORE_ERRORS.labels("history", "remember").inc()
            if self._soon_values.get(w.parcel) is w.value:
                del self._soon_values[w.parcel]
        results = results[len(waiting) :]
        for r in results:
            if isinstance(r, Exception):
                raise HistoryUnavailable(f"history store: {r!r}") from r
        return results

    def _wait_again(self, waiting: Sequence["_Waiting"]) -> None:
        """Put back what a failed round trip carried, before what was remembered meanwhile."""
        if not waiting:
            return
        self._soon[:0] = waiting
        dropped = len(self._soon) - REMEMBER_WAITING_MAX
        if dropped > 0:
            metrics.STORE_ERRORS.labels("history", "remember").inc(dropped)
            for w in self._soon[:dropped]:
                if self._soon_values.get(w.parcel) is w.value:
                    del self._soon_values[w.parcel]
            del self._soon[:dropped]
        self._arm(REMEMBER_RETRY_S)

    async def _pipeline(self, calls: Sequence[_Call]) -> list[Any]:
        if isinstance(self._client, Redis):
            return await self._send(calls)
        pipe = self._client.pipeline(transaction=False)
        for script, keys, args in calls:
            if script is None:
                pipe.execute_command(*args)
            else:
                # Not pipe.evalsha(): redis-py's cluster pipeline blocks that method, though it routes
                # EVALSHA by its keys when the command is queued as is.
                pipe.execute_command("EVALSHA", self._shas[script], len(keys), *keys, *args)
        return await pipe.execute(raise_on_error=False)

    async def _send(self, calls: Sequence[_Call]) -> list[Any]:
        # One node: the calls packed by hand and written at once on one pooled connection. redis-py's
        # pipeline packs argument by argument and was the largest part of the history's CPU per waybill.
        assert isinstance(self._client, Redis)
        packed = _packed_calls(calls, self._shas)
        pool = self._client.connection_pool
        connection = await pool.get_connection()  # type: ignore[no-untyped-call]
        try:
            await connection.send_packed_command(packed, check_health=False)
            results: list[Any] = []
            for _ in calls:
                try:
                    # No per-read timeout: _execute bounds the whole round trip.
                    results.append(await connection.read_response(timeout=math.inf))
                except ResponseError as exc:
                    results.append(exc)
        except BaseException:
            # A half-read connection must not go back to the pool.
            await connection.disconnect(nowait=True)
            raise
        finally:
            await pool.release(connection)
        return results

    async def _load_scripts(self) -> None:
        # SCRIPT LOAD goes to every primary of a cluster.
        self._shas = {name: _str(await self._client.script_load(source)) for name, source in _SOURCES.items()}


# Most text and number arguments come back call after call (the command, the script, entity keys, limits,
# years): their packed form is kept, up to a bound, instead of being formatted again for every parcel.
_BULK: dict[str | int, bytes] = {}
_BULK_MAX = 65_536


def _packed_calls(calls: Sequence[_Call], shas: dict[str, str]) -> bytes:
    """Calls in the Redis protocol, scripts as EVALSHA, ready to write."""
    out: list[bytes] = []
    # A parcel's entities share one arguments tuple (observe_many): its bulk strings are packed once.
    tails: dict[int, bytes] = {}
    for script, keys, args in calls:
        if script is None:
            out.append(b"*%d\r\n" % len(args))
            _pack(args, out)
            continue
        tail = tails.get(id(args))
        if tail is None:
            tail = tails[id(args)] = _packed_args(args)
        out.append(b"*%d\r\n" % (3 + len(keys) + len(args)))
        _pack(("EVALSHA", shas[script], len(keys), *keys), out)
        out.append(tail)
    return b"".join(out)


def _packed_args(args: Sequence[str | int | bytes]) -> bytes:
    out: list[bytes] = []
    _pack(args, out)
    return b"".join(out)


def _pack(args: Iterable[str | int | bytes], out: list[bytes]) -> None:
    """Append each argument as a RESP bulk string."""
    for arg in args:
        if isinstance(arg, bytes):
            out.append(b"$%d\r\n%b\r\n" % (len(arg), arg))
            continue
        kept = type(arg) is str or type(arg) is int  # not a bool, though True == 1 as a key
        bulk = _BULK.get(arg) if kept else None
        if bulk is None:
            data = str(arg).encode()
            bulk = b"$%d\r\n%b\r\n" % (len(data), data)
            if kept:
                if len(_BULK) >= _BULK_MAX:
                    _BULK.clear()
                _BULK[arg] = bulk
        out.append(bulk)


def _claim(key: str, entities: Mapping[EntityKey, ParcelEvent]) -> _Call:
    """The parcel's remembered decision, claiming the parcel for its events' body when there is none."""
    digest = body_digest(entities)
    if not digest:
        return (None, (), ("GET", key))
    return ("claim", (key,), (_PENDING + digest.encode(), PENDING_MS))


_PENDING = b"?"


def _stored(decisions: Sequence[tuple[str, str, bytes]]) -> list[tuple[str, bytes]]:
    """(parcel, the decision key's value) of each (parcel, digest, decision_json)."""
    stored = []
    for parcel, digest, decision_json in decisions:
        if "|" in digest:
            raise ValueError("'|' is not allowed in a digest")
        stored.append((parcel, digest.encode() + b"|" + decision_json))
    return stored


def _unless_pending(decision: StoredDecision | None) -> StoredDecision | None:
    return None if decision is None or decision.pending else decision


def _decision(raw: bytes | str | None) -> StoredDecision | None:
    if raw is None:
        return None
    data = raw.encode() if isinstance(raw, str) else raw
    if data.startswith(_PENDING):
        return StoredDecision(digest=data[1:].decode(), decision_json=b"", pending=True)
    digest, _, decision_json = data.partition(b"|")
    return StoredDecision(digest=digest.decode(), decision_json=decision_json)


_AT = attrgetter("at_ms")
_TIME_ORDER = attrgetter("at_ms", "parcel")


def _history(raw: list[Any], current: ParcelEvent) -> EntityHistory:
    first_seen, cbec_cents, lists, violations, records, dropped, older_heads, older, older_cross, hours = raw
    # By time alone, an int key, and again by (time, parcel) only where two parcels share an instant: the
    # tuple key cost a third more on the large histories, which come in the hash's own order.
    events = sorted(decode_events(records, current), key=_AT)
    if len(set(map(_AT, events))) != len(events):
        events.sort(key=_TIME_ORDER)
    firsts = [int(first_seen)] if first_seen else []
    if events:
        firsts.append(events[0].at_ms)
    return EntityHistory(
        events=tuple(events),
        first_seen_ms=min(firsts) if firsts else None,
        # ZRANGEBYSCORE gives them by time, then by parcel: the order the embedded store sorts them in.
        violations=tuple(zip(map(int, violations[1::2]), map(_str, violations[::2]), strict=True)),
        cbec_year_cny=int(cbec_cents) / 100,
        lists=frozenset(_str(name) for name in lists),
        dropped_until_ms=int(dropped) if dropped else None,
        dropped_hours=_hour_counts(hours) if hours else (),
        older=int(older),
        older_cross=int(older_cross),
        older_heads=older_heads,
    )


def _hour_counts(flat: list[int]) -> tuple[tuple[int, int], ...]:
    """observe.lua's {hour, count, hour, count...} as (start of the hour in ms, count) pairs."""
    return tuple((int(hour) * HOUR_MS, int(n)) for hour, n in zip(flat[::2], flat[1::2], strict=True))
