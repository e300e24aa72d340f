"""Benchmark of the scoring path: wrk for throughput and latency, the server's own CPU accounting for cost.

    .venv/bin/python -m loadtest.bench [--rounds 3] [--seconds 8] [--workers 2] [--markdown]

Starts its own redis-server and the service (Redis mode, 2 workers, the echo route on), then for each
round runs wrk against the echo, single scoring at 16 and at 4 connections, and batch scoring (500 a
request); prints the median of each figure over the rounds, CPU per waybill and its ratio to the echo's
(both measured in the same round), then CPU per stage from a one-connection pass with stage timers on.
Scoring runs go on through one simulated month, each waybill scored once, so that histories grow as they
would and not by re-sending the month's first days (which made every run dearer than the one before).
"""

import argparse
import json
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from loadtest.server import Service, postgres_database, scrape, started, thread_cpu_seconds
from loadtest.waybills import BATCH, Prepared, body_files, prepare
from screening.contract import Waybill

LUA = Path(__file__).with_name("bodies.lua")


@dataclass(frozen=True, slots=True)
class Run:
    """One wrk run and the server CPU it cost."""

    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float
    cpu_s: float
    redis_cpu_s: float

    @property
    def rate(self) -> float:
        """Requests per second."""
        return self.requests / self.seconds

    @property
    def cpu_us(self) -> float:
        """Server CPU per request in microseconds."""
        return self.cpu_s / max(1, self.requests) * 1e6


@dataclass
class Position:
    """How many waybills into each lane of the simulated month the runs have gone."""

    waybills: int = 0


class Feed:
    """A body file (waybills_per_line in each line) read from a position shared with other feeds.

    Feeds of the same waybills share the position, so that each run sends waybills not scored before.
    """

    def __init__(self, path: Path, position: Position | None = None, *, waybills_per_line: int = 1) -> None:
        self.path = path
        self.position = position or Position()
        self.waybills_per_line = waybills_per_line

    @property
    def start(self) -> int:
        """The line each thread starts at, into its lane."""
        return -(-self.position.waybills // self.waybills_per_line)

    def advance(self, requests: int, threads: int) -> None:
        """Move past what a run sent (its threads share the requests about evenly)."""
        self.position.waybills = (self.start + -(-requests // threads)) * self.waybills_per_line


def wrk(service: Service, path: str, feed: Feed, *, connections: int, seconds: float) -> Run:
    """Run wrk with the bodies script and charge the service's CPU over the run to it."""
    binary = shutil.which("wrk")
    if binary is None:
        raise SystemExit("wrk not found: install the wrk package")
    threads = min(2, connections)
    command = [
        binary,
        "-t",
        str(threads),
        "-c",
        str(connections),
        "-d",
        f"{max(1, round(seconds))}s",
        "--timeout",
        "5s",
    ]
    command += ["-s", str(LUA), service.url + path, "--", str(feed.path), uuid.uuid4().hex[:8]]
    command += [str(feed.start), str(threads)]
    cpu, redis_cpu = service.cpu(), service.redis_cpu()
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=seconds + 60)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stdout}{done.stderr}")
    cpu, redis_cpu = service.cpu() - cpu, service.redis_cpu() - redis_cpu
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    feed.advance(figures["requests"], threads)
    return Run(
        requests=figures["requests"],
        seconds=figures["duration_us"] / 1e6,
        errors=figures["errors"] + figures["status_errors"],
        p50_ms=figures["p50_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        cpu_s=cpu,
        redis_cpu_s=redis_cpu,
    )


def validation_us(bodies: Path, calls: int = 3000) -> float:
    """Median microseconds of validating one waybill body with the wire contract (in this process)."""
    lines = bodies.read_bytes().split(b"\n")[:calls]
    timings = []
    for line in lines:
        if not line:
            continue
        began = time.perf_counter_ns()
        Waybill.model_validate_json(line)
        timings.append((time.perf_counter_ns() - began) / 1000)
    return statistics.median(timings[100:])


def stage_profile(
    prepared: Prepared, single: Path, data_dir: Path, seconds: float, env: dict[str, str]
) -> dict[str, float]:
    """CPU µs per waybill by stage: one worker with stage timers, driven at one connection."""
    env = {**env, "SCREENING_STAGE_TIMERS": "true"}
    with started(workers=1, data_dir=data_dir, env=env) as service:
        feed = Feed(single)
        wrk(service, "/v1/score", feed, connections=1, seconds=2)
        before_metrics = scrape(service.url)
        before_threads = thread_cpu_seconds(service.workers[0])
        before_writer = service.writer_cpu()
        run = wrk(service, "/v1/score", feed, connections=1, seconds=seconds)
        after_metrics = scrape(service.url)
        after_threads = thread_cpu_seconds(service.workers[0])
        writer = service.writer_cpu() - before_writer
    decided = _sum(after_metrics, "screening_decisions_total") - _sum(
        before_metrics, "screening_decisions_total"
    )
    stages = {
        key.split('stage="')[1].rstrip('"}'): (value - before_metrics.get(key, 0.0)) / decided * 1e6
        for key, value in after_metrics.items()
        if key.startswith("screening_stage_cpu_seconds_total{")
    }
    main = service.workers[0]
    background = sum(v - before_threads.get(t, 0.0) for t, v in after_threads.items() if t != main)
    stages["background threads (decision-log writer, outbox)"] = background / decided * 1e6
    stages["case writer process (SQL for holds)"] = writer / decided * 1e6
    stages["total"] = run.cpu_us
    return stages


def _sum(metrics: dict[str, float], name: str) -> float:
    return sum(v for k, v in metrics.items() if k.startswith(name + "{"))


def median(runs: Sequence[Run], figure: Callable[[Run], float]) -> float:
    """Median of one figure over the rounds."""
    return statistics.median(figure(r) for r in runs)


def measure(args: argparse.Namespace) -> dict[str, Any]:
    """Every figure of the benchmark (medians over the rounds)."""
    folder = Path(args.work or tempfile.mkdtemp(prefix="loadtest-bench-"))
    prepared = prepare(folder / "waybills", rows=args.rows)
    single, batch = body_files(prepared, folder)
    with ExitStack() as stack:
        env = {"SCREENING_AGREEMENTS_FILE": str(prepared.agreements)}
        if args.postgres:
            env["SCREENING_DATABASE_URL"] = stack.enter_context(postgres_database(args.postgres))
            # One worker migrates and seeds the new database first: two workers doing it at once collide.
            with started(workers=1, data_dir=folder / "seed", env=env):
                pass
        return _measure(args, folder, prepared, single, batch, env)


def _measure(
    args: argparse.Namespace, folder: Path, prepared: Prepared, single: Path, batch: Path, env: dict[str, str]
) -> dict[str, Any]:
    rounds: dict[str, list[Run]] = {"echo": [], "score16": [], "score4": [], "batch": []}
    ratios = []
    with started(workers=args.workers, data_dir=folder / "data", env=env) as service:
        # Scoring runs go on through one simulated month (a waybill scored once, histories as they grow);
        # the echo keeps nothing, so it has its own feed.
        month = Position()
        echoes = Feed(single)
        singles, batches = Feed(single, month), Feed(batch, month, waybills_per_line=BATCH)
        for path, feed in (("/v1/bench/echo", echoes), ("/v1/score", singles), ("/v1/score/batch", batches)):
            wrk(service, path, feed, connections=4, seconds=3)  # warm-up
        for _ in range(args.rounds):
            echo = wrk(service, "/v1/bench/echo", echoes, connections=16, seconds=args.seconds)
            score16 = wrk(service, "/v1/score", singles, connections=16, seconds=args.seconds)
            score4 = wrk(service, "/v1/score", singles, connections=4, seconds=args.seconds)
            batched = wrk(service, "/v1/score/batch", batches, connections=4, seconds=args.seconds)
            for name, run in (("echo", echo), ("score16", score16), ("score4", score4), ("batch", batched)):
                rounds[name].append(run)
            ratios.append(score16.cpu_us / echo.cpu_us)
    stages = stage_profile(prepared, single, folder / "profile", args.seconds, env)
    stages["validation (pydantic, in-process)"] = validation_us(single)
    stages["HTTP (echo CPU minus validation)"] = (
        median(rounds["echo"], lambda r: r.cpu_us) - stages["validation (pydantic, in-process)"]
    )
    errors = sum(r.errors for runs in rounds.values() for r in runs)
    return {
        "rounds": args.rounds,
        "seconds": args.seconds,
        "workers": args.workers,
        "echo_rps": median(rounds["echo"], lambda r: r.rate),
        "echo_cpu_us": median(rounds["echo"], lambda r: r.cpu_us),
        "score_rps_c16": median(rounds["score16"], lambda r: r.rate),
        "score_p50_ms_c16": median(rounds["score16"], lambda r: r.p50_ms),
        "score_p99_ms_c16": median(rounds["score16"], lambda r: r.p99_ms),
        "score_p50_ms_c4": median(rounds["score4"], lambda r: r.p50_ms),
        "score_p99_ms_c4": median(rounds["score4"], lambda r: r.p99_ms),
        "score_cpu_us": median(rounds["score16"], lambda r: r.cpu_us),
        "redis_cpu_us": median(rounds["score16"], lambda r: r.redis_cpu_s / max(1, r.requests) * 1e6),
        "cpu_ratio_to_echo": statistics.median(ratios),
        "batch_waybills_per_s": median(rounds["batch"], lambda r: r.rate * BATCH),
        "batch_cpu_us_per_waybill": median(rounds["batch"], lambda r: r.cpu_us / BATCH),
        "batch_p99_ms": median(rounds["batch"], lambda r: r.p99_ms),
        "errors": errors,
        "stages_us": stages,
    }


def markdown(f: dict[str, Any]) -> str:
    """The figures as the README's performance table."""
    total = f["stages_us"]["total"]
    rows = [
        ("echo (validated Waybill, small orjson answer), 16 connections", f"{f['echo_rps']:,.0f} req/s"),
        (
            "single scoring, 16 connections",
            f"{f['score_rps_c16']:,.0f} waybills/s, p50 {f['score_p50_ms_c16']:.1f} ms, "
            f"p99 {f['score_p99_ms_c16']:.1f} ms",
        ),
        (
            "single scoring, 4 connections",
            f"p50 {f['score_p50_ms_c4']:.1f} ms, p99 {f['score_p99_ms_c4']:.1f} ms",
        ),
        (
            "batch scoring (500 a request), 4 connections",
            f"{f['batch_waybills_per_s']:,.0f} waybills/s "
            f"({f['batch_waybills_per_s'] / f['score_rps_c16']:.1f}× single), "
            f"{f['batch_cpu_us_per_waybill']:.0f} µs CPU a waybill",
        ),
        (
            "server CPU per scored waybill / per echo request",
            f"{f['score_cpu_us']:.0f} µs / {f['echo_cpu_us']:.0f} µs = "
            f"{f['cpu_ratio_to_echo']:.2f}× (same round)",
        ),
        ("Redis CPU per scored waybill", f"{f['redis_cpu_us']:.0f} µs"),
        ("errors", str(f["errors"])),
    ]
    out = [
        f"| what (2 workers, medians of {f['rounds']} rounds of {f['seconds']:g} s) | figure |",
        "|---|---|",
    ]
    out += [f"| {a} | {b} |" for a, b in rows]
    out += ["", "| stage (one connection, 1 worker) | CPU µs per waybill | share |", "|---|---|---|"]
    for stage, us in f["stages_us"].items():
        if stage != "total":
            out.append(f"| {stage} | {us:.0f} | {us / total:.0%} |")
    out.append(f"| total (server process CPU / waybill) | {total:.0f} | 100% |")
    return "\n".join(out)


def main() -> None:
    """Measure and print the figures (JSON, and the Markdown table with --markdown)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rows", type=int, default=120_000, help="simulated waybills to draw bodies from")
    parser.add_argument("--work", help="folder for bodies and data (default: a new temporary folder)")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="cases in a new database on this PostgreSQL server (postgresql://postgres@127.0.0.1/postgres) "
        "instead of SQLite in the data dir, as in production",
    )
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    figures = measure(args)
    print(orjson.dumps(figures, option=orjson.OPT_INDENT_2).decode())
    if args.markdown:
        print(markdown(figures))


if __name__ == "__main__":
    main()
