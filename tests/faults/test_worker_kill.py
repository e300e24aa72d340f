"""A worker killed mid-request: the couriers' retries of the same waybills count each parcel once."""

import os
import signal
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import redis

from tests.factories import ant_ring
from tests.service_process import Serve


def post(url: str, body: dict[str, Any]) -> dict[str, Any] | None:
    """Score one waybill; None when the service died before answering."""
    try:
        r = httpx.post(f"{url}/v1/score", json=body, timeout=30)
    except httpx.TransportError:
        return None
    assert r.status_code == 200, r.text
    decision: dict[str, Any] = r.json()
    return decision


def codes(decision: dict[str, Any] | None) -> set[str]:
    """Reason codes of a decision."""
    assert decision is not None
    return {r["code"] for r in decision["reasons"]}


@pytest.mark.slow
def test_parcels_in_flight_when_the_worker_is_killed_count_once_after_the_retries(
    serve: Serve, redis_server: int
) -> None:
    prefix = f"kill-{uuid.uuid4().hex[:8]}:"
    env = {"SCREENING_REDIS_URL": f"redis://127.0.0.1:{redis_server}/0", "SCREENING_REDIS_PREFIX": prefix}
    ring = ant_ring(6)  # one sender, five Macau receivers, each under the limit: the sixth parcel is held
    store = redis.Redis(port=redis_server)
    proc, url = serve(**env)
    with ThreadPoolExecutor(5) as pool:
        in_flight = [pool.submit(post, url, body) for body in ring[:5]]
        deadline = time.monotonic() + 30
        # Killed as soon as the first parcel's history is written: the others are somewhere mid-request.
        while not any(store.scan_iter(match=f"{prefix}*", count=1000)) and time.monotonic() < deadline:
            time.sleep(0.001)
        os.kill(proc.pid, signal.SIGKILL)
        answered = [f.result() for f in in_flight]
    proc.wait(timeout=10)
    assert any(store.scan_iter(match=f"{prefix}*")), "the history was never written before the kill"
    assert None in answered, "every request was answered before the kill: nothing was in flight"
    _, url = serve(**env)
    for _ in range(2):  # the couriers retry every parcel, some of them twice
        retried = [post(url, body) for body in ring[:5]]
        assert all("ANT_MOVING_SENDER" not in codes(d) for d in retried), "a retried parcel counted twice"
    assert "ANT_MOVING_SENDER" in codes(post(url, ring[5]))
