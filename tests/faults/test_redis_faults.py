"""Redis down or slow: scoring still answers within its budget without history, and recovers by itself."""

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from screening.policy.schemas import Policy
from screening.settings import Settings
from tests.factories import waybill
from tests.faults.proxy import CuttableProxy, cuttable
from tests.screening.cases.conftest import held
from tests.services_redis import free_port, start_redis_server, stop_processes

TIMEOUT_S = 0.2
BUDGET_S = 1.0  # the Redis timeout plus the rest of a decision, with room for a loaded CI machine


@pytest.fixture
def redis_behind_proxy(tmp_path: Path) -> Iterator[CuttableProxy]:
    """A throw-away redis-server of this test, reached through a cuttable proxy."""
    port = free_port()
    server = start_redis_server(port, workdir=tmp_path)
    try:
        with cuttable(port) as proxy:
            yield proxy
    finally:
        stop_processes([server])


@pytest.fixture
def scoring(tmp_path: Path, policy: Policy, redis_behind_proxy: CuttableProxy) -> Iterator[TestClient]:
    """A started app whose history store is the Redis behind the proxy."""
    settings = Settings(
        env="development",
        data_dir=tmp_path / "data",
        redis_url=f"redis://127.0.0.1:{redis_behind_proxy.port}/0",
        redis_timeout_s=TIMEOUT_S,
    )
    app = create_app(settings)
    with TestClient(app) as http:
        app.state.engine.policy = policy
        yield http


def timed_score(http: TestClient, body: dict[str, Any]) -> tuple[set[str], float]:
    """Reason codes of a decision and how long it took."""
    started = time.perf_counter()
    r = http.post("/v1/score", json=body)
    took = time.perf_counter() - started
    assert r.status_code == 200, r.text
    return {x["code"] for x in r.json()["reasons"]}, took


@pytest.mark.redis
@pytest.mark.parametrize("fault", ["refuse", "stall"])
def test_scoring_answers_without_history_while_redis_is_cut_and_recovers_by_itself(
    scoring: TestClient, redis_behind_proxy: CuttableProxy, fault: Any
) -> None:
    codes, _ = timed_score(scoring, waybill())
    assert "HISTORY_UNAVAILABLE" not in codes

    redis_behind_proxy.set(fault)
    for _ in range(3):
        codes, took = timed_score(scoring, held())
        assert {"HISTORY_UNAVAILABLE", "OVER_PERSONAL_LIMIT"} <= codes  # stateless rules still run
        assert took < BUDGET_S, f"{took:.3f} s with Redis {fault}"

    redis_behind_proxy.set("pass")
    deadline = time.monotonic() + 3
    while "HISTORY_UNAVAILABLE" in timed_score(scoring, waybill())[0]:
        assert time.monotonic() < deadline, "scoring did not get its history back once Redis returned"
    assert scoring.get("/readyz").status_code == 200
