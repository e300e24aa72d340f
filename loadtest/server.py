"""The service under load: its own redis-server, `screening serve` in Redis mode, CPU from /proc."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import sqlalchemy as sa
from psycopg import sql

_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """A loopback port that is free now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def cpu_seconds(pid: int) -> float:
    """User plus system CPU of one process (all its threads) from /proc."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # Fields 14 and 15 of stat (utime, stime), counted after the parenthesised command name.
    return (int(fields[11]) + int(fields[12])) / _TICKS


def thread_cpu_seconds(pid: int) -> dict[int, float]:
    """CPU of each thread of a process (tid → seconds); the main thread's tid is the pid."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        out[int(tid)] = (int(fields[11]) + int(fields[12])) / _TICKS
    return out


def children(pid: int) -> list[int]:
    """Direct child processes of a process."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


@contextmanager
def postgres_database(server: str) -> Iterator[str]:
    """A new, empty database on a PostgreSQL server (trust auth), dropped on exit; yields its URL."""
    name = f"loadtest_{uuid.uuid4().hex[:12]}"
    admin_url = sa.make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        url = sa.make_url(server).set(drivername="postgresql+psycopg", database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def ensure_model(folder: Path) -> Path:
    """A models registry with a production model (the bootstrap one, trained once and cached in folder)."""
    screening = str(Path(sys.executable).with_name("screening"))
    env = {**os.environ, "SCREENING_DATA_DIR": str(folder)}
    env.pop("SCREENING_MODEL_DIR", None)
    if not (folder / "models" / "production").exists():
        subprocess.run([screening, "models", "ensure"], env=env, check=True, capture_output=True, timeout=600)
    return folder / "models"


@dataclass
class Service:
    """A started service: its URL, the pids that serve requests, and its Redis."""

    url: str
    workers: list[int]
    redis_pid: int
    redis_url: str

    def cpu(self) -> float:
        """CPU seconds so far of the serving processes and their case writer processes."""
        return sum(cpu_seconds(pid) for pid in self.workers) + self.writer_cpu()

    def writer_cpu(self) -> float:
        """CPU seconds so far of the workers' child processes (the case writers)."""
        total = 0.0
        for pid in self.workers:
            for child in children(pid):
                with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                    total += cpu_seconds(child)
        return total

    def redis_cpu(self) -> float:
        """CPU seconds of the redis-server so far."""
        return cpu_seconds(self.redis_pid)


@dataclass
class RedisServer:
    """A redis-server of our own: its process and URL."""

    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        """redis://127.0.0.1:<port>/0"""
        return f"redis://127.0.0.1:{self.port}/0"


@contextmanager
def redis_server(*options: str) -> Iterator[RedisServer]:
    """A new redis-server on a free loopback port, keeping nothing on disk; stopped on exit."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server not found: install the redis-server package")
    port, workdir = free_port(), Path(tempfile.mkdtemp(prefix="loadtest-redis-"))
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    command += ["--dir", str(workdir), *options]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(b"PING\r\n")
                if s.recv(16).startswith(b"+PONG"):
                    break
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError(f"redis-server on port {port} did not start")
            time.sleep(0.05)
        yield RedisServer(process=process, port=port)
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def started(
    *,
    workers: int = 2,
    data_dir: Path,
    env: Mapping[str, str] | None = None,
    redis_maxmemory: str | None = None,
) -> Iterator[Service]:
    """Start redis-server and the service (Redis mode, bench echo on); stop both on exit."""
    options = ["--maxmemory", redis_maxmemory] if redis_maxmemory else []
    with (
        redis_server(*options) as redis,
        _serving(workers=workers, data_dir=data_dir, env=env, redis=redis) as service,
    ):
        yield service


@contextmanager
def _serving(
    *, workers: int, data_dir: Path, env: Mapping[str, str] | None, redis: RedisServer
) -> Iterator[Service]:
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="loadtest-metrics-"))
    (workdir / "metrics").mkdir()
    service_env = {
        **os.environ,
        "SCREENING_ENV": "development",
        "SCREENING_DATA_DIR": str(data_dir),
        "SCREENING_MODEL_DIR": str(ensure_model(data_dir.parent / "model")),
        "SCREENING_REDIS_URL": redis.url,
        "SCREENING_REDIS_PREFIX": "lt:",
        "SCREENING_BENCH_ECHO": "true",
        "SCREENING_LOG_LEVEL": "WARNING",
        # /metrics then sums every worker's metrics, whichever worker answers the scrape.
        "PROMETHEUS_MULTIPROC_DIR": str(workdir / "metrics"),
        **(env or {}),
    }
    screening = str(Path(sys.executable).with_name("screening"))
    serve = [screening, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    data_dir.mkdir(parents=True, exist_ok=True)
    log_file = (data_dir / "service.log").open("ab")
    proc = subprocess.Popen(serve, env=service_env, stdout=log_file, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(url, proc, data_dir / "service.log")
        pids = [proc.pid] if workers == 1 else _workers(proc.pid, workers)
        redis_url = service_env["SCREENING_REDIS_URL"]
        service = Service(url=url, workers=pids, redis_pid=redis.process.pid, redis_url=redis_url)
        _wait_quiet(service)
        yield service
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log_file.close()
        shutil.rmtree(workdir, ignore_errors=True)


def scrape(url: str) -> dict[str, float]:
    """The service's /metrics as {series with labels: value}."""
    out = {}
    for line in httpx.get(f"{url}/metrics", timeout=10).text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.rpartition(" ")
            out[key] = float(value)
    return out


def route_quantiles(
    before: dict[str, float], after: dict[str, float], route: str, quantiles: tuple[float, ...]
) -> list[float]:
    """Server-side latency quantiles (ms) of one route between two scrapes, interpolated in the buckets."""
    counts: dict[float, float] = {}
    for key, value in after.items():
        if key.startswith("screening_http_request_seconds_bucket{") and f'route="{route}"' in key:
            le = key.split('le="')[1].split('"')[0]
            bound = float("inf") if le == "+Inf" else float(le)
            counts[bound] = counts.get(bound, 0.0) + value - before.get(key, 0.0)
    bounds = sorted(counts)
    total = counts[bounds[-1]] if bounds else 0.0
    out = []
    for q in quantiles:
        if total == 0:
            out.append(float("nan"))
            continue
        target, lower, below = q * total, 0.0, 0.0
        for bound in bounds:
            if counts[bound] >= target:
                upper = bound if bound != float("inf") else lower * 2
                share = (target - below) / max(counts[bound] - below, 1e-9)
                out.append((lower + (upper - lower) * share) * 1000)
                break
            lower, below = bound, counts[bound]
    return out


def _workers(master: int, count: int) -> list[int]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        # uvicorn's supervisor spawns the workers; a multiprocessing resource tracker may sit beside them.
        pids = [p for p in children(master) if _is_worker(p)]
        if len(pids) >= count:
            return pids[:count]
        time.sleep(0.1)
    raise RuntimeError(f"expected {count} worker processes under {master}")


def _is_worker(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return b"resource_tracker" not in f.read()
    except FileNotFoundError:
        return False


def _wait_quiet(service: Service, *, quiet_share: float = 0.1, timeout_s: float = 120.0) -> None:
    """Wait until the service's start-up work (the case writers' imports) is over, so none is measured."""
    deadline = time.monotonic() + timeout_s
    before = service.cpu()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = service.cpu()
        if now - before < quiet_share * 0.5:
            return
        before = now
    raise RuntimeError(f"the service at {service.url} still busy {timeout_s} s after it was ready")


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path, timeout_s: float = 180.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = log.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise RuntimeError(f"the service exited with {proc.returncode}: {err}")
        try:
            if httpx.get(f"{url}/readyz", timeout=1.0).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the service at {url} was not ready within {timeout_s} s")
