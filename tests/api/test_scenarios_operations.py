"""What an operator running the service relies on: probes, Prometheus metrics, request ids, JSON logs,
settings.

Written from the README ("HTTP API": `GET /healthz` liveness, `GET /readyz` readiness "policy loaded, history
store answering", `GET /metrics` "request latency per route, decisions by outcome, reasons by code, model
scores, store latencies (`screening_store_seconds`, `store` = `history` or `sql`), the decision log's lag";
"Every response carries `X-Request-ID` (the caller's, or a new one), and every log record made while serving
it carries it as `request_id`"; "logs are JSON lines"; "Settings"; "Security model": anyone reaches
`/healthz`, `/readyz`, `/metrics`, production answers 401 without a key and refuses weak secrets; "When parts
fail"), ../shared/ARCHITECTURE.md ("Failure behaviour": Redis unreachable, the courier is never left without a
decision and recovery is automatic; SQL unreachable, a hold is still answered), ../shared/contract/README.md
(Idempotency: re-sending the same body returns the same decision and changes nothing) and
../shared/domain/RULES.md §1 "Personal information" (nowhere a plain ID number: not in ... logs).

The failing parts are real: a redis-server and a PostgreSQL database of the test session, each reached
through a proxy the test cuts (refused connections) or stalls (connections accepted, never answered).

Readings where the sources leave a choice:

* A probe is answered within 1 s (the usual probe timeout) whatever the stores do; readiness is "policy
  loaded, history store answering", so /readyz is 503 naming `history` while Redis does not answer within its
  timeout, and stays 200 while only SQL is down (holds are still answered through the outbox).
* "Decisions by outcome, reasons by code" count decisions taken: a re-sent body answered from memory, a
  read-back, a refused or invalid request is no decision. A changed body is scored again: a decision again.
* "Request latency per route" counts every request to a route under that route's template (never the raw
  path), whatever its status; requests to no route are counted under one label, never per path.
* "Model scores" are the scores of decisions taken with a model; without one (`model_version` `none`) there is
  no score to count. The histogram's buckets are Prometheus' (a score equal to a bound is in that bucket).
* A caller's X-Request-ID is either kept as sent or, when the service refuses it as malformed, replaced by a
  new one; the answer's id and the logs' `request_id` are always the same.
* Log lines are read from the service's own JSON handler (its stream swapped for a buffer), as an operator's
  collector reads standard error.
"""

import io
import json
import logging
import os
import re
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import pytest
import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli
from screening.engine import Engine
from screening.parcel import Parcel
from screening.policy.history import EntityView
from screening.policy.loader import load_policy
from screening.policy.schemas import Audit, Policy
from screening.settings import DEFAULT_POLICY, Settings, get_settings
from tests.api.answers import codes
from tests.api.keys import bearer, make_key
from tests.factories import (
    NO_ID,
    cn_receiver,
    export_postal,
    hk_receiver,
    item,
    over_limit,
    party,
    resident_id,
    waybill,
)
from tests.faults.proxy import CuttableProxy, cuttable

Body = dict[str, Any]
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]

# A probe (Kubernetes' default timeoutSeconds) gives up after 1 s: every probe answer must come before.
PROBE_S = 1.0
REDIS_TIMEOUT_S = 0.2
SQL_TIMEOUT_S = 1.0
SECRETS = {"id_hmac_key": "h" * 40, "id_encryption_key": "e" * 40, "session_secret": "s" * 40}
OUTCOMES = ("release", "inspect", "hold", "reject")
HEX32 = re.compile(r"[0-9a-f]{32}")


# Reading /metrics ------------------------------------------------------------------------------------------


def parse(text: str) -> Samples:
    """Every sample of a Prometheus text page, by (name, labels)."""
    out: Samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def scrape(http: TestClient) -> Samples:
    """GET /metrics (no key: anyone may) and parse it."""
    r = http.get("/metrics")
    assert r.status_code == 200, r.text[:300]
    return parse(r.text)


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum of a sample over every series carrying these labels (0 when there is none)."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= ls)


def grew(before: Samples, after: Samples, name: str, **labels: str) -> float:
    """How much a sample (summed as total()) grew between two scrapes."""
    return total(after, name, **labels) - total(before, name, **labels)


def decided(before: Samples, after: Samples) -> dict[str, float]:
    """Decisions counted between two scrapes, by outcome."""
    return {o: grew(before, after, "screening_decisions_total", decision=o) for o in OUTCOMES}


def reasons_counted(before: Samples, after: Samples) -> dict[str, float]:
    """Reasons counted between two scrapes, by code (codes that did not grow left out)."""
    out: dict[str, float] = {}
    for (name, labels), value in after.items():
        if name == "screening_reasons_total":
            code = dict(labels)["code"]
            moved = value - before.get((name, labels), 0.0)
            if moved:
                out[code] = moved
    return out


def route_count(samples: Samples, route: str, status: str | None = None, method: str | None = None) -> float:
    """Requests counted under one route template (and status, method when given)."""
    labels = {"route": route}
    if status is not None:
        labels["status"] = status
    if method is not None:
        labels["method"] = method
    return total(samples, "screening_http_request_seconds_count", **labels)


def monotonic_samples(text: str) -> Samples:
    """The samples of every counter and histogram family (what may only grow), by (name, labels)."""
    out: Samples = {}
    for family in text_string_to_metric_families(text):
        if family.type in ("counter", "histogram"):
            for s in family.samples:
                if not s.name.endswith("_created"):  # when the series began: a time, not a count
                    out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def bucket(samples: Samples, name: str, le: str, **labels: str) -> float:
    """One cumulative bucket of a histogram."""
    return total(samples, f"{name}_bucket", le=le, **labels)


def lag(http: TestClient) -> float:
    """The decision log's lag gauge."""
    return total(scrape(http), "screening_decision_log_lag_seconds")


# Reading the service's JSON logs ---------------------------------------------------------------------------


class JsonLog:
    """What the service's own log handler wrote while captured: one JSON object a line."""

    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        """Everything written, as written."""
        return self.stream.getvalue()

    def lines(self) -> list[Body]:
        """Every line, parsed (a line that is not a JSON object fails the test)."""
        out: list[Body] = []
        for line in self.text.splitlines():
            parsed = json.loads(line)
            assert isinstance(parsed, dict), line
            out.append(parsed)
        return out


@contextmanager
def service_logs() -> Iterator[JsonLog]:
    """The service's JSON handler (shared by its loggers) writing into a buffer instead of standard error."""
    handler = logging.getLogger("screening").handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    captured = JsonLog()
    before = handler.setStream(captured.stream)
    try:
        yield captured
    finally:
        if before is not None:
            handler.setStream(before)


def wait_for(check: Callable[[], bool], what: str, seconds: float = 10.0) -> None:
    """Poll until check() holds."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(0.05)


def timed(call: Callable[[], httpx2.Response]) -> tuple[httpx2.Response, float]:
    """A request and how long it took."""
    started = time.perf_counter()
    r = call()
    return r, time.perf_counter() - started


# Parcels ---------------------------------------------------------------------------------------------------

_seq = iter(range(100, 1000))


def own_sender() -> Body:
    """A mainland sender of their own (ID, phone, building), so that no test's history reaches another's."""
    n = next(_seq)
    return party(
        phone=f"1350077{n:04d}",
        id_number=resident_id(region="320102", birth="19790315", seq=f"{n:03d}"),
        address={"district": "玄武区", "detail": f"中山路{n}号2栋"},
    )


def of_outcome(outcome: str) -> Body:
    """A waybill of its own sender that the starting policy decides as outcome, with one reason at most."""
    who = own_sender()
    if outcome == "release":
        return waybill(sender=who)
    if outcome == "inspect":  # RULES.md §3 INSPECTION_NOT_RECORDED: no 收寄验视 recorded, inspect
        return waybill(sender=who, pickup_checks={"opened_inspection": False, "xray_screened": True})
    if outcome == "hold":  # RULES.md §1: 800 CNY limit to Hong Kong; 1,000 CNY in five units, hold
        return over_limit(sender=who)
    assert outcome == "reject"  # RULES.md §3 REALNAME_MISSING: domestic, no sender ID, reject
    return waybill(sender=party(**{**NO_ID, "phone": who["phone"]}))


REASON_OF = {
    "inspect": "INSPECTION_NOT_RECORDED",
    "hold": "OVER_PERSONAL_LIMIT",
    "reject": "REALNAME_MISSING",
}


# A started service on the embedded store (development) -----------------------------------------------------


@dataclass
class Svc:
    """A started app and its client (server errors answered as 500, not raised into the test)."""

    app: FastAPI
    http: TestClient

    @property
    def engine(self) -> Engine:
        """The app's engine."""
        engine: Engine = self.app.state.engine
        return engine

    def post(self, wb: Body, **headers: str) -> httpx2.Response:
        """POST /v1/score."""
        return self.http.post("/v1/score", json=wb, headers=headers)

    def score(self, wb: Body) -> Body:
        """POST /v1/score and expect a decision."""
        r = self.post(wb)
        assert r.status_code == 200, r.text[:400]
        out: Body = r.json()
        return out

    def batch(self, wbs: Sequence[Any]) -> list[Body]:
        """POST /v1/score/batch and expect one slot a waybill."""
        r = self.http.post("/v1/score/batch", json={"waybills": list(wbs)})
        assert r.status_code == 200, r.text[:400]
        slots: list[Body] = r.json()["decisions"]
        assert len(slots) == len(wbs)
        return slots


@contextmanager
def started(settings: Settings, policy: Policy) -> Iterator[Svc]:
    """A started app on these settings with the test policy."""
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as http:
        app.state.engine.policy = policy
        yield Svc(app, http)


@pytest.fixture
def svc(settings: Settings, policy: Policy) -> Iterator[Svc]:
    """A development app on the embedded store, its holds written from a thread (SQLite in the data dir)."""
    with started(settings.model_copy(update={"case_writer": "thread"}), policy) as s:
        yield s


@pytest.fixture(params=["embedded", pytest.param("redis", marks=pytest.mark.redis)])
def svc_on(request: pytest.FixtureRequest, settings: Settings, policy: Policy) -> Iterator[Svc]:
    """A development app on each history store: the embedded one, and a real Redis (a prefix of its own)."""
    options: Body = {"case_writer": "thread"}
    if request.param == "redis":
        port = request.getfixturevalue("redis_server")
        options |= {
            "redis_url": f"redis://127.0.0.1:{port}/0",
            "redis_prefix": f"ops{uuid.uuid4().hex[:10]}:",
            "redis_timeout_s": 2.0,
        }
    with started(settings.model_copy(update=options), policy) as s:
        yield s


# A deployment: Redis and PostgreSQL behind proxies, in development and in production settings ---------------


@dataclass
class Deployment:
    """A started app whose Redis and PostgreSQL the test cuts or stalls, with a carrier and a customs key."""

    env: str
    app: FastAPI
    http: TestClient
    redis: CuttableProxy
    sql: CuttableProxy
    carrier: dict[str, str]
    customs: dict[str, str]
    held: set[str] = field(default_factory=set)

    def post(self, wb: Body) -> httpx2.Response:
        """POST /v1/score with the SF carrier key (a hold's case id kept, to be found once SQL is back)."""
        r = self.http.post("/v1/score", json=wb, headers=self.carrier)
        if r.status_code == 200 and r.json()["case_id"]:
            self.held.add(r.json()["case_id"])
        return r

    def score(self, wb: Body) -> Body:
        """POST /v1/score and expect a decision."""
        r = self.post(wb)
        assert r.status_code == 200, r.text[:400]
        out: Body = r.json()
        return out

    def sql_answers(self) -> bool:
        """The case API answers (so SQL does, and the key of the customs system is known)."""
        return self.http.get("/v1/cases", headers=self.customs).status_code == 200


def starting_policy() -> Policy:
    """The shipped policy with random audit off (as the suite's `policy` fixture)."""
    return load_policy(DEFAULT_POLICY).model_copy(update={"audit": Audit(random_rate=0.0)})


@contextmanager
def deployed(env: str, data_dir: Path, redis_port: int, database_url: str) -> Iterator[Deployment]:
    """A started app of this env on Redis and PostgreSQL, each through a proxy of its own."""
    pg = sa.make_url(database_url)
    with cuttable(redis_port) as redis, cuttable(pg.port or 5432) as sql:
        options: Body = {
            "env": env,
            "data_dir": data_dir,
            "redis_url": f"redis://127.0.0.1:{redis.port}/0",
            "redis_prefix": f"ops{uuid.uuid4().hex[:10]}:",
            "redis_timeout_s": REDIS_TIMEOUT_S,
            "database_url": pg.set(port=sql.port).render_as_string(hide_password=False),
            "sql_timeout_s": SQL_TIMEOUT_S,
            "case_writer": "thread",
        }
        if env == "production":
            options |= SECRETS
        settings = Settings(**options)
        app = create_app(settings)
        with TestClient(app, raise_server_exceptions=False) as http:
            app.state.engine.policy = starting_policy()
            carrier = bearer(make_key(app, "carrier", "SF"))
            customs = bearer(make_key(app, "customs", "SHA-PVG"))
            yield Deployment(env, app, http, redis, sql, carrier, customs)


@pytest.fixture(scope="module")
def development_deployment(
    tmp_path_factory: pytest.TempPathFactory, redis_server: int, make_postgres_database: Callable[[], str]
) -> Iterator[Deployment]:
    """The module's development deployment."""
    data = tmp_path_factory.mktemp("dev") / "data"
    with deployed("development", data, redis_server, make_postgres_database()) as d:
        yield d


@pytest.fixture(scope="module")
def production_deployment(
    tmp_path_factory: pytest.TempPathFactory, redis_server: int, make_postgres_database: Callable[[], str]
) -> Iterator[Deployment]:
    """The module's production deployment (real secrets; every courier route needs a key)."""
    data = tmp_path_factory.mktemp("prod") / "data"
    with deployed("production", data, redis_server, make_postgres_database()) as d:
        yield d


def restored(d: Deployment) -> Deployment:
    """Both proxies passing again, the service ready again and SQL answering (recovery is automatic)."""
    d.redis.set("pass")
    d.sql.set("pass")
    wait_for(lambda: d.http.get("/readyz").status_code == 200, "ready again")
    wait_for(d.sql_answers, "the case database answering again")
    # Nothing acknowledged is lost: every hold answered so far is a case in SQL (the outbox written back).
    for case_id in sorted(d.held):

        def found(case_id: str = case_id) -> bool:
            return d.http.get(f"/v1/cases/{case_id}", headers=d.customs).status_code == 200

        wait_for(found, f"case {case_id} in SQL")
    d.held.clear()
    # The carrier key looked up while SQL answers: a key seen before keeps working while SQL is down.
    assert d.http.get("/v1/decisions/SF/SF0000000000", headers=d.carrier).status_code == 404
    return d


@pytest.fixture(
    params=[
        pytest.param("development", marks=[pytest.mark.redis, pytest.mark.postgres]),
        pytest.param("production", marks=[pytest.mark.redis, pytest.mark.postgres]),
    ]
)
def deployment(request: pytest.FixtureRequest) -> Iterator[Deployment]:
    """The development and the production deployment in turn, every part up at the start and at the end."""
    d: Deployment = request.getfixturevalue(f"{request.param}_deployment")
    yield restored(d)
    restored(d)


@pytest.fixture
def production(production_deployment: Deployment) -> Iterator[Deployment]:
    """The production deployment, every part up at the start and at the end."""
    yield restored(production_deployment)
    restored(production_deployment)


# /healthz and /readyz --------------------------------------------------------------------------------------


def test_alive_and_ready_on_the_embedded_store_with_the_policy_version_decisions_carry(svc: Svc) -> None:
    """On the embedded store /healthz and /readyz are 200, and readiness names the policy version in force."""
    alive, ready = svc.http.get("/healthz"), svc.http.get("/readyz")
    assert (alive.status_code, ready.status_code) == (200, 200)
    assert ready.json()["checks"] == {"policy": True, "history": True}
    assert ready.json()["policy_version"] == svc.score(waybill())["policy_version"]


def test_alive_and_ready_with_every_part_up(deployment: Deployment) -> None:
    """With Redis and PostgreSQL up, both probes are 200 and every readiness check is true."""
    alive, ready = deployment.http.get("/healthz"), deployment.http.get("/readyz")
    assert (alive.status_code, ready.status_code) == (200, 200)
    assert ready.json()["checks"]["history"] is True and ready.json()["checks"]["policy"] is True


@pytest.mark.parametrize("fault", ["refuse", "stall"])
def test_with_redis_failing_not_ready_naming_the_history_but_alive_within_a_probe_timeout(
    deployment: Deployment, fault: Any
) -> None:
    """Redis refused or stalled: /readyz is 503 naming the history store, /healthz 200, both within 1 s."""
    deployment.redis.set(fault)
    ready, took_ready = timed(lambda: deployment.http.get("/readyz"))
    alive, took_alive = timed(lambda: deployment.http.get("/healthz"))
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"policy": True, "history": False}
    assert alive.status_code == 200
    assert took_ready < PROBE_S and took_alive < PROBE_S, (took_ready, took_alive)


def test_ready_again_by_itself_once_redis_answers(deployment: Deployment) -> None:
    """After Redis was refused, /readyz is 200 again within seconds of it answering, nothing restarted."""
    deployment.redis.set("refuse")
    assert deployment.http.get("/readyz").status_code == 503
    deployment.redis.set("pass")
    wait_for(lambda: deployment.http.get("/readyz").status_code == 200, "ready once Redis answers", 3.0)
    assert "HISTORY_UNAVAILABLE" not in codes(deployment.score(waybill(sender=own_sender())))


@pytest.mark.parametrize("fault", ["refuse", "stall"])
def test_with_sql_failing_still_ready_and_alive_within_a_probe_timeout(
    deployment: Deployment, fault: Any
) -> None:
    """PostgreSQL refused or stalled: readiness is about the history store; both probes 200 within 1 s."""
    deployment.sql.set(fault)
    ready, took_ready = timed(lambda: deployment.http.get("/readyz"))
    alive, took_alive = timed(lambda: deployment.http.get("/healthz"))
    assert (ready.status_code, alive.status_code) == (200, 200)
    assert ready.json()["checks"]["history"] is True
    assert took_ready < PROBE_S and took_alive < PROBE_S, (took_ready, took_alive)


def test_with_sql_refused_a_hold_is_answered_with_its_case_while_the_service_stays_ready(
    deployment: Deployment,
) -> None:
    """PostgreSQL refused: a hold is answered with a case id within the SQL timeout, and /readyz stays 200."""
    deployment.sql.set("refuse")
    r, took = timed(lambda: deployment.post(over_limit(sender=own_sender())))
    assert r.status_code == 200 and r.json()["decision"] == "hold" and r.json()["case_id"]
    assert took < SQL_TIMEOUT_S + 1.0
    assert deployment.http.get("/readyz").status_code == 200


@pytest.mark.parametrize(
    ("part", "fault"), [("redis", "refuse"), ("redis", "stall"), ("sql", "refuse"), ("sql", "stall")]
)
def test_metrics_are_scraped_within_a_probe_timeout_while_a_store_fails(
    deployment: Deployment, part: str, fault: Any
) -> None:
    """/metrics answers, without a key, within 1 s while Redis or PostgreSQL is refused or stalled."""
    proxy = deployment.redis if part == "redis" else deployment.sql
    proxy.set(fault)
    r, took = timed(lambda: deployment.http.get("/metrics"))
    assert r.status_code == 200 and "screening_decisions_total" in r.text
    assert took < PROBE_S, took


@pytest.mark.redis
@pytest.mark.postgres
def test_a_stalled_redis_shows_in_the_history_latency_at_its_timeout(production: Deployment) -> None:
    """A stalled Redis call is timed in screening_store_seconds{store="history"} at its timeout (> 0.1 s)."""
    production.redis.set("stall")
    production.score(waybill(sender=own_sender()))  # the first call may find its connection dropped at once
    before = scrape(production.http)
    d = production.score(waybill(sender=own_sender()))
    after = scrape(production.http)
    assert "HISTORY_UNAVAILABLE" in codes(d)
    assert grew(before, after, "screening_store_seconds_count", store="history") == 1
    assert bucket(after, "screening_store_seconds", "0.1", store="history") == bucket(
        before, "screening_store_seconds", "0.1", store="history"
    )
    waited = grew(before, after, "screening_store_seconds_sum", store="history")
    assert REDIS_TIMEOUT_S * 0.9 <= waited < PROBE_S, waited


@pytest.mark.redis
@pytest.mark.postgres
def test_a_scoring_held_up_by_a_stalled_redis_shows_in_the_route_latency(production: Deployment) -> None:
    """The /v1/score request that waited for a stalled Redis lands above the 0.1 s bucket of its route."""
    production.redis.set("stall")
    production.score(waybill(sender=own_sender()))  # the first call may find its connection dropped at once
    before = scrape(production.http)
    production.score(waybill(sender=own_sender()))
    after = scrape(production.http)
    score_200 = {"route": "/v1/score", "status": "200", "method": "POST"}
    assert grew(before, after, "screening_http_request_seconds_count", **score_200) == 1
    assert bucket(after, "screening_http_request_seconds", "0.1", **score_200) == bucket(
        before, "screening_http_request_seconds", "0.1", **score_200
    )


@pytest.mark.redis
@pytest.mark.postgres
def test_in_production_probes_and_metrics_need_no_key_and_scoring_without_one_is_counted_as_401(
    production: Deployment,
) -> None:
    """Production: probes and /metrics answer 200 without a key; a keyless score is a 401, no decision."""
    for path in ("/healthz", "/readyz", "/metrics"):
        assert production.http.get(path).status_code == 200, path
    before = scrape(production.http)
    r = production.http.post("/v1/score", json=waybill(sender=own_sender()))
    after = scrape(production.http)
    assert r.status_code == 401
    assert route_count(after, "/v1/score", "401") - route_count(before, "/v1/score", "401") == 1
    assert decided(before, after) == dict.fromkeys(OUTCOMES, 0.0)


@pytest.mark.redis
@pytest.mark.postgres
def test_in_production_another_carriers_waybill_is_refused_and_not_counted_as_a_decision(
    production: Deployment,
) -> None:
    """Production: the SF key scoring a YTO waybill (403), or a YTO slot of a batch, counts no decision."""
    yto = waybill(sender=own_sender(), carrier="YTO", waybill_no=f"YT{uuid.uuid4().int % 10**12:012d}")
    before = scrape(production.http)
    assert production.post(yto).status_code == 403
    mine = waybill(sender=own_sender())
    r = production.http.post("/v1/score/batch", json={"waybills": [yto, mine]}, headers=production.carrier)
    after = scrape(production.http)
    assert r.status_code == 200
    slots = r.json()["decisions"]
    assert "error" in slots[0] and slots[1]["decision"] == "release"
    assert decided(before, after) == {**dict.fromkeys(OUTCOMES, 0.0), "release": 1.0}


# /metrics: route templates, statuses, histograms, counters that only grow ----------------------------------


def test_read_backs_of_many_parcels_are_one_series_of_the_route_template(svc: Svc) -> None:
    """Five read-backs add five to one /v1/decisions/{carrier}/{waybill_no} series; no waybill shown."""
    wbs = [waybill(sender=own_sender()) for _ in range(5)]
    for wb in wbs:
        svc.score(wb)
    before = scrape(svc.http)
    for wb in wbs:
        assert svc.http.get(f"/v1/decisions/SF/{wb['waybill_no']}").status_code == 200
    r = svc.http.get("/metrics")
    after = parse(r.text)
    assert (
        route_count(after, "/v1/decisions/{carrier}/{waybill_no}", "200", "GET")
        - route_count(before, "/v1/decisions/{carrier}/{waybill_no}", "200", "GET")
        == 5
    )
    assert [wb["waybill_no"] for wb in wbs if wb["waybill_no"] in r.text] == []


def test_requests_to_no_route_never_make_a_series_of_their_own(svc: Svc) -> None:
    """Scanner paths are 404s counted together under one label; none of the raw paths becomes a label."""
    paths = ["/wp-login.php", "/v1/nowhere/SF1234567890", "/.env", f"/v1/{uuid.uuid4().hex}"]
    before = scrape(svc.http)
    for p in paths:
        assert svc.http.get(p).status_code == 404
    r = svc.http.get("/metrics")
    after = parse(r.text)
    assert grew(before, after, "screening_http_request_seconds_count", status="404") == len(paths)
    assert [p for p in paths if p in r.text] == []
    routes_404 = {
        dict(ls)["route"]
        for (n, ls), v in after.items()
        if n == "screening_http_request_seconds_count"
        and ("status", "404") in ls
        and v > before.get((n, ls), 0)
    }
    assert len(routes_404) == 1


def test_a_refused_body_is_counted_under_its_route_with_its_status_and_no_decision(svc: Svc) -> None:
    """A 422 on /v1/score is one request of route /v1/score, status 422, and no decision or reason."""
    before = scrape(svc.http)
    assert svc.post(waybill(weight_kg=0)).status_code == 422
    after = scrape(svc.http)
    assert (
        route_count(after, "/v1/score", "422", "POST") - route_count(before, "/v1/score", "422", "POST") == 1
    )
    assert decided(before, after) == dict.fromkeys(OUTCOMES, 0.0)
    assert reasons_counted(before, after) == {}


def test_a_body_over_the_limit_is_counted_under_its_route_with_status_413(
    settings: Settings, policy: Policy
) -> None:
    """A 413 on /v1/score is one request of route /v1/score, status 413."""
    with started(settings.model_copy(update={"max_body_bytes": 4096, "case_writer": "thread"}), policy) as s:
        before = scrape(s.http)
        r = s.http.post("/v1/score", content=b" " * 5000, headers={"content-type": "application/json"})
        after = scrape(s.http)
    assert r.status_code == 413
    assert route_count(after, "/v1/score", "413") - route_count(before, "/v1/score", "413") == 1


def test_a_server_error_is_counted_under_its_route_with_status_500(
    svc: Svc, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unexpected fault while scoring is one request of route /v1/score, status 500, and no decision."""

    async def broken(**kwargs: Any) -> Any:
        raise RuntimeError("the history store gave an answer nobody expected")

    monkeypatch.setattr(svc.engine.history, "observe", broken)
    before = scrape(svc.http)
    assert svc.post(waybill()).status_code == 500
    after = scrape(svc.http)
    assert (
        route_count(after, "/v1/score", "500", "POST") - route_count(before, "/v1/score", "500", "POST") == 1
    )
    assert decided(before, after) == dict.fromkeys(OUTCOMES, 0.0)


def test_every_histogram_is_cumulative_with_its_inf_bucket_equal_to_its_count(svc: Svc) -> None:
    """Every histogram series: buckets never fall as `le` grows, +Inf equals _count, _sum is not negative."""
    svc.score(over_limit(sender=own_sender()))
    svc.batch([waybill(sender=own_sender()), {"waybill_no": "bad"}])
    svc.http.get("/v1/nowhere")
    text = svc.http.get("/metrics").text
    checked = 0
    for family in text_string_to_metric_families(text):
        if family.type != "histogram":
            continue
        series: dict[frozenset[tuple[str, str]], list[tuple[float, float]]] = {}
        counts: dict[frozenset[tuple[str, str]], float] = {}
        sums: dict[frozenset[tuple[str, str]], float] = {}
        for s in family.samples:
            rest = frozenset((k, v) for k, v in s.labels.items() if k != "le")
            if s.name.endswith("_bucket"):
                series.setdefault(rest, []).append((float(s.labels["le"]), s.value))
            elif s.name.endswith("_count"):
                counts[rest] = s.value
            elif s.name.endswith("_sum"):
                sums[rest] = s.value
        for rest, buckets in series.items():
            values = [v for _, v in sorted(buckets)]
            assert values == sorted(values), (family.name, dict(rest))
            assert sorted(buckets)[-1] == (float("inf"), counts[rest]), (family.name, dict(rest))
            assert sums[rest] >= 0
            checked += 1
    assert checked >= 4  # request latency of several routes, store latencies at least


def test_scraped_twice_around_traffic_no_counter_or_histogram_sample_goes_down(svc: Svc) -> None:
    """Between two scrapes with scoring, errors and read-backs between them, every sample stays or grows."""
    first_text = svc.http.get("/metrics").text
    first = monotonic_samples(first_text)
    wb = over_limit(sender=own_sender())
    svc.score(wb)
    svc.score(wb)
    svc.post(waybill(weight_kg=-1))
    svc.http.get(f"/v1/decisions/SF/{wb['waybill_no']}")
    second = svc.http.get("/metrics").text
    after = monotonic_samples(second)
    fell = {
        (name, tuple(sorted(labels))): (v, after.get((name, labels)))
        for (name, labels), v in first.items()
        if after.get((name, labels), -1.0) < v
    }
    assert fell == {}
    assert decided(parse(first_text), parse(second))["hold"] == 1


def test_a_scrape_alone_changes_no_decision_reason_or_model_score(svc: Svc) -> None:
    """Two scrapes with no traffic between: decisions, reasons and model scores are as they were."""
    svc.score(of_outcome("reject"))
    first, second = scrape(svc.http), scrape(svc.http)
    for name in ("screening_decisions_total", "screening_reasons_total", "screening_model_score_count"):
        assert total(second, name) == total(first, name), name


# Decisions by outcome and reasons by code, each counted once ----------------------------------------------


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_one_decision_is_counted_once_under_its_outcome_with_its_reason(svc: Svc, outcome: str) -> None:
    """One scored waybill adds one to its outcome's counter, nothing to the others, and one to its reason."""
    before = scrape(svc.http)
    d = svc.score(of_outcome(outcome))
    after = scrape(svc.http)
    assert d["decision"] == outcome
    assert decided(before, after) == {o: float(o == outcome) for o in OUTCOMES}
    assert reasons_counted(before, after) == ({REASON_OF[outcome]: 1.0} if outcome in REASON_OF else {})


def test_a_decision_with_three_reasons_counts_each_code_once_and_the_decision_once(svc: Svc) -> None:
    """No ID and no pickup checks: REALNAME_MISSING, INSPECTION_NOT_RECORDED, XRAY_NOT_RECORDED once each."""
    wb = waybill(
        sender=party(**NO_ID, phone="13500771999"),
        pickup_checks={"opened_inspection": False, "xray_screened": False},
    )
    before = scrape(svc.http)
    d = svc.score(wb)
    after = scrape(svc.http)
    assert d["decision"] == "reject"
    assert codes(d) == {"REALNAME_MISSING", "INSPECTION_NOT_RECORDED", "XRAY_NOT_RECORDED"}
    assert reasons_counted(before, after) == dict.fromkeys(codes(d), 1.0)
    assert sum(decided(before, after).values()) == 1


def test_a_reason_naming_several_articles_is_counted_once(svc: Svc) -> None:
    """COMMERCIAL_QUANTITY for two cosmetics lines of six units each is one reason, counted once."""
    # RULES.md §3 COMMERCIAL_QUANTITY: more than 5 units of one item for cosmetics
    wb = export_postal(
        sender=own_sender(),
        items=[
            item(description="口红 lipstick", category="cosmetics", quantity=6, unit_value=10.0),
            item(description="眼霜 eye cream", category="cosmetics", quantity=6, unit_value=10.0),
        ],
    )
    before = scrape(svc.http)
    d = svc.score(wb)
    after = scrape(svc.http)
    assert [r["code"] for r in d["reasons"]].count("COMMERCIAL_QUANTITY") == 1
    assert reasons_counted(before, after)["COMMERCIAL_QUANTITY"] == 1


def test_a_re_sent_body_is_not_counted_again_on_either_store(svc_on: Svc) -> None:
    """The same body sent three times: one decision, its reason once, three requests of /v1/score."""
    wb = over_limit(sender=own_sender())
    before = scrape(svc_on.http)
    answers = [svc_on.score(wb) for _ in range(3)]
    after = scrape(svc_on.http)
    assert {a["case_id"] for a in answers} == {answers[0]["case_id"]}
    assert decided(before, after) == {**dict.fromkeys(OUTCOMES, 0.0), "hold": 1.0}
    assert reasons_counted(before, after) == {"OVER_PERSONAL_LIMIT": 1.0}
    assert route_count(after, "/v1/score", "200") - route_count(before, "/v1/score", "200") == 3


def test_a_changed_body_is_a_new_decision_counted_under_its_new_outcome(svc: Svc) -> None:
    """A held waybill corrected under the limit is scored again: one hold, then one release, counted."""
    wb = over_limit(sender=own_sender())
    corrected = {**wb, "items": [item(quantity=5, unit_value=100.0)], "declared_value": 500.0}
    before = scrape(svc.http)
    assert svc.score(wb)["decision"] == "hold"
    assert svc.score(corrected)["decision"] == "release"
    svc.score(corrected)  # the correction re-sent: no decision
    after = scrape(svc.http)
    assert decided(before, after) == {**dict.fromkeys(OUTCOMES, 0.0), "hold": 1.0, "release": 1.0}


def test_a_batch_counts_each_scored_slot_once_and_its_invalid_slot_not_at_all(svc: Svc) -> None:
    """A batch of a release, a hold, a reject and an invalid slot counts three decisions by outcome."""
    wbs: list[Any] = [of_outcome("release"), of_outcome("hold"), of_outcome("reject"), waybill(weight_kg=0)]
    before = scrape(svc.http)
    slots = svc.batch(wbs)
    after = scrape(svc.http)
    assert [s.get("decision", "error") for s in slots] == ["release", "hold", "reject", "error"]
    assert decided(before, after) == {"release": 1.0, "inspect": 0.0, "hold": 1.0, "reject": 1.0}
    assert reasons_counted(before, after) == {"OVER_PERSONAL_LIMIT": 1.0, "REALNAME_MISSING": 1.0}


def test_the_same_body_twice_in_one_batch_is_one_decision(svc: Svc) -> None:
    """One parcel's body twice in a batch: both slots answered alike, one decision counted."""
    wb = of_outcome("hold")
    before = scrape(svc.http)
    first, second = svc.batch([wb, wb])
    after = scrape(svc.http)
    assert first["case_id"] == second["case_id"] and first["decision"] == second["decision"] == "hold"
    assert sum(decided(before, after).values()) == 1


def test_a_batch_re_sent_whole_and_its_parcels_re_sent_singly_count_nothing_more(svc: Svc) -> None:
    """A scored batch sent again, and its parcels sent again one by one, add no decision or reason."""
    wbs = [of_outcome(o) for o in OUTCOMES]
    svc.batch(wbs)
    before = scrape(svc.http)
    again = svc.batch(wbs)
    singly = [svc.score(wb) for wb in wbs]
    after = scrape(svc.http)
    assert [a["decision"] for a in again] == [s["decision"] for s in singly] == list(OUTCOMES)
    assert decided(before, after) == dict.fromkeys(OUTCOMES, 0.0)
    assert reasons_counted(before, after) == {}


def test_a_read_back_is_no_decision(svc: Svc) -> None:
    """GET /v1/decisions of a held parcel, three times, counts no decision and no reason."""
    wb = of_outcome("hold")
    svc.score(wb)
    before = scrape(svc.http)
    for _ in range(3):
        assert svc.http.get(f"/v1/decisions/SF/{wb['waybill_no']}").json()["decision"] == "hold"
    after = scrape(svc.http)
    assert decided(before, after) == dict.fromkeys(OUTCOMES, 0.0) and reasons_counted(before, after) == {}


# Model scores ----------------------------------------------------------------------------------------------


class ScoreBook:
    """A model that gives each parcel the score written for its waybill number (0.01 for any other)."""

    version = "ops-test-1"

    def __init__(self) -> None:
        self.scores: dict[str, float] = {}

    def score(self, parcel: Parcel, views: Sequence[EntityView] | None) -> float:
        """The score written for this waybill."""
        return self.scores.get(parcel.waybill.waybill_no, 0.01)

    def explain(
        self, parcel: Parcel, views: Sequence[EntityView] | None, *, top: int
    ) -> tuple[tuple[str, float], ...]:
        """One made-up contribution."""
        return (("declared_value_cny", 0.5),)[:top]


@pytest.fixture
def modelled(svc: Svc) -> tuple[Svc, ScoreBook]:
    """The development app with a model whose scores the test writes."""
    book = ScoreBook()
    svc.engine.scorer = book
    return svc, book


def scored(pair: tuple[Svc, ScoreBook], risk: float) -> tuple[Body, Samples, Samples]:
    """Score a clean waybill the model gives `risk`: its decision, and /metrics before and after."""
    s, book = pair
    wb = waybill(sender=own_sender())
    book.scores[wb["waybill_no"]] = risk
    before = scrape(s.http)
    d = s.score(wb)
    return d, before, scrape(s.http)


# policy.toml [model]: inspect_threshold = 0.5, hold_threshold = 0.8; a score over one fires its reason.
@pytest.mark.parametrize(
    ("risk", "in_bucket", "not_in_bucket", "reason"),
    [
        (0.5, "0.5", "0.3", None),
        (0.5001, "0.7", "0.5", "MODEL_ELEVATED_RISK"),
        (0.8, "0.8", "0.7", "MODEL_ELEVATED_RISK"),
        (0.8001, "0.9", "0.8", "MODEL_HIGH_RISK"),
    ],
    ids=["at-inspect", "over-inspect", "at-hold", "over-hold"],
)
def test_a_model_score_lands_in_its_bucket_and_its_reason_is_counted(
    modelled: tuple[Svc, ScoreBook], risk: float, in_bucket: str, not_in_bucket: str, reason: str | None
) -> None:
    """A score at or just over a threshold is one observation in the right bucket; its reason counted once."""
    d, before, after = scored(modelled, risk)
    assert d["risk_score"] == pytest.approx(risk)
    assert grew(before, after, "screening_model_score_count") == 1
    assert grew(before, after, "screening_model_score_bucket", le=in_bucket) == 1
    assert grew(before, after, "screening_model_score_bucket", le=not_in_bucket) == 0
    assert reasons_counted(before, after) == ({reason: 1.0} if reason else {})


def test_model_scores_add_up_in_the_sum_and_a_re_send_adds_no_score(modelled: tuple[Svc, ScoreBook]) -> None:
    """Three parcels scored 0.03, 0.2 and 0.6 add 0.83 to the sum and 3 to the count; re-sends add nothing."""
    s, book = modelled
    wbs = [waybill(sender=own_sender()) for _ in range(3)]
    for wb, risk in zip(wbs, (0.03, 0.2, 0.6), strict=True):
        book.scores[wb["waybill_no"]] = risk
    before = scrape(s.http)
    for wb in wbs:
        s.score(wb)
    middle = scrape(s.http)
    for wb in wbs:
        s.score(wb)
    after = scrape(s.http)
    assert grew(before, middle, "screening_model_score_count") == 3
    assert grew(before, middle, "screening_model_score_sum") == pytest.approx(0.83)
    assert grew(middle, after, "screening_model_score_count") == 0


def test_without_a_model_no_score_is_counted(svc: Svc) -> None:
    """With no model in the registry (model_version none), decisions are counted but no model score is."""
    before = scrape(svc.http)
    d = svc.score(waybill(sender=own_sender()))
    after = scrape(svc.http)
    assert d["model_version"] == "none"
    assert sum(decided(before, after).values()) == 1
    assert grew(before, after, "screening_model_score_count") == 0


# Store latencies and the decision log's lag ---------------------------------------------------------------


def test_history_calls_are_timed_for_single_and_batch_scoring_on_either_store(svc_on: Svc) -> None:
    """A scoring and a batch each add history-store timings (store="history"), with their time in the sum."""
    before = scrape(svc_on.http)
    svc_on.score(waybill(sender=own_sender()))
    middle = scrape(svc_on.http)
    svc_on.batch([waybill(sender=own_sender()) for _ in range(3)])
    after = scrape(svc_on.http)
    assert grew(before, middle, "screening_store_seconds_count", store="history") == 1
    assert grew(middle, after, "screening_store_seconds_count", store="history") >= 1
    assert grew(before, after, "screening_store_seconds_sum", store="history") > 0


def test_a_holds_case_write_is_timed_as_an_sql_call(svc: Svc) -> None:
    """Each hold's case, written to SQL, adds to screening_store_seconds{store="sql", call="write"}."""
    before = scrape(svc.http)
    for _ in range(3):
        assert svc.score(of_outcome("hold"))["decision"] == "hold"
    after = scrape(svc.http)
    assert grew(before, after, "screening_store_seconds_count", store="sql", call="write") >= 3


def test_with_the_default_case_writer_a_holds_case_write_is_timed_as_an_sql_call(
    settings: Settings, policy: Policy
) -> None:
    """With SCREENING_CASE_WRITER=process (the default), each hold's case write still shows as an SQL call."""
    with started(settings.model_copy(update={"case_writer": "process"}), policy) as s:
        writer = s.app.state.cases.writer
        deadline = time.monotonic() + 30
        while getattr(writer, "pid", None) is None:  # holds start it; until it answers, a thread writes
            assert time.monotonic() < deadline, "the case writer process did not start"
            assert s.score(of_outcome("hold"))["decision"] == "hold"
            time.sleep(0.1)
        before = scrape(s.http)
        for _ in range(3):
            assert s.score(of_outcome("hold"))["decision"] == "hold"
        after = scrape(s.http)
        assert writer.pid is not None  # the three were written by the writer process
    assert grew(before, after, "screening_store_seconds_count", store="sql", call="write") >= 3


def test_the_decision_log_lag_is_back_to_zero_once_scorings_are_committed(svc: Svc) -> None:
    """After a burst of scorings the decision log's lag drops below 0.2 s (fsync at least every 50 ms)."""
    for _ in range(5):
        svc.score(waybill(sender=own_sender()))
    wait_for(lambda: lag(svc.http) < 0.2, "the decision log's lag back down", 3.0)


# Request ids ----------------------------------------------------------------------------------------------


def test_an_empty_request_id_is_replaced_by_a_new_one(svc: Svc) -> None:
    """An empty X-Request-ID header gets a new 32-hex id, different on each request."""
    ids = [svc.post(waybill(), **{"X-Request-ID": ""}).headers["x-request-id"] for _ in range(2)]
    assert all(HEX32.fullmatch(i) for i in ids) and ids[0] != ids[1]


def test_an_overlong_request_id_is_kept_whole_or_replaced_not_cut(svc: Svc) -> None:
    """A 200-character X-Request-ID comes back either as sent or as a new 32-hex id."""
    sent = "courier-" + "7" * 192
    got = svc.http.get("/healthz", headers={"X-Request-ID": sent}).headers["x-request-id"]
    assert got == sent or HEX32.fullmatch(got)


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("POST", "/v1/score", "release", 200),
        ("POST", "/v1/score", "invalid", 422),
        ("GET", "/v1/decisions/SF/SF9999999999", None, 404),
        ("POST", "/v1/score", "fault", 500),
    ],
    ids=["decision", "invalid", "unknown-parcel", "server-error"],
)
def test_every_answer_carries_exactly_one_request_id_header(
    svc: Svc, monkeypatch: pytest.MonkeyPatch, method: str, path: str, body: str | None, status: int
) -> None:
    """Decisions, 422s, 404s and 500s carry one X-Request-ID header, the caller's."""
    if body == "fault":

        async def broken(**kwargs: Any) -> Any:
            raise RuntimeError("an unexpected fault")

        monkeypatch.setattr(svc.engine.history, "observe", broken)
    payload = {"release": waybill(), "invalid": waybill(weight_kg=0), "fault": waybill()}.get(body or "")
    r = svc.http.request(method, path, json=payload, headers={"X-Request-ID": f"ops-{status}"})
    assert r.status_code == status
    assert r.headers.get_list("x-request-id") == [f"ops-{status}"]


def test_a_callers_id_is_not_carried_over_to_the_next_request(svc: Svc) -> None:
    """After a request with the caller's id, the next one without an id gets a new id, not that one."""
    first = svc.post(waybill(), **{"X-Request-ID": "courier-abc-1"})
    second = svc.post(waybill())
    assert first.headers["x-request-id"] == "courier-abc-1"
    assert HEX32.fullmatch(second.headers["x-request-id"])


# JSON logs ------------------------------------------------------------------------------------------------


def broken_history(svc: Svc, monkeypatch: pytest.MonkeyPatch) -> None:
    """The history store raising a fault no handler maps: scoring answers 500."""

    async def broken(**kwargs: Any) -> Any:
        raise RuntimeError("the history store gave an answer nobody expected")

    monkeypatch.setattr(svc.engine.history, "observe", broken)


@pytest.mark.parametrize("given", [None, "courier-7f3a-0001"], ids=["made", "callers"])
def test_a_server_error_is_logged_as_one_json_line_with_its_request_id_route_and_status(
    svc: Svc, monkeypatch: pytest.MonkeyPatch, given: str | None
) -> None:
    """A 500 on /v1/score logs one JSON error line with the answer's request id, the route template, 500."""
    broken_history(svc, monkeypatch)
    headers = {"X-Request-ID": given} if given else {}
    with service_logs() as logs:
        r = svc.post(waybill(), **headers)
    assert r.status_code == 500
    rid = r.headers["x-request-id"]
    assert rid == given if given else HEX32.fullmatch(rid)
    failed = [line for line in logs.lines() if line.get("status") == 500]
    assert len(failed) == 1
    assert failed[0]["request_id"] == rid
    assert (failed[0]["level"], failed[0]["route"]) == ("ERROR", "/v1/score")


def test_every_log_line_is_a_json_object_with_time_level_logger_and_message(svc: Svc) -> None:
    """Lines logged while a hold's case write fails are JSON objects with time, level, logger and message."""
    refuse_case_writes(svc)
    with service_logs() as logs:
        svc.score(of_outcome("hold"))
        time.sleep(1.5)  # a round of the outbox's retry (every second)
    lines = logs.lines()
    assert lines, "nothing was logged"
    for line in lines:
        assert {"asctime", "level", "name", "message"} <= set(line), line
        assert line["level"] in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}
        assert line["name"].startswith("screening")


def refuse_case_writes(svc: Svc) -> None:
    """The app's SQLite case database refusing every new case row at the INSERT, as a full disk does."""
    with sqlite3.connect(svc.app.state.settings.data_dir / "screening.db") as db:
        db.execute(
            "CREATE TRIGGER ops_refuse BEFORE INSERT ON cases "
            "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        )


def test_log_lines_made_while_serving_a_hold_carry_its_id_and_background_retries_none(svc: Svc) -> None:
    """A hold whose case write fails logs under its request id; the outbox's later retries carry no id."""
    refuse_case_writes(svc)
    with service_logs() as logs:
        r = svc.post(of_outcome("hold"), **{"X-Request-ID": "hold-courier-42"})
        assert r.status_code == 200 and r.json()["decision"] == "hold" and r.json()["case_id"]
        wait_for(
            lambda: any("outbox replay" in line["message"] for line in logs.lines()), "a retry round", 5.0
        )
    lines = logs.lines()
    serving = [line for line in lines if line.get("request_id") == "hold-courier-42"]
    assert serving, lines
    retries = [line for line in lines if "outbox replay" in line["message"]]
    assert retries and all("request_id" not in line for line in retries)


PLAIN_ID = resident_id(region="440305", birth="19850704", seq="318")
PLAIN_PHONE = "13622804417"
BUYER_ID = resident_id(region="510104", birth="19920229", seq="527")
BUYER_PHONE = "15928163304"
HK_DIGITS = "94417731"


def private_export() -> Body:
    """A held export parcel (over the 800 CNY limit): its sender's ID and phone, receiver's phone private."""
    return over_limit(
        sender=party(id_number=PLAIN_ID, phone=PLAIN_PHONE, address={"detail": "深南大道7号1栋"}),
        receiver=hk_receiver(phone=f"+852{HK_DIGITS}"),
    )


def private_import() -> Body:
    """A held cbec import (over the 5,000 CNY single limit) whose buyer's ID and phone are private."""
    # RULES.md §3 CBEC_SINGLE_LIMIT: cbec with value over 5,000 CNY, hold
    return waybill(
        service="import",
        channel="cbec",
        sender=hk_receiver(name="GLOBAL SHOP", phone="+85230001000"),
        receiver=cn_receiver(id_type="resident_id", id_number=BUYER_ID, id_verified=True, phone=BUYER_PHONE),
        items=[item(description="手提包 handbag", category="bags_leather", quantity=1, unit_value=5200.0)],
        weight_kg=1.0,
        order={"platform": "tmall-global", "order_id": "O-77120", "shop_id": "S-31"},
    )


def leaks(text: str) -> list[str]:
    """Plain identity numbers (or their 17 digits before the check character) and full phones in a text."""
    private = [PLAIN_ID, PLAIN_ID[:17], BUYER_ID, BUYER_ID[:17], PLAIN_PHONE, BUYER_PHONE, HK_DIGITS]
    return [x for x in private if x.lower() in text.lower()]


@pytest.mark.parametrize("path", ["case-write-fails", "server-error"])
def test_no_log_line_of_an_error_path_holds_a_plain_id_number_or_a_full_phone(
    svc: Svc, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    """A case write refused by SQL (and its retries), or a 500 while scoring: no plain ID or phone logged."""
    # RULES.md §1 Personal information: nowhere a plain ID number, not in logs.
    if path == "case-write-fails":
        refuse_case_writes(svc)
    else:
        broken_history(svc, monkeypatch)
    with service_logs() as logs:
        for wb in (private_export(), private_import()):
            r = svc.post(wb, **{"X-Request-ID": f"private-{path}"})
            if path == "case-write-fails":
                assert r.status_code == 200 and r.json()["decision"] == "hold" and r.json()["case_id"]
            else:
                assert r.status_code == 500
        if path == "case-write-fails":
            wait_for(lambda: "outbox replay" in logs.text, "a retry round of the outbox", 5.0)
    assert logs.lines(), "nothing was logged on this path: the check would prove nothing"
    assert leaks(logs.text) == []


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.parametrize("down", ["sql", "redis-and-sql"])
def test_no_log_line_of_an_outage_holds_a_plain_id_number_or_a_full_phone(
    production: Deployment, down: str
) -> None:
    """Holds answered while PostgreSQL (and Redis) are refused, and the recovery: nothing private logged."""
    with service_logs() as logs:
        production.sql.set("refuse")
        if down == "redis-and-sql":
            production.redis.set("refuse")
        for wb in (private_export(), private_import()):
            d = production.score(wb)
            assert d["decision"] == "hold"
        restored(production)
    assert logs.lines(), "nothing was logged during the outage: the check would prove nothing"
    assert leaks(logs.text) == []


# Settings from SCREENING_* environment variables -----------------------------------------------------------


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """No SCREENING_ variable but the shared-dir one; the cached settings dropped before and after."""
    for name in list(os.environ):
        if name.startswith("SCREENING_") and name != "SCREENING_SHARED_DIR":
            monkeypatch.delenv(name)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


@pytest.mark.parametrize(
    ("variable", "raw"),
    [
        ("SCREENING_SQL_TIMEOUT_S", "0"),
        ("SCREENING_SQL_TIMEOUT_S", "soon"),
        ("SCREENING_REDIS_TIMEOUT_S", "-0.2"),
        ("SCREENING_KEY_RATE_PER_S", "0"),
        ("SCREENING_API_KEY_CACHE_S", "0"),
        ("SCREENING_MAX_BODY_BYTES", "-5"),
        ("SCREENING_CNY_RATES", '{"USD": 0}'),
        ("SCREENING_ENV", "prod"),
        ("SCREENING_STAGE_TIMERS", "sometimes"),
    ],
)
def test_a_bad_value_in_the_environment_is_refused_naming_its_variable(
    clean_env: pytest.MonkeyPatch, variable: str, raw: str
) -> None:
    """Reading settings with one bad SCREENING_* value fails, and the message names that setting."""
    clean_env.setenv(variable, raw)
    with pytest.raises(ValueError) as refused:
        Settings()
    assert variable.removeprefix("SCREENING_").lower() in str(refused.value).lower()


def test_screening_serve_with_bad_values_stops_before_serving_and_names_each_variable(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`screening serve` with two bad SCREENING_* values fails before starting the server, naming both."""
    served: list[Any] = []
    clean_env.setattr(uvicorn, "run", lambda *a, **k: served.append(k))
    clean_env.setenv("SCREENING_DATA_DIR", str(tmp_path / "data"))
    clean_env.setenv("SCREENING_SQL_TIMEOUT_S", "0")
    clean_env.setenv("SCREENING_REDIS_TIMEOUT_S", "fast")
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code != 0 and served == []
    said = (result.output + str(result.exception)).lower()  # a traceback ends with the exception's text
    assert "sql_timeout_s" in said and "redis_timeout_s" in said, said[-2000:]


def test_production_refusing_a_weak_secret_names_it_without_printing_it(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """`screening serve` in production with a short session secret names the variable and never prints it."""
    weak = "tiny-secret-9c1e"
    started_with: list[Any] = []
    clean_env.setattr(uvicorn, "run", lambda *a, **k: started_with.append(k))
    clean_env.setenv("SCREENING_ENV", "production")
    clean_env.setenv("SCREENING_DATA_DIR", str(tmp_path / "data"))
    clean_env.setenv("SCREENING_ID_HMAC_KEY", SECRETS["id_hmac_key"])
    clean_env.setenv("SCREENING_ID_ENCRYPTION_KEY", SECRETS["id_encryption_key"])
    clean_env.setenv("SCREENING_SESSION_SECRET", weak)
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code != 0 and started_with == []
    assert "SCREENING_SESSION_SECRET" in result.output
    assert weak not in result.output


def test_production_from_the_environment_opens_probes_and_closes_scoring(
    clean_env: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """SCREENING_ENV=production with its secrets from the environment: probes open, scoring needs a key."""
    clean_env.setenv("SCREENING_ENV", "production")
    clean_env.setenv("SCREENING_DATA_DIR", str(tmp_path / "data"))
    clean_env.setenv("SCREENING_CASE_WRITER", "thread")
    for name, value in SECRETS.items():
        clean_env.setenv(f"SCREENING_{name.upper()}", value)
    with TestClient(create_app(Settings())) as http:
        assert [http.get(p).status_code for p in ("/healthz", "/readyz", "/metrics")] == [200, 200, 200]
        assert http.post("/v1/score", json=waybill()).status_code == 401


@pytest.mark.parametrize(("raw", "startup_warning_logged"), [("error", False), ("warning", True)])
def test_the_log_level_from_the_environment_decides_what_is_logged(
    clean_env: pytest.MonkeyPatch, tmp_path: Path, raw: str, startup_warning_logged: bool
) -> None:
    """SCREENING_LOG_LEVEL (any case) sets the level: at ERROR the development-mode warning is not logged."""
    clean_env.setenv("SCREENING_LOG_LEVEL", raw)
    clean_env.setenv("SCREENING_DATA_DIR", str(tmp_path / "data"))
    clean_env.setenv("SCREENING_CASE_WRITER", "thread")
    app = create_app(Settings())
    with service_logs() as logs, TestClient(app):
        pass
    assert any("DEVELOPMENT MODE" in line["message"] for line in logs.lines()) is startup_warning_logged
    create_app(Settings(data_dir=tmp_path / "data"))  # the service's loggers back at their default level


@pytest.mark.redis
def test_the_redis_timeout_from_the_environment_bounds_how_long_a_stalled_redis_holds_readiness(
    clean_env: pytest.MonkeyPatch, tmp_path: Path, redis_server: int
) -> None:
    """SCREENING_REDIS_TIMEOUT_S=0.6: Redis stalled, /readyz answers 503 after about 0.6 s, not sooner."""
    with cuttable(redis_server) as proxy:
        clean_env.setenv("SCREENING_DATA_DIR", str(tmp_path / "data"))
        clean_env.setenv("SCREENING_CASE_WRITER", "thread")
        clean_env.setenv("SCREENING_REDIS_URL", f"redis://127.0.0.1:{proxy.port}/0")
        clean_env.setenv("SCREENING_REDIS_PREFIX", f"ops{uuid.uuid4().hex[:10]}:")
        clean_env.setenv("SCREENING_REDIS_TIMEOUT_S", "0.6")
        with TestClient(create_app(Settings())) as http:
            assert http.get("/readyz").status_code == 200
            proxy.set("stall")
            http.get("/readyz")  # the first ping may find its connection dropped at once
            r, took = timed(lambda: http.get("/readyz"))
            proxy.set("pass")
    assert r.status_code == 503
    assert 0.55 <= took < 1.5, took
