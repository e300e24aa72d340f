"""Every route that changes state, sent twice in a row and at once (one app, or two sharing Redis and SQL)."""

import asyncio
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from prometheus_client import REGISTRY
from sqlalchemy.orm import Session

from api.app import create_app
from api.security import CSRF_HEADER
from screening.cases.tables import Label
from screening.keys.service import KeyKind, create_key, find_key, key_hash, list_keys, revoke_key
from screening.people.roles import parse_roles
from screening.people.schemas import NewUser
from screening.people.service import create_user
from screening.policy.schemas import Policy
from screening.settings import Settings
from tests.api.answers import DECISION_FIELDS, codes, reason_of
from tests.api.keys import bearer
from tests.factories import (
    BASE_TIME,
    NO_ID,
    agreement_customer,
    ant_ring,
    over_limit,
    party,
    resident_id,
    waybill,
)
from tests.services_redis import TIMEOUT_S as REDIS_TIMEOUT_S

Body = dict[str, Any]
PASSWORD = "pass-word-1"
SQLS = [pytest.param("sqlite"), pytest.param("postgres", marks=[pytest.mark.postgres])]
STORES = [pytest.param("embedded"), pytest.param("redis", marks=[pytest.mark.redis])]
CLOSED = {
    "release": "released",
    "seize": "seized",
    "return": "returned",
    "refer_to_police": "referred_to_police",
}
ATTACHMENT = {"kind": "xray", "reference": "xray://outlet-7/0001.png", "sha256": "ab" * 32}


@pytest.fixture(autouse=True)
def _cheap_hashes(cheap_password_hashes: None) -> None:
    """Every app seeds the development user: argon2 at its cheapest parameters."""


@pytest.fixture(scope="module")
def module_postgres(make_postgres_database: Callable[[], str]) -> str:
    """One PostgreSQL database for this module's tests (each test keeps to its own parcels and users)."""
    return make_postgres_database()


# Parties and parcels -------------------------------------------------------------------------------------


def tag() -> str:
    """A short unique tag for outlets and usernames."""
    return uuid.uuid4().hex[:8]


def person(seq: int) -> Body:
    """A mainland sender of their own: ID, phone and building."""
    return party(
        name=f"寄件人{seq}",
        phone=f"1355{seq:07d}",
        id_number=resident_id(region="420106", birth="19850505", seq=f"{seq % 1000:03d}"),
        address={"district": "武昌区", "detail": f"中南路{seq}号2栋"},
    )


def held(where: str, seq: int) -> Body:
    """A parcel held for OVER_PERSONAL_LIMIT (1,000 CNY in five units to Hong Kong), own sender."""
    return over_limit(outlet_id=where, sender=person(seq))


def prior_violations(decision: Body) -> int:
    """The violations PRIOR_VIOLATIONS counted; 0 when it did not fire."""
    if "PRIOR_VIOLATIONS" not in codes(decision):
        return 0
    return int(reason_of(decision, "PRIOR_VIOLATIONS")["evidence"]["violations"])


def next_parcel(seq: int, hours: float = 48.0) -> Body:
    """The same sender's next domestic parcel, picked up `hours` after the base time."""
    return waybill(sender=person(seq), hours_after=hours)


def at(hours: float) -> str:
    """The base time plus `hours`, ISO-8601 with the Beijing offset."""
    return (BASE_TIME + timedelta(hours=hours)).isoformat()


# Workers: started apps in the test's event loop, driven through httpx's ASGI transport ----------------------


@dataclass
class Worker:
    """One started app: anonymous courier calls (development mode), keys and people made in its database."""

    app: FastAPI
    http: httpx.AsyncClient
    stack: AsyncExitStack

    async def score(self, wb: Body) -> Body:
        """POST /v1/score and expect a decision."""
        r = await self.http.post("/v1/score", json=wb)
        assert r.status_code == 200, r.text[:400]
        out: Body = r.json()
        return out

    async def batch(self, wbs: list[Body]) -> list[Body]:
        """POST /v1/score/batch and expect a slot per waybill."""
        r = await self.http.post("/v1/score/batch", json={"waybills": wbs})
        assert r.status_code == 200, r.text[:400]
        slots: list[Body] = r.json()["decisions"]
        assert len(slots) == len(wbs)
        return slots

    async def latest(self, wb: Body) -> Body:
        """GET /v1/decisions/{carrier}/{waybill_no}, expected to be there."""
        r = await self.http.get(f"/v1/decisions/{wb['carrier']}/{wb['waybill_no']}")
        assert r.status_code == 200, r.text[:400]
        out: Body = r.json()
        return out

    def key(self, kind: KeyKind, scope: str) -> dict[str, str]:
        """A new key of this app's database, as the Authorization header."""
        now = datetime.now(UTC)
        token, _ = self.app.state.db.write_sync(lambda s: create_key(s, kind=kind, scope=scope, now=now))
        return bearer(str(token))

    def add_user(self, username: str, *roles: str) -> None:
        """A person with these roles and the test password."""
        new = NewUser(username=username, password=PASSWORD, roles=parse_roles(roles))
        self.app.state.db.write_sync(lambda s: create_user(s, new=new, now=datetime.now(UTC)))

    async def client(self) -> httpx.AsyncClient:
        """A new client of this app with its own cookie jar (closed with the workers)."""
        transport = httpx.ASGITransport(app=self.app)
        made = httpx.AsyncClient(transport=transport, base_url="http://screening.test")
        return await self.stack.enter_async_context(made)

    async def login(self, username: str) -> httpx.AsyncClient:
        """A person's session on this app: the cookie in its jar and the CSRF token in its headers."""
        http = await self.client()
        r = await http.post("/v1/auth/login", json={"username": username, "password": PASSWORD})
        assert r.status_code == 200, r.text[:400]
        http.headers[CSRF_HEADER] = r.json()["csrf_token"]
        return http

    async def person(self, *roles: str) -> httpx.AsyncClient:
        """A new person with these roles, logged in on this app."""
        name = f"p{tag()}"
        self.add_user(name, *roles)
        return await self.login(name)

    def labels(self, carrier: str, waybill_no: str) -> list[tuple[int, str]]:
        """(label, source) of every training label of one parcel."""
        query = sa.select(Label.label, Label.source).where(
            Label.carrier == carrier, Label.waybill_no == waybill_no
        )
        rows = self.app.state.db.read_sync(lambda s: s.execute(query).all())
        return sorted((int(r[0]), str(r[1])) for r in rows)


def node_settings(request: pytest.FixtureRequest, settings: Settings, *, store: str, sql: str) -> Settings:
    """Settings of one node: holds written by a thread, Redis under a prefix, the case database."""
    update: dict[str, Any] = {"case_writer": "thread"}
    if store == "redis":
        port = request.getfixturevalue("redis_server")
        update |= {
            "redis_url": f"redis://127.0.0.1:{port}/0",
            "redis_prefix": f"idem{tag()}:",
            "redis_timeout_s": REDIS_TIMEOUT_S,
        }
    if sql == "postgres":
        update["database_url"] = request.getfixturevalue("module_postgres")
    return settings.model_copy(update=update)


@asynccontextmanager
async def running(settings: Settings, policy: Policy, count: int = 1) -> AsyncIterator[list[Worker]]:
    """`count` started apps on the same settings (one data dir, one Redis prefix, one case database)."""
    async with AsyncExitStack() as stack:
        workers = []
        for _ in range(count):
            app = create_app(settings)
            await stack.enter_async_context(app.router.lifespan_context(app))
            app.state.engine.policy = policy
            http = await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://screening.test")
            )
            workers.append(Worker(app, http, stack))
        yield workers


async def together(*calls: Coroutine[Any, Any, httpx.Response]) -> list[httpx.Response]:
    """Requests in flight at once; their answers in call order."""
    return list(await asyncio.gather(*calls))


async def case_of(http: httpx.AsyncClient, case_id: str) -> Body:
    """GET /v1/cases/{case_id} with these credentials."""
    r = await http.get(f"/v1/cases/{case_id}")
    assert r.status_code == 200, r.text[:400]
    out: Body = r.json()
    return out


async def outlet_cases(http: httpx.AsyncClient, where: str) -> list[Body]:
    """Every case of one outlet."""
    r = await http.get("/v1/cases", params={"outlet": where, "per_page": 200})
    assert r.status_code == 200, r.text[:400]
    items: list[Body] = r.json()["items"]
    return items


async def trail(http: httpx.AsyncClient, case_id: str) -> list[str]:
    """The actions of a case's audit trail, oldest first."""
    return [h["action"] for h in (await case_of(http, case_id))["history"]]


async def verified(auditor: httpx.AsyncClient) -> int:
    """Verify the whole hash-chained trail; its entries."""
    r = await auditor.get("/v1/cases/audit/verify")
    assert r.status_code == 200, r.text[:400]
    verdict: Body = r.json()
    assert verdict["problem"] is None and verdict["bad_seq"] is None, verdict
    entries: int = verdict["entries"]
    return entries


def same_decision(a: Body, b: Body) -> bool:
    """Two answers carry the same decision: every field of the contract's Decision."""
    return {k: a[k] for k in DECISION_FIELDS} == {k: b[k] for k in DECISION_FIELDS}


# Scoring on two workers sharing one Redis prefix and one case database ------------------------------------


@pytest.mark.anyio
@pytest.mark.redis
@pytest.mark.parametrize("sql", SQLS)
async def test_one_hold_sent_to_two_workers_at_once_is_one_case_opened_once(
    request: pytest.FixtureRequest, settings: Settings, policy: Policy, sql: str
) -> None:
    where = f"SF-IDEM-{tag()}"
    wb = held(where, 101)
    async with running(node_settings(request, settings, store="redis", sql=sql), policy, 2) as (a, b):
        auditor = await a.person("auditor", "officer")
        before = await verified(auditor)
        sent = await together(*(w.http.post("/v1/score", json=wb) for w in (a, b, a, b, a, b)))
        answers = [r.json() for r in sent]
        assert {r.status_code for r in sent} == {200}
        assert {x["decision"] for x in answers} == {"hold"}
        assert len({x["case_id"] for x in answers}) == 1
        case_id = answers[0]["case_id"]
        assert [c["case_id"] for c in await outlet_cases(auditor, where)] == [case_id]
        assert await trail(auditor, case_id) == ["opened"]
        assert await verified(auditor) == before + 1
        # The read-back on either worker is one of the answers, and a re-send now returns it unchanged.
        backs = [await w.latest(wb) for w in (a, b)]
        assert same_decision(backs[0], backs[1])
        assert any(same_decision(backs[0], x) for x in answers)
        assert same_decision(await b.score(wb), backs[0])


@pytest.mark.anyio
@pytest.mark.redis
@pytest.mark.parametrize("sql", SQLS)
async def test_different_holds_on_two_workers_at_once_each_open_their_own_case_and_none_is_lost(
    request: pytest.FixtureRequest, settings: Settings, policy: Policy, sql: str
) -> None:
    where = f"SF-IDEM-{tag()}"
    parcels = [held(where, 110 + n) for n in range(8)]
    async with running(node_settings(request, settings, store="redis", sql=sql), policy, 2) as (a, b):
        auditor = await a.person("auditor", "officer")
        before = await verified(auditor)
        answers = await asyncio.gather(*((a, b)[n % 2].score(wb) for n, wb in enumerate(parcels)))
        assert [x["decision"] for x in answers] == ["hold"] * 8
        cases = await outlet_cases(auditor, where)
        assert sorted(c["case_id"] for c in cases) == sorted(x["case_id"] for x in answers)
        assert sorted(c["waybill_no"] for c in cases) == sorted(wb["waybill_no"] for wb in parcels)
        assert {c["status"] for c in cases} == {"open"}
        assert await verified(auditor) == before + 8
        for wb, x in zip(parcels, answers, strict=True):
            assert (await b.latest(wb))["case_id"] == x["case_id"]


@pytest.mark.anyio
@pytest.mark.redis
async def test_a_ring_sent_to_both_workers_at_once_counts_each_parcel_once(
    request: pytest.FixtureRequest, settings: Settings, policy: Policy
) -> None:
    ring = ant_ring(9, id_number=resident_id(region="420106", seq="120"), phone="13550000120")
    async with running(node_settings(request, settings, store="redis", sql="sqlite"), policy, 2) as (a, b):
        # The first five parcels, each sent to both workers at the same time.
        await asyncio.gather(*(w.score(wb) for wb in ring[:5] for w in (a, b)))
        sixth = await a.score(ring[5])
        assert reason_of(sixth, "ANT_MOVING_SENDER")["evidence"]["parcels"] == 6
        # The sixth re-sent to the other worker with the seventh and eighth, all at once.
        again, *_ = await asyncio.gather(b.score(ring[5]), a.score(ring[6]), b.score(ring[7]))
        assert same_decision(again, sixth)
        ninth = await b.score(ring[8])
    ev = reason_of(ninth, "ANT_MOVING_SENDER")["evidence"]
    assert ev["parcels"] == 9
    assert sorted(ev["linked_waybills"]) == sorted(wb["waybill_no"] for wb in ring[:8])


@pytest.mark.anyio
@pytest.mark.redis
@pytest.mark.parametrize("sql", SQLS)
async def test_overlapping_batches_on_two_workers_at_once_open_each_case_once(
    request: pytest.FixtureRequest, settings: Settings, policy: Policy, sql: str
) -> None:
    where = f"SF-IDEM-{tag()}"
    holds = [held(where, 130 + n) for n in range(4)]
    free = [waybill(outlet_id=where, sender=person(140 + n)) for n in range(2)]
    async with running(node_settings(request, settings, store="redis", sql=sql), policy, 2) as (a, b):
        auditor = await a.person("auditor", "officer")
        before = await verified(auditor)
        first, second = await asyncio.gather(
            a.batch([holds[0], free[0], holds[1], holds[2]]), b.batch([holds[2], holds[1], free[1], holds[3]])
        )
        assert [s["decision"] for s in first] == ["hold", "release", "hold", "hold"]
        assert [s["decision"] for s in second] == ["hold", "hold", "release", "hold"]
        assert first[2]["case_id"] == second[1]["case_id"] and first[3]["case_id"] == second[0]["case_id"]
        cases = await outlet_cases(auditor, where)
        assert sorted(c["waybill_no"] for c in cases) == sorted(wb["waybill_no"] for wb in holds)
        for c in cases:
            assert await trail(auditor, c["case_id"]) == ["opened"]
        assert await verified(auditor) == before + 4


@pytest.mark.anyio
@pytest.mark.redis
async def test_a_re_send_to_the_other_worker_returns_the_first_decision_and_counts_nothing(
    request: pytest.FixtureRequest, settings: Settings, policy: Policy
) -> None:
    ring = ant_ring(6, id_number=resident_id(region="420106", seq="150"), phone="13550000150")
    async with running(node_settings(request, settings, store="redis", sql="sqlite"), policy, 2) as (a, b):
        firsts = [await a.score(wb) for wb in ring[:5]]
        for wb, first in zip(ring[:5], firsts, strict=True):
            assert await b.score(wb) == first  # scored_at included: nothing was decided again
        sixth = await b.score(ring[5])
    assert reason_of(sixth, "ANT_MOVING_SENDER")["evidence"]["parcels"] == 6


# Case actions: twice in a row, and at once from two workers ------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("sql", SQLS)
async def test_the_same_seizure_sent_twice_is_refused_the_second_time_and_counted_once(
    request: pytest.FixtureRequest, settings: Settings, policy: Policy, sql: str
) -> None:
    wb = held(f"SF-IDEM-{tag()}", 201)
    async with running(node_settings(request, settings, store="embedded", sql=sql), policy) as (w,):
        customs = w.key("customs", "SHA-PVG")
        auditor = await w.person("auditor", "officer")
        case_id = (await w.score(wb))["case_id"]
        before = await verified(auditor)
        body = {"action": "seize", "violation_type": "undeclared goods"}
        first = await w.http.post(f"/v1/cases/{case_id}/actions", json=body, headers=customs)
        second = await w.http.post(f"/v1/cases/{case_id}/actions", json=body, headers=customs)
        assert first.status_code == 200 and first.json()["status"] == "seized", first.text
        assert second.status_code == 409 and "seized" in second.json()["detail"], second.text
        assert await trail(auditor, case_id) == ["opened", "seize"]
        assert await verified(auditor) == before + 1
        assert w.labels("SF", wb["waybill_no"]) == [(1, "case:seized")]
        assert prior_violations(await w.score(next_parcel(201))) == 1


@pytest.mark.anyio
@pytest.mark.redis
@pytest.mark.parametrize("sql", SQLS)
async def test_closings_sent_to_two_workers_at_once_leave_exactly_one_outcome(
    request: pytest.FixtureRequest, settings: Settings, policy: Policy, sql: str
) -> None:
    wb = held(f"SF-IDEM-{tag()}", 210)
    actions = ["seize", "release", "return", "release", "refer_to_police", "release"]
    async with running(node_settings(request, settings, store="redis", sql=sql), policy, 2) as workers:
        a = workers[0]
        keys = [a.key("customs", f"OFFICE-{n}") for n in range(len(actions))]
        auditor = await a.person("auditor", "officer")
        case_id = (await a.score(wb))["case_id"]
        before = await verified(auditor)
        answers = await together(
            *(
                workers[n % 2].http.post(
                    f"/v1/cases/{case_id}/actions",
                    json={"action": action, "violation_type": "x"},
                    headers=key,
                )
                for n, (action, key) in enumerate(zip(actions, keys, strict=True))
            )
        )
        statuses = [r.status_code for r in answers]
        assert sorted(statuses) == [200] + [409] * (len(actions) - 1), [r.text for r in answers]
        won = actions[statuses.index(200)]
        assert all(CLOSED[won] in r.json()["detail"] for r in answers if r.status_code == 409)
        case = await case_of(auditor, case_id)
        assert case["status"] == CLOSED[won]
        assert [h["action"] for h in case["history"]] == ["opened", won]
        assert await verified(auditor) == before + 1
        violation = won != "release"
        assert a.labels("SF", wb["waybill_no"]) == [(int(violation), f"case:{CLOSED[won]}")]
        assert prior_violations(await workers[1].score(next_parcel(210))) == int(violation)


@pytest.mark.anyio
@pytest.mark.redis
@pytest.mark.parametrize("sql", SQLS)
async def test_claims_at_once_leave_the_case_with_the_last_claimant_of_its_trail(
    request: pytest.FixtureRequest, settings: Settings, policy: Policy, sql: str
) -> None:
    wb = held(f"SF-IDEM-{tag()}", 220)
    async with running(node_settings(request, settings, store="redis", sql=sql), policy, 2) as (a, b):
        officers = [await w.person("officer", "auditor") for w in (a, b, a, b)]
        case_id = (await a.score(wb))["case_id"]
        before = await verified(officers[0])
        answers = await together(
            *(o.post(f"/v1/cases/{case_id}/actions", json={"action": "assign"}) for o in officers)
        )
        assert [r.status_code for r in answers] == [200] * 4, [r.text for r in answers]
        case = await case_of(officers[0], case_id)
        claims = [h for h in case["history"] if h["action"] == "assign"]
        assert len(claims) == 4 and case["status"] == "in_review"
        assert case["assignee"] == claims[-1]["actor"]
        assert await verified(officers[0]) == before + 4
        # The same claim re-sent by the assignee: still in review, still theirs, and no label.
        mine = officers[[r.json()["assignee"] for r in answers].index(case["assignee"])]
        again = await mine.post(f"/v1/cases/{case_id}/actions", json={"action": "assign"})
        assert again.status_code == 200 and again.json()["assignee"] == case["assignee"]
        assert again.json()["status"] == "in_review"
        assert a.labels("SF", wb["waybill_no"]) == []


@pytest.mark.anyio
@pytest.mark.redis
@pytest.mark.parametrize("sql", SQLS)
async def test_notes_evidence_and_unmaskings_at_once_on_two_workers_are_each_kept_once(
    request: pytest.FixtureRequest, settings: Settings, policy: Policy, sql: str
) -> None:
    number = resident_id(region="420106", birth="19850505", seq="230")
    wb = held(f"SF-IDEM-{tag()}", 230)
    async with running(node_settings(request, settings, store="redis", sql=sql), policy, 2) as (a, b):
        chiefs = [await w.person("supervisor", "auditor") for w in (a, b)]
        customs = a.key("customs", "SHA-PVG")
        case_id = (await a.score(wb))["case_id"]
        before = await verified(chiefs[0])
        url = f"/v1/cases/{case_id}"
        notes = [f"note {n}" for n in range(4)]
        evidence = [
            {**ATTACHMENT, "reference": f"xray://outlet-7/{n}.png", "sha256": f"{n:x}" * 64} for n in range(3)
        ]
        answers = await together(
            *(chiefs[n % 2].post(f"{url}/notes", json={"text": t}) for n, t in enumerate(notes)),
            *(
                (a, b)[n % 2].http.post(f"{url}/attachments", json=e, headers=customs)
                for n, e in enumerate(evidence)
            ),
            *(c.post(f"{url}/unmask") for c in chiefs),
        )
        assert [r.status_code for r in answers] == [200] * len(answers), [r.text for r in answers]
        assert [r.json()["sender_id_number"] for r in answers[-2:]] == [number, number]
        case = await case_of(chiefs[1], case_id)
        assert sorted(n["text"] for n in case["notes"]) == notes
        assert sorted(x["sha256"] for x in case["attachments"]) == sorted(e["sha256"] for e in evidence)
        actions = [h["action"] for h in case["history"]]
        assert (actions.count("note"), actions.count("attachment"), actions.count("unmask_id")) == (4, 3, 2)
        assert case["status"] == "open"
        assert await verified(chiefs[0]) == before + 9


@pytest.mark.anyio
@pytest.mark.redis
@pytest.mark.parametrize("sql", SQLS)
async def test_the_same_ring_seizure_on_two_workers_at_once_closes_each_case_once(
    request: pytest.FixtureRequest, settings: Settings, policy: Policy, sql: str
) -> None:
    ring = ant_ring(8, id_number=resident_id(region="420106", seq="240"), phone="13550000240")
    async with running(node_settings(request, settings, store="redis", sql=sql), policy, 2) as (a, b):
        chiefs = [await w.person("supervisor", "auditor") for w in (a, b)]
        held_ids = [d["case_id"] for d in [await a.score(wb) for wb in ring] if d["case_id"]]
        assert len(held_ids) >= 2
        cluster = (await case_of(chiefs[0], held_ids[0]))["cluster_id"]
        before = await verified(chiefs[0])
        body = {"action": "seize", "violation_type": "ant moving"}
        answers = await together(
            *(c.post(f"/v1/cases/clusters/{cluster}/actions", json=body) for c in chiefs)
        )
        assert [r.status_code for r in answers] == [200, 200], [r.text for r in answers]
        acted = [set(r.json()["acted"]) for r in answers]
        assert acted[0] | acted[1] == set(held_ids) and not acted[0] & acted[1]
        for case_id in held_ids:
            case = await case_of(chiefs[1], case_id)
            assert case["status"] == "seized"
            assert [h["action"] for h in case["history"]].count("seize") == 1
        assert await verified(chiefs[0]) == before + len(held_ids)
        # A re-send now acts on nothing, and each seized parcel counts once for the sender.
        again = await chiefs[0].post(f"/v1/cases/clusters/{cluster}/actions", json=body)
        assert again.status_code == 200 and again.json()["acted"] == []
        assert sorted(again.json()["skipped"]) == sorted(held_ids)
        assert await verified(chiefs[0]) == before + len(held_ids)
        later = waybill(sender=ring[0]["sender"], hours_after=24)
        assert prior_violations(await b.score(later)) == len(held_ids)


# Inspection reports ----------------------------------------------------------------------------------------


def report(wb: Body, result: str, hours: float = 1.0, **more: Any) -> Body:
    """An inspection report of a parcel, made `hours` after the base time."""
    body: Body = {"carrier": wb["carrier"], "waybill_no": wb["waybill_no"], "result": result}
    body["inspected_at"] = at(hours)
    if result == "violation":
        body["violation_type"] = "counterfeit"
    return body | more


@pytest.mark.anyio
@pytest.mark.redis
@pytest.mark.parametrize("sql", SQLS)
async def test_one_violation_report_sent_to_two_workers_at_once_counts_once(
    request: pytest.FixtureRequest, settings: Settings, policy: Policy, sql: str
) -> None:
    wb = held(f"SF-IDEM-{tag()}", 301)
    async with running(node_settings(request, settings, store="redis", sql=sql), policy, 2) as (a, b):
        customs = a.key("customs", "SHA-PVG")
        auditor = await a.person("auditor", "officer")
        case_id = (await a.score(wb))["case_id"]
        before = await verified(auditor)
        body = report(wb, "violation", note="fake watches")
        answers = await together(
            *(w.http.post("/v1/inspections", json=body, headers=customs) for w in (a, b) * 3)
        )
        assert {r.status_code for r in answers} == {200}, [r.text for r in answers]
        assert all(r.json() == answers[0].json() for r in answers)
        assert (answers[0].json()["label"], answers[0].json()["case_id"]) == (1, case_id)
        case = await case_of(auditor, case_id)
        assert [h["action"] for h in case["history"]] == ["opened", "inspection"]
        assert [n["text"] for n in case["notes"]] == ["[inspection] fake watches"]
        assert await verified(auditor) == before + 1
        assert a.labels("SF", wb["waybill_no"]) == [(1, "inspection")]
        assert prior_violations(await b.score(next_parcel(301))) == 1


@pytest.mark.anyio
@pytest.mark.redis
@pytest.mark.parametrize("sql", SQLS)
async def test_an_inspection_and_a_seizure_of_one_parcel_at_once_count_one_violation(
    request: pytest.FixtureRequest, settings: Settings, policy: Policy, sql: str
) -> None:
    wb = held(f"SF-IDEM-{tag()}", 310)
    async with running(node_settings(request, settings, store="redis", sql=sql), policy, 2) as (a, b):
        customs = a.key("customs", "SHA-PVG")
        officer = await b.person("officer", "auditor")
        case_id = (await a.score(wb))["case_id"]
        before = await verified(officer)
        inspected, seized = await together(
            a.http.post("/v1/inspections", json=report(wb, "violation"), headers=customs),
            officer.post(f"/v1/cases/{case_id}/actions", json={"action": "seize", "violation_type": "x"}),
        )
        assert (inspected.status_code, seized.status_code) == (200, 200), (inspected.text, seized.text)
        case = await case_of(officer, case_id)
        assert case["status"] == "seized"
        assert sorted(h["action"] for h in case["history"]) == ["inspection", "opened", "seize"]
        assert await verified(officer) == before + 2
        assert a.labels("SF", wb["waybill_no"]) == [(1, "case:seized"), (1, "inspection")]
        assert prior_violations(await b.score(next_parcel(310))) == 1


@pytest.mark.anyio
async def test_a_violation_reported_after_a_clear_of_the_same_inspection_time_is_not_lost(
    request: pytest.FixtureRequest, settings: Settings, policy: Policy
) -> None:
    """Two inspectors of one parcel at one time: one reports it clear, the other a violation."""
    wb = waybill(sender=person(320))
    async with running(node_settings(request, settings, store="embedded", sql="sqlite"), policy) as (w,):
        customs = w.key("customs", "SHA-PVG")
        await w.score(wb)
        clear = await w.http.post("/v1/inspections", json=report(wb, "clear"), headers=customs)
        assert clear.status_code == 200 and clear.json()["label"] == 0
        found = await w.http.post("/v1/inspections", json=report(wb, "violation"), headers=customs)
        assert found.status_code == 200 and found.json()["label"] == 1
        # What was acknowledged as a violation is one: its label, and the sender's next parcel.
        assert prior_violations(await w.score(next_parcel(320))) == 1
        assert (1, "inspection") in w.labels("SF", wb["waybill_no"])


# Admin: violations, lists, agreements ---------------------------------------------------------------------


def phone_violation(seq: int, parcel: str, hours: float) -> Body:
    """A confirmed violation recorded on a sender's phone, for one parcel."""
    return {"kind": "phone", "value": person(seq)["phone"], "at": at(hours), "parcel": f"SF:{parcel}"}


@pytest.mark.anyio
@pytest.mark.parametrize("store", STORES)
async def test_a_violation_recorded_twice_and_at_once_counts_once_and_still_after_a_restart(
    request: pytest.FixtureRequest, settings: Settings, policy: Policy, store: str
) -> None:
    node = node_settings(request, settings, store=store, sql="sqlite")
    count = 2 if store == "redis" else 1
    first, second = phone_violation(401, "SF1699000000401", -48), phone_violation(401, "SF1699000000402", -24)
    async with running(node, policy, count) as workers:
        admin = workers[0].key("admin", "ops")
        url = "/v1/admin/violations"
        for body in ([first], [first, first]):
            r = await workers[0].http.post(url, json=body, headers=admin)
            assert (r.status_code, r.json()) == (200, {"recorded": len(body)}), r.text
        answers = await together(
            *(workers[n % count].http.post(url, json=[first], headers=admin) for n in range(4))
        )
        assert {r.status_code for r in answers} == {200}
        once = await workers[-1].score(next_parcel(401, 1))
        assert (once["decision"], prior_violations(once)) == ("inspect", 1)
        # The second parcel's violation, sent at once with more re-sends of the first: both count, once each.
        answers = await together(
            *(
                workers[n % count].http.post(url, json=[v], headers=admin)
                for n, v in enumerate([second, first] * 2)
            )
        )
        assert {r.status_code for r in answers} == {200}
        twice = await workers[0].score(next_parcel(401, 2))
        assert (twice["decision"], prior_violations(twice)) == ("hold", 2)
    async with running(node, policy) as (restarted,):
        after = await restarted.score(next_parcel(401, 3))
        assert (after["decision"], prior_violations(after)) == ("hold", 2)


def listed_phone(n: int) -> str:
    """The n-th phone of the list tests."""
    return f"1356{n:07d}"


@pytest.mark.anyio
@pytest.mark.parametrize("store", STORES)
async def test_list_entries_sent_at_once_are_all_in_force_and_still_after_a_restart(
    request: pytest.FixtureRequest, settings: Settings, policy: Policy, store: str
) -> None:
    node = node_settings(request, settings, store=store, sql="sqlite")
    count = 2 if store == "redis" else 1
    phones = [listed_phone(410 + n) for n in range(6)]
    csv_header = "list,kind,value,id_type,country,province,city,district,detail\n"

    def on_list(n: int) -> Body:
        return waybill(sender=party(phone=phones[n], id_number=resident_id(seq=f"{410 + n:03d}")))

    async with running(node, policy, count) as workers:
        admin = workers[0].key("admin", "ops")
        json_calls = [
            workers[n % count].http.put(
                "/v1/admin/lists",
                json=[{"kind": "phone", "value": phones[n], "list": "watch"}],
                headers=admin,
            )
            for n in range(3)
        ]
        csv_calls = [
            workers[n % count].http.post(
                "/v1/admin/lists/csv",
                content=(csv_header + f"black,phone,{phones[n]},,CN,,,,\n").encode(),
                headers={"content-type": "text/csv", **admin},
            )
            for n in range(3, 6)
        ]
        # Each entry sent twice, all at once.
        answers = await together(*json_calls, *csv_calls)
        answers += await together(
            *(
                workers[n % count].http.put(
                    "/v1/admin/lists",
                    json=[{"kind": "phone", "value": phones[n], "list": "watch"}],
                    headers=admin,
                )
                for n in range(3)
            )
        )
        assert {r.status_code for r in answers} == {200}, [r.text for r in answers]
        for n in range(6):
            assert "WATCHLIST_HIT" in codes(await workers[n % count].score(on_list(n))), phones[n]
        # One take-off, sent twice at once, takes the doubly listed entry off.
        off = [{"kind": "phone", "value": phones[0], "list": "watch", "listed": False}]
        answers = await together(
            *(workers[n % count].http.put("/v1/admin/lists", json=off, headers=admin) for n in range(2))
        )
        assert {r.status_code for r in answers} == {200}
        assert "WATCHLIST_HIT" not in codes(await workers[0].score(on_list(0)))
    async with running(node, policy) as (restarted,):
        assert "WATCHLIST_HIT" not in codes(await restarted.score(on_list(0)))
        for n in range(1, 6):
            assert "WATCHLIST_HIT" in codes(await restarted.score(on_list(n))), phones[n]


@pytest.mark.anyio
@pytest.mark.redis
async def test_one_agreement_sent_by_json_and_csv_to_two_workers_at_once_is_one_agreement(
    request: pytest.FixtureRequest, settings: Settings, policy: Policy
) -> None:
    node = node_settings(request, settings, store="redis", sql="sqlite")
    header = "contract_id,name,carrier,status,valid_from,valid_until\n"
    async with running(node, policy, 2) as (a, b):
        admin = a.key("admin", "ops")
        active = (header + "SHOP-IDEM-1,某网店,SF,active,,\n").encode()
        # The same CSV twice in a row: one agreement.
        for _ in range(2):
            r = await a.http.post(
                "/v1/admin/agreements/csv", content=active, headers={"content-type": "text/csv", **admin}
            )
            assert (r.status_code, r.json()) == (200, {"upserted": 1})
        suspend = [{"contract_id": "SHOP-IDEM-1", "name": "某网店", "carrier": "SF", "status": "suspended"}]
        answers = await together(
            a.http.put("/v1/admin/agreements", json=suspend, headers=admin),
            b.http.post(
                "/v1/admin/agreements/csv", content=active, headers={"content-type": "text/csv", **admin}
            ),
            b.http.put("/v1/admin/agreements", json=suspend, headers=admin),
        )
        assert {r.status_code for r in answers} == {200}
        listings = [(await w.http.get("/v1/admin/agreements", headers=admin)).json() for w in (a, b)]
        assert listings[0] == listings[1]
        [agreement] = [x for x in listings[0] if x["contract_id"] == "SHOP-IDEM-1"]
        assert agreement["status"] in ("active", "suspended")
        # Both workers decide the customer's parcels by the one agreement the registry lists.
        expected = "release" if agreement["status"] == "active" else "reject"
        for w in (a, b):
            assert (await w.score(waybill(sender=agreement_customer("SHOP-IDEM-1"))))["decision"] == expected


# Logins and lockout ---------------------------------------------------------------------------------------


async def try_login(w: Worker, username: str, password: str, *, page: bool = False) -> int:
    """One login attempt, through the API or the login page's form, from a fresh client: its status."""
    http = await w.client()
    if page:
        r = await http.post("/login", data={"username": username, "password": password, "next": "/"})
    else:
        r = await http.post("/v1/auth/login", json={"username": username, "password": password})
    return r.status_code


@pytest.mark.anyio
@pytest.mark.parametrize("sql", SQLS)
async def test_wrong_passwords_at_once_through_api_and_page_on_two_workers_lock_the_account(
    request: pytest.FixtureRequest, settings: Settings, policy: Policy, sql: str
) -> None:
    async with running(node_settings(request, settings, store="embedded", sql=sql), policy, 2) as (a, b):
        name = f"lock{tag()}"
        a.add_user(name, "officer")
        tries = [try_login((a, b)[n % 2], name, f"wrong-{n}", page=n % 3 == 0) for n in range(9)]
        assert set(await asyncio.gather(*tries)) == {401}
        # Locked on both workers, through both doors, with the right password too.
        assert [await try_login(w, name, PASSWORD, page=p) for w in (a, b) for p in (False, True)] == [
            401
        ] * 4


@pytest.mark.anyio
@pytest.mark.parametrize("sql", SQLS)
async def test_four_wrong_passwords_at_once_leave_the_account_open_and_a_login_resets_the_count(
    request: pytest.FixtureRequest, settings: Settings, policy: Policy, sql: str
) -> None:
    async with running(node_settings(request, settings, store="embedded", sql=sql), policy, 2) as (a, b):
        name = f"open{tag()}"
        a.add_user(name, "officer")
        for _ in range(2):
            tries = [try_login((a, b)[n % 2], name, f"wrong-{n}", page=n == 0) for n in range(4)]
            assert set(await asyncio.gather(*tries)) == {401}
            assert await try_login(b, name, PASSWORD) == 200
        # Four more, then one: the fifth failure since the last good login locks it.
        assert set(await asyncio.gather(*(try_login(a, name, "nope") for _ in range(5)))) == {401}
        assert await try_login(b, name, PASSWORD) == 401


@pytest.mark.anyio
async def test_a_logout_sent_twice_ends_that_session_once_and_leaves_the_persons_other_session(
    request: pytest.FixtureRequest, settings: Settings, policy: Policy
) -> None:
    async with running(node_settings(request, settings, store="embedded", sql="sqlite"), policy) as (w,):
        name = f"out{tag()}"
        w.add_user(name, "officer")
        desk, phone = await w.login(name), await w.login(name)
        cookie = dict(desk.cookies)
        first = await desk.post("/v1/auth/logout")
        assert first.status_code == 200, first.text
        desk.cookies.update(cookie)  # the same request again, as a retry sends it
        again = await desk.post("/v1/auth/logout")
        assert again.status_code == 401, again.text
        assert (await desk.get("/v1/auth/me")).status_code == 401
        me = await phone.get("/v1/auth/me")
        assert me.status_code == 200 and me.json()["username"] == name


# API keys ---------------------------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("sql", SQLS)
async def test_keys_created_at_once_are_distinct_and_each_works_until_revoked_twice(
    request: pytest.FixtureRequest, settings: Settings, policy: Policy, sql: str
) -> None:
    node = node_settings(request, settings, store="embedded", sql=sql).model_copy(
        update={"api_key_cache_s": 0.01}
    )
    async with running(node, policy) as (w,):
        made = await asyncio.gather(*(asyncio.to_thread(w.key, "customs", f"OFFICE-{n}") for n in range(6)))
        assert len({h["authorization"] for h in made}) == 6
        for headers in made:
            assert (await w.http.get("/v1/cases", headers=headers)).status_code == 200
        token = made[0]["authorization"].removeprefix("Bearer ")
        info = w.app.state.db.read_sync(lambda s: find_key(s, digest=key_hash(token)))
        assert info is not None
        first = w.app.state.db.write_sync(lambda s: revoke_key(s, ref=str(info.id), now=datetime.now(UTC)))
        second = w.app.state.db.write_sync(
            lambda s: revoke_key(s, ref=str(info.id), now=datetime.now(UTC) + timedelta(hours=1))
        )
        assert first.revoked_at is not None and second.revoked_at == first.revoked_at
        await asyncio.sleep(0.05)
        assert (await w.http.get("/v1/cases", headers=made[0])).status_code == 401
        assert (await w.http.get("/v1/cases", headers=made[1])).status_code == 200


@pytest.mark.anyio
@pytest.mark.postgres
async def test_two_revocations_of_one_key_at_once_keep_the_first_revocation_time(
    request: pytest.FixtureRequest, settings: Settings, policy: Policy
) -> None:
    """Two admins revoke one key at the same moment: the second starts while the first has not committed."""
    async with running(node_settings(request, settings, store="embedded", sql="postgres"), policy) as (w,):
        token = w.key("customs", "SHA-PVG")["authorization"].removeprefix("Bearer ")
        info = w.app.state.db.read_sync(lambda s: find_key(s, digest=key_hash(token)))
        assert info is not None
        first_revoked = threading.Event()
        start = datetime.now(UTC)

        def revoke(minutes: int) -> datetime | None:
            def work(session: Session) -> datetime | None:
                if minutes:
                    first_revoked.wait(timeout=10)
                done = revoke_key(session, ref=str(info.id), now=start + timedelta(minutes=minutes))
                if not minutes:
                    first_revoked.set()
                    time.sleep(0.3)  # uncommitted while the second reads
                return done.revoked_at

            answered: datetime | None = w.app.state.db.write_sync(work)
            return answered

        answers = await asyncio.gather(asyncio.to_thread(revoke, 0), asyncio.to_thread(revoke, 1))
        stored = w.app.state.db.read_sync(lambda s: list_keys(s))
        [kept] = [k.revoked_at for k in stored if k.id == info.id]
        # A second revocation is a no-op: both answers name the revocation the database keeps.
        assert answers[0] == answers[1] == kept


# Page forms that act -------------------------------------------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("sql", SQLS)
async def test_a_page_closing_sent_twice_answers_409_the_second_time_and_closes_once(
    request: pytest.FixtureRequest, settings: Settings, policy: Policy, sql: str
) -> None:
    wb = held(f"SF-IDEM-{tag()}", 501)
    async with running(node_settings(request, settings, store="embedded", sql=sql), policy) as (w,):
        officer = await w.person("officer", "auditor")
        case_id = (await w.score(wb))["case_id"]
        before = await verified(officer)
        form = {"action": "return", "violation_type": "undeclared goods", "note": "sent back"}
        first = await officer.post(f"/cases/{case_id}/actions", data=form)
        second = await officer.post(f"/cases/{case_id}/actions", data=form)
        assert first.status_code == 200 and second.status_code == 409, (first.text[:300], second.text[:300])
        assert second.headers["content-type"].startswith("text/html")
        case = await case_of(officer, case_id)
        assert case["status"] == "returned"
        assert [h["action"] for h in case["history"]] == ["opened", "return"]
        assert [n["text"] for n in case["notes"]] == ["sent back"]
        assert await verified(officer) == before + 1
        assert w.labels("SF", wb["waybill_no"]) == [(1, "case:returned")]
        assert prior_violations(await w.score(next_parcel(501))) == 1


@pytest.mark.anyio
@pytest.mark.redis
@pytest.mark.parametrize("sql", SQLS)
async def test_a_page_closing_and_an_api_closing_on_two_workers_at_once_one_wins(
    request: pytest.FixtureRequest, settings: Settings, policy: Policy, sql: str
) -> None:
    wb = held(f"SF-IDEM-{tag()}", 510)
    async with running(node_settings(request, settings, store="redis", sql=sql), policy, 2) as (a, b):
        officer = await a.person("officer", "auditor")
        customs = b.key("customs", "SHA-PVG")
        case_id = (await a.score(wb))["case_id"]
        before = await verified(officer)
        page, api = await together(
            officer.post(f"/cases/{case_id}/actions", data={"action": "seize", "violation_type": "x"}),
            b.http.post(f"/v1/cases/{case_id}/actions", json={"action": "release"}, headers=customs),
        )
        assert sorted([page.status_code, api.status_code]) == [200, 409], (page.text[:300], api.text[:300])
        won = "seize" if page.status_code == 200 else "release"
        case = await case_of(officer, case_id)
        assert case["status"] == CLOSED[won]
        assert [h["action"] for h in case["history"]] == ["opened", won]
        assert await verified(officer) == before + 1
        assert prior_violations(await b.score(next_parcel(510))) == int(won == "seize")


@pytest.mark.anyio
@pytest.mark.parametrize("sql", SQLS)
async def test_page_notes_and_a_page_ring_action_at_once_are_all_kept(
    request: pytest.FixtureRequest, settings: Settings, policy: Policy, sql: str
) -> None:
    ring = ant_ring(8, id_number=resident_id(region="420106", seq="520"), phone="13550000520")
    async with running(node_settings(request, settings, store="embedded", sql=sql), policy) as (w,):
        chief, officer = await w.person("supervisor", "auditor"), await w.person("officer")
        held_ids = [d["case_id"] for d in [await w.score(wb) for wb in ring] if d["case_id"]]
        cluster = (await case_of(chief, held_ids[0]))["cluster_id"]
        before = await verified(chief)
        answers = await together(
            chief.post(
                f"/cases/clusters/{cluster}/actions", data={"action": "release", "note": "ring cleared"}
            ),
            *(officer.post(f"/cases/{held_ids[0]}/notes", data={"text": f"page note {n}"}) for n in range(3)),
        )
        assert [r.status_code for r in answers] == [200] * 4, [r.text[:300] for r in answers]
        case = await case_of(chief, held_ids[0])
        assert sorted(n["text"] for n in case["notes"]) == [
            "page note 0",
            "page note 1",
            "page note 2",
            "ring cleared",
        ]
        assert {(await case_of(chief, c))["status"] for c in held_ids} == {"released"}
        assert await verified(chief) == before + 3 + len(held_ids)
        # The ring's release re-sent from the page acts on nothing more.
        again = await chief.post(f"/cases/clusters/{cluster}/actions", data={"action": "release"})
        assert again.status_code == 200
        assert await verified(chief) == before + 3 + len(held_ids)


# Counters and compliance figures of bodies sent at once -----------------------------------------------------


def decisions_counted() -> dict[str, float]:
    """This process's decision counter by outcome (every app of the process counts into it)."""
    outcomes = ("release", "inspect", "hold", "reject")
    return {
        o: REGISTRY.get_sample_value("screening_decisions_total", {"decision": o}) or 0.0 for o in outcomes
    }


def of_outcome(outcome: str, where: str, seq: int) -> Body:
    """A waybill the sources decide as `outcome` by itself."""
    if outcome == "release":
        return waybill(outlet_id=where, sender=person(seq))
    if outcome == "inspect":  # INSPECTION_NOT_RECORDED
        checks = {"opened_inspection": False, "xray_screened": True}
        return waybill(outlet_id=where, sender=person(seq), pickup_checks=checks)
    if outcome == "hold":
        return held(where, seq)
    return waybill(outlet_id=where, sender=party(**NO_ID))  # REALNAME_MISSING


@pytest.mark.anyio
@pytest.mark.parametrize("store", STORES)
async def test_bodies_sent_three_times_at_once_count_once_in_the_compliance_figures(
    request: pytest.FixtureRequest, settings: Settings, policy: Policy, store: str
) -> None:
    node = node_settings(request, settings, store=store, sql="sqlite")
    count = 2 if store == "redis" else 1
    where = f"SF-IDEM-{tag()}"
    outcomes = ("release", "inspect", "hold", "reject")
    wbs = [of_outcome(o, where, 600 + n) for n, o in enumerate(outcomes)]
    async with running(node, policy, count) as workers:
        answers = await asyncio.gather(*(workers[n % count].score(wb) for n, wb in enumerate(wbs * 3)))
        assert [a["decision"] for a in answers] == list(outcomes) * 3
    async with running(node, policy) as (w,):
        await asyncio.to_thread(w.app.state.engine.log.compact)
        auditor = await w.person("auditor")
        r = await auditor.get("/v1/audit/metrics", params={"week": "2026-W46", "outlet_id": where})
    assert r.status_code == 200, r.text[:300]
    total = r.json()["total"]
    assert total["parcels"] == 4
    assert [total[o] for o in outcomes] == [1, 1, 1, 1]


@pytest.mark.anyio
@pytest.mark.parametrize("store", STORES)
async def test_a_hold_sent_four_times_at_once_is_counted_and_logged_as_one_decision(
    request: pytest.FixtureRequest, settings: Settings, policy: Policy, store: str
) -> None:
    node = node_settings(request, settings, store=store, sql="sqlite")
    count = 2 if store == "redis" else 1
    wb = held(f"SF-IDEM-{tag()}", 610)
    async with running(node, policy, count) as workers:
        before = decisions_counted()
        answers = await asyncio.gather(*(workers[n % count].score(wb) for n in range(4)))
        assert {a["case_id"] for a in answers} == {answers[0]["case_id"]}
        now = decisions_counted()
        investigator = await workers[0].person("investigator")
        for w in workers:
            await asyncio.to_thread(w.app.state.engine.log.journal.flush)
        r = await investigator.post(
            "/v1/audit/trace", json={"from": "2026-11-10", "to": "2026-11-12", "waybill_no": wb["waybill_no"]}
        )
        assert r.status_code == 200, r.text[:300]
        assert {o: now[o] - before[o] for o in now if now[o] != before[o]} == {"hold": 1.0}
        assert r.json()["count"] == 1
