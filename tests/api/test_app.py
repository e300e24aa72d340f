"""The app's life: what it sets up for the process while it runs, and gives back when it stops."""

import gc

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
