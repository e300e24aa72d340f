"""The real service in a child process (uvicorn on a free loopback port), for crash and kill tests.

Registered as a pytest plugin in tests/conftest.py: the `serve` fixture.
"""

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.services_redis import free_port

REPO = Path(__file__).resolve().parents[1]

Serve = Callable[..., tuple[subprocess.Popen[bytes], str]]


def start_service(*, data_dir: Path, log: Path, **env: str) -> tuple[subprocess.Popen[bytes], str]:
    """Start the service (development mode) on a free loopback port and wait until it answers.

    The embedded history store and SQLite in data_dir unless env names Redis or a database.
    """
    port = free_port()
    environment = {
        **os.environ,
        "SCREENING_ENV": "development",
        "SCREENING_DATA_DIR": str(data_dir),
        "PYTHONPATH": str(REPO),
    }
    environment.pop("SCREENING_REDIS_URL", None)
    environment.pop("SCREENING_DATABASE_URL", None)
    environment.pop("SCREENING_CASE_WRITER", None)  # the service's own default, the writer process
    environment.update(env)
    command = [sys.executable, "-m", "uvicorn", "api.app:create_app"]
    command += ["--factory", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=REPO, env=environment, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120  # a cold start (xgboost, polars, SQLAlchemy) is slow on a busy box
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the service exited with {proc.returncode}: {log.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=0.5).status_code == 200:
                return proc, url
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    pytest.fail(f"the service did not answer within 120 s: {log.read_text()}")


def stop_service(proc: subprocess.Popen[bytes]) -> None:
    """Stop the service: politely, then for good."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    proc.wait(timeout=10)


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    """serve(**env): start the service in the test's data dir (see start_service); killed after the test."""
    procs: list[subprocess.Popen[bytes]] = []

    def start(**env: str) -> tuple[subprocess.Popen[bytes], str]:
        proc, url = start_service(data_dir=tmp_path / "data", log=tmp_path / f"serve-{len(procs)}.log", **env)
        procs.append(proc)
        return proc, url

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
