"""Micro-benchmark: history read+update cost per waybill and bytes per entity in Redis."""

import argparse
import asyncio
import random
import statistics
import time
import uuid

import redis.asyncio as aioredis

from screening.history.embedded import EmbeddedHistoryStore
from screening.history.events import ParcelEvent
from screening.history.redis import RedisHistoryStore
from screening.history.store import HistoryStore

KINDS = ("sid", "sph", "rid", "rph", "adr", "acct", "ip")


def _events(n_parcels: int, entities_per_kind: int, seed: int) -> list[tuple[str, dict[str, ParcelEvent]]]:
    """A stream of parcels, each touching 7 entities drawn so each entity sees about five parcels."""
    rng = random.Random(seed)
    stream = []
    t0 = 1_762_800_000_000
    for i in range(n_parcels):
        parcel = f"SF:SF{i:012d}"
        at = t0 + i * 60_000
        entities = {}
        for kind in KINDS:
            key = f"{kind}:{rng.randrange(entities_per_kind):08d}"
            entities[key] = ParcelEvent(
                parcel=parcel,
                at_ms=at,
                value_cny=round(rng.uniform(50, 800), 2),
                limit_cny=800.0,
                cross_border=True,
                cbec=False,
                goods=f"{rng.randrange(50):012x}",
                counterpart=f"rph:{rng.randrange(entities_per_kind):08d}",
                digest=uuid.UUID(int=rng.getrandbits(128)).hex[:24],
            )
        stream.append((parcel, entities))
    return stream


async def _time(
    store: HistoryStore, stream: list[tuple[str, dict[str, ParcelEvent]]], warmup: int
) -> list[float]:
    took = []
    for i, (parcel, entities) in enumerate(stream):
        start = time.perf_counter()
        await store.observe(parcel=parcel, entities=entities)
        if i >= warmup:
            took.append((time.perf_counter() - start) * 1e6)
    return took


def _summary(name: str, took: list[float]) -> str:
    took.sort()
    p90 = took[int(len(took) * 0.9)]
    median = statistics.median(took)
    return f"{name}: median {median:.0f} µs, p90 {p90:.0f} µs per waybill (7 entities, n={len(took)})"


async def main(url: str, parcels: int, warmup: int) -> None:
    """Run the benchmark on the embedded store and on Redis at url, then measure memory per entity."""
    stream = _events(parcels + warmup, entities_per_kind=(parcels + warmup) // 5, seed=7)
    embedded = EmbeddedHistoryStore()
    print(_summary("embedded", await _time(embedded, stream, warmup)))
    prefix = f"bench{uuid.uuid4().hex[:8]}:"
    store = RedisHistoryStore.from_url(url, prefix=prefix, timeout_s=5.0)
    try:
        print(_summary("redis", await _time(store, stream, warmup)))
    finally:
        await store.close()
    client = aioredis.Redis.from_url(url)
    try:
        sizes: dict[str, int] = {}
        async for key in client.scan_iter(match=f"{prefix}*", count=1000):
            name = key.decode()
            entity = name[name.index("{") + 1 : name.index("}")]
            sizes[entity] = sizes.get(entity, 0) + int(await client.memory_usage(name) or 0)
        per_entity = statistics.median(sizes.values())
        print(f"redis: median {per_entity:.0f} bytes per entity over {len(sizes)} entities (~5 events each)")
        print(f"redis: 10 million entities x 5 parcels ≈ {per_entity * 10e6 / 2**30:.1f} GiB")
        keys = [k async for k in client.scan_iter(match=f"{prefix}*", count=1000)]
        for i in range(0, len(keys), 500):
            await client.delete(*keys[i : i + 500])
    finally:
        await client.aclose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--parcels", type=int, default=2000)
    parser.add_argument("--warmup", type=int, default=500)
    args = parser.parse_args()
    asyncio.run(main(args.url, args.parcels, args.warmup))
