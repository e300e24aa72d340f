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


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Serve]:
    """serve(**env): start the service on a free port, wait until it answers; killed after the test.

    The embedded history store unless env sets SCREENING_REDIS_URL; the data dir is the test's.
    """
    procs: list[subprocess.Popen[bytes]] = []

    def start(**env: str) -> tuple[subprocess.Popen[bytes], str]:
        port = free_port()
        environment = {
            **os.environ,
            "SCREENING_ENV": "development",
            "SCREENING_DATA_DIR": str(tmp_path / "data"),
            "PYTHONPATH": str(REPO),
        }
        environment.pop("SCREENING_REDIS_URL", None)
        environment.update(env)
        command = [sys.executable, "-m", "uvicorn", "api.app:create_app"]
        command += ["--factory", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
        log = tmp_path / f"serve-{port}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(command, cwd=REPO, env=environment, stdout=out, stderr=subprocess.STDOUT)
        procs.append(proc)
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
        pytest.fail("the service did not answer within 120 s")

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
