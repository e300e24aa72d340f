"""SQL down: holds are still answered, their cases written once SQL is back, none lost; SQL calls time out."""

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import anyio
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.app import create_app
from screening.db import Database
from screening.errors import Unavailable
from screening.policy.schemas import Policy
from screening.settings import Settings
from tests.api.keys import bearer, make_key
from tests.factories import waybill
from tests.faults.proxy import CuttableProxy, cuttable
from tests.screening.cases.conftest import held

SQL_TIMEOUT_S = 1.0


@pytest.fixture
def postgres_behind_proxy(make_postgres_database: Callable[[], str]) -> Iterator[tuple[str, CuttableProxy]]:
    """A new PostgreSQL database of this test and a proxy to its server; the URL goes through the proxy."""
    url = sa.make_url(make_postgres_database())
    with cuttable(url.port or 5432) as proxy:
        yield url.set(port=proxy.port).render_as_string(hide_password=False), proxy


@pytest.mark.postgres
def test_holds_are_answered_while_sql_is_cut_and_their_cases_written_once_it_is_back(
    tmp_path: Path, policy: Policy, postgres_behind_proxy: tuple[str, CuttableProxy]
) -> None:
    url, proxy = postgres_behind_proxy
    settings = Settings(
        env="development", data_dir=tmp_path / "data", database_url=url, sql_timeout_s=SQL_TIMEOUT_S
    )
    app = create_app(settings)
    with TestClient(app) as http:
        app.state.engine.policy = policy
        customs = bearer(make_key(app, "customs", "SHA-PVG"))
        first = http.post("/v1/score", json=held()).json()["case_id"]
        assert http.get("/v1/cases", headers=customs).json()["counts"]["open"] == 1

        proxy.set("refuse")
        held_while_down = []
        for _ in range(3):
            started = time.perf_counter()
            r = http.post("/v1/score", json=held())
            assert r.status_code == 200 and r.json()["decision"] == "hold"
            assert time.perf_counter() - started < SQL_TIMEOUT_S + 1.0
            held_while_down.append(r.json()["case_id"])
        assert http.post("/v1/score", json=waybill()).status_code == 200
        # The key is still accepted (from the cache); the case list itself needs SQL: 503, not 401.
        assert http.get("/v1/cases", headers=customs).status_code == 503

        proxy.set("pass")
        deadline = time.monotonic() + 10
        while True:
            r = http.get("/v1/cases", params={"per_page": 50}, headers=customs)
            # The page's list and its counts are two reads: the outbox's replay may commit between them.
            listed = {c["case_id"] for c in r.json()["items"]} if r.status_code == 200 else set()
            if listed == {first, *held_while_down} and r.json()["counts"]["open"] == 4:
                break
            assert time.monotonic() < deadline, f"cases not written after SQL came back: {r.text}"
            time.sleep(0.2)
        assert not list((tmp_path / "data").glob("cases-outbox*.jsonl")) or all(
            p.stat().st_size == 0 for p in (tmp_path / "data").glob("cases-outbox*.jsonl")
        )


@pytest.mark.postgres
def test_a_stalled_database_times_out_instead_of_hanging(
    postgres_behind_proxy: tuple[str, CuttableProxy],
) -> None:
    url, proxy = postgres_behind_proxy
    db = Database.connect(url, timeout_s=0.5)
    try:
        assert db.read_sync(lambda s: s.execute(sa.text("SELECT 1")).scalar()) == 1
        db.dispose()
        proxy.set("stall")
        started = time.perf_counter()
        with pytest.raises(Unavailable):
            anyio.run(db.read, lambda s: s.execute(sa.text("SELECT 1")).scalar())
        # libpq counts its connect timeout in whole seconds, at least 2.
        assert time.perf_counter() - started < 3.5
    finally:
        db.dispose()
