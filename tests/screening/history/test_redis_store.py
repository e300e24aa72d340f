"""What only the Redis store has: key layout, expiry, cluster routing, script reloads and failing fast."""

import asyncio
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis, RedisCluster
from redis.crc import key_slot

from screening import metrics
from screening.history import HistoryUnavailable, ParcelEvent, RedisHistoryStore
from screening.history import redis as redis_store
from screening.history.store import PENDING_MS
from tests.services_redis import TIMEOUT_S as REDIS_TIMEOUT_S
from tests.services_redis import free_port, start_redis_server, stop_processes

pytestmark = pytest.mark.anyio

DAY_S = 86_400
T0 = 1_772_413_200_000
SENDER = "sid:3q2+7wAbCdEf"


def make_event(parcel: str = "SF:1", at_ms: int = T0, **changes: object) -> ParcelEvent:
    """A cbec parcel event; override any field."""
    fields: dict[str, object] = {
        "parcel": parcel,
        "at_ms": at_ms,
        "value_cny": 88.0,
        "limit_cny": 5000.0,
        "cross_border": True,
        "cbec": True,
        "goods": "milk:a2",
        "counterpart": "rad:9f8e7d",
        "digest": "d41d8cd98f00",
    }
    fields.update(changes)
    return ParcelEvent(**fields)  # type: ignore[arg-type]


@pytest.fixture
def prefix() -> str:
    """A key prefix of this test alone."""
    return f"t{uuid.uuid4().hex[:10]}:"


@pytest.fixture
async def raw(redis_server: int) -> AsyncIterator[Redis]:
    """A plain client on the session's single-node server, to look at the keys."""
    client = Redis(port=redis_server)
    yield client
    await client.aclose()


@pytest.fixture
async def store(redis_server: int, prefix: str) -> AsyncIterator[RedisHistoryStore]:
    """A Redis store on the session's single-node server under this test's prefix."""
    s = RedisHistoryStore.from_url(
        f"redis://127.0.0.1:{redis_server}/0", prefix=prefix, timeout_s=REDIS_TIMEOUT_S
    )
    yield s
    await s.close()


async def test_every_key_of_an_entity_carries_it_as_the_hash_tag(
    store: RedisHistoryStore, raw: Redis, prefix: str
) -> None:
    await store.record_violation(entity=SENDER, at_ms=T0, parcel="SF:0")
    await store.observe(parcel="SF:1", entities={SENDER: make_event()})
    await store.remember_decision(parcel="SF:1", digest="abc", decision_json=b"{}")

    keys = {k.decode() async for k in raw.scan_iter(match=f"{prefix}*")}

    base = f"{prefix}{{{SENDER}}}"
    entity_keys = {base, base + ":cb", base + ":v"}
    assert keys == entity_keys | {f"{prefix}{{d:SF:1}}"}
    assert len({key_slot(k.encode()) for k in entity_keys}) == 1
    assert key_slot(base.encode()) == key_slot(SENDER.encode())


async def test_an_ordinary_entity_is_one_small_listpack_hash(
    store: RedisHistoryStore, raw: Redis, prefix: str
) -> None:
    counterpart = "rph:" + "Q" * 20
    for n in range(5):
        event = make_event(
            f"STO:{77000000000000 + n}",
            T0 + n * 6 * DAY_S * 1000,
            cbec=False,
            goods="0123456789ab",
            counterpart=counterpart,
            digest="0123456789abcdef01234567",
        )
        await store.observe(parcel=event.parcel, entities={SENDER: event})

    keys = [k async for k in raw.scan_iter(match=f"{prefix}*")]
    # Beside the entity, each parcel's mark as being decided (never remembered here), lapsing in seconds.
    marks = [k for k in keys if k.startswith(f"{prefix}{{d:".encode())]
    lives = [await raw.pttl(k) for k in marks]
    assert len(marks) == 5 and all(0 < ms <= PENDING_MS for ms in lives)
    keys = [k for k in keys if k not in marks]
    assert keys == [f"{prefix}{{{SENDER}}}".encode()]
    assert await raw.object("ENCODING", keys[0]) == b"listpack"
    assert await raw.hlen(keys[0]) == 5
    # The listpack itself, without the key: it must stay in jemalloc's 256-byte class.
    assert (await raw.memory_usage(keys[0]) or 0) <= 330


async def test_keys_expire_after_400_days_and_a_listed_entity_never(
    store: RedisHistoryStore, raw: Redis, prefix: str
) -> None:
    await store.record_violation(entity=SENDER, at_ms=T0, parcel="SF:0")
    await store.observe(parcel="SF:1", entities={SENDER: make_event()})
    await store.remember_decision(parcel="SF:1", digest="abc", decision_json=b"{}")
    base = f"{prefix}{{{SENDER}}}"

    for key in (base, base + ":cb", base + ":v"):
        assert 400 * DAY_S - 60 < await raw.ttl(key) <= 400 * DAY_S
    assert 30 * DAY_S - 60 < await raw.ttl(f"{prefix}{{d:SF:1}}") <= 30 * DAY_S

    await store.set_listed(entity=SENDER, list_name="black", listed=True)
    assert await raw.ttl(base) == -1
    await store.observe(parcel="SF:2", entities={SENDER: make_event("SF:2")})
    assert await raw.ttl(base) == -1

    await store.set_listed(entity=SENDER, list_name="black", listed=False)
    assert await raw.ttl(base) > 0


async def test_first_seen_outlives_the_events_and_is_kept_only_once_they_are_gone(
    store: RedisHistoryStore, raw: Redis, prefix: str
) -> None:
    key = f"{prefix}{{{SENDER}}}"
    await store.observe(parcel="SF:1", entities={SENDER: make_event(cbec=False)})
    assert await raw.hkeys(key) == [b"SF|\x01"]

    observation = await store.observe(
        parcel="SF:2", entities={SENDER: make_event("SF:2", T0 + 40 * DAY_S * 1000, cbec=False)}
    )
    assert observation.entities[SENDER].events == ()  # beyond the horizon: kept, not given
    observation = await store.observe(
        parcel="SF:3", entities={SENDER: make_event("SF:3", T0 + 40 * DAY_S * 1000 + 1, cbec=False)}
    )

    assert [e.parcel for e in observation.entities[SENDER].events] == ["SF:2"]
    assert observation.entities[SENDER].first_seen_ms == T0
    assert sorted(await raw.hkeys(key)) == [b"SF|\x02", b"SF|\x03", b"|f"]


async def test_lost_scripts_are_loaded_again(store: RedisHistoryStore, raw: Redis) -> None:
    await store.observe(parcel="SF:1", entities={SENDER: make_event()})
    await raw.script_flush()

    observation = await store.observe(parcel="SF:2", entities={SENDER: make_event("SF:2")})

    assert [e.parcel for e in observation.entities[SENDER].events] == ["SF:1"]


async def test_one_observe_spans_entities_on_every_cluster_node(
    redis_cluster: list[int], prefix: str
) -> None:
    url = f"redis://127.0.0.1:{redis_cluster[0]}"
    store = RedisHistoryStore.from_url(url, cluster=True, prefix=prefix, timeout_s=REDIS_TIMEOUT_S)
    probe = RedisCluster.from_url(url)
    try:
        await probe.initialize()
        entities: list[str] = []
        nodes: set[str] = set()
        n = 0
        while len(nodes) < 3:
            entity = f"sph:{n}"
            node = probe.get_node_from_key(f"{prefix}{{{entity}}}:ev")
            if node is not None and node.name not in nodes:
                nodes.add(node.name)
                entities.append(entity)
            n += 1
        await store.observe(parcel="SF:1", entities=dict.fromkeys(entities, make_event()))
        await probe.script_flush()

        observation = await store.observe(parcel="SF:2", entities=dict.fromkeys(entities, make_event("SF:2")))

        assert all([e.parcel for e in h.events] == ["SF:1"] for h in observation.entities.values())
        assert all(h.cbec_year_cny == 88.0 for h in observation.entities.values())
    finally:
        await store.close()
        await probe.aclose()


@pytest.fixture
def held_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """Decisions remembered soon wait for the next round trip however long it takes."""
    monkeypatch.setattr(redis_store, "REMEMBER_SOON_S", 3600.0)


def count_round_trips(store: RedisHistoryStore, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """A one-item list counting the store's round trips from now on."""
    trips = [0]
    pipeline = store._pipeline

    async def counted(calls: Any) -> list[Any]:
        trips[0] += 1
        return await pipeline(calls)

    monkeypatch.setattr(store, "_pipeline", counted)
    return trips


@pytest.mark.usefixtures("held_back")
async def test_a_decision_remembered_soon_rides_on_the_stores_next_round_trip(
    store: RedisHistoryStore, raw: Redis, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    await store.observe(parcel="SF:1", entities={SENDER: make_event()})  # scripts loaded
    trips = count_round_trips(store, monkeypatch)

    await store.remember_soon([("SF:1", "d41d8cd98f00", b'{"d":1}')])
    assert (trips[0], await raw.get(f"{prefix}{{d:SF:1}}")) == (0, b"?d41d8cd98f00")  # still the claim
    await store.observe(parcel="SF:2", entities={SENDER: make_event("SF:2")})

    assert (trips[0], await raw.get(f"{prefix}{{d:SF:1}}")) == (1, b'd41d8cd98f00|{"d":1}')


async def test_a_decision_remembered_soon_is_written_by_itself_when_no_other_call_comes(
    store: RedisHistoryStore, raw: Redis, prefix: str
) -> None:
    await store.remember_soon([("SF:1", "d41d8cd98f00", b'{"d":1}')])

    for _ in range(400):  # up to 2 s
        if await raw.get(f"{prefix}{{d:SF:1}}") is not None:
            break
        await asyncio.sleep(0.005)
    assert await raw.get(f"{prefix}{{d:SF:1}}") == b'd41d8cd98f00|{"d":1}'
    assert await raw.pttl(f"{prefix}{{d:SF:1}}") > 29 * DAY_S * 1000


@pytest.mark.usefixtures("held_back")
async def test_closing_the_store_writes_the_decisions_still_waiting(
    redis_server: int, raw: Redis, prefix: str
) -> None:
    store = RedisHistoryStore.from_url(f"redis://127.0.0.1:{redis_server}/0", prefix=prefix)
    await store.remember_soon([("SF:1", "aa", b"{}"), ("SF:2", "bb", b"{}")])

    await store.close()

    assert await raw.mget(f"{prefix}{{d:SF:1}}", f"{prefix}{{d:SF:2}}") == [b"aa|{}", b"bb|{}"]


@pytest.mark.usefixtures("held_back")
async def test_a_late_decision_does_not_replace_another_bodys(
    store: RedisHistoryStore, raw: Redis, prefix: str
) -> None:
    await store.observe(parcel="SF:1", entities={SENDER: make_event(digest="aa")})
    await store.remember_soon([("SF:1", "aa", b'{"d":1}')])
    await raw.set(f"{prefix}{{d:SF:1}}", b'bb|{"d":2}')  # a correction decided on another node meanwhile

    await store.observe(parcel="SF:2", entities={SENDER: make_event("SF:2")})

    assert await raw.get(f"{prefix}{{d:SF:1}}") == b'bb|{"d":2}'


@pytest.mark.usefixtures("held_back")
async def test_decisions_whose_round_trip_failed_wait_and_are_written_once_redis_is_back(
    tmp_path: Path,
) -> None:
    port = free_port()
    server = start_redis_server(port, workdir=tmp_path)
    store = RedisHistoryStore.from_url(f"redis://127.0.0.1:{port}", prefix="p:", timeout_s=0.5)
    try:
        await store.observe(parcel="SF:1", entities={SENDER: make_event(digest="aa")})
        await store.remember_soon([("SF:1", "aa", b'{"d":1}')])
        stop_processes([server])
        with pytest.raises(HistoryUnavailable):
            await store.observe(parcel="SF:2", entities={SENDER: make_event("SF:2")})
        assert await store.recall(parcel="SF:1") is not None  # still waiting, here

        server = start_redis_server(port, workdir=tmp_path)
        await store.observe(parcel="SF:3", entities={SENDER: make_event("SF:3")})

        async with Redis(port=port) as raw:
            assert await raw.get("p:{d:SF:1}") == b'aa|{"d":1}'
    finally:
        await store.close()
        stop_processes([server])


@pytest.mark.usefixtures("held_back")
async def test_beyond_the_bound_the_oldest_waiting_decisions_are_dropped_and_counted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(redis_store, "REMEMBER_WAITING_MAX", 2)
    store = RedisHistoryStore.from_url(f"redis://127.0.0.1:{free_port()}", timeout_s=0.2)
    failed = metrics.STORE_ERRORS.labels("history", "remember")
    before = failed._value.get()
    try:
        await store.remember_soon([("SF:1", "aa", b"{}"), ("SF:2", "bb", b"{}"), ("SF:3", "cc", b"{}")])
        with pytest.raises(HistoryUnavailable):
            await store.observe(parcel="SF:4", entities={SENDER: make_event("SF:4")})
        assert failed._value.get() == before + 1
        with pytest.raises(HistoryUnavailable):
            await store.recall(parcel="SF:1")  # dropped: asked of Redis
        assert await store.recall(parcel="SF:3") is not None
    finally:
        await store.close()


@pytest.mark.parametrize("cluster", [False, True], ids=["redis", "cluster"])
async def test_an_unreachable_redis_raises_history_unavailable_quickly(cluster: bool) -> None:
    port = free_port()
    store = RedisHistoryStore.from_url(f"redis://127.0.0.1:{port}", cluster=cluster, timeout_s=0.2)
    try:
        calls: list[Callable[[], Awaitable[object]]] = [
            lambda: store.observe(parcel="SF:1", entities={SENDER: make_event()}),
            lambda: store.remember_decision(parcel="SF:1", digest="d", decision_json=b"{}"),
            lambda: store.forget(parcel="SF:1", entities=[SENDER]),
            lambda: store.record_violation(entity=SENDER, at_ms=T0, parcel="SF:1"),
            lambda: store.set_listed(entity=SENDER, list_name="watch", listed=True),
        ]
        for call in calls:
            started = time.monotonic()
            with pytest.raises(HistoryUnavailable):
                await call()
            assert time.monotonic() - started < 0.5
        assert await store.ping() is False
    finally:
        await store.close()


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        yield listener.getsockname()[1]


async def test_a_redis_that_does_not_answer_raises_history_unavailable_within_the_timeout(
    silent_port: int,
) -> None:
    store = RedisHistoryStore.from_url(f"redis://127.0.0.1:{silent_port}", timeout_s=0.2)
    try:
        started = time.monotonic()
        with pytest.raises(HistoryUnavailable):
            await store.observe(parcel="SF:1", entities={SENDER: make_event()})
        assert time.monotonic() - started < 0.5
        assert await store.ping() is False
    finally:
        await store.close()


async def test_the_store_recovers_by_itself_when_redis_comes_back(tmp_path: Path) -> None:
    port = free_port()
    server = start_redis_server(port, workdir=tmp_path)
    store = RedisHistoryStore.from_url(f"redis://127.0.0.1:{port}", timeout_s=0.5)
    try:
        await store.observe(parcel="SF:1", entities={SENDER: make_event()})
        stop_processes([server])
        with pytest.raises(HistoryUnavailable):
            await store.observe(parcel="SF:2", entities={SENDER: make_event("SF:2")})
        assert await store.ping() is False

        server = start_redis_server(port, workdir=tmp_path)
        assert await store.ping() is True
        observation = await store.observe(parcel="SF:3", entities={SENDER: make_event("SF:3")})
        # Nothing persisted across the restart: the point is that the same store works again.
        assert observation.entities[SENDER].events == ()
    finally:
        await store.close()
        stop_processes([server])


def test_calls_are_packed_as_redis_py_packs_them_call_after_call() -> None:
    from redis.connection import PythonRespSerializer

    from screening.history.redis import _packed_calls

    shared = (b"\x00\x01|", 0, -12, 2026)  # one parcel's arguments, for two of its entities
    calls = [
        ("observe", ("k1", "k2", "k3"), shared),
        (None, (), ("GET", "1", 1)),
        ("observe", ("j1", "j2", "j3"), shared),
        ("forget", ("k1", "k2"), (b"x",)),
    ]
    shas = {"observe": "ab" * 20, "forget": "cd" * 20}
    commands = [
        args if script is None else ("EVALSHA", shas[script], len(keys), *keys, *args)
        for script, keys, args in calls
    ]
    serializer = PythonRespSerializer(1000, lambda v: v if isinstance(v, bytes) else str(v).encode())
    expected = b"".join(b"".join(serializer.pack(*c)) for c in commands)  # type: ignore[no-untyped-call]
    assert _packed_calls(calls, shas) == expected
    assert _packed_calls(calls, shas) == expected, "the kept packed forms give the same bytes"
