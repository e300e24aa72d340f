"""Replay of one simulated day at a scaled-down rate: checks the per-node assumptions of docs/scaling.md.

    .venv/bin/python -m loadtest.replay [--rows 12000] [--seconds 120] [--connections 32]

Simulates one day of waybills, starts the service as the guard does (Redis mode, 2 workers), and
sends the day in arrival order with its hourly shape compressed into --seconds (the simulated
night is quiet, the evening peak busy). Prints per simulated hour: waybills, rate, server CPU per
waybill, the cores it kept busy and the client-side p99; then the day's peak-to-mean ratio, CPU per
waybill, and Redis bytes and keys per parcel — the figures the scale plan multiplies.
"""

import argparse
import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
import orjson
import redis

from loadtest.server import Service, started
from loadtest.waybills import prepare, retagged

HOURS = 24


@dataclass
class Hour:
    """What one simulated hour sent and cost."""

    sent: int = 0
    errors: int = 0
    latencies_ms: list[float] = field(default_factory=list)
    cpu_s: float = 0.0


async def replay(
    service: Service, bodies: list[tuple[float, bytes]], *, seconds: float, connections: int
) -> list[Hour]:
    """Send each body at its place in the compressed day; charge the workers' CPU to simulated hours."""
    hours = [Hour() for _ in range(HOURS)]
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    gate = asyncio.Semaphore(connections)
    began = time.monotonic()

    async def send(client: httpx.AsyncClient, hour: Hour, body: bytes) -> None:
        async with gate:
            t = time.perf_counter()
            try:
                r = await client.post("/v1/score", content=body, headers={"content-type": "application/json"})
                ok = r.status_code == 200
            except httpx.HTTPError:
                ok = False
            hour.latencies_ms.append((time.perf_counter() - t) * 1000)
            hour.sent += 1
            hour.errors += 0 if ok else 1

    async def meter() -> None:
        # The CPU of each wall-clock slice belongs to the simulated hour it replays.
        last = service.cpu()
        for h in range(HOURS):
            await asyncio.sleep(max(0.0, began + (h + 1) * seconds / HOURS - time.monotonic()))
            now = service.cpu()
            hours[h].cpu_s, last = now - last, now

    async with httpx.AsyncClient(base_url=service.url, limits=limits, timeout=10.0) as client:
        metering = asyncio.create_task(meter())
        tasks = []
        for at, body in bodies:
            delay = began + at * seconds - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(send(client, hours[min(HOURS - 1, int(at * HOURS))], body)))
        await asyncio.gather(*tasks)
        await metering
    return hours


def day_bodies(folder: Path, rows: int) -> list[tuple[float, bytes]]:
    """One simulated day: (share of the day elapsed at acceptance, body), in order."""
    prepared = prepare(folder, rows=rows, seed=23, days=1)
    ordinary, rings = prepared.bodies()
    tag = f"d{int(time.time()) % 100000}"
    out = []
    for body in ordinary + rings:
        at = datetime.fromisoformat(orjson.loads(body)["accepted_at"])
        share = (at.hour * 3600 + at.minute * 60 + at.second) / 86_400
        out.append((share, retagged(body, tag)))
    out.sort(key=lambda pair: pair[0])
    return out


def main() -> None:
    """Replay the day and print the figures."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=12_000, help="waybills in the simulated day")
    parser.add_argument(
        "--seconds", type=float, default=120.0, help="wall-clock seconds the day is replayed in"
    )
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="loadtest-replay-"))
    bodies = day_bodies(work / "waybills", args.rows)
    agreements = prepare(work / "waybills", rows=args.rows, seed=23, days=1).agreements
    with started(
        workers=2, data_dir=work / "data", env={"SCREENING_AGREEMENTS_FILE": str(agreements)}
    ) as service:
        client = redis.Redis.from_url(service.redis_url)
        memory_before = int(client.info("memory")["used_memory"])
        hours = asyncio.run(replay(service, bodies, seconds=args.seconds, connections=args.connections))
        memory = int(client.info("memory")["used_memory"]) - memory_before
        keys = int(client.dbsize())
        client.close()
    slice_s = args.seconds / HOURS
    print("| simulated hour | waybills | rate /s | server CPU µs / waybill | cores busy | p99 ms | errors |")
    print("|---|---|---|---|---|---|---|")
    for h, hour in enumerate(hours):
        p99 = statistics.quantiles(hour.latencies_ms, n=100)[98] if len(hour.latencies_ms) > 1 else 0.0
        cpu_us = hour.cpu_s / max(1, hour.sent) * 1e6
        print(
            f"| {h:02d} | {hour.sent} | {hour.sent / slice_s:.0f} | {cpu_us:.0f} "
            f"| {hour.cpu_s / slice_s:.2f} "
            f"| {p99:.0f} | {hour.errors} |"
        )
    sent = sum(h.sent for h in hours)
    peak = max(h.sent for h in hours)
    cpu = sum(h.cpu_s for h in hours)
    print(
        f"\nday: {sent} waybills in {args.seconds:g} s, {sum(h.errors for h in hours)} errors; peak hour "
        f"{peak / (sent / HOURS):.2f}× the mean hour; server CPU {cpu / sent * 1e6:.0f} µs a waybill; "
        f"Redis {memory / sent:,.0f} bytes and {keys / sent:.2f} keys a parcel (entity history and "
        f"remembered decisions)"
    )


if __name__ == "__main__":
    main()
