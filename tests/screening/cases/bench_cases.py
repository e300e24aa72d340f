"""Benchmark (not a test): hold → durable case latency and CPU, and queue reads, on SQLite and PostgreSQL.

.venv/bin/python -m tests.screening.cases.bench_cases [--holds 1000] [--postgres URL] [--profile FILE]
"""

import argparse
import asyncio
import cProfile
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from screening.cases.desk import CaseDesk
from screening.cases.outbox import Outbox
from screening.cases.schemas import CaseQuery
from screening.cases.snapshot import draft_case
from screening.cases.writer import ThreadWriter
from screening.contract import Decision, Waybill
from screening.db import Database, upgrade_database
from screening.engine import body_digest, build_engine
from screening.entities import parcel_entities
from screening.policy.catalogue import reason
from screening.settings import Settings
from tests.factories import party, resident_id
from tests.screening.cases.conftest import held


def percentile(values: list[float], q: float) -> float:
    """The q-quantile of values, in milliseconds."""
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(url: str, holds: int, data_dir: Path, profile: str | None = None) -> None:
    """Open `holds` cases through the desk, then read the queue."""
    engine = build_engine(Settings(env="development", data_dir=data_dir))
    upgrade_database(url)
    db = Database.connect(url, timeout_s=2.0)
    desk = CaseDesk(db=db, privacy=engine.privacy, outbox=Outbox(data_dir), sla_hours=24)
    latencies, cpu = [], []
    profiler = cProfile.Profile(time.thread_time) if profile else None  # CPU, not wall
    for i in range(holds):
        wb = Waybill.model_validate(held(sender=party(id_number=resident_id(seq=f"{i % 1000:03d}"))))
        parcel = engine.prepare(wb)
        entities = parcel_entities(parcel, privacy=engine.privacy, goods=engine.goods, digest=body_digest(wb))
        why = reason("OVER_PERSONAL_LIMIT", outcome="hold", value_cny=1000.0, limit_cny=800.0)
        decision = Decision(
            waybill_no=wb.waybill_no,
            carrier=wb.carrier,
            decision="hold",
            risk_score=(i % 100) / 100,
            reasons=[why],
            model_version="none",
            policy_version="bench",
            scored_at=datetime.now(UTC),
        )
        # Process CPU, so the worker thread that writes the case counts too (the bench runs one at a time).
        cpu_started, started = time.process_time(), time.perf_counter()
        if profiler is None:
            await desk.open_case(decision=decision, parcel=parcel, entities=entities)
        else:
            # cProfile sees only its own thread: the same work as open_case, in this one.
            profiler.enable()
            ThreadWriter(db=desk.db, sla_hours=desk.sla_hours).upsert(
                draft_case(decision=decision, parcel=parcel, entities=entities, privacy=desk.privacy)
            )
            profiler.disable()
        latencies.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    if profiler is not None and profile is not None:
        profiler.dump_stats(f"{profile}.{url.split(':')[0]}")
    print(
        f"{url.split(':')[0]}: open_case over {holds} holds: p50 {percentile(latencies, 0.5):.1f} ms, "
        f"p99 {percentile(latencies, 0.99):.1f} ms, mean {1000 * statistics.mean(latencies):.1f} ms; "
        f"CPU per hold p50 {percentile(cpu, 0.5):.2f} ms, mean {1000 * statistics.mean(cpu):.2f} ms"
    )
    for label, query in (
        ("queue page (open, by priority, 50)", CaseQuery(status=["open"])),
        ("queue page (reason filter, by age)", CaseQuery(reason="OVER_PERSONAL_LIMIT", sort="age")),
    ):
        started = time.perf_counter()
        page = await desk.queue(query)
        print(f"  {label}: {1000 * (time.perf_counter() - started):.1f} ms, total {page.total}")
    started = time.perf_counter()
    detail = await desk.get(page.items[0].case_id)
    elapsed = 1000 * (time.perf_counter() - started)
    print(f"  one case in full: {elapsed:.1f} ms ({len(detail.prior_cases)} other cases of its entities)")
    db.dispose()


def main() -> None:
    """Parse arguments and run on SQLite, then PostgreSQL when a URL is given."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--holds", type=int, default=1000)
    parser.add_argument("--postgres", help="an EMPTY PostgreSQL database URL to run on as well")
    parser.add_argument("--profile", help="write cProfile stats of open_case to FILE.<backend>")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        asyncio.run(run(f"sqlite:///{tmp}/bench.db", args.holds, Path(tmp), args.profile))
        if args.postgres:
            asyncio.run(run(args.postgres, args.holds, Path(tmp), args.profile))


if __name__ == "__main__":
    main()
