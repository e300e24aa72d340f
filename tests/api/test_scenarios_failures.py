"""Scenarios of the service while its parts fail, and after they come back, over HTTP.

Written from ../shared/ARCHITECTURE.md ("Failure behaviour": Redis unreachable, the stateless rules and the
model on request-only features still run, the answer carries HISTORY_UNAVAILABLE, inspect for cross-border
and informational for domestic, the courier is never left without a decision, recovery is automatic; SQL
unreachable, a hold is still answered, its case written through a durable retry path, nothing acknowledged
is lost; "State": idempotency, the decision log's journal replayed at a restart), ../shared/domain/RULES.md
(HISTORY_UNAVAILABLE, the stateless reason codes, the final decision is the most severe outcome),
../shared/contract/README.md (re-sending the same body returns the same decision and counts once; GET
/v1/decisions is the latest decision with its case status) and the README ("When parts fail", readiness
"policy loaded, history store answering", the ledger of lists and violations replayed at start, the case
outbox, keys while the database is down, a violation reported while the history is unreachable is a 503,
one decided while it was unreachable is found in the decision log).

The failing parts are stand-ins built here, never the real Redis or PostgreSQL:

* the history store is the app's own embedded store behind `FlakyHistory`, installed where the app builds
  its engine; it can be down (every call raises the service's HistoryUnavailable and ping says no), fail
  only its writes after a good read (remembering, forgetting, violations, lists), lose its replies (the
  store does the work but the answer never comes back, as with a stalled Redis past the timeout), or go
  down after observing a number of parcels (a batch whose history fails half-way);
* the case database is the app's own SQLite database behind `SqlSwitch`: while it is down every SQL call
  fails as a refused connection does. The case writer runs as a thread (SCREENING_CASE_WRITER=thread), so
  that holds reach the switched database (a writer process would open its own connection);
* the decision log's disk is the journal's segment file behind `DiskSwitch`: while it fails, opening or
  writing a segment raises ENOSPC.

Readings where the sources leave a choice:

* History read but not written (the write after the read fails): the decision was taken with history, so
  it carries the history rules and not HISTORY_UNAVAILABLE ("the decision was taken without history" is what
  that code says).
* History down: the history rules (rings, lists, violations, the buyer's year) cannot fire; we only assert
  that every stateless reason is there exactly as with history, plus HISTORY_UNAVAILABLE.
* A decision read back while the history store is down is a 503 (the service's answer for an unavailable
  part, as for violations and case pages), never a 404, which would say that the parcel was never scored.
* Parcels scored during an outage reach the history when they are re-sent after it; whether the service
  adds them without a re-send the sources do not say, so nothing here depends on it.
* Readiness is "policy loaded, history store answering": /readyz is 200 exactly when the history store
  answers, and a non-ready answer is a 503 (the readiness probe's failure). The case database being down
  leaves the service ready: holds are still answered (through the outbox).
* A list change sent while the history is down is either refused (not 2xx, to be sent again) or, when
  acknowledged, in effect once the history is back.
* A body first decided without history (store down, or its answer lost) and re-sent once the store is
  back is decided again, with history, and counts once: the outage answer was the fallback "taken without
  history", and recovery is automatic. Until such a re-send, the outage answer is the parcel's latest
  decision, and GET /v1/decisions gives it once the store is back (the contract: "so a courier system
  learns when a hold was released").
* `case_status` in an answer (the one field the service adds to the contract's Decision) is read as the
  status of the parcel's case at the time of the answer, as GET /v1/decisions gives it.
* An inspection report sent while the case database is down is either refused (sent again later) or kept;
  either way the violation counts once.
* A disk failing under the decision log does not keep the courier from the decision; once it writes again,
  every decision answered meanwhile is in the log (read from the committed journal and Parquet files, as
  audits and the violation path read them) and /metrics shows the lag while it fails (the gauge is one per
  process, so the test polls it).
"""

import errno
import shutil
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal, cast

import httpx2
import polars as pl
import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher, profiles
from fastapi import FastAPI
from fastapi.testclient import TestClient

import api.app as app_module
from api.app import create_app
from screening import engine as engine_module
from screening.db import Database
from screening.decisionlog.log import DecisionLog
from screening.decisionlog.reader import distinct_records, scan_log
from screening.engine import Engine, build_engine
from screening.errors import HistoryUnavailable
from screening.history import (
    EmbeddedHistoryStore,
    HistoryStore,
    Observation,
    ParcelEvent,
    Span,
    StoredDecision,
)
from screening.people import passwords
from screening.policy.loader import load_policy
from screening.policy.schemas import Audit, Policy
from screening.settings import DEFAULT_POLICY, Settings
from tests.api.answers import codes, reason_of
from tests.api.keys import bearer, make_key
from tests.factories import (
    BASE_TIME,
    NO_ID,
    ant_ring,
    cn_receiver,
    export_postal,
    hk_receiver,
    item,
    over_limit,
    party,
    resident_id,
    waybill,
    wrong_check_digit,
)

Body = dict[str, Any]
Mode = Literal["up", "down", "writes_fail", "replies_lost"]
SEVERITY = {"reject": 3, "hold": 2, "inspect": 1, "release": 0}
HU = "HISTORY_UNAVAILABLE"
# Long enough for the outbox's retry (every second) on a loaded machine.
RECOVERY_S = 10.0


# Stand-ins for the failing parts ----------------------------------------------------------------------------


class FlakyHistory:
    """The app's history store behind a switch: up, down, failing its writes, or losing its replies."""

    def __init__(self, inner: HistoryStore) -> None:
        self.inner = inner
        self.mode: Mode = "up"
        # Parcels it still observes before it goes down (None: no limit).
        self.observe_budget: int | None = None

    def _unavailable(self) -> HistoryUnavailable:
        return HistoryUnavailable(f"history store stand-in is {self.mode}")

    def _before_observe(self, parcels: int) -> None:
        if self.observe_budget is not None:
            if parcels > self.observe_budget:
                self.observe_budget, self.mode = 0, "down"
            else:
                self.observe_budget -= parcels
        if self.mode == "down":
            raise self._unavailable()

    def _before_write(self) -> None:
        if self.mode in ("down", "writes_fail"):
            raise self._unavailable()

    async def observe(
        self,
        *,
        parcel: str,
        entities: Mapping[str, ParcelEvent],
        span: Span | None = None,
        watch: str | None = None,
    ) -> Observation:
        """Read and update (down: raises; replies lost: updates, then raises)."""
        self._before_observe(1)
        seen = await self.inner.observe(parcel=parcel, entities=entities, span=span, watch=watch)
        if self.mode == "replies_lost":
            raise self._unavailable()
        return seen

    async def observe_many(
        self,
        parcels: Sequence[tuple[str, Mapping[str, ParcelEvent]]],
        span: Span | None = None,
        *,
        retake: bool = False,
    ) -> list[Observation]:
        """observe() of several parcels in one round trip: all or nothing."""
        self._before_observe(len(parcels))
        seen = await self.inner.observe_many(parcels, span, retake=retake)
        if self.mode == "replies_lost":
            raise self._unavailable()
        return seen

    async def remember_decision(self, *, parcel: str, digest: str, decision_json: bytes) -> None:
        """A write."""
        self._before_write()
        await self.inner.remember_decision(parcel=parcel, digest=digest, decision_json=decision_json)
        if self.mode == "replies_lost":
            raise self._unavailable()

    async def remember_many(self, decisions: Sequence[tuple[str, str, bytes]]) -> None:
        """A write."""
        self._before_write()
        await self.inner.remember_many(decisions)
        if self.mode == "replies_lost":
            raise self._unavailable()

    async def remember_soon(self, decisions: Sequence[tuple[str, str, bytes]]) -> None:
        """A write."""
        self._before_write()
        await self.inner.remember_soon(decisions)
        if self.mode == "replies_lost":
            raise self._unavailable()

    async def recall(self, *, parcel: str) -> StoredDecision | None:
        """A read."""
        if self.mode in ("down", "replies_lost"):
            raise self._unavailable()
        return await self.inner.recall(parcel=parcel)

    async def forget(self, *, parcel: str, entities: Sequence[str]) -> None:
        """A write."""
        self._before_write()
        await self.inner.forget(parcel=parcel, entities=entities)
        if self.mode == "replies_lost":
            raise self._unavailable()

    async def record_violation(self, *, entity: str, at_ms: int, parcel: str) -> None:
        """A write."""
        self._before_write()
        await self.inner.record_violation(entity=entity, at_ms=at_ms, parcel=parcel)
        if self.mode == "replies_lost":
            raise self._unavailable()

    async def set_listed(self, *, entity: str, list_name: str, listed: bool) -> None:
        """A write."""
        self._before_write()
        await self.inner.set_listed(entity=entity, list_name=list_name, listed=listed)
        if self.mode == "replies_lost":
            raise self._unavailable()

    async def ping(self) -> bool:
        """Whether the store answers now."""
        return self.mode in ("up", "writes_fail") and await self.inner.ping()

    async def close(self) -> None:
        """Release the inner store."""
        await self.inner.close()


class SqlSwitch:
    """One app's case database (found by its file): while down, every SQL call fails as a refused connection.

    Installed on the Database class before the app starts, so that the database can be down at start too.
    """

    def __init__(self, data_dir: Path, mp: pytest.MonkeyPatch, *, down: bool = False) -> None:
        self.down = down
        self.file = str(data_dir.resolve() / "screening.db")
        for name in ("write_sync", "read_sync", "ping_sync"):
            mp.setattr(Database, name, self._gated(getattr(Database, name)))

    def _gated(self, call: Callable[..., Any]) -> Callable[..., Any]:
        def gated(db: Database, *args: Any, **kwargs: Any) -> Any:
            if self.down and db.engine.url.database == self.file:
                refused = ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
                raise sa.exc.OperationalError("SELECT 1", None, refused)
            return call(db, *args, **kwargs)

        return gated


class DiskSwitch:
    """The decision log's disk: while failing, no journal segment can be opened or written."""

    def __init__(self, engine: Engine) -> None:
        self.failing = False
        journal = cast(DecisionLog, engine.log).journal
        segment = journal._segment

        def gated() -> int:
            if self.failing:
                raise OSError(errno.ENOSPC, "No space left on device")
            return segment()

        journal._segment = gated  # type: ignore[method-assign]


class Service:
    """A started app with its failing parts' switches, driven as courier, customs and admin systems do."""

    def __init__(self, app: FastAPI, http: TestClient, history: FlakyHistory, sql: SqlSwitch) -> None:
        self.app, self.http, self.history, self.sql = app, http, history, sql
        self.disk = DiskSwitch(self.engine)

    @property
    def engine(self) -> Engine:
        """The app's engine."""
        return cast(Engine, self.app.state.engine)

    def post(self, wb: Body, **headers: str) -> httpx2.Response:
        """POST /v1/score."""
        return self.http.post("/v1/score", json=wb, headers=headers)

    def score(self, wb: Body) -> Body:
        """POST /v1/score and expect a decision."""
        r = self.post(wb)
        assert r.status_code == 200, r.text
        out: Body = r.json()
        return out

    def batch(self, wbs: list[Any]) -> list[Body]:
        """POST /v1/score/batch and expect one slot per waybill."""
        r = self.http.post("/v1/score/batch", json={"waybills": wbs})
        assert r.status_code == 200, r.text[:500]
        slots: list[Body] = r.json()["decisions"]
        assert len(slots) == len(wbs)
        return slots

    def read_back(self, wb: Body) -> httpx2.Response:
        """GET /v1/decisions/{carrier}/{waybill_no}."""
        return self.http.get(f"/v1/decisions/{wb['carrier']}/{wb['waybill_no']}")

    def key(self, kind: Literal["carrier", "customs", "admin"], scope: str) -> dict[str, str]:
        """A new key's Authorization header (SQL must answer)."""
        return bearer(make_key(self.app, kind, scope))

    def logged(self, wb: Body) -> list[str]:
        """The decisions committed to the decision log for a parcel, one per scoring, in scoring order."""
        day = date.fromisoformat(wb["accepted_at"][:10])
        log = cast(DecisionLog, self.engine.log)
        rows = (
            distinct_records(
                scan_log(
                    log.layout,
                    start=day - timedelta(days=1),
                    end=day + timedelta(days=1),
                    include_journal=True,
                )
            )
            .filter((pl.col("carrier") == wb["carrier"]) & (pl.col("waybill_no") == wb["waybill_no"]))
            .sort("scored_at")
            .select("decision")
            .collect()
        )
        return [str(x) for x in rows["decision"].to_list()]


@contextmanager
def running(
    data_dir: Path, policy: Policy, template: Path, *, history: Mode = "up", sql_down: bool = False
) -> Iterator[Service]:
    """A started app on its data dir (a restart is running() again on the same dir), with stand-ins that
    may be failing already when it starts.

    Its SQLite case database starts as a copy of the migrated template (migrating is slow); argon2 runs at
    its cheapest parameters (the development user is seeded at every start).
    """
    made: list[FlakyHistory] = []

    def build(settings: Settings) -> Engine:
        engine = build_engine(settings)
        flaky = FlakyHistory(engine.history)
        flaky.mode = history
        engine.history = flaky
        made.append(flaky)
        return engine

    data_dir.mkdir(parents=True, exist_ok=True)
    if not (data_dir / "screening.db").exists():
        shutil.copyfile(template, data_dir / "screening.db")
    settings = Settings(env="development", data_dir=data_dir, case_writer="thread")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(app_module, "build_engine", build)
        mp.setattr(passwords, "HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))
        sql = SqlSwitch(data_dir, mp, down=sql_down)
        app = create_app(settings)
        with TestClient(app) as http:
            app.state.engine.policy = policy
            service = Service(app, http, made[-1], sql)
            try:
                yield service
            finally:  # every part back, so that the app stops cleanly whatever the test left
                service.disk.failing, service.sql.down, service.history.mode = False, False, "up"


@pytest.fixture
def svc(
    tmp_path: Path, policy: Policy, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Service]:
    """A started app of this test with every part up."""
    # A body re-sent while its first sending's mark stands waits for the mark to lapse before it is decided
    # anew (as after a write that failed): half a second here rather than five, the same path.
    monkeypatch.setattr(engine_module, "PENDING_MS", 500)
    with running(tmp_path / "data", policy, sqlite_template) as service:
        yield service


def starting_policy() -> Policy:
    """The shipped policy with random audit off (as the suite's `policy` fixture)."""
    return load_policy(DEFAULT_POLICY).model_copy(update={"audit": Audit(random_rate=0.0)})


@pytest.fixture(scope="module")
def shared_app(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Service]:
    """One started app for the stateless comparisons of this module (its history renewed per test)."""
    with running(tmp_path_factory.mktemp("shared") / "data", starting_policy(), sqlite_template) as service:
        yield service


@pytest.fixture
def shared(shared_app: Service) -> Iterator[Service]:
    """The module's app with a fresh, empty history store that is up, and the test policy."""
    shared_app.history.inner = EmbeddedHistoryStore()
    shared_app.history.mode = "up"
    shared_app.history.observe_budget = None
    shared_app.engine.policy = starting_policy()
    yield shared_app
    shared_app.history.mode = "up"


# Helpers ------------------------------------------------------------------------------------------------


def ring(count: int, seq: str) -> list[Body]:
    """An ant-moving ring of its own sender (export, to five Macau receivers): held from the sixth parcel."""
    return ant_ring(count, id_number=resident_id(seq=seq), phone=f"13600{int(seq):06d}")


def sender(seq: str) -> Body:
    """A mainland sender of their own: ID, phone and building."""
    return party(
        phone=f"13700{int(seq):06d}",
        id_number=resident_id(region="330106", birth="19880808", seq=seq),
        address={"district": "西湖区", "detail": f"文三路{int(seq)}号1幢"},
    )


def cbec_import(buyer: Body, **changes: Any) -> Body:
    """A cross-border e-commerce import of a handbag to a mainland buyer."""
    base: Body = {
        "service": "import",
        "channel": "cbec",
        "sender": hk_receiver(name="GLOBAL SHOP", phone="+85230001000"),
        "receiver": buyer,
        "items": [item(description="手提包 handbag", category="bags_leather", quantity=1, unit_value=900.0)],
        "weight_kg": 1.0,
    }
    return waybill(**(base | changes))


def buyer(seq: str = "713") -> Body:
    """A mainland cbec buyer with a verified ID."""
    return cn_receiver(id_type="resident_id", id_number=resident_id(seq=seq), id_verified=True)


def held(**changes: Any) -> Body:
    """A personal postal article over the 800 CNY limit in two units: held (OVER_PERSONAL_LIMIT)."""
    base: Body = {"items": [item(description="羊毛大衣 wool coat", quantity=2, unit_value=500.0)]}
    return export_postal(**(base | changes))


def evidence(decision: Body, code: str) -> dict[str, Any]:
    """The evidence of one reason."""
    ev: dict[str, Any] = reason_of(decision, code)["evidence"]
    return ev


def pairs(decision: Body) -> list[tuple[str, str]]:
    """(code, outcome) of every reason, in the answer's order."""
    return [(r["code"], r["outcome"]) for r in decision["reasons"]]


def without(decision: Body, code: str) -> list[Body]:
    """Every reason of a decision but those of one code, by code."""
    return sorted((r for r in decision["reasons"] if r["code"] != code), key=lambda r: str(r["code"]))


def most_severe(decision: Body) -> str:
    """The most severe outcome among the reasons (release without any)."""
    return max((r["outcome"] for r in decision["reasons"]), key=SEVERITY.__getitem__, default="release")


def same_decision(a: Body, b: Body) -> bool:
    """Two answers carry the same decision: outcome, reasons with evidence, case, versions."""
    keep = ("waybill_no", "carrier", "decision", "risk_score", "reasons", "case_id", "policy_version")
    return all(a[k] == b[k] for k in keep)


def wait_for(check: Callable[[], bool], what: str, seconds: float = RECOVERY_S) -> None:
    """Poll until check() holds."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(0.1)


def case_ids(service: Service, customs: dict[str, str]) -> set[str] | None:
    """The ids of every case in the queue, None while the case API does not answer."""
    r = service.http.get("/v1/cases", params={"per_page": 200}, headers=customs)
    if r.status_code != 200:
        return None
    return {c["case_id"] for c in r.json()["items"]}


def violation(wb: Body, *, hours: float = 1.0) -> Body:
    """An inspection report of a violation found in a waybill's parcel."""
    return {
        "carrier": wb["carrier"],
        "waybill_no": wb["waybill_no"],
        "result": "violation",
        "violation_type": "counterfeit",
        "inspected_at": (BASE_TIME + timedelta(hours=hours)).isoformat(),
    }


def phone_violation(phone: str, wb: Body) -> list[Body]:
    """The admin API's body recording a confirmed violation of a phone on a waybill's parcel."""
    return [
        {
            "kind": "phone",
            "value": phone,
            "parcel": f"{wb['carrier']}:{wb['waybill_no']}",
            "at": wb["accepted_at"],
        }
    ]


# The history store unreachable: every lane still gets a decision -----------------------------------------

CLEAN_LANES: dict[str, tuple[Callable[[], Body], str]] = {
    "domestic express": (lambda: waybill(), "release"),
    "domestic postal": (lambda: waybill(channel="postal"), "release"),
    "export postal": (lambda: export_postal(items=[item(quantity=1, unit_value=100.0)]), "inspect"),
    "export express": (
        lambda: export_postal(channel="express", items=[item(quantity=1, unit_value=100.0)]),
        "inspect",
    ),
    "import postal": (
        lambda: waybill(
            service="import",
            channel="postal",
            sender=hk_receiver(),
            receiver=cn_receiver(),
            items=[item(quantity=1, unit_value=100.0)],
        ),
        "inspect",
    ),
    "import cbec": (lambda: cbec_import(buyer()), "inspect"),
}


@pytest.mark.parametrize("lane", list(CLEAN_LANES))
def test_without_history_a_clean_parcel_of_each_lane_gets_a_decision_naming_the_outage(
    shared: Service, lane: str
) -> None:
    make, outcome = CLEAN_LANES[lane]
    wb = make()
    assert shared.score(wb)["reasons"] == []  # clean with history
    shared.history.mode = "down"
    d = shared.score(wb)
    assert d["decision"] == outcome and d["case_id"] is None
    assert pairs(d) == [(HU, outcome)]


# Each stateless rule, with a body that fires it.
STATELESS: dict[str, Callable[[], Body]] = {
    "REALNAME_MISSING": lambda: waybill(sender=party(**NO_ID)),
    "ID_INVALID": lambda: waybill(sender=party(id_number=wrong_check_digit(resident_id(seq="731")))),
    "REALNAME_UNVERIFIED": lambda: waybill(sender=party(id_verified=False, verification_method="none")),
    "BUYER_ID_MISSING": lambda: cbec_import(cn_receiver()),
    "CONTRACT_UNQUALIFIED": lambda: waybill(
        sender=party(customer_type="contract", contract_id="HT-NOBODY-0001")
    ),
    "INSPECTION_NOT_RECORDED": lambda: waybill(
        pickup_checks={"opened_inspection": False, "xray_screened": True}
    ),
    "XRAY_NOT_RECORDED": lambda: waybill(pickup_checks={"opened_inspection": True, "xray_screened": False}),
    "PROHIBITED_ITEM": lambda: waybill(items=[item(description="仿真枪", category="general")]),
    "OVER_PERSONAL_LIMIT": over_limit,
    "OVER_PERSONAL_LIMIT single article": lambda: export_postal(
        items=[item(description="羊毛大衣 wool coat", quantity=1, unit_value=900.0)]
    ),
    "CBEC_SINGLE_LIMIT": lambda: cbec_import(
        buyer("732"),
        items=[item(description="手提包 handbag", category="bags_leather", quantity=1, unit_value=6000.0)],
    ),
    "BRAND_PRICE_ANOMALY": lambda: export_postal(
        items=[
            item(description="口红 lipstick", category="cosmetics", brand="Dior", quantity=2, unit_value=50.0)
        ]
    ),
    "COMMERCIAL_QUANTITY": lambda: export_postal(items=[item(quantity=12, unit_value=20.0)], weight_kg=3.0),
    "WEIGHT_VALUE_MISMATCH": lambda: waybill(weight_kg=30.0),
}


@pytest.mark.parametrize("case", list(STATELESS))
def test_without_history_every_stateless_reason_is_given_as_with_history(shared: Service, case: str) -> None:
    code = case.split()[0]
    wb = STATELESS[case]()
    with_history = shared.score(wb)
    assert code in codes(with_history)
    shared.history.mode = "down"
    d = shared.score(wb)
    # The same reasons with the same outcomes and evidence, and the outage named beside them.
    assert without(d, HU) == without(with_history, HU)
    hu = reason_of(d, HU)
    assert hu["outcome"] == ("release" if wb["service"] == "domestic" else "inspect")
    assert d["decision"] == most_severe(d)
    assert SEVERITY[d["decision"]] >= SEVERITY[with_history["decision"]]
    assert (d["case_id"] is not None) == (d["decision"] == "hold")


def test_without_history_random_audit_still_picks_its_parcels(shared: Service) -> None:
    shared.engine.policy = starting_policy().model_copy(update={"audit": Audit(random_rate=1.0)})
    shared.history.mode = "down"
    d = shared.score(waybill())
    assert d["decision"] == "inspect"
    assert {"RANDOM_AUDIT", HU} == codes(d)


def test_without_history_the_outage_reason_speaks_both_languages_and_comes_after_a_hold(
    shared: Service,
) -> None:
    shared.history.mode = "down"
    d = shared.score(over_limit())
    assert pairs(d) == [("OVER_PERSONAL_LIMIT", "hold"), (HU, "inspect")]
    hu = reason_of(d, HU)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in hu["message"])
    assert hu["message_en"] and hu["evidence"]
    assert d["policy_version"] == "policy-1" and d["model_version"]


def test_without_history_a_parcel_of_a_ring_is_not_held_as_an_ant_but_inspected(shared: Service) -> None:
    parcels = ring(7, "741")
    for wb in parcels[:5]:
        shared.score(wb)
    shared.history.mode = "down"
    d = shared.score(parcels[5])
    assert d["decision"] == "inspect" and d["case_id"] is None
    assert pairs(d) == [(HU, "inspect")]


def test_without_history_bad_input_is_a_422_naming_each_field(shared: Service) -> None:
    shared.history.mode = "down"
    wb = waybill(weight_kg=0, items=[item(), item(quantity=0)], declared_value=120.0)
    r = shared.post(wb)
    assert r.status_code == 422
    assert sorted(e["loc"] for e in r.json()["detail"]) == [
        ["body", "items", 1, "quantity"],
        ["body", "weight_kg"],
    ]


# The history store unreachable: reading back, re-sending, recovering -------------------------------------


def test_while_history_is_down_a_decision_read_back_is_unavailable_not_unknown(svc: Service) -> None:
    wb = held()
    first = svc.score(wb)
    svc.history.mode = "down"
    r = svc.read_back(wb)
    assert r.status_code == 503, r.text
    svc.history.mode = "up"
    back = svc.read_back(wb)
    assert back.status_code == 200 and same_decision(back.json(), first)


def test_a_hold_re_sent_during_an_outage_keeps_its_case_and_opens_no_other(svc: Service) -> None:
    customs = svc.key("customs", "SHA-PVG")
    wb = held()
    first = svc.score(wb)
    svc.history.mode = "down"
    again = svc.score(wb)
    assert again["decision"] == "hold" and HU in codes(again)
    assert again["case_id"] == first["case_id"]
    svc.history.mode = "up"
    assert svc.score(wb)["case_id"] == first["case_id"]
    assert case_ids(svc, customs) == {first["case_id"]}


def test_a_hold_re_sent_during_an_outage_answers_the_same_decision_every_time(svc: Service) -> None:
    svc.history.mode = "down"
    wb = held()
    answers = [svc.score(wb) for _ in range(3)]
    assert all(same_decision(a, answers[0]) for a in answers)
    assert answers[0]["decision"] == "hold" and answers[0]["case_id"]


def test_a_hold_answered_during_an_outage_is_read_back_once_the_history_is_back(svc: Service) -> None:
    svc.history.mode = "down"
    wb = held()
    answered = svc.score(wb)
    svc.history.mode = "up"
    r = svc.read_back(wb)
    assert r.status_code == 200, r.text
    assert r.json()["case_id"] == answered["case_id"] and r.json()["decision"] == "hold"
    assert r.json()["case_status"] == "open"


def test_a_hold_whose_corrected_body_was_released_is_not_read_back_from_its_case(svc: Service) -> None:
    """The case keeps the hold; the parcel's latest decision is the release, so a read-back that finds no
    remembered decision (expired, or lost in a failover) must not answer the old hold."""
    wb = held()
    assert svc.score(wb)["decision"] == "hold"
    corrected = {**wb, "items": [item(quantity=1, unit_value=100.0)], "declared_value": 100.0}
    assert svc.score(corrected)["decision"] != "hold"
    inner = svc.history.inner
    assert isinstance(inner, EmbeddedHistoryStore)
    inner._decisions.clear()  # the remembered decisions expire
    assert svc.read_back(wb).status_code == 404


def test_scoring_gets_its_history_back_by_itself_when_the_store_returns(svc: Service) -> None:
    svc.history.mode = "down"
    assert HU in codes(svc.score(waybill()))
    svc.history.mode = "up"
    d = svc.score(waybill())
    assert d["decision"] == "release" and d["reasons"] == []


def test_each_decision_names_the_outage_exactly_while_the_store_is_down(svc: Service) -> None:
    seen = []
    modes: tuple[Mode, ...] = ("up", "down", "up", "down", "down", "up")
    for mode in modes:
        svc.history.mode = mode
        seen.append(HU in codes(svc.score(export_postal(items=[item(quantity=1, unit_value=100.0)]))))
    assert seen == [False, True, False, True, True, False]


def test_a_ring_scored_during_an_outage_and_re_sent_after_it_counts_each_parcel_once(svc: Service) -> None:
    parcels = ring(7, "742")
    svc.history.mode = "down"
    during = [svc.score(wb) for wb in parcels[:5]]
    assert all(pairs(d) == [(HU, "inspect")] for d in during)
    svc.history.mode = "up"
    for _ in range(2):  # the courier re-sends them, twice
        for wb in parcels[:5]:
            assert "ANT_MOVING_SENDER" not in codes(svc.score(wb))
    sixth = svc.score(parcels[5])
    assert sixth["decision"] == "hold"
    ev = evidence(sixth, "ANT_MOVING_SENDER")
    assert ev["parcels"] == 6
    assert sorted(ev["linked_waybills"]) == sorted(wb["waybill_no"] for wb in parcels[:5])


def test_a_parcel_whose_answer_was_lost_in_the_store_counts_once_when_re_sent(svc: Service) -> None:
    parcels = ring(8, "743")
    for wb in parcels[:5]:
        svc.score(wb)
    svc.history.mode = "replies_lost"  # the store counts the parcel; its answer never comes back
    lost = svc.score(parcels[5])
    assert HU in codes(lost) and "ANT_MOVING_SENDER" not in codes(lost)
    svc.history.mode = "up"
    again = svc.score(parcels[5])
    assert HU not in codes(again)
    assert evidence(again, "ANT_MOVING_SENDER")["parcels"] == 6
    assert evidence(svc.score(parcels[6]), "ANT_MOVING_SENDER")["parcels"] == 7


def test_a_slow_store_makes_the_service_not_ready_and_its_decisions_name_the_outage(svc: Service) -> None:
    svc.history.mode = "replies_lost"
    assert svc.http.get("/readyz").status_code == 503
    assert pairs(svc.score(waybill())) == [(HU, "release")]
    svc.history.mode = "up"
    assert svc.http.get("/readyz").status_code == 200


# Readiness and health -----------------------------------------------------------------------------------


def test_ready_and_alive_while_every_part_answers(svc: Service) -> None:
    ready = svc.http.get("/readyz")
    assert ready.status_code == 200
    assert svc.http.get("/healthz").status_code == 200


def test_not_ready_but_alive_while_the_history_store_is_down(svc: Service) -> None:
    svc.history.mode = "down"
    r = svc.http.get("/readyz")
    assert r.status_code == 503
    assert r.json()["checks"]["history"] is False
    assert svc.http.get("/healthz").status_code == 200


def test_ready_again_as_soon_as_the_history_store_answers(svc: Service) -> None:
    svc.history.mode = "down"
    assert svc.http.get("/readyz").status_code == 503
    svc.history.mode = "up"
    r = svc.http.get("/readyz")
    assert r.status_code == 200 and all(r.json()["checks"].values())


def test_still_ready_while_the_case_database_is_down(svc: Service) -> None:
    svc.sql.down = True
    assert svc.http.get("/readyz").status_code == 200
    assert svc.http.get("/healthz").status_code == 200
    assert svc.score(held())["decision"] == "hold"


def test_alive_and_ready_while_the_decision_logs_disk_fails(svc: Service) -> None:
    svc.disk.failing = True
    assert svc.http.get("/healthz").status_code == 200
    assert svc.score(waybill())["decision"] == "release"
    svc.disk.failing = False


# The history store failing only on the write after the read ----------------------------------------------


def test_a_ring_read_from_history_whose_write_fails_is_still_held_on_its_history(svc: Service) -> None:
    parcels = ring(6, "751")
    for wb in parcels[:5]:
        svc.score(wb)
    svc.history.mode = "writes_fail"
    d = svc.score(parcels[5])
    assert d["decision"] == "hold" and d["case_id"]
    assert HU not in codes(d)
    assert evidence(d, "ANT_MOVING_SENDER")["parcels"] == 6


def test_a_parcel_whose_write_failed_gets_the_same_decision_when_re_sent_and_counts_once(
    svc: Service,
) -> None:
    parcels = ring(8, "752")
    for wb in parcels[:5]:
        svc.score(wb)
    svc.history.mode = "writes_fail"
    first = svc.score(parcels[5])
    svc.history.mode = "up"
    again = svc.score(parcels[5])
    assert same_decision(again, first)
    svc.score(parcels[5])
    assert evidence(svc.score(parcels[6]), "ANT_MOVING_SENDER")["parcels"] == 7


def test_a_hold_whose_write_failed_and_its_re_sends_are_one_case(svc: Service) -> None:
    customs = svc.key("customs", "SHA-PVG")
    svc.history.mode = "writes_fail"
    wb = held()
    ids = {svc.score(wb)["case_id"] for _ in range(3)}
    svc.history.mode = "up"
    ids.add(svc.score(wb)["case_id"])
    assert len(ids) == 1
    assert case_ids(svc, customs) == ids


def test_a_hold_whose_write_failed_is_read_back_once_the_store_takes_writes(svc: Service) -> None:
    svc.history.mode = "writes_fail"
    wb = held()
    answered = svc.score(wb)
    svc.history.mode = "up"
    r = svc.read_back(wb)
    assert r.status_code == 200, r.text
    assert r.json()["case_id"] == answered["case_id"] and r.json()["decision"] == "hold"


def test_a_sender_correction_whose_forget_failed_frees_the_old_sender_once_re_sent(svc: Service) -> None:
    parcels = ring(7, "753")
    for wb in parcels[:5]:
        svc.score(wb)
    corrected = {**parcels[4], "sender": sender("754")}
    svc.history.mode = "writes_fail"  # the correction is read, but the old sender cannot be let go of
    svc.score(corrected)
    svc.history.mode = "up"
    svc.score(corrected)  # the courier re-sends it
    # The old sender has four parcels left: the next one is the fifth, not the sixth of a ring.
    d = svc.score(parcels[5])
    assert "ANT_MOVING_SENDER" not in codes(d)
    seventh = svc.score(parcels[6])
    assert evidence(seventh, "ANT_MOVING_SENDER")["parcels"] == 6
    assert parcels[4]["waybill_no"] not in evidence(seventh, "ANT_MOVING_SENDER")["linked_waybills"]


# A batch whose history fails half-way -------------------------------------------------------------------


# Parcels the history store observes before it goes down, in a batch of 157 waybills.
BUDGET = 100


def half_way_batch() -> list[Any]:
    """150 waybills: a ring early on, clean parcels, holds, a bad slot, a second ring late."""
    early, late = ring(7, "761"), ring(7, "762")
    fillers = [waybill(sender=sender(f"{800 + i}")) for i in range(120)]
    out: list[Any] = [*early, *fillers[:60], over_limit(), *fillers[60:], waybill(weight_kg=0), *late]
    out.insert(100, held())
    return out


def test_a_batch_whose_history_fails_half_way_answers_every_slot_in_order(svc: Service) -> None:
    wbs = half_way_batch()
    svc.history.observe_budget = BUDGET
    slots = svc.batch(wbs)
    outage = [HU in codes(s) for s in slots if "error" not in s]
    # Those decided after the store went down name it; none decided before it does.
    assert any(outage) and outage == sorted(outage)
    assert sum(not x for x in outage) <= BUDGET
    for wb, slot in zip(wbs, slots, strict=True):
        if wb.get("weight_kg") == 0:
            assert [e["loc"] for e in slot["error"]["detail"]] == [
                ["body", "waybills", wbs.index(wb), "weight_kg"]
            ]
            continue
        assert slot["waybill_no"] == wb["waybill_no"]
        assert slot["decision"] == most_severe(slot)
        if HU in codes(slot):
            assert reason_of(slot, HU)["outcome"] == ("release" if wb["service"] == "domestic" else "inspect")


def test_a_batch_whose_history_fails_half_way_still_holds_and_opens_cases(svc: Service) -> None:
    customs = svc.key("customs", "SHA-PVG")
    wbs = half_way_batch()
    svc.history.observe_budget = BUDGET
    slots = svc.batch(wbs)
    # The early ring's sixth and seventh are held as ants when decided with history, inspected without.
    for slot in slots[5:7]:
        expected = "inspect" if HU in codes(slot) else "hold"
        assert slot["decision"] == expected
        assert ("ANT_MOVING_SENDER" in codes(slot)) == (expected == "hold")
    # The personal articles over the limit are held either way.
    for k in (67, 100):
        assert slots[k]["waybill_no"] == wbs[k]["waybill_no"]
        assert slots[k]["decision"] == "hold" and "OVER_PERSONAL_LIMIT" in codes(slots[k])
    assert HU in codes(slots[100])
    holds = [s for s in slots if s.get("decision") == "hold"]
    assert all(s["case_id"] for s in holds) and len({s["case_id"] for s in holds}) == len(holds)
    assert case_ids(svc, customs) == {s["case_id"] for s in holds}


def test_a_batch_re_sent_whole_after_a_half_way_failure_counts_each_parcel_once(svc: Service) -> None:
    wbs = half_way_batch()
    svc.history.observe_budget = BUDGET
    first = svc.batch(wbs)
    svc.history.observe_budget, svc.history.mode = None, "up"
    again = svc.batch(wbs)
    for before, after in zip(first, again, strict=True):
        if "error" in before:
            assert after == before
        elif HU not in codes(before):
            assert same_decision(after, before)  # decided with history: the same decision
        else:
            assert HU not in codes(after)
    late = ring(9, "762")
    ev = evidence(svc.score(late[7]), "ANT_MOVING_SENDER")
    assert ev["parcels"] == 8
    assert sorted(ev["linked_waybills"]) == sorted(wb["waybill_no"] for wb in wbs[-7:])


# The case database unreachable when a parcel is held ----------------------------------------------------


def test_a_hold_is_answered_with_its_case_while_the_case_database_is_down(svc: Service) -> None:
    wb = held()
    svc.sql.down = True
    started = time.perf_counter()
    d = svc.score(wb)
    assert time.perf_counter() - started < 2.0
    assert d["decision"] == "hold" and d["case_id"]
    assert pairs(d) == [("OVER_PERSONAL_LIMIT", "hold")]


def test_while_the_case_database_is_down_the_case_api_is_unavailable(svc: Service) -> None:
    customs = svc.key("customs", "SHA-PVG")
    case_id = svc.score(held())["case_id"]
    assert svc.http.get("/v1/cases", headers=customs).status_code == 200  # the key is known now
    svc.sql.down = True
    assert svc.http.get("/v1/cases", headers=customs).status_code == 503
    assert svc.http.get(f"/v1/cases/{case_id}", headers=customs).status_code == 503
    seize = {"action": "seize", "violation_type": "undeclared goods"}
    assert svc.http.post(f"/v1/cases/{case_id}/actions", json=seize, headers=customs).status_code == 503
    svc.sql.down = False
    assert svc.http.get(f"/v1/cases/{case_id}", headers=customs).json()["status"] == "open"


def test_a_hold_answered_while_the_case_database_was_down_is_in_the_queue_once_it_is_back(
    svc: Service,
) -> None:
    customs = svc.key("customs", "SHA-PVG")
    svc.sql.down = True
    d = svc.score(held())
    svc.sql.down = False
    wait_for(lambda: case_ids(svc, customs) == {d["case_id"]}, "the case of the hold")
    case = svc.http.get(f"/v1/cases/{d['case_id']}", headers=customs)
    assert case.status_code == 200
    detail = case.json()
    assert detail["status"] == "open" and detail["waybill_no"] == d["waybill_no"]
    assert set(detail["reason_codes"]) == codes(d)


def test_while_the_case_database_is_down_a_hold_reads_back_as_open(svc: Service) -> None:
    wb = held()
    svc.sql.down = True
    d = svc.score(wb)
    back = svc.read_back(wb)
    assert back.status_code == 200
    assert back.json()["case_id"] == d["case_id"] and back.json()["case_status"] == "open"


def test_a_hold_re_sent_while_the_case_database_is_down_is_one_case(svc: Service) -> None:
    customs = svc.key("customs", "SHA-PVG")
    wb = held()
    svc.sql.down = True
    answers = [svc.score(wb) for _ in range(3)]
    assert len({a["case_id"] for a in answers}) == 1
    assert all(same_decision(a, answers[0]) for a in answers)
    svc.sql.down = False
    wait_for(lambda: case_ids(svc, customs) == {answers[0]["case_id"]}, "one case for the re-sent hold")


def test_every_hold_of_a_batch_answered_while_the_case_database_is_down_becomes_a_case(
    svc: Service,
) -> None:
    customs = svc.key("customs", "SHA-PVG")
    wbs = [held(), waybill(), over_limit(), *ring(7, "771"), cbec_import(cn_receiver())]
    svc.sql.down = True
    slots = svc.batch(wbs)
    holds = {s["case_id"] for s in slots if s["decision"] == "hold"}
    assert len(holds) == 5 and None not in holds  # two over the limit, the ring's sixth and seventh, a buyer
    svc.sql.down = False
    wait_for(lambda: case_ids(svc, customs) == holds, "every case of the batch")


@pytest.mark.parametrize(
    ("make", "outcome"),
    [
        (waybill, "release"),
        (lambda: waybill(sender=party(**NO_ID)), "reject"),
        (lambda: waybill(pickup_checks={"opened_inspection": True, "xray_screened": False}), "inspect"),
    ],
    ids=["release", "reject", "inspect"],
)
def test_parcels_not_held_are_decided_as_usual_while_the_case_database_is_down(
    svc: Service, make: Callable[[], Body], outcome: str
) -> None:
    svc.sql.down = True
    d = svc.score(make())
    assert d["decision"] == outcome and d["case_id"] is None
    assert HU not in codes(d)


def test_holds_answered_while_the_case_database_was_down_survive_a_restart(
    tmp_path: Path, policy: Policy, sqlite_template: Path
) -> None:
    data = tmp_path / "data"
    with running(data, policy, sqlite_template) as service:
        customs = service.key("customs", "SHA-PVG")
        service.sql.down = True
        ids = {service.score(held())["case_id"] for _ in range(2)} | {service.score(over_limit())["case_id"]}
        # Stopped before the database came back.
    with running(data, policy, sqlite_template) as service:
        wait_for(lambda: case_ids(service, customs) == ids, "the cases answered before the restart")


def test_a_hold_corrected_below_the_limit_while_the_case_database_is_down_notes_it_on_the_case(
    svc: Service,
) -> None:
    customs = svc.key("customs", "SHA-PVG")
    wb = held()
    svc.sql.down = True
    d = svc.score(wb)
    corrected = svc.score(
        {
            **wb,
            "items": [item(description="羊毛大衣 wool coat", quantity=1, unit_value=500.0)],
            "declared_value": 500.0,
        }
    )
    assert corrected["decision"] == "release" and corrected["case_id"] is None
    svc.sql.down = False

    def noted() -> bool:
        r = svc.http.get(f"/v1/cases/{d['case_id']}", headers=customs)
        return r.status_code == 200 and any(e["action"] == "rescored_not_held" for e in r.json()["history"])

    wait_for(noted, "the rescored_not_held entry on the case")
    case = svc.http.get(f"/v1/cases/{d['case_id']}", headers=customs).json()
    assert case["status"] == "open"


def test_a_courier_key_seen_before_keeps_scoring_while_the_case_database_is_down(svc: Service) -> None:
    sf = svc.key("carrier", "SF")
    assert svc.post(waybill(), **sf).status_code == 200
    svc.sql.down = True
    r = svc.post(held(), **sf)
    assert r.status_code == 200 and r.json()["decision"] == "hold"


def test_a_key_never_seen_is_unavailable_while_the_case_database_is_down(svc: Service) -> None:
    sf = svc.key("carrier", "SF")
    svc.sql.down = True
    r = svc.post(waybill(), **sf)
    assert r.status_code == 503
    svc.sql.down = False
    assert svc.post(waybill(), **sf).status_code == 200


# The decision log's disk failing ------------------------------------------------------------------------


def test_scoring_answers_as_usual_while_the_decision_logs_disk_fails(svc: Service) -> None:
    before = [svc.score(wb) for wb in (waybill(), held())]
    svc.disk.failing = True
    time.sleep(0.1)  # the journal's writer meets the failing disk
    during = [svc.score(wb) for wb in (waybill(), held(), waybill(sender=party(**NO_ID)))]
    assert [d["decision"] for d in during] == ["release", "hold", "reject"]
    assert pairs(during[1]) == pairs(before[1]) and during[1]["case_id"]
    svc.disk.failing = False


def test_every_decision_answered_while_the_disk_failed_is_in_the_log_once_it_writes_again(
    svc: Service,
) -> None:
    svc.disk.failing = True
    singles = [waybill(), held(), waybill(sender=party(**NO_ID))]
    decided = [svc.score(wb)["decision"] for wb in singles]
    batched = [waybill(), over_limit()]
    decided += [s["decision"] for s in svc.batch(batched)]
    time.sleep(0.1)
    assert all(svc.logged(wb) == [] for wb in singles)  # nothing could be written yet
    svc.disk.failing = False
    expected = [[d] for d in decided]
    wait_for(lambda: [svc.logged(wb) for wb in [*singles, *batched]] == expected, "every decision logged")


def test_the_decision_logs_lag_shows_in_the_metrics_while_its_disk_fails(svc: Service) -> None:
    def lag() -> float:
        text = svc.http.get("/metrics").text
        line = next(x for x in text.splitlines() if x.startswith("screening_decision_log_lag_seconds"))
        return float(line.split()[-1])

    svc.disk.failing = True
    svc.score(waybill())
    # The gauge is one per process: another app of this test session may set it between two scrapes.
    wait_for(lambda: lag() >= 0.2, "a lag of the decision log while its disk fails", seconds=3.0)
    svc.disk.failing = False
    wait_for(lambda: lag() < 0.2, "the lag back down once the disk writes")


def test_decisions_answered_while_the_disk_failed_are_in_the_log_after_a_restart(
    tmp_path: Path, policy: Policy, sqlite_template: Path
) -> None:
    data = tmp_path / "data"
    wbs = [waybill(), held(), export_postal()]
    with running(data, policy, sqlite_template) as service:
        service.disk.failing = True
        decided = [service.score(wb)["decision"] for wb in wbs]
        time.sleep(0.1)
        service.disk.failing = False
    with running(data, policy, sqlite_template) as service:
        assert [service.logged(wb) for wb in wbs] == [[d] for d in decided]


# Violations and lists while the history store is down ---------------------------------------------------


def test_a_violation_sent_while_the_history_is_down_is_refused_and_counts_once_when_sent_again(
    svc: Service,
) -> None:
    admin = svc.key("admin", "ops")
    who = sender("781")
    first = waybill(sender=who)
    svc.score(first)
    body = phone_violation(who["phone"], first)
    svc.history.mode = "down"
    r = svc.http.post("/v1/admin/violations", json=body, headers=admin)
    assert r.status_code == 503, r.text
    svc.history.mode = "up"
    for _ in range(2):  # sent again, twice
        assert svc.http.post("/v1/admin/violations", json=body, headers=admin).status_code == 200
    d = svc.score(waybill(sender=who, hours_after=3))
    assert d["decision"] == "inspect"
    assert (reason_of(d, "PRIOR_VIOLATIONS")["outcome"], evidence(d, "PRIOR_VIOLATIONS")["violations"]) == (
        "inspect",
        1,
    )


def test_a_list_entry_sent_while_the_history_is_down_is_refused_or_in_effect_once_it_is_back(
    svc: Service,
) -> None:
    admin = svc.key("admin", "ops")
    entry = [{"kind": "phone", "value": "13700078201", "list": "watch"}]
    svc.history.mode = "down"
    r = svc.http.put("/v1/admin/lists", json=entry, headers=admin)
    svc.history.mode = "up"
    if r.status_code // 100 != 2:
        assert svc.http.put("/v1/admin/lists", json=entry, headers=admin).status_code == 200
    d = svc.score(waybill(sender=party(phone="13700078201")))
    assert d["decision"] == "hold" and "WATCHLIST_HIT" in codes(d)


def test_a_list_entry_whose_store_write_fails_is_refused_or_in_effect_once_it_is_back(svc: Service) -> None:
    admin = svc.key("admin", "ops")
    entry = [{"kind": "phone", "value": "13700078202", "list": "black"}]
    svc.history.mode = "writes_fail"
    r = svc.http.put("/v1/admin/lists", json=entry, headers=admin)
    svc.history.mode = "up"
    if r.status_code // 100 != 2:
        assert svc.http.put("/v1/admin/lists", json=entry, headers=admin).status_code == 200
    assert "WATCHLIST_HIT" in codes(svc.score(waybill(sender=party(phone="13700078202"))))


def test_an_inspection_of_a_parcel_decided_during_an_outage_flags_its_sender_afterwards(
    svc: Service,
) -> None:
    customs = svc.key("customs", "SHA-PVG")
    who = sender("782")
    svc.history.mode = "down"
    parcel = waybill(sender=who)
    assert pairs(svc.score(parcel)) == [(HU, "release")]
    svc.history.mode = "up"
    r = svc.http.post("/v1/inspections", json=violation(parcel), headers=customs)
    assert r.status_code == 200, r.text
    d = svc.score(waybill(sender=who, hours_after=3))
    assert d["decision"] == "inspect" and evidence(d, "PRIOR_VIOLATIONS")["violations"] == 1


def test_an_inspection_refused_during_an_outage_counts_once_when_reported_again(svc: Service) -> None:
    customs = svc.key("customs", "SHA-PVG")
    who = sender("783")
    parcel = waybill(sender=who)
    svc.score(parcel)
    svc.history.mode = "down"
    assert svc.http.post("/v1/inspections", json=violation(parcel), headers=customs).status_code == 503
    svc.history.mode = "up"
    assert svc.http.post("/v1/inspections", json=violation(parcel), headers=customs).status_code == 200
    d = svc.score(waybill(sender=who, hours_after=3))
    assert (d["decision"], evidence(d, "PRIOR_VIOLATIONS")["violations"]) == ("inspect", 1)


# Recovery after a restart: the ledger replays lists and violations --------------------------------------


def test_lists_and_violations_are_back_after_a_restart(
    tmp_path: Path, policy: Policy, sqlite_template: Path
) -> None:
    data = tmp_path / "data"
    who, listed = sender("791"), sender("792")
    with running(data, policy, sqlite_template) as service:
        admin = service.key("admin", "ops")
        first = waybill(sender=who)
        service.score(first)
        assert (
            service.http.post(
                "/v1/admin/violations", json=phone_violation(who["phone"], first), headers=admin
            ).status_code
            == 200
        )
        entry = [{"kind": "phone", "value": listed["phone"], "list": "watch"}]
        assert service.http.put("/v1/admin/lists", json=entry, headers=admin).status_code == 200
    with running(data, policy, sqlite_template) as service:
        d = service.score(waybill(sender=who, hours_after=3))
        assert (d["decision"], evidence(d, "PRIOR_VIOLATIONS")["violations"]) == ("inspect", 1)
        hit = service.score(waybill(sender=listed))
        assert hit["decision"] == "hold" and "WATCHLIST_HIT" in codes(hit)


def test_a_violation_refused_during_an_outage_and_sent_again_counts_once_after_a_restart(
    tmp_path: Path, policy: Policy, sqlite_template: Path
) -> None:
    data = tmp_path / "data"
    who = sender("793")
    first = waybill(sender=who)
    body = phone_violation(who["phone"], first)
    with running(data, policy, sqlite_template) as service:
        admin = service.key("admin", "ops")
        service.score(first)
        service.history.mode = "down"
        assert service.http.post("/v1/admin/violations", json=body, headers=admin).status_code == 503
        service.history.mode = "up"
        assert service.http.post("/v1/admin/violations", json=body, headers=admin).status_code == 200
    with running(data, policy, sqlite_template) as service:
        d = service.score(waybill(sender=who, hours_after=3))
        assert (d["decision"], evidence(d, "PRIOR_VIOLATIONS")["violations"]) == ("inspect", 1)


def test_two_violations_of_one_sender_hold_the_next_parcel_after_a_restart(
    tmp_path: Path, policy: Policy, sqlite_template: Path
) -> None:
    data = tmp_path / "data"
    who = sender("794")
    parcels = [waybill(sender=who), waybill(sender=who, hours_after=1)]
    with running(data, policy, sqlite_template) as service:
        admin = service.key("admin", "ops")
        for wb in parcels:
            service.score(wb)
            body = phone_violation(who["phone"], wb)
            assert service.http.post("/v1/admin/violations", json=body, headers=admin).status_code == 200
    with running(data, policy, sqlite_template) as service:
        d = service.score(waybill(sender=who, hours_after=3))
        assert d["decision"] == "hold" and d["case_id"]
        assert (
            reason_of(d, "PRIOR_VIOLATIONS")["outcome"],
            evidence(d, "PRIOR_VIOLATIONS")["violations"],
        ) == (
            "hold",
            2,
        )


def test_a_list_entry_taken_off_stays_off_after_a_restart(
    tmp_path: Path, policy: Policy, sqlite_template: Path
) -> None:
    data = tmp_path / "data"
    with running(data, policy, sqlite_template) as service:
        admin = service.key("admin", "ops")
        on = [{"kind": "phone", "value": "13700079501", "list": "black"}]
        assert service.http.put("/v1/admin/lists", json=on, headers=admin).status_code == 200
        off = [{**on[0], "listed": False}]
        assert service.http.put("/v1/admin/lists", json=off, headers=admin).status_code == 200
    with running(data, policy, sqlite_template) as service:
        d = service.score(waybill(sender=party(phone="13700079501")))
        assert d["decision"] == "release" and d["reasons"] == []


def test_a_case_seized_while_the_history_is_down_flags_the_sender_after_a_restart(
    tmp_path: Path, policy: Policy, sqlite_template: Path
) -> None:
    data = tmp_path / "data"
    who = sender("795")
    with running(data, policy, sqlite_template) as service:
        customs = service.key("customs", "SHA-PVG")
        case_id = service.score(held(sender=who))["case_id"]
        service.history.mode = "down"
        service.http.post(
            f"/v1/cases/{case_id}/actions",
            json={"action": "seize", "violation_type": "undeclared goods"},
            headers=customs,
        )
        service.history.mode = "up"
        case = service.http.get(f"/v1/cases/{case_id}", headers=customs).json()
        assert case["status"] == "seized"
    with running(data, policy, sqlite_template) as service:
        d = service.score(waybill(sender=who, hours_after=3))
        assert (d["decision"], evidence(d, "PRIOR_VIOLATIONS")["violations"]) == ("inspect", 1)


# More than one part at a time, and parts down at start --------------------------------------------------


def test_the_service_starts_while_the_history_store_is_down_and_is_ready_once_it_answers(
    tmp_path: Path, policy: Policy, sqlite_template: Path
) -> None:
    with running(tmp_path / "data", policy, sqlite_template, history="down") as service:
        assert service.http.get("/healthz").status_code == 200
        assert service.http.get("/readyz").status_code == 503
        assert pairs(service.score(export_postal(items=[item(quantity=1, unit_value=100.0)]))) == [
            (HU, "inspect")
        ]
        service.history.mode = "up"
        assert service.http.get("/readyz").status_code == 200
        assert service.score(waybill())["reasons"] == []


def test_the_service_starts_while_the_case_database_is_down_and_its_holds_become_cases(
    tmp_path: Path, policy: Policy, sqlite_template: Path
) -> None:
    with running(tmp_path / "data", policy, sqlite_template, sql_down=True) as service:
        assert service.http.get("/readyz").status_code == 200
        d = service.score(held())
        assert d["decision"] == "hold" and d["case_id"]
        service.sql.down = False
        customs = service.key("customs", "SHA-PVG")
        wait_for(lambda: case_ids(service, customs) == {d["case_id"]}, "the case of a hold answered at start")


def test_a_hold_answered_while_history_and_case_database_are_both_down_gets_its_case(svc: Service) -> None:
    customs = svc.key("customs", "SHA-PVG")
    svc.history.mode, svc.sql.down = "down", True
    d = svc.score(held())
    assert d["decision"] == "hold" and d["case_id"]
    assert pairs(d) == [("OVER_PERSONAL_LIMIT", "hold"), (HU, "inspect")]
    svc.history.mode, svc.sql.down = "up", False
    wait_for(lambda: case_ids(svc, customs) == {d["case_id"]}, "the case of the hold")
    case = svc.http.get(f"/v1/cases/{d['case_id']}", headers=customs).json()
    assert set(case["reason_codes"]) == {"OVER_PERSONAL_LIMIT", HU}


def test_a_parcel_decided_while_history_and_disk_failed_can_be_reported_once_both_are_back(
    svc: Service,
) -> None:
    customs = svc.key("customs", "SHA-PVG")
    who = sender("796")
    parcel = waybill(sender=who)
    svc.history.mode, svc.disk.failing = "down", True
    assert pairs(svc.score(parcel)) == [(HU, "release")]
    time.sleep(0.1)
    svc.history.mode, svc.disk.failing = "up", False
    wait_for(lambda: svc.logged(parcel) == ["release"], "the decision in the log")
    assert svc.http.post("/v1/inspections", json=violation(parcel), headers=customs).status_code == 200
    d = svc.score(waybill(sender=who, hours_after=3))
    assert d["decision"] == "inspect" and evidence(d, "PRIOR_VIOLATIONS")["violations"] == 1


def test_a_hold_answered_while_the_case_database_was_down_reads_back_as_its_case_moves(
    svc: Service,
) -> None:
    customs = svc.key("customs", "SHA-PVG")
    wb = held()
    svc.sql.down = True
    d = svc.score(wb)
    svc.sql.down = False
    wait_for(lambda: case_ids(svc, customs) == {d["case_id"]}, "the case of the hold")
    assert svc.read_back(wb).json()["case_status"] == "open"
    r = svc.http.post(f"/v1/cases/{d['case_id']}/actions", json={"action": "release"}, headers=customs)
    assert r.status_code == 200, r.text
    back = svc.read_back(wb).json()
    assert (back["decision"], back["case_id"], back["case_status"]) == ("hold", d["case_id"], "released")


def test_an_inspection_sent_while_the_case_database_is_down_is_refused_or_kept(svc: Service) -> None:
    customs = svc.key("customs", "SHA-PVG")
    assert svc.http.get("/v1/cases", headers=customs).status_code == 200  # the key is known now
    who = sender("797")
    parcel = waybill(sender=who)
    svc.score(parcel)
    svc.sql.down = True
    r = svc.http.post("/v1/inspections", json=violation(parcel), headers=customs)
    svc.sql.down = False
    if r.status_code // 100 != 2:
        again = svc.http.post("/v1/inspections", json=violation(parcel), headers=customs)
        assert again.status_code == 200, again.text
    d = svc.score(waybill(sender=who, hours_after=3))
    assert (d["decision"], evidence(d, "PRIOR_VIOLATIONS")["violations"]) == ("inspect", 1)


def test_a_sender_correction_sent_during_an_outage_frees_the_old_sender_once_re_sent(svc: Service) -> None:
    parcels = ring(7, "798")
    for wb in parcels[:5]:
        svc.score(wb)
    corrected = {**parcels[4], "sender": sender("799")}
    svc.history.mode = "down"
    assert HU in codes(svc.score(corrected))
    svc.history.mode = "up"
    svc.score(corrected)  # the courier re-sends it
    assert "ANT_MOVING_SENDER" not in codes(svc.score(parcels[5]))
    assert evidence(svc.score(parcels[6]), "ANT_MOVING_SENDER")["parcels"] == 6


def test_a_batch_whose_writes_fail_is_decided_on_history_and_counts_once_when_re_sent(svc: Service) -> None:
    parcels = ring(8, "801")
    wbs = [*parcels[:7], held(), waybill()]
    svc.history.mode = "writes_fail"
    first = svc.batch(wbs)
    assert not any(HU in codes(s) for s in first)
    assert [s["decision"] for s in first[5:7]] == ["hold", "hold"]
    svc.history.mode = "up"
    again = svc.batch(wbs)
    assert all(same_decision(a, b) for a, b in zip(again, first, strict=True))
    assert evidence(svc.score(parcels[7]), "ANT_MOVING_SENDER")["parcels"] == 8


def test_a_batch_whose_replies_are_lost_names_the_outage_and_counts_once_when_re_sent(svc: Service) -> None:
    parcels = ring(8, "802")
    svc.history.mode = "replies_lost"
    first = svc.batch(parcels[:7])
    assert all(HU in codes(s) for s in first)
    svc.history.mode = "up"
    again = svc.batch(parcels[:7])
    assert not any(HU in codes(s) for s in again)
    assert [evidence(s, "ANT_MOVING_SENDER")["parcels"] for s in again[5:7]] == [6, 7]
    assert evidence(svc.score(parcels[7]), "ANT_MOVING_SENDER")["parcels"] == 8


def released_hold(service: Service, customs: dict[str, str]) -> tuple[Body, str]:
    """A held parcel whose case an officer (customs) released."""
    wb = held()
    case_id = service.score(wb)["case_id"]
    r = service.http.post(f"/v1/cases/{case_id}/actions", json={"action": "release"}, headers=customs)
    assert r.status_code == 200, r.text
    return wb, case_id


def test_a_released_hold_re_sent_during_an_outage_is_not_reopened(svc: Service) -> None:
    customs = svc.key("customs", "SHA-PVG")
    wb, case_id = released_hold(svc, customs)
    svc.history.mode = "down"
    again = svc.score(wb)
    assert again["decision"] == "hold" and again["case_id"] == case_id
    svc.history.mode = "up"
    assert svc.http.get(f"/v1/cases/{case_id}", headers=customs).json()["status"] == "released"
    assert svc.read_back(wb).json()["case_status"] == "released"
    assert case_ids(svc, customs) == {case_id}


def test_a_released_hold_re_sent_during_an_outage_answers_its_cases_status(svc: Service) -> None:
    customs = svc.key("customs", "SHA-PVG")
    wb, _ = released_hold(svc, customs)
    assert svc.score(wb)["case_status"] == "released"  # with history
    svc.history.mode = "down"
    assert svc.score(wb)["case_status"] == "released"


def test_a_hold_corrected_to_another_hold_while_the_case_database_is_down_shows_the_last_body(
    svc: Service,
) -> None:
    customs = svc.key("customs", "SHA-PVG")
    wb = held()
    svc.sql.down = True
    first = svc.score(wb)
    unknown_contract = party(customer_type="contract", contract_id="HT-NOBODY-0002")
    corrected = svc.score(
        {
            **wb,
            "sender": unknown_contract,
            "items": [item(description="羊毛大衣 wool coat", quantity=1, unit_value=500.0)],
            "declared_value": 500.0,
        }
    )
    assert corrected["decision"] == "hold" and corrected["case_id"] == first["case_id"]
    assert "OVER_PERSONAL_LIMIT" not in codes(corrected)
    svc.sql.down = False

    def rescored() -> bool:
        r = svc.http.get(f"/v1/cases/{first['case_id']}", headers=customs)
        return r.status_code == 200 and set(r.json()["reason_codes"]) == codes(corrected)

    # Each waiting draft is written in turn: the case shows the last body once the outbox is replayed.
    wait_for(rescored, "the case showing the corrected body's hold")
    assert case_ids(svc, customs) == {first["case_id"]}


def test_the_same_hold_twice_in_a_batch_during_an_outage_is_one_decision_and_one_case(svc: Service) -> None:
    customs = svc.key("customs", "SHA-PVG")
    wb, clean = held(), waybill()
    svc.history.mode = "down"
    slots = svc.batch([wb, clean, wb, clean])
    assert same_decision(slots[0], slots[2]) and same_decision(slots[1], slots[3])
    assert slots[0]["decision"] == "hold" and pairs(slots[1]) == [(HU, "release")]
    svc.history.mode = "up"
    assert case_ids(svc, customs) == {slots[0]["case_id"]}


def test_list_changes_are_applied_while_the_case_database_is_down(svc: Service) -> None:
    admin = svc.key("admin", "ops")
    entry = [{"kind": "phone", "value": "13700080301", "list": "watch"}]
    assert (
        svc.http.put("/v1/admin/lists", json=[{**entry[0], "listed": False}], headers=admin).status_code
        == 200
    )
    svc.sql.down = True
    assert svc.http.put("/v1/admin/lists", json=entry, headers=admin).status_code == 200
    d = svc.score(waybill(sender=party(phone="13700080301")))
    assert d["decision"] == "hold" and "WATCHLIST_HIT" in codes(d) and d["case_id"]


def test_decisions_taken_without_history_are_in_the_decision_log(svc: Service) -> None:
    svc.history.mode = "down"
    wbs = [waybill(), export_postal(items=[item(quantity=1, unit_value=100.0)]), held()]
    decided = [svc.score(wb)["decision"] for wb in wbs]
    assert decided == ["release", "inspect", "hold"]
    wait_for(lambda: [svc.logged(wb) for wb in wbs] == [[d] for d in decided], "the decisions in the log")
