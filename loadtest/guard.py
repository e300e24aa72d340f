"""The load guard: the realistic mix at a fixed, modest rate against a started service, checked.

    .venv/bin/python -m loadtest.guard [--seconds 60] [--echo-seconds 20] [--out loadtest-report]

Starts its own redis-server and the service (Redis mode, 2 workers, echo route on), warms it, then
runs locust headless three times against 127.0.0.1 at a fixed, modest rate: the echo users alone (the
yardstick), the couriers alone (CPU per scored waybill and latency at that rate, the same users and
rate as the echo's), then the realistic mix (courier, batch courier, officer, auditor). Server CPU
comes from /proc of the worker processes. Writes locust's CSV and HTML (latency percentiles over time)
and guard.csv into --out, and exits 1 on any failed request, on the couriers' p50 or p99 over budget,
or on CPU per waybill over --max-ratio times the echo's CPU per request (plus --noise).
"""

import argparse
import csv
import http.client
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path

from loadtest.server import Service, route_quantiles, scrape, started
from loadtest.waybills import BATCH, body_files, prepare, retagged

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
MIX = ("Courier", "BatchCourier", "Officer", "Auditor")
# Users per class at scale 1: 20 couriers at 5/s and one batch courier at a batch per 5 s are
# 100 + 100 waybills a second; 2 officers at 1/s and an auditor at one call per 5 s.
USERS = 24


@dataclass(frozen=True, slots=True)
class Phase:
    """One locust run: what it sent, what failed, single scoring's latency (locust's, the server's), CPU."""

    name: str
    requests: int
    failures: int
    waybills: int
    p50_ms: float
    p99_ms: float
    server_p50_ms: float
    server_p99_ms: float
    cpu_s: float

    @property
    def cpu_us_per_unit(self) -> float:
        """Server CPU per waybill scored (per request for the echo)."""
        return self.cpu_s / max(1, self.waybills) * 1e6


def locust_ms(cell: str) -> float:
    """A latency percentile from locust's CSV; NaN where it has none ("N/A": no request completed)."""
    # A short warm-up on a busy machine can end before any single scoring completes.
    return math.nan if cell == "N/A" else float(cell)


def run_locust(
    service: Service, classes: tuple[str, ...], *, seconds: int, out: Path, name: str, env: dict[str, str]
) -> Phase:
    """Run locust headless for a bounded time; read its CSV; charge the workers' CPU over the run."""
    prefix = out / name
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless", "--host", service.url]
    command += ["--users", str(USERS), "--spawn-rate", str(USERS), "--run-time", f"{seconds}s"]
    command += ["--stop-timeout", "10", "--csv", str(prefix), "--html", f"{prefix}.html", "--only-summary"]
    command += ["--loglevel", "WARNING", *classes]
    route = "/v1/bench/echo" if classes == ("EchoCourier",) else "/v1/score"
    metrics, cpu = scrape(service.url), service.cpu()
    done = subprocess.run(
        command, env={**os.environ, **env}, capture_output=True, text=True, timeout=seconds + 120, check=False
    )
    cpu = service.cpu() - cpu
    server_p50, server_p99 = route_quantiles(metrics, scrape(service.url), route, (0.5, 0.99))
    stats = prefix.with_name(prefix.name + "_stats.csv")
    if not stats.exists():
        raise RuntimeError(f"locust wrote no statistics (exit {done.returncode}): {done.stderr[-2000:]}")
    with stats.open(encoding="utf-8") as f:
        rows = {row["Name"]: row for row in csv.DictReader(f)}
    total = rows["Aggregated"]
    single = rows.get("score") or rows.get("echo") or total
    batches = int(rows["score/batch"]["Request Count"]) if "score/batch" in rows else 0
    waybills = int(single["Request Count"]) + batches * BATCH
    return Phase(
        name=name,
        requests=int(total["Request Count"]),
        failures=int(total["Failure Count"]),
        waybills=waybills,
        p50_ms=locust_ms(single["50%"]),
        p99_ms=locust_ms(single["99%"]),
        server_p50_ms=server_p50,
        server_p99_ms=server_p99,
        cpu_s=cpu,
    )


def probe_ms(
    service: Service, bodies: Path, *, path: str = "/v1/score", requests: int = 150, gap_s: float = 0.01
) -> float:
    """Median milliseconds of one route (single scoring, or the echo) one request at a time on one
    connection (no queueing)."""
    host, port = service.url.removeprefix("http://").split(":")
    lines = [line for line in bodies.read_bytes().split(b"\n") if line][-requests:]
    tag = "p" + uuid.uuid4().hex[:6]
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    took = []
    try:
        for line in lines:
            began = time.perf_counter()
            connection.request("POST", path, body=retagged(line, tag), headers=_JSON)
            response = connection.getresponse()
            response.read()
            took.append((time.perf_counter() - began) * 1000)
            if response.status != 200:
                raise RuntimeError(f"probe: status {response.status}")
            time.sleep(gap_s)
    finally:
        connection.close()
    return statistics.median(took)


_JSON = {"content-type": "application/json"}


def verdicts(
    phases: list[Phase],
    probe: float,
    *,
    p50_ms: float,
    p99_ms: float,
    max_ratio: float,
    noise: float,
    echo_probe: float | None = None,
    p50_over_echo_ms: float | None = None,
) -> list[str]:
    """What is wrong with the run (empty when it passes): phases are echo, courier, mix; probe the p50 of
    single scoring one at a time, echo_probe the echo's."""
    echo, courier, _ = phases
    wrong = []
    for phase in phases:
        if phase.failures:
            wrong.append(f"{phase.name}: {phase.failures} of {phase.requests} requests failed")
        if phase.requests == 0:
            wrong.append(f"{phase.name}: no requests were made")
    # A fixed delay shows in the latency of one request at a time; queueing shows in p99 at the rate.
    if probe > p50_ms:
        wrong.append(
            f"single scoring p50, one request at a time, {probe:.1f} ms over the budget of {p50_ms:.1f} ms"
        )
    # The same beyond the echo's p50 in the same run (a request's fixed cost on this machine: wake-up,
    # loopback, HTTP): a fixed delay is caught on a fast machine too, where the scoring p50 with the delay
    # can still lie under a budget in milliseconds set for a slow one.
    if p50_over_echo_ms is not None and echo_probe is not None and probe - echo_probe > p50_over_echo_ms:
        wrong.append(
            f"single scoring p50, one request at a time, {probe:.1f} ms is {probe - echo_probe:.1f} ms over "
            f"the echo's {echo_probe:.2f} ms (budget {p50_over_echo_ms:g} ms)"
        )
    # The server's own p99: on a shared machine locust's figures mostly measure locust's wait for a core.
    if courier.server_p99_ms > p99_ms:
        wrong.append(f"single scoring p99 {courier.server_p99_ms:.1f} ms over the budget of {p99_ms:.1f} ms")
    ratio = courier.cpu_us_per_unit / max(echo.cpu_us_per_unit, 1e-9)
    if ratio > max_ratio * (1 + noise):
        wrong.append(
            f"CPU per waybill {courier.cpu_us_per_unit:.0f} µs is {ratio:.2f}× the echo's "
            f"{echo.cpu_us_per_unit:.0f} µs (target {max_ratio}× + {noise:.0%} noise)"
        )
    return wrong


def main(argv: list[str] | None = None) -> int:
    """Run the guard; 0 when every check passes."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=60, help="duration of the realistic mix")
    parser.add_argument(
        "--echo-seconds", type=int, default=20, help="duration of the echo and courier phases"
    )
    parser.add_argument("--warm-seconds", type=int, default=5)
    parser.add_argument("--p50-ms", type=float, default=5.0, help="budget of scoring's p50, one at a time")
    parser.add_argument(
        "--p50-over-echo-ms", type=float, default=3.0, help="budget of that p50 beyond the echo's p50"
    )
    parser.add_argument("--p99-ms", type=float, default=50.0, help="budget of scoring's server-side p99")
    parser.add_argument("--max-ratio", type=float, default=3.0, help="CPU per waybill / echo CPU per request")
    parser.add_argument("--noise", type=float, default=0.25, help="allowance over --max-ratio for noise")
    parser.add_argument("--rows", type=int, default=40_000, help="simulated waybills to draw bodies from")
    parser.add_argument("--work", type=Path, help="folder for waybills, model and data (default: temporary)")
    parser.add_argument("--out", type=Path, default=Path("loadtest-report"))
    args = parser.parse_args(argv)

    work = args.work or Path(tempfile.mkdtemp(prefix="loadtest-guard-"))
    args.out.mkdir(parents=True, exist_ok=True)
    prepared = prepare(work / "waybills", rows=args.rows)
    single, _ = body_files(prepared, work)
    env = {"LOADTEST_BODIES": str(single)}
    service_env = {"SCREENING_AGREEMENTS_FILE": str(prepared.agreements)}
    with started(workers=2, data_dir=work / "data", env=service_env) as service:
        run_locust(service, MIX, seconds=args.warm_seconds, out=args.out, name="warm", env=env)
        phases = [
            run_locust(
                service, ("EchoCourier",), seconds=args.echo_seconds, out=args.out, name="echo", env=env
            ),
            run_locust(
                service, ("Courier",), seconds=args.echo_seconds, out=args.out, name="courier", env=env
            ),
            run_locust(service, MIX, seconds=args.seconds, out=args.out, name="mix", env=env),
        ]
        probe = probe_ms(service, single)
        echo_probe = probe_ms(service, single, path="/v1/bench/echo")
    wrong = verdicts(
        phases,
        probe,
        p50_ms=args.p50_ms,
        p99_ms=args.p99_ms,
        max_ratio=args.max_ratio,
        noise=args.noise,
        echo_probe=echo_probe,
        p50_over_echo_ms=args.p50_over_echo_ms,
    )
    with (args.out / "guard.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=[*asdict(phases[0]), "cpu_us_per_unit"])
        writer.writeheader()
        for phase in phases:
            writer.writerow({**asdict(phase), "cpu_us_per_unit": round(phase.cpu_us_per_unit, 1)})
        writer.writerow({"name": "probe (one at a time)", "p50_ms": round(probe, 2)})
        writer.writerow({"name": "echo probe (one at a time)", "p50_ms": round(echo_probe, 2)})
    echo, courier, mix = phases
    ratio = courier.cpu_us_per_unit / max(echo.cpu_us_per_unit, 1e-9)
    print(
        f"probe: single scoring p50 {probe:.1f} ms one request at a time ({probe - echo_probe:.1f} ms over "
        f"the echo's {echo_probe:.2f} ms); echo: {echo.requests} requests, "
        f"{echo.cpu_us_per_unit:.0f} µs CPU each; courier: "
        f"{courier.requests} waybills, {courier.cpu_us_per_unit:.0f} µs CPU each ({ratio:.2f}× the echo), "
        f"server p50 {courier.server_p50_ms:.1f} ms p99 {courier.server_p99_ms:.1f} ms (locust's p50 "
        f"{courier.p50_ms:.0f} ms p99 {courier.p99_ms:.0f} ms); mix: {mix.requests} requests, "
        f"{mix.waybills} waybills, {mix.cpu_us_per_unit:.0f} µs CPU a waybill, single scoring server p99 "
        f"{mix.server_p99_ms:.1f} ms; report in {args.out}"
    )
    for line in wrong:
        print(f"FAIL: {line}")
    return 1 if wrong else 0


if __name__ == "__main__":
    raise SystemExit(main())
