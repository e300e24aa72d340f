"""Redis memory per entity of the history store, on a scaled-down fill (own redis-server, used_memory delta).

    .venv/bin/python -m loadtest.memory [--entities 100000] [--events 5]

Fills N entities with E parcels each (spread over 30 days, realistic field sizes: HMAC-keyed
counterparts, 12-byte body digests, carrier:waybill parcel keys) through RedisHistoryStore.observe,
and prints bytes per entity and what 10 million such entities would take.
"""

import argparse
import asyncio
import base64
import hashlib
import random
import time

import redis

from loadtest.server import redis_server
from screening.history.events import ParcelEvent
from screening.history.redis import RedisHistoryStore

DAY_MS = 86_400_000
T0 = 1_793_000_000_000
BLOCK = 1000


def _key(kind: str, i: int) -> str:
    mac = hashlib.sha256(f"{kind}{i}".encode()).digest()
    return f"{kind}:{base64.urlsafe_b64encode(mac[:15]).decode()}"


async def fill(url: str, *, entities: int, events: int, seed: int = 1) -> None:
    """Observe `events` parcels for each of `entities` entities (a block of entities per pipeline)."""
    rng = random.Random(seed)
    store = RedisHistoryStore.from_url(url, prefix="m:", timeout_s=30.0)
    try:
        for block in range(0, entities, BLOCK):
            keys = [_key("sph", i) for i in range(block, min(entities, block + BLOCK))]
            for n in range(events):
                parcel = f"STO:{rng.randrange(10**13, 10**14)}"
                at = T0 + n * 6 * DAY_MS + rng.randrange(DAY_MS)
                event = ParcelEvent(
                    parcel=parcel,
                    at_ms=at,
                    value_cny=round(rng.uniform(20, 900), 2),
                    limit_cny=1000.0,
                    cross_border=rng.random() < 0.3,
                    cbec=False,
                    goods=f"{rng.getrandbits(48):012x}",
                    counterpart=_key("rph", rng.randrange(10**9)),
                    digest=f"{rng.getrandbits(96):024x}",
                )
                await store.observe(parcel=parcel, entities=dict.fromkeys(keys, event))
    finally:
        await store.close()


def main() -> None:
    """Start a redis-server, fill it, print bytes per entity."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=5)
    parser.add_argument(
        "--listpack-value", type=int, help="the server's hash-max-listpack-value (Redis default 64)"
    )
    args = parser.parse_args()
    options = ["--hash-max-listpack-value", str(args.listpack_value)] if args.listpack_value else []
    with redis_server(*options) as server:
        port = server.port
        client = redis.Redis(port=port)
        before = int(client.info("memory")["used_memory"])
        began = time.perf_counter()
        asyncio.run(fill(server.url, entities=args.entities, events=args.events))
        after = int(client.info("memory")["used_memory"])
        keys = int(client.dbsize())
        per_entity = (after - before) / args.entities
        encodings: dict[str, int] = {}
        for key in client.scan_iter(count=1000):
            name = client.object("ENCODING", key)
            encodings[str(name)] = encodings.get(str(name), 0) + 1
            if sum(encodings.values()) >= 2000:
                break
        print(
            f"{args.entities} entities x {args.events} events: {per_entity:,.0f} bytes per entity "
            f"({keys / args.entities:.1f} keys each; encodings of a sample {encodings}); "
            f"10 million entities ≈ {per_entity * 10e6 / 2**30:.2f} GiB; "
            f"filled in {time.perf_counter() - began:.0f} s"
        )
        client.close()


if __name__ == "__main__":
    main()
