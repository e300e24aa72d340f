"""Locust users, one class per actor: courier, batch courier, officer, auditor (and the echo yardstick).

    LOADTEST_BODIES=folder/single.jsonl locust -f loadtest/locustfile.py --host http://127.0.0.1:8000

Bodies are prepared before the run (`python -m loadtest.guard --prepare-only`, or loadtest.waybills): one
JSON waybill a line, ant-moving rings already mixed in. Each locust process prefixes every waybill
number with its own tag, so a rerun scores parcels afresh instead of recalling old decisions.
LOADTEST_SCALE multiplies every user's rate (the guard's fixed, modest rate is scale 1).
"""

import itertools
import os
import random
import time
import uuid
from pathlib import Path
from typing import Any

from locust import constant_throughput, task
from locust.contrib.fasthttp import FastHttpUser

from loadtest.waybills import retagged

OUTCOMES = {"release", "inspect", "hold", "reject"}
BATCH = 500
SCALE = float(os.environ.get("LOADTEST_SCALE", "1"))
_TAG = uuid.uuid4().hex[:6]


def _bodies() -> list[bytes]:
    path = os.environ.get("LOADTEST_BODIES")
    if not path:
        raise RuntimeError("set LOADTEST_BODIES to a prepared file of waybill bodies (one JSON a line)")
    lines = [line for line in Path(path).read_bytes().split(b"\n") if line]
    return [retagged(line, _TAG) for line in lines]


BODIES = _bodies()
_NEXT = itertools.count()


def next_body() -> bytes:
    """The next prepared waybill (shared by every user of this process, so none is sent twice)."""
    return BODIES[next(_NEXT) % len(BODIES)]


def _is_decision(answer: Any) -> bool:
    return isinstance(answer, dict) and answer.get("decision") in OUTCOMES


class _Paced(FastHttpUser):
    abstract = True
    rate = 1.0

    def on_start(self) -> None:
        """Start at a random point of the first interval: users spawned together would fire in bursts."""
        time.sleep(random.uniform(0, 1 / self.rate))  # cooperative: locust patches time.sleep


def post_waybill(client: Any, path: str, *, name: str, decision: bool) -> None:
    """POST the next prepared waybill; a failure unless 200 (and a decision, when one is expected)."""
    with client.post(
        path,
        data=next_body(),
        headers={"content-type": "application/json"},
        name=name,
        catch_response=True,
    ) as response:
        if response.status_code != 200:
            response.failure(f"status {response.status_code}")
        elif decision and not _is_decision(response.json()):
            response.failure("not a decision")


class Courier(_Paced):
    """A courier app scoring one parcel at each pickup."""

    weight = 20
    rate = 5 * SCALE
    wait_time = constant_throughput(rate)

    @task
    def score(self) -> None:
        """POST /v1/score and check the answer is a decision."""
        post_waybill(self.client, "/v1/score", name="score", decision=True)


class BatchCourier(_Paced):
    """An outlet's system sending the pickups of the last minutes in one batch of 500."""

    weight = 1
    rate = 0.2 * SCALE
    wait_time = constant_throughput(rate)

    @task
    def score_batch(self) -> None:
        """POST /v1/score/batch with 500 waybills; every slot must hold a decision."""
        body = b'{"waybills":[' + b",".join(next_body() for _ in range(BATCH)) + b"]}"
        with self.client.post(
            "/v1/score/batch",
            data=body,  # type: ignore[arg-type]
            headers={"content-type": "application/json"},
            name="score/batch",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
                return
            decisions = response.json().get("decisions", [])
            if len(decisions) != BATCH or not all(_is_decision(d) for d in decisions):
                response.failure("not 500 decisions")


class _LoggedIn(_Paced):
    abstract = True
    pages: tuple[str, ...] = ()

    def on_start(self) -> None:
        """Log in as the development user (every role) and find which pages this build serves."""
        super().on_start()
        with self.client.post(
            "/v1/auth/login",
            json={"username": "dev", "password": "dev"},
            name="auth/login",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"login: status {response.status_code}")
        # Pages (HTML) are newer than the JSON API: visit those this build has.
        self.served: list[str] = []
        for path in self.pages:
            with self.client.get(path, name="page probe", catch_response=True) as response:
                if response.status_code == 200:
                    self.served.append(path)
                response.success()

    @task(1)
    def page(self) -> None:
        """The actor's HTML pages (queue, dashboard), those this build has."""
        for path in self.served:
            with self.client.get(path, name=f"page {path}", catch_response=True) as response:
                if response.status_code != 200:
                    response.failure(f"status {response.status_code}")


class Officer(_LoggedIn):
    """A customs officer working the queue: the queue, then one case."""

    weight = 2
    rate = 1 * SCALE
    wait_time = constant_throughput(rate)
    pages = ("/cases",)

    @task(4)
    def queue_and_case(self) -> None:
        """GET /v1/cases, then the first case of the page."""
        with self.client.get("/v1/cases?per_page=20", name="cases", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
                return
            items = response.json().get("items", [])
        if items:
            case_id = random.choice(items)["case_id"]
            with self.client.get(f"/v1/cases/{case_id}", name="cases/{id}", catch_response=True) as response:
                if response.status_code != 200:
                    response.failure(f"status {response.status_code}")


class Auditor(_LoggedIn):
    """A postal-bureau auditor: the dashboard, now and then a report download."""

    weight = 1
    rate = 0.2 * SCALE
    wait_time = constant_throughput(rate)
    pages = ("/audit",)

    @task(4)
    def dashboard(self) -> None:
        """GET /v1/audit/dashboard for the last complete week."""
        with self.client.get("/v1/audit/dashboard", name="audit/dashboard", catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")
            elif not isinstance(response.json(), dict):
                response.failure("not a dashboard")

    @task(1)
    def report(self) -> None:
        """Download the weekly report's outlet table as CSV."""
        with self.client.get(
            "/v1/audit/reports/weekly/2026-W47?format=csv&table=outlets",
            name="audit/report",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"status {response.status_code}")


class EchoCourier(_Paced):
    """The yardstick: the same bodies to the validated echo route (mounted with SCREENING_BENCH_ECHO=true)."""

    weight = 20
    rate = 5 * SCALE
    wait_time = constant_throughput(rate)

    @task
    def echo(self) -> None:
        """POST /v1/bench/echo."""
        post_waybill(self.client, "/v1/bench/echo", name="echo", decision=False)
