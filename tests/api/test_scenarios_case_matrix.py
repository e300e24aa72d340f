"""The case workflow as a state machine: each status x action x caller, and what each cell writes back."""

# Written from the README ("HTTP API": the /v1/cases routes and the roles of each; "Cases for customs
# officers": the statuses, the SLA due time, the hash-chained audit trail, a confirmed violation (seized,
# returned, referred to the police) feeding PRIOR_VIOLATIONS and a positive label, a release a negative one;
# "Security model": a customs key works cases as an officer, no ring actions; carrier and admin keys reach
# no case), ../shared/domain/RULES.md (§3 PRIOR_VIOLATIONS: inspect for one confirmed violation) and
# ../shared/contract/README.md (GET /v1/decisions answers the case status; a re-send changes nothing).
#
# What the neighbouring files pin is left out: every transition of an officer (test_scenarios_cases.py,
# test_scenarios_case_lifecycle.py, test_scenarios_officers.py), the role table on an open case, races,
# CSRF, bad bodies. Added here: each acting caller but the officer x each action, with the trail entry
# (who, what, when, its hash), the queue counts, the label and the history; refusal before state (a
# closed case answers a non-actor 403/401, not 409); notes and evidence on every status; a ring action
# over members at every step; the SLA flag of every status; a later hold of a parcel against every status
# but open and in_review; the counts per status as every reader sees them.
#
# Readings: "assign" is "assign to me" (in_review from open, the step kept otherwise); a closing by someone
# other than the claimant keeps the claimant as assignee, and a case nobody claimed gets the actor; an
# entry's hash is sha256(previous hash + canonical JSON of {seq, at, actor, action, case_id, before, after})
# (screening/cases/audit.py: the README says only "each entry's SHA-256 covers the previous one's").

import hashlib
import itertools
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from screening.cases.labels import label_rows
from screening.keys.service import KeyKind
from screening.policy.loader import load_policy
from screening.policy.schemas import Audit
from screening.settings import DEFAULT_POLICY, Settings
from tests.api.answers import codes, reason_of
from tests.api.conftest import CaseClient
from tests.api.keys import bearer, make_key
from tests.api.test_scenarios_officers import session_headers
from tests.factories import export_postal, hk_receiver, item, over_limit, party, resident_id, waybill

CLOSE = {
    "release": "released",
    "seize": "seized",
    "return": "returned",
    "refer_to_police": "referred_to_police",
}
STEP = {"assign": "in_review", "request_info": "info_requested"}
NEW_STATUS = STEP | CLOSE
ACTIONS = tuple(NEW_STATUS)
VIOLATIONS = ("seize", "return", "refer_to_police")
ACTIVE = ("open", "in_review", "info_requested")
CLOSED = tuple(CLOSE.values())
STATUSES = ACTIVE + CLOSED
HOW = {"in_review": "assign", "info_requested": "request_info"} | {s: a for a, s in CLOSE.items()}
OFFICE = "PVG-MATRIX"
PERSONS = ("officer", "supervisor", "investigator", "auditor", "admin")
# README "HTTP API": actions (officer, supervisor, investigator); the customs key acts as an officer.
ACTING = ("supervisor", "investigator", "customs key")  # the officer's cells are pinned next door
REFUSED = {"auditor": 403, "admin": 403, "courier key": 403, "admin key": 403, "anonymous": 401}
READERS = ("officer", "supervisor", "investigator", "auditor", "customs key")
NEXT_OUTLET = "SF-MX-NEXT"
ATTACHMENT = {"kind": "xray", "reference": "xray://matrix/0001.png", "sha256": "5a" * 32}
VIOLATION_TYPE = "undeclared goods"


# The service and its callers --------------------------------------------------------------------------------


def at(text: str) -> datetime:
    """A timestamp of an answer."""
    return datetime.fromisoformat(text)


def entry_hash(prev_hash: str, entry: dict[str, Any]) -> str:
    """sha256(previous hash + canonical JSON of the entry's content), from what the API shows."""
    content = {
        "seq": entry["seq"],
        "at": at(entry["at"]).astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": entry["actor"],
        "action": entry["action"],
        "case_id": entry["case_id"],
        "before": entry["before"],
        "after": entry["after"],
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(prev_hash.encode() + text.encode()).hexdigest()


def steady(case: dict[str, Any]) -> dict[str, Any]:
    """A case without what moves with the clock."""
    return {k: v for k, v in case.items() if k not in ("priority", "overdue")}


OWN = ("status", "assignee", "closed_at", "violation_type", "sla_due_at", "notes", "attachments", "history")


def own(case: dict[str, Any]) -> dict[str, Any]:
    """What a case records of itself (not its linked or prior cases, which move with theirs)."""
    return {k: case[k] for k in OWN}


@dataclass(frozen=True)
class Cell:
    """One cell's own sender, Hong Kong receiver and outlet: nothing shared with another cell's history."""

    n: int
    sender: dict[str, Any]
    receiver: dict[str, Any]
    outlet: str

    def parcel(self, **changes: Any) -> dict[str, Any]:
        """An export personal article of 1,000 CNY (over 800): held for OVER_PERSONAL_LIMIT."""
        return over_limit(sender=self.sender, receiver=self.receiver, outlet_id=self.outlet, **changes)

    def ring(self, count: int = 10) -> list[dict[str, Any]]:
        """The sender's face cream to five Macau receivers of this cell, each under 800: held from the 6th."""
        return [
            export_postal(
                hours_after=i * 0.4,
                sender=self.sender,
                receiver=hk_receiver(
                    name=f"RECEIVER {i}",
                    phone=f"+8536{self.n:03d}{i:04d}",
                    address={
                        "country": "MO",
                        "city": "Macau",
                        "district": "Taipa",
                        "detail": f"Rua de Matriz {self.n * 10 + i}",
                    },
                ),
                outlet_id=self.outlet,
                items=[
                    item(
                        description="面霜 face cream", category="cosmetics", quantity=1, unit_value=760.0 + i
                    )
                ],
                weight_kg=0.4,
            )
            for i in range(count)
        ]


class Desk:
    """A started service with a user of each role, a key of each kind and an anonymous caller."""

    def __init__(self, client: CaseClient) -> None:
        self.client = client
        self.http = client.http
        self.headers: dict[str, dict[str, str]] = {}
        self.actor: dict[str, str] = {}
        for role in (*PERSONS, "li"):
            username = f"matrix-{role}"
            client.add_user(username, "officer" if role == "li" else role)
            self.headers[role] = session_headers(client, username)
            self.actor[role] = username
        systems: tuple[tuple[str, KeyKind, str], ...] = (
            ("customs key", "customs", OFFICE),
            ("courier key", "carrier", "SF"),
            ("admin key", "admin", "ops"),
        )
        for caller, kind, scope in systems:
            token = make_key(client.app, kind, scope)
            self.headers[caller] = bearer(token)
            self.actor[caller] = f"key:{kind}:{scope}:{token[:16]}"
        self.headers["anonymous"] = {}
        self._seq = itertools.count(1)

    # Parcels -----------------------------------------------------------------------------------------------

    def cell(self) -> Cell:
        """A fresh sender, receiver and outlet."""
        n = next(self._seq)
        sender = party(
            id_number=resident_id(region="350102", birth="19890909", seq=f"{n:03d}"),
            phone=f"1370{n:07d}",
            address={"detail": f"祖冲之路{n}号1号楼201室"},
        )
        receiver = hk_receiver(phone=f"+8526{n:07d}", address={"detail": f"Flat A, 3/F, {n} Nathan Road"})
        return Cell(n=n, sender=sender, receiver=receiver, outlet=f"SF-MX-{n:04d}")

    def score(self, wb: dict[str, Any]) -> dict[str, Any]:
        """POST /v1/score (development mode: no key); expects a decision."""
        r = self.http.post("/v1/score", json=wb)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def hold(self, wb: dict[str, Any]) -> str:
        """Score a waybill that must be held; its case id."""
        d = self.score(wb)
        assert d["decision"] == "hold" and d["case_id"], d
        case_id: str = d["case_id"]
        return case_id

    def violations(self, cell: Cell, hours: float = 30.0) -> int:
        """Confirmed violations of the cell's sender, as PRIOR_VIOLATIONS on a next parcel counts them."""
        d = self.score(waybill(sender=cell.sender, outlet_id=NEXT_OUTLET, hours_after=hours))
        if "PRIOR_VIOLATIONS" not in codes(d):
            assert (d["decision"], d["reasons"]) == ("release", []), d
            return 0
        count: int = reason_of(d, "PRIOR_VIOLATIONS")["evidence"]["violations"]
        return count

    # Calls -------------------------------------------------------------------------------------------------

    def post(self, caller: str, url: str, body: Any = None) -> httpx2.Response:
        """A POST as one caller."""
        return self.http.post(url, json=body, headers=self.headers[caller])

    def act(self, case_id: str, action: str, caller: str = "li", **body: Any) -> httpx2.Response:
        """POST an action on one case as one caller; a violation is given its type."""
        if action in VIOLATIONS:
            body.setdefault("violation_type", VIOLATION_TYPE)
        return self.post(caller, f"/v1/cases/{case_id}/actions", {"action": action, **body})

    def bring(self, case_id: str, status: str, caller: str = "li") -> None:
        """Move an open case to a status, one action of another officer."""
        if status != "open":
            r = self.act(case_id, HOW[status], caller)
            assert r.status_code == 200 and r.json()["status"] == status, r.text

    def get(self, case_id: str, caller: str = "supervisor") -> dict[str, Any]:
        """GET /v1/cases/{case_id}."""
        r = self.http.get(f"/v1/cases/{case_id}", headers=self.headers[caller])
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def queue(self, caller: str = "supervisor", **params: Any) -> dict[str, Any]:
        """GET /v1/cases."""
        r = self.http.get("/v1/cases", params=params, headers=self.headers[caller])
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def ids(self, **params: Any) -> list[str]:
        """Case ids of the queue under these filters, oldest first."""
        return [c["case_id"] for c in self.queue(sort="age", **params)["items"]]

    def counts(self, outlet: str) -> dict[str, int]:
        """Cases per status of one outlet."""
        counts: dict[str, int] = self.queue(outlet=outlet)["counts"]
        return counts

    def verify(self) -> dict[str, Any]:
        """GET /v1/cases/audit/verify; the chain must be whole."""
        r = self.http.get("/v1/cases/audit/verify", headers=self.headers["supervisor"])
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        assert body["problem"] is None and body["bad_seq"] is None, body
        return body

    def labels(self, wb: dict[str, Any]) -> list[tuple[int, str | None, str, str | None]]:
        """(label, violation_type, source, case_id) of every training label of a parcel."""
        rows = self.client.app.state.db.read_sync(label_rows)
        return [
            (r["label"], r["violation_type"], r["source"], r["case_id"])
            for r in rows
            if (r["carrier"], r["waybill_no"]) == (wb["carrier"], wb["waybill_no"])
        ]

    def read_back(self, wb: dict[str, Any]) -> dict[str, Any]:
        """GET /v1/decisions/{carrier}/{waybill_no}."""
        r = self.http.get(f"/v1/decisions/{wb['carrier']}/{wb['waybill_no']}")
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    def set_clock(self, now: datetime | None) -> None:
        """Move the case desk's clock (None: the real one)."""
        self.client.app.state.cases._clock = (lambda: now) if now is not None else (lambda: datetime.now(UTC))


def chained(entries: list[dict[str, Any]]) -> None:
    """Each entry's hash covers the one before it (entries given consecutive in the trail)."""
    for prev, entry in itertools.pairwise(entries):
        assert entry["seq"] == prev["seq"] + 1, (prev["seq"], entry["seq"])
        assert entry["hash"] == entry_hash(prev["hash"], entry), entry


def matrix_settings(request: pytest.FixtureRequest, stores: str, folder: Path) -> Settings:
    """Development settings on one history store and one case database."""
    options: dict[str, Any] = {"env": "development", "data_dir": folder / "data"}
    if stores == "redis-postgres":
        from tests.services_redis import TIMEOUT_S

        port = request.getfixturevalue("redis_server")
        options |= {
            "redis_url": f"redis://127.0.0.1:{port}/0",
            "redis_prefix": f"mx{uuid.uuid4().hex[:10]}:",
            "redis_timeout_s": TIMEOUT_S,
            "database_url": request.getfixturevalue("make_postgres_database")(),
        }
    return Settings(**options)


def started_desk(request: pytest.FixtureRequest, stores: str, folder: Path) -> Iterator[Desk]:
    """A started app (as tests/api/conftest.py's cases_client, for the whole module) and its callers."""
    app = create_app(matrix_settings(request, stores, folder))
    with TestClient(app) as http:
        app.state.engine.policy = load_policy(DEFAULT_POLICY).model_copy(
            update={"audit": Audit(random_rate=0.0)}
        )
        yield Desk(CaseClient(http, app))


@pytest.fixture(scope="module")
def desk(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    """One service on the embedded history store and SQLite for the module; each test uses its own cells."""
    yield from started_desk(request, "embedded-sqlite", tmp_path_factory.mktemp("matrix"))


@pytest.fixture(
    scope="module",
    params=[
        "embedded-sqlite",
        pytest.param("redis-postgres", marks=[pytest.mark.redis, pytest.mark.postgres]),
    ],
)
def any_desk(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    """The module's service, then one on Redis and PostgreSQL, for the cells that feed the history."""
    if request.param == "embedded-sqlite":
        yield request.getfixturevalue("desk")
    else:
        yield from started_desk(request, request.param, tmp_path_factory.mktemp("matrix-pg"))


# Each acting caller x each action on an open case -----------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("caller", ACTING)
def test_an_acting_caller_moves_an_open_case_and_the_trail_label_queue_and_history_follow(
    desk: Desk, caller: str, action: str
) -> None:
    """README: actions for officer, supervisor, investigator (a customs key as an officer); a confirmed
    violation reaches the history and the labels, a release is a negative label; the trail is hash-chained."""
    cell = desk.cell()
    wb = cell.parcel()
    case_id = desk.hold(wb)
    who, new = desk.actor[caller], NEW_STATUS[action]
    before = datetime.now(UTC)
    r = desk.act(case_id, action, caller, note=f"{action} by {caller}")
    after = datetime.now(UTC)
    assert r.status_code == 200, r.text
    answered = r.json()
    assert (answered["status"], answered["assignee"], answered["overdue"]) == (new, who, False)
    case = desk.get(case_id)
    assert (case["status"], case["assignee"]) == (new, who)
    opened, entry = case["history"]
    assert (opened["action"], opened["actor"]) == ("opened", "system")
    assert at(opened["at"]) == at(case["opened_at"])
    assert (entry["action"], entry["actor"], entry["case_id"]) == (action, who, case_id)
    assert entry["before"] == {"status": "open", "assignee": None}
    assert (entry["after"]["status"], entry["after"]["assignee"]) == (new, who)
    assert before <= at(entry["at"]) <= after
    chained([opened, entry])
    head = desk.verify()
    assert (head["head_seq"], head["head_hash"]) == (entry["seq"], entry["hash"])
    assert [(n["author"], n["text"]) for n in case["notes"]] == [(who, f"{action} by {caller}")]
    assert entry["after"]["note_id"] == case["notes"][0]["id"]
    assert desk.counts(cell.outlet) == {s: int(s == new) for s in STATUSES}
    if action in CLOSE:
        assert case["closed_at"] == answered["closed_at"] and at(case["closed_at"]) == at(entry["at"])
        violation = action in VIOLATIONS
        assert entry["after"]["label"] == int(violation)
        assert case["violation_type"] == (VIOLATION_TYPE if violation else None)
        assert desk.labels(wb) == [
            (int(violation), VIOLATION_TYPE if violation else None, f"case:{new}", case_id)
        ]
        assert desk.ids(outlet=cell.outlet, status=list(ACTIVE)) == []
    else:
        assert case["closed_at"] is None and "label" not in entry["after"]
        assert desk.labels(wb) == []
        assert desk.ids(outlet=cell.outlet, status=list(ACTIVE)) == [case_id]
    assert desk.read_back(wb)["case_status"] == new
    assert desk.violations(cell) == (1 if action in VIOLATIONS else 0)


# Callers without the right to act: refused before the case's state is looked at -----------------------------


@pytest.mark.parametrize("caller", list(REFUSED))
def test_a_caller_who_may_not_act_is_refused_everything_on_an_open_and_a_closed_case_alike(
    desk: Desk, caller: str
) -> None:
    """README: actions, notes and attachments need officer, supervisor or investigator (or a customs key);
    an auditor only reads, an admin reaches /v1/admin, a carrier key scoring: refused, nothing written."""
    cells = [desk.cell(), desk.cell()]
    parcels = [c.parcel() for c in cells]
    open_case, closed_case = (desk.hold(wb) for wb in parcels)
    desk.bring(closed_case, "seized")
    cases = {c: steady(desk.get(c)) for c in (open_case, closed_case)}
    labels = [desk.labels(wb) for wb in parcels]
    head = desk.verify()["head_seq"]
    for case_id in cases:
        answers = [desk.act(case_id, a, caller, note="not mine to do") for a in ACTIONS]
        answers.append(desk.post(caller, f"/v1/cases/{case_id}/notes", {"text": "not mine to write"}))
        answers.append(desk.post(caller, f"/v1/cases/{case_id}/attachments", ATTACHMENT))
        assert [a.status_code for a in answers] == [REFUSED[caller]] * len(answers), [a.text for a in answers]
    assert {c: steady(desk.get(c)) for c in cases} == cases
    assert [desk.labels(wb) for wb in parcels] == labels
    assert desk.verify()["head_seq"] == head
    assert [desk.violations(c) for c in cells] == [0, 1]


# Notes and evidence on a case at every step -----------------------------------------------------------------


@pytest.mark.parametrize(
    "status", ["in_review", "info_requested", "released", "returned", "referred_to_police"]
)
def test_a_note_and_an_attachment_on_a_case_at_each_step_are_audited_and_move_nothing(
    desk: Desk, status: str
) -> None:
    """README: notes and attachment metadata belong to a case; every change is a trail entry. Neither is an
    action: status, assignee, closing and the case's label stay as they were (open and seized: pinned)."""
    cell = desk.cell()
    wb = cell.parcel()
    case_id = desk.hold(wb)
    desk.bring(case_id, status)
    was, labels = steady(desk.get(case_id)), desk.labels(wb)
    note = desk.post("investigator", f"/v1/cases/{case_id}/notes", {"text": f"looked at it while {status}"})
    evidence = desk.post("customs key", f"/v1/cases/{case_id}/attachments", ATTACHMENT)
    assert (note.status_code, evidence.status_code) == (200, 200), (note.text, evidence.text)
    case = desk.get(case_id)
    kept = ("status", "assignee", "closed_at", "violation_type", "sla_due_at", "reason_codes", "cluster_id")
    assert {k: case[k] for k in kept} == {k: was[k] for k in kept}
    assert [(n["author"], n["text"]) for n in case["notes"]] == [
        (desk.actor["investigator"], f"looked at it while {status}")
    ]
    [shown] = case["attachments"]
    assert (shown["kind"], shown["reference"], shown["sha256"], shown["added_by"]) == (
        "xray",
        ATTACHMENT["reference"],
        ATTACHMENT["sha256"],
        desk.actor["customs key"],
    )
    *_, acted, noted, attached = case["history"]
    assert (acted["action"], noted["action"], attached["action"]) == (HOW[status], "note", "attachment")
    assert (noted["actor"], noted["after"]) == (desk.actor["investigator"], {"note_id": note.json()["id"]})
    assert attached["actor"] == desk.actor["customs key"]
    assert attached["after"]["attachment_id"] == evidence.json()["id"]
    chained([acted, noted, attached])
    assert desk.verify()["head_hash"] == attached["hash"]
    assert desk.counts(cell.outlet) == {s: int(s == status) for s in STATUSES}
    assert desk.labels(wb) == labels


# A ring action over members at every step -------------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
def test_a_ring_action_moves_every_active_member_at_any_step_and_skips_the_closed_ones(
    any_desk: Desk, action: str
) -> None:
    """README: one action on every open case of an ant-moving ring (officer, supervisor); a closed case is
    skipped. Members in review or waiting for information are open cases too; a violation feeds history."""
    desk = any_desk
    cell = desk.cell()
    ring = cell.ring()
    held = [d["case_id"] for d in map(desk.score, ring) if d["decision"] == "hold"]
    assert len(held) == 5, held
    steps = dict(zip(held, ("open", "in_review", "info_requested", "released", "seized"), strict=True))
    for case_id, status in steps.items():
        desk.bring(case_id, status)
    [cluster] = {desk.get(c)["cluster_id"] for c in held}
    assert cluster is not None
    active = [c for c, s in steps.items() if s in ACTIVE]
    closed = {c: own(desk.get(c)) for c, s in steps.items() if s in CLOSED}
    ends = {wb["waybill_no"]: desk.labels(wb) for wb in ring}
    before = datetime.now(UTC)
    body = {"action": action, "note": "the ring"} | (
        {"violation_type": VIOLATION_TYPE} if action in VIOLATIONS else {}
    )
    r = desk.post("supervisor", f"/v1/cases/clusters/{cluster}/actions", body)
    assert r.status_code == 200, r.text
    assert (sorted(r.json()["acted"]), sorted(r.json()["skipped"])) == (sorted(active), sorted(closed))
    chief, li = desk.actor["supervisor"], desk.actor["li"]
    for case_id in active:
        case = desk.get(case_id)
        was = steps[case_id]
        status = was if action == "assign" and was != "open" else NEW_STATUS[action]
        assignee = chief if action == "assign" or was == "open" else li
        assert (case["status"], case["assignee"]) == (status, assignee), case_id
        assert (case["closed_at"] is not None) == (action in CLOSE)
        entry = case["history"][-1]
        assert (entry["action"], entry["actor"], entry["before"]["status"]) == (action, chief, was)
        assert at(entry["at"]) >= before and case["notes"][-1]["text"] == "the ring"
    assert {c: own(desk.get(c)) for c in closed} == closed
    now = [desk.get(c)["status"] for c in held]
    assert desk.queue(cluster_id=cluster)["counts"] == {s: now.count(s) for s in STATUSES}
    for wb in ring:
        case_id = f"CASE-SF-{wb['waybill_no']}"
        labels = ends[wb["waybill_no"]]
        if case_id in active and action in CLOSE:
            violation = action in VIOLATIONS
            labels = [
                (int(violation), VIOLATION_TYPE if violation else None, f"case:{CLOSE[action]}", case_id)
            ]
        assert desk.labels(wb) == labels, wb["waybill_no"]
    desk.verify()
    # The seized member counted once already; a violating ring action adds one for each member it closed.
    assert desk.violations(cell) == 1 + (len(active) if action in VIOLATIONS else 0)


# The SLA flag of every status -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status", ["in_review", "info_requested", "seized", "returned", "referred_to_police"]
)
def test_past_its_sla_a_case_is_overdue_while_active_and_never_once_closed(desk: Desk, status: str) -> None:
    """README: a case has an SLA due time (`[cases] sla_hours`); open (pinned), in review and waiting for
    information are active and go overdue; a closed case is never overdue, however long it has been."""
    cell = desk.cell()
    case_id = desk.hold(cell.parcel())
    desk.bring(case_id, status)
    due = at(desk.get(case_id)["sla_due_at"])
    try:
        desk.set_clock(due + timedelta(hours=1))
        overdue = status in ACTIVE
        assert desk.get(case_id)["overdue"] is overdue
        assert desk.ids(outlet=cell.outlet, overdue=True) == ([case_id] if overdue else [])
        assert desk.ids(outlet=cell.outlet, overdue=False) == ([] if overdue else [case_id])
        assert desk.queue(outlet=cell.outlet, overdue=True)["counts"] == {
            s: int(overdue and s == status) for s in STATUSES
        }
    finally:
        desk.set_clock(None)


def test_a_case_closed_after_its_sla_passed_leaves_the_overdue_list_and_keeps_its_due_time(
    desk: Desk,
) -> None:
    """README: the SLA due time is the policy's hours after opening; a closed case is not overdue."""
    cell = desk.cell()
    case_id = desk.hold(cell.parcel())
    desk.bring(case_id, "info_requested")
    due = at(desk.get(case_id)["sla_due_at"])
    late = due + timedelta(hours=5)
    try:
        desk.set_clock(late)
        assert desk.ids(outlet=cell.outlet, overdue=True) == [case_id]
        r = desk.act(case_id, "return", "officer")
        assert r.status_code == 200 and r.json()["overdue"] is False
        case = desk.get(case_id)
        assert (at(case["closed_at"]), at(case["sla_due_at"]), case["overdue"]) == (late, due, False)
        assert at(case["history"][-1]["at"]) == late
        assert desk.ids(outlet=cell.outlet, overdue=True) == []
    finally:
        desk.set_clock(None)


# A later hold of the parcel against each status -------------------------------------------------------------


@pytest.mark.parametrize("status", ["info_requested", "released", "seized", "returned", "referred_to_police"])
def test_a_later_hold_of_the_parcel_neither_reopens_nor_moves_its_case(any_desk: Desk, status: str) -> None:
    """README: re-scoring finds the case instead of opening a second; a re-send changes nothing; a corrected
    body no longer held leaves the status to the officer; a closed case stays closed with one label and one
    violation; the read-back and the re-sent answer give the case's status (in_review: pinned next door)."""
    desk = any_desk
    cell = desk.cell()
    wb = cell.parcel()
    case_id = desk.hold(wb)
    desk.bring(case_id, status)
    decided = steady(desk.get(case_id))
    labels = desk.labels(wb)
    kept = ("status", "assignee", "closed_at", "violation_type", "opened_at", "sla_due_at")

    def trail() -> list[str]:
        return [h["action"] for h in desk.get(case_id)["history"]]

    again = desk.score(wb)
    assert (again["decision"], again["case_id"], again["case_status"]) == ("hold", case_id, status)
    assert trail() == ["opened", HOW[status]]
    rescore = "held_again" if status in CLOSED else "rescored"
    bigger = {**wb, "items": [item(quantity=6, unit_value=200.0)], "declared_value": 1200.0}
    smaller = {**wb, "items": [item(quantity=1, unit_value=100.0)], "declared_value": 100.0}
    for body, decision, entry in (
        (bigger, "hold", rescore),
        (smaller, "release", "rescored_not_held"),
        (wb, "hold", rescore),
    ):
        d = desk.score(body)
        assert d["decision"] == decision, d
        if decision == "hold":
            assert (d["case_id"], d["case_status"]) == (case_id, status)
        assert trail()[-1] == entry
        assert desk.read_back(wb)["case_status"] == status
        case = desk.get(case_id)
        assert {k: case[k] for k in kept} == {k: decided[k] for k in kept}
    assert trail() == ["opened", HOW[status], rescore, "rescored_not_held", rescore]
    assert desk.counts(cell.outlet) == {s: int(s == status) for s in STATUSES}
    assert desk.ids(outlet=cell.outlet) == [case_id]
    assert desk.labels(wb) == labels and len(labels) == int(status in CLOSED)
    desk.verify()
    assert desk.violations(cell) == int(status in ("seized", "returned", "referred_to_police"))


# The counts per status, as each reader sees them ------------------------------------------------------------


def test_every_reader_counts_one_case_per_status_and_filters_each_and_the_others_are_refused(
    desk: Desk,
) -> None:
    """README: GET /v1/cases counts per status (officer, supervisor, investigator, auditor; a customs key
    reads as an officer); carrier and admin keys and an admin person read no case, anonymous is a 401."""
    cell = desk.cell()
    made = {s: desk.hold(cell.parcel()) for s in STATUSES}
    for status, case_id in made.items():
        desk.bring(case_id, status)
    for reader in READERS:
        page = desk.queue(reader, outlet=cell.outlet)
        assert (page["total"], page["counts"]) == (len(STATUSES), dict.fromkeys(STATUSES, 1)), reader
        for status, case_id in made.items():
            one = desk.queue(reader, outlet=cell.outlet, status=status)
            assert [c["case_id"] for c in one["items"]] == [case_id], (reader, status)
            assert one["counts"] == page["counts"] and one["total"] == 1
        closed = desk.queue(reader, outlet=cell.outlet, status=list(CLOSED), sort="age")
        assert [c["case_id"] for c in closed["items"]] == [made[s] for s in CLOSED]
    for caller in ("admin", "courier key", "admin key", "anonymous"):
        r = desk.http.get("/v1/cases", params={"outlet": cell.outlet}, headers=desk.headers[caller])
        assert r.status_code == (401 if caller == "anonymous" else 403), (caller, r.text)


# The trail of a whole lifecycle, entry by entry -------------------------------------------------------------


def test_every_kind_of_entry_of_a_lifecycle_is_chained_and_the_verified_head_is_its_last(
    any_desk: Desk,
) -> None:
    """README: every action is appended to an audit trail whose entries are hash-chained (each entry's
    SHA-256 covers the previous one's); the trail names who did what and when; verify walks it."""
    desk = any_desk
    cell = desk.cell()
    wb = cell.parcel()
    case_id = desk.hold(wb)
    steps: list[Callable[[], httpx2.Response]] = [
        lambda: desk.act(case_id, "assign", "investigator"),
        lambda: desk.post("officer", f"/v1/cases/{case_id}/notes", {"text": "box dented"}),
        lambda: desk.post("customs key", f"/v1/cases/{case_id}/attachments", ATTACHMENT),
        lambda: desk.post("supervisor", f"/v1/cases/{case_id}/unmask"),
        lambda: desk.act(case_id, "request_info", "customs key", note="invoice please"),
        lambda: desk.http.post(
            "/v1/score", json={**wb, "items": [item(quantity=6, unit_value=200.0)], "declared_value": 1200.0}
        ),
        lambda: desk.act(case_id, "seize", "supervisor"),
        lambda: desk.http.post("/v1/score", json=wb),
    ]
    for step in steps:
        assert step().status_code == 200
    history = desk.get(case_id)["history"]
    assert [(h["action"], h["actor"]) for h in history] == [
        ("opened", "system"),
        ("assign", desk.actor["investigator"]),
        ("note", desk.actor["officer"]),
        ("attachment", desk.actor["customs key"]),
        ("unmask_id", desk.actor["supervisor"]),
        ("request_info", desk.actor["customs key"]),
        ("rescored", "system"),
        ("seize", desk.actor["supervisor"]),
        ("held_again", "system"),
    ]
    chained(history)
    times = [at(h["at"]) for h in history]
    assert times == sorted(times)
    head = desk.verify()
    assert (head["head_seq"], head["head_hash"]) == (history[-1]["seq"], history[-1]["hash"])
    # The hash covers who, what and when: the same entry told otherwise hashes otherwise.
    prev, last = history[-2], history[-1]
    for change in ({"actor": desk.actor["officer"]}, {"action": "release"}, {"at": history[0]["at"]}):
        assert entry_hash(prev["hash"], {**last, **change}) != last["hash"], change
