"""Fixtures shared by every test: settings in a temporary data dir, the engine, an HTTP client."""

import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher, profiles
from fastapi.testclient import TestClient

from api.app import create_app
from screening.db import database_url, sqlite_file, upgrade_database
from screening.engine import Engine, build_engine
from screening.people import passwords
from screening.policy.loader import load_policy
from screening.policy.schemas import Audit, Policy
from screening.settings import DEFAULT_POLICY, Settings

pytest_plugins = ["tests.services_redis", "tests.services_postgres", "tests.service_process"]
HISTORY_BACKENDS = ("embedded", "redis", "cluster")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files holding slow or browser tests first, then files by their number of tests, most first."""
    # scripts/test runs each file whole on one worker (--dist loadfile) in this order
    # (--no-loadscope-reorder): a long file handed out last kept one worker busy while the others were
    # done (xdist's own order, by number of tests alone, handed out the browser flows near the end).
    by_file: dict[Path, list[pytest.Item]] = {}
    for item in items:
        by_file.setdefault(item.path, []).append(item)

    def weight(tests: list[pytest.Item]) -> tuple[bool, int]:
        heavy = any(t.get_closest_marker("slow") or t.get_closest_marker("browser") for t in tests)
        return (not heavy, -len(tests))

    items[:] = [item for tests in sorted(by_file.values(), key=weight) for item in tests]


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashes() -> Iterator[None]:
    """Argon2id at its cheapest in this process: the recommended parameters cost 0.4–0.8 s a hash here,
    and every development app seeds its dev user (services the tests start hash as the service does)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(passwords, "HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))
        yield


@pytest.fixture(scope="session", autouse=True)
def thread_case_writer() -> Iterator[None]:
    """Apps built in this process write cases from a thread (SCREENING_CASE_WRITER=thread), not from a
    writer process of their own, whose imports cost a second or more of CPU for each of the suite's
    hundreds of apps. The process writer has its own tests (tests/screening/cases/test_writer.py), and the
    services the tests start as processes keep the default writer (tests/service_process.py)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SCREENING_CASE_WRITER", "thread")
        yield


@pytest.fixture
def anyio_backend() -> str:
    """Async tests run on asyncio."""
    return "asyncio"


@pytest.fixture
def policy() -> Policy:
    """The shipped policy with random audit off, so a test's outcome does not hang on its waybill number."""
    shipped = load_policy(DEFAULT_POLICY)
    return shipped.model_copy(update={"audit": Audit(random_rate=0.0)})


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An SQLite case database with every migration applied, copied for each test that needs one: a new
    file cost 38 ms of CPU to migrate at every app's start, 6 ms when it is already at the head."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    upgrade_database(f"sqlite:///{path}")
    return path


@pytest.fixture
def settings(tmp_path: Path, sqlite_template: Path) -> Settings:
    """Development settings with a private data dir, its case database migrated (the app's start checks)."""
    settings = Settings(env="development", data_dir=tmp_path / "data")
    settings.data_dir.mkdir(parents=True, exist_ok=True)  # another fixture of the test may have made it
    file = sqlite_file(database_url(settings))
    assert file is not None
    if not file.exists():
        shutil.copyfile(sqlite_template, file)
    return settings


@pytest.fixture
def engine(settings: Settings, policy: Policy) -> Iterator[Engine]:
    """An engine on the embedded store with the test policy; its decision log closed after the test."""
    e = build_engine(settings)
    e.policy = policy
    yield e
    # The log's writer and compactor threads would outlive the test (and log into pytest's closed
    # capture); the embedded store holds nothing to release.
    if e.log is not None:
        e.log.close()


def store_settings(request: pytest.FixtureRequest, backend: str, data_dir: Path) -> Settings:
    """Settings of an engine on one history store (embedded, redis, cluster), under a fresh key prefix."""
    # Imported here: a plugin of this conftest, it is only rewritten for assertions once registered.
    from tests.services_redis import TIMEOUT_S as REDIS_TIMEOUT_S

    options: dict[str, Any] = {"env": "development", "data_dir": data_dir}
    prefix = f"t{uuid.uuid4().hex[:10]}:"
    if backend == "redis":
        port = request.getfixturevalue("redis_server")
        options |= {
            "redis_url": f"redis://127.0.0.1:{port}/0",
            "redis_prefix": prefix,
            "redis_timeout_s": REDIS_TIMEOUT_S,
        }
    elif backend == "cluster":
        port = request.getfixturevalue("redis_cluster")[0]
        options |= {
            "redis_url": f"redis://127.0.0.1:{port}",
            "redis_cluster": True,
            "redis_prefix": prefix,
            "redis_timeout_s": REDIS_TIMEOUT_S,
        }
    return Settings(**options)


@pytest.fixture(params=HISTORY_BACKENDS)
async def history_engine(
    request: pytest.FixtureRequest, tmp_path: Path, policy: Policy
) -> AsyncIterator[Engine]:
    """An engine on each history store in turn: embedded, single-node Redis, Redis Cluster."""
    e = build_engine(store_settings(request, request.param, tmp_path / "data"))
    e.policy = policy
    await e.start()
    yield e
    await e.close()


class ScoringClient:
    """A TestClient with the calls a courier system makes."""

    def __init__(self, client: TestClient) -> None:
        self.http = client

    def score(self, waybill: dict[str, Any]) -> dict[str, Any]:
        """POST /v1/score and expect a decision."""
        r = self.http.post("/v1/score", json=waybill)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def codes(self, waybill: dict[str, Any]) -> set[str]:
        """The reason codes of a scored waybill."""
        return {r["code"] for r in self.score(waybill)["reasons"]}


@pytest.fixture
def client(settings: Settings, policy: Policy) -> Iterator[ScoringClient]:
    """An HTTP client on a started app with the test policy."""
    app = create_app(settings)
    with TestClient(app) as http:
        app.state.engine.policy = policy
        yield ScoringClient(http)
