"""CPU of the engine alone per waybill, in this process: no HTTP, no cases, history on its own redis-server.

    .venv/bin/python -m loadtest.engine [--skip 60000] [--waybills 5000] [--rows 120000]

Scores `skip` simulated waybills in batches of 500 to fill the histories (the middle of the month, say),
then measures process CPU (decision-log thread included) over the next `waybills`. It isolates what the
engine's own code costs (facts, history round trips and windows, rules, model), which the HTTP benchmark
mixes with the framework, the case writer and other processes on the machine.
"""

import argparse
import asyncio
import gc
import os
import tempfile
import time
from pathlib import Path

import orjson

from loadtest.server import ensure_model, redis_server
from loadtest.waybills import prepare
from screening.engine import GC_THRESHOLDS, build_engine
from screening.settings import Settings

BATCH = 500


async def measure(*, bodies: list[bytes], skip: int, waybills: int, settings: Settings) -> float:
    """CPU µs per waybill over `waybills` after `skip`, deciding in batches."""
    engine = build_engine(settings)
    await engine.start()
    gc.set_threshold(*GC_THRESHOLDS)  # as the service runs
    try:
        items = [orjson.loads(b) for b in bodies[: skip + waybills]]
        for i in range(0, skip, BATCH):
            await engine.decide_batch(items[i : min(i + BATCH, skip)])
        began = time.process_time()
        for i in range(skip, skip + waybills, BATCH):
            await engine.decide_batch(items[i : min(i + BATCH, skip + waybills)])
        return (time.process_time() - began) / waybills * 1e6
    finally:
        await engine.close()


def main() -> None:
    """Measure and print CPU µs per waybill."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--skip", type=int, default=60_000, help="waybills scored first, unmeasured")
    parser.add_argument("--waybills", type=int, default=5_000, help="waybills measured")
    parser.add_argument("--rows", type=int, default=120_000, help="simulated waybills to draw from")
    parser.add_argument("--work", help="folder for the simulation and model (default: a new temporary one)")
    args = parser.parse_args()
    folder = Path(args.work or tempfile.mkdtemp(prefix="loadtest-engine-"))
    prepared = prepare(folder / "waybills", rows=args.rows)
    bodies, _ = prepared.bodies()
    if args.skip + args.waybills > len(bodies):
        raise SystemExit(f"only {len(bodies)} ordinary waybills: lower --skip or --waybills, or raise --rows")
    with redis_server() as redis:
        os.environ.setdefault("SCREENING_LOG_LEVEL", "WARNING")
        settings = Settings(
            env="development",
            data_dir=folder / f"data-{time.time_ns()}",
            model_dir=ensure_model(folder / "model"),
            redis_url=redis.url,
            agreements_file=prepared.agreements,
        )
        run = measure(bodies=bodies, skip=args.skip, waybills=args.waybills, settings=settings)
        cpu_us = asyncio.run(run)
    print(f"engine CPU per waybill, {args.waybills} waybills after {args.skip}: {cpu_us:,.0f} µs")


if __name__ == "__main__":
    main()
