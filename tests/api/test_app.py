"""The app's life: what it sets up for the process while it runs, and gives back when it stops."""

import gc
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fastapi import FastAPI
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


def test_apps_answering_their_first_requests_in_two_threads_at_once_raise_no_warning(
    tmp_path: Path,
) -> None:
    # FastAPI builds routes at their first request under warnings.catch_warnings(), which is not thread-safe:
    # two apps doing so at once undid each other's "ignore" in about one race in five (warnings are errors).
    def first_requests(app: FastAPI, ready: threading.Barrier) -> list[int]:
        with TestClient(app) as http:
            ready.wait(timeout=30)
            return [
                http.post("/v1/score", json={}).status_code,
                http.get("/v1/decisions/SF/SF1400000001").status_code,
                http.get("/v1/cases").status_code,
            ]

    for race in range(12):
        apps = [create_app(Settings(env="development", data_dir=tmp_path / f"{race}-{k}")) for k in (0, 1)]
        ready = threading.Barrier(2)
        with ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(first_requests, apps, [ready, ready]))
        assert answers == [[422, 404, 401]] * 2
