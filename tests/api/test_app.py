"""The app's life: what it sets up for the process while it runs, and gives back when it stops."""

import gc
import warnings
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from screening.engine import GC_THRESHOLDS
from screening.settings import Settings


def test_the_running_app_collects_garbage_with_its_thresholds_and_gives_the_process_its_own_back(
    settings: Settings,
) -> None:
    before = gc.get_threshold()
    assert before != GC_THRESHOLDS
    with TestClient(create_app(settings)) as http:
        assert http.get("/healthz").status_code == 200
        assert gc.get_threshold() == GC_THRESHOLDS
    assert gc.get_threshold() == before


def test_a_new_apps_first_requests_build_no_route_so_two_apps_in_two_threads_cannot_race(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # FastAPI builds a route's parameter adapters under warnings.catch_warnings(), which swaps process-wide
    # filters: two apps building at their first requests in two threads undid each other's "ignore".
    app = create_app(settings)
    swaps = 0

    class Counted(warnings.catch_warnings):
        def __enter__(self) -> Any:
            nonlocal swaps
            swaps += 1
            return super().__enter__()

    monkeypatch.setattr(warnings, "catch_warnings", Counted)
    with TestClient(app) as http:
        assert http.get("/healthz").status_code == 200
        assert http.get("/v1/decisions/SF/SF1400000001").status_code in (401, 404)
        assert http.post("/v1/score", json={}).status_code == 422
    assert swaps == 0
