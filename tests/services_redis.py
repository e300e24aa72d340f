"""Real Redis servers for the tests: a single node and a 3-master cluster, started by the test session."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import redis

Process = subprocess.Popen[bytes]

BACKENDS = ("embedded", "redis", "cluster")
# The Redis timeout of tests that are not about timeouts. The service's 0.2 s fails fast in production; the
# suite runs a worker a core beside its own Redis servers, where a process may wait its turn for a second.
TIMEOUT_S = 10.0


def require_binary(name: str) -> str:
    """The path of a Redis binary, or a test failure that says what to install (never a skip)."""
    path = shutil.which(name)
    if path is not None:
        return path
    if os.environ.get("CI") == "true":
        pytest.fail(f"{name} is not installed on this CI runner: add the redis-server package to the job")
    pytest.fail(f"{name} not found: install the redis-server package (e.g. apt-get install redis-server)")


def free_port(*, with_cluster_bus: bool = False) -> int:
    """A loopback port that is free now (and port + 10000 too, for a cluster node's bus)."""
    for _ in range(100):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port: int = s.getsockname()[1]
        if not with_cluster_bus:
            return port
        if port + 10_000 <= 65_535 and _is_free(port + 10_000):
            return port
    raise RuntimeError("no free loopback port")


def _is_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _wait_until_up(port: int, proc: Process, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"redis-server on port {port} exited with {proc.returncode}")
        with redis.Redis(port=port, socket_timeout=0.5, socket_connect_timeout=0.5) as client:
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                pass
        time.sleep(0.02)
    raise RuntimeError(f"redis-server on port {port} did not answer within {timeout_s} s")


def start_redis_server(port: int, *args: str, workdir: Path | None = None) -> Process:
    """Start a throw-away redis-server on 127.0.0.1:port (no persistence) and wait until it answers."""
    binary = require_binary("redis-server")
    cwd = str(workdir or tempfile.gettempdir())
    command = [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    command += ["--daemonize", "no", "--dir", cwd, *args]
    proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_until_up(port, proc)
    except BaseException:
        stop_processes([proc])
        raise
    return proc


def start_redis_cluster(ports: Sequence[int], *, workdir: Path) -> list[Process]:
    """Start one master per port, join them with redis-cli --cluster create, wait for cluster_state:ok."""
    cli = require_binary("redis-cli")
    procs: list[Process] = []
    try:
        for port in ports:
            conf = str(workdir / f"nodes-{port}.conf")
            procs.append(
                start_redis_server(
                    port, "--cluster-enabled", "yes", "--cluster-config-file", conf, workdir=workdir
                )
            )
        create = [cli, "--cluster", "create", *(f"127.0.0.1:{p}" for p in ports)]
        create += ["--cluster-replicas", "0", "--cluster-yes"]
        done = subprocess.run(create, capture_output=True, timeout=60, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"redis-cli --cluster create failed: {done.stdout!r} {done.stderr!r}")
        deadline = time.monotonic() + 30
        while not all(_cluster_ok(port) for port in ports):
            if time.monotonic() > deadline:
                raise RuntimeError("the cluster did not reach cluster_state:ok within 30 s")
            time.sleep(0.05)
    except BaseException:
        stop_processes(procs)
        raise
    return procs


def _cluster_ok(port: int) -> bool:
    with redis.Redis(port=port, socket_timeout=1) as client:
        info: dict[str, Any] = client.cluster("INFO")
    return str(info.get("cluster_state")) == "ok"


def stop_processes(procs: Sequence[Process]) -> None:
    """Terminate servers started here and reap them."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _with_retries(start: Callable[[], Any], attempts: int = 3) -> Any:
    # A free port can be taken between choosing it and binding it; choose again.
    for attempt in range(attempts):
        try:
            return start()
        except RuntimeError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """Port of a single-node redis-server for this session."""
    workdir = tmp_path_factory.mktemp("redis")

    def start() -> tuple[int, Process]:
        port = free_port()
        return port, start_redis_server(port, workdir=workdir)

    port, proc = _with_retries(start)
    yield port
    stop_processes([proc])


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[int]]:
    """Ports of a 3-master Redis Cluster for this session."""
    workdir = tmp_path_factory.mktemp("redis-cluster")

    def start() -> tuple[list[int], list[Process]]:
        ports: list[int] = []
        while len(ports) < 3:
            port = free_port(with_cluster_bus=True)
            if port not in ports:
                ports.append(port)
        return ports, start_redis_cluster(ports, workdir=workdir)

    ports, procs = _with_retries(start)
    yield ports
    stop_processes(procs)
