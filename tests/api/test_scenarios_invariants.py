"""Invariants that hold for every decision, checked over a realistic mixed stream sent over HTTP.

Written from ../shared/domain/RULES.md §3 (the reason catalogue and each reason's outcome, with the two
alternatives it names: OVER_PERSONAL_LIMIT inspects a single article, PRIOR_VIOLATIONS holds for two; which
lanes each rule looks at; "the final decision is the most severe outcome among the reasons") and §1
("Nowhere a plain ID number"), ../shared/contract/README.md (the `Decision` and `Reason` fields:
`risk_score` in [0, 1], reasons "most severe first; empty only for a plain release", `case_id` "set when
decision is hold", messages in Chinese and English, evidence an object; Idempotency: "Re-sending the same
body returns the same decision and changes nothing"; the batch is "scored in request order (a later parcel
sees the history of the earlier ones)") and the README ("decisions by outcome, reasons by code" on
`/metrics`; "Every response carries `X-Request-ID` (the caller's, or a new one)").

The stream is the project's own simulator (`screening.simulation.simulate`, as `loadtest/waybills.py` draws
it): ten days from 2026-11-01, every ant-moving, counterfeit, prohibited, undervalued and cbec-resale parcel
and one ordinary parcel in twelve, in arrival order, with the simulator's own re-sends and corrections, and
the simulated agreement customers loaded as the service's agreements file. It runs on a development app with
the shipped policy (random audit on) on the embedded store and on a real Redis: once one by one, once in
batches on a fresh service, once one by one with every held or ring parcel re-sent straight after its answer.

Readings used here, where the sources leave a choice:
- `case_id` is null on every decision but a hold (the contract sets it "when decision is hold").
- HISTORY_UNAVAILABLE asks for inspect on a cross-border parcel and release on a domestic one; every other
  code asks for its catalogue outcome, the two named alternatives aside.
- A re-send "returns the same decision": the whole answer is the one first given, `scored_at` included.
- Two services fed the same waybills decide alike in every field but `scored_at` (case ids included: a
  parcel's case is named by the parcel).
- "Decisions by outcome, reasons by code" count decisions taken: a body identical to the parcel's latest one
  is answered from memory and counted nowhere; a changed body is a decision again.
- A "plain identity number" is a person's document number (every `id_type` but `uscc`, an organisation's
  public code), in either case of its letters.
"""

import functools
import json
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from screening.policy.loader import load_policy
from screening.settings import DEFAULT_POLICY, Settings
from screening.simulation import simulate, waybill_dict

Body = dict[str, Any]
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]

SEVERITY = {"release": 0, "inspect": 1, "hold": 2, "reject": 3}
CATALOGUE = {
    "REALNAME_MISSING": {"reject"},
    "ID_INVALID": {"reject"},
    "REALNAME_UNVERIFIED": {"inspect"},
    "BUYER_ID_MISSING": {"hold"},
    "CONTRACT_UNQUALIFIED": {"hold"},
    "INSPECTION_NOT_RECORDED": {"inspect"},
    "XRAY_NOT_RECORDED": {"inspect"},
    "PROHIBITED_ITEM": {"reject"},
    "OVER_PERSONAL_LIMIT": {"hold", "inspect"},
    "CBEC_SINGLE_LIMIT": {"hold"},
    "CBEC_ANNUAL_LIMIT": {"hold"},
    "NEAR_LIMIT_SPLIT": {"inspect"},
    "ANT_MOVING_SENDER": {"hold"},
    "ANT_MOVING_RECEIVER": {"hold"},
    "SAME_GOODS_FANOUT": {"inspect"},
    "BRAND_PRICE_ANOMALY": {"inspect"},
    "COMMERCIAL_QUANTITY": {"inspect"},
    "WEIGHT_VALUE_MISMATCH": {"inspect"},
    "VELOCITY_SPIKE": {"inspect"},
    "WATCHLIST_HIT": {"hold"},
    "PRIOR_VIOLATIONS": {"inspect", "hold"},
    "MODEL_HIGH_RISK": {"hold"},
    "MODEL_ELEVATED_RISK": {"inspect"},
    "RANDOM_AUDIT": {"inspect"},
    "HISTORY_UNAVAILABLE": {"inspect", "release"},
}
CROSS_BORDER_ONLY = {"NEAR_LIMIT_SPLIT", "ANT_MOVING_SENDER", "ANT_MOVING_RECEIVER", "SAME_GOODS_FANOUT"}
CBEC_ONLY = {"CBEC_SINGLE_LIMIT", "CBEC_ANNUAL_LIMIT", "BUYER_ID_MISSING"}
BATCH = 100


@dataclass(frozen=True)
class Stream:
    """The simulated waybills in arrival order, which of them are ant moving, and the agreements file."""

    bodies: list[Body]
    ring: list[bool]
    agreements_csv: str


@functools.cache
def stream() -> Stream:
    """Ten simulated days: every violation and one ordinary parcel in twelve, corrections included."""
    sim = simulate(rows=2000, seed=7, start=date(2026, 11, 1), days=10, violators=3.0)
    rows = [r for i, r in enumerate(sim.waybills.iter_rows(named=True)) if r["violation_type"] or i % 12 == 0]
    bodies = [json.loads(json.dumps(waybill_dict(r), default=str)) for r in rows]
    return Stream(bodies, [r["violation_type"] == "ant_moving" for r in rows], sim.agreements.write_csv())


def key(body: Body) -> tuple[str, str]:
    """(carrier, waybill_no): the parcel."""
    return body["carrier"], body["waybill_no"]


def parse(text: str) -> Samples:
    """Every sample of a Prometheus text page, by (name, labels)."""
    out: Samples = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out


def grown(before: Samples, after: Samples, name: str, label: str) -> Counter[str]:
    """How much each series of one counter grew between two scrapes, by the value of one label."""
    out: Counter[str] = Counter()
    for (n, labels), value in after.items():
        if n == name:
            moved = value - before.get((n, labels), 0.0)
            if moved:
                out[dict(labels)[label]] += int(moved)
    return out


def without_time(d: Body) -> Body:
    """A decision without `scored_at`, the one field two services may not share."""
    return {k: v for k, v in d.items() if k != "scored_at"}


@dataclass
class Answer:
    """One HTTP answer: what was sent (if a waybill), its status, text and request id header."""

    body: Body | None
    status: int
    text: str
    request_id: str | None

    @property
    def decision(self) -> Body:
        """The decision it carries."""
        out: Body = json.loads(self.text)
        return out


@dataclass
class Run:
    """Everything the stream's three passes on one kind of store answered."""

    singles: list[Answer] = field(default_factory=list)
    batches: list[Answer] = field(default_factory=list)
    batch_decisions: list[Body] = field(default_factory=list)
    batch_ids_sent: list[str] = field(default_factory=list)
    resends: list[tuple[int, Answer]] = field(default_factory=list)
    interleaved: list[Answer] = field(default_factory=list)
    read_backs: list[Answer] = field(default_factory=list)
    scrapes: list[Answer] = field(default_factory=list)
    before: Samples = field(default_factory=dict)
    after: Samples = field(default_factory=dict)
    policy_version: str = ""

    def every_answer(self) -> list[Answer]:
        """Every answer the services gave."""
        return [
            *self.singles,
            *self.batches,
            *(a for _, a in self.resends),
            *self.interleaved,
            *self.read_backs,
            *self.scrapes,
        ]


def answer(r: Any, body: Body | None = None) -> Answer:
    """An Answer from an httpx response."""
    return Answer(body, r.status_code, r.text, r.headers.get("x-request-id"))


@functools.cache
def ruled_policy_version() -> str:
    """The shipped policy's version."""
    return load_policy(DEFAULT_POLICY).version


def service_settings(request: pytest.FixtureRequest, backend: str, folder: Path) -> Settings:
    """Development settings on one history store, the simulated agreements, cases written from a thread."""
    folder.mkdir(parents=True, exist_ok=True)
    agreements = folder / "agreements.csv"
    agreements.write_text(stream().agreements_csv, encoding="utf-8")
    options: Body = {
        "env": "development",
        "data_dir": folder / "data",
        "agreements_file": agreements,
        "case_writer": "thread",
    }
    if backend == "redis":
        port = request.getfixturevalue("redis_server")
        options |= {
            "redis_url": f"redis://127.0.0.1:{port}/0",
            "redis_prefix": f"inv{uuid.uuid4().hex[:10]}:",
            "redis_timeout_s": 2.0,
        }
    return Settings(**options)


def scrape(http: TestClient, run: Run) -> Samples:
    """GET /metrics, kept among the answers, parsed."""
    r = http.get("/metrics")
    assert r.status_code == 200
    run.scrapes.append(answer(r))
    return parse(r.text)


@pytest.fixture(scope="module", params=["embedded", pytest.param("redis", marks=pytest.mark.redis)])
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The stream one by one, in batches on a fresh service, and with re-sends mixed in on another."""
    backend: str = request.param
    bodies = stream().bodies
    out = Run()
    with TestClient(create_app(service_settings(request, backend, tmp_path_factory.mktemp("one")))) as http:
        out.policy_version = http.app.state.engine.policy.version  # type: ignore[attr-defined]
        out.before = scrape(http, out)
        for body in bodies:
            out.singles.append(answer(http.post("/v1/score", json=body), body))
        out.after = scrape(http, out)
        latest = {key(a.body): a for a in out.singles if a.body is not None}
        for a in latest.values():
            if a.decision["decision"] == "hold":
                carrier, number = key(a.decision)
                out.read_backs.append(answer(http.get(f"/v1/decisions/{carrier}/{number}")))
    with TestClient(create_app(service_settings(request, backend, tmp_path_factory.mktemp("batch")))) as http:
        for i in range(0, len(bodies), BATCH):
            rid = f"inv-batch-{i}-{uuid.uuid4().hex[:8]}"
            out.batch_ids_sent.append(rid)
            r = http.post(
                "/v1/score/batch", json={"waybills": bodies[i : i + BATCH]}, headers={"X-Request-ID": rid}
            )
            out.batches.append(answer(r))
            out.batch_decisions.extend(r.json()["decisions"])
    resent = {
        i
        for i, (a, ring) in enumerate(zip(out.singles, stream().ring, strict=True))
        if ring or a.decision["decision"] == "hold"
    }
    with TestClient(create_app(service_settings(request, backend, tmp_path_factory.mktemp("re")))) as http:
        for i, body in enumerate(bodies):
            out.interleaved.append(answer(http.post("/v1/score", json=body), body))
            if i in resent:
                out.resends.append((i, answer(http.post("/v1/score", json=body), body)))
    return out


def decisions(run: Run) -> list[Body]:
    """The decisions of the one-by-one pass."""
    return [a.decision for a in run.singles]


def decided_reasons(run: Run) -> Iterator[tuple[Body, Body, Body]]:
    """(waybill, decision, reason) for every reason of the one-by-one pass."""
    for a in run.singles:
        assert a.body is not None
        for reason in a.decision["reasons"]:
            yield a.body, a.decision, reason


def single_article(body: Body) -> bool:
    """One item line of quantity 1."""
    return len(body["items"]) == 1 and body["items"][0]["quantity"] == 1


def taken(run: Run) -> list[Body]:
    """Decisions actually taken: each answer but those to a body identical to the parcel's previous one."""
    last: dict[tuple[str, str], Body] = {}
    out: list[Body] = []
    for a in run.singles:
        assert a.body is not None
        if last.get(key(a.body)) != a.body:
            out.append(a.decision)
        last[key(a.body)] = a.body
    return out


def personal_id_numbers() -> set[str]:
    """Every person's document number in the stream."""
    return {
        p["id_number"]
        for b in stream().bodies
        for p in (b["sender"], b["receiver"])
        if p.get("id_number") and p.get("id_type") != "uscc"
    }


# The stream itself ---------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_stream_is_answered_whole_reaching_every_outcome_and_holding_most_ant_moving(run: Run) -> None:
    assert [a.status for a in [*run.singles, *run.batches]] == [200] * (len(run.singles) + len(run.batches))
    assert len(run.singles) == len(run.batch_decisions) == len(stream().bodies)
    outcomes = Counter(d["decision"] for d in decisions(run))
    assert set(outcomes) == set(SEVERITY)
    ring_held = [
        d["decision"] == "hold" for d, ring in zip(decisions(run), stream().ring, strict=True) if ring
    ]
    assert len(ring_held) > 30 and sum(ring_held) > len(ring_held) / 2
    codes = {r["code"] for _, _, r in decided_reasons(run)}
    assert {"ANT_MOVING_RECEIVER", "NEAR_LIMIT_SPLIT", "PROHIBITED_ITEM", "OVER_PERSONAL_LIMIT"} <= codes


# Every decision ------------------------------------------------------------------------------------------


def test_every_decision_is_the_most_severe_outcome_among_its_reasons(run: Run) -> None:
    wrong = [
        (d["waybill_no"], d["decision"], [r["outcome"] for r in d["reasons"]])
        for d in decisions(run)
        if d["decision"]
        != max((r["outcome"] for r in d["reasons"]), key=SEVERITY.__getitem__, default="release")
    ]
    assert wrong == []


def test_no_release_carries_a_reason_asking_for_more_than_release(run: Run) -> None:
    wrong = [
        (d["waybill_no"], r["code"], r["outcome"])
        for _, d, r in decided_reasons(run)
        if d["decision"] == "release" and r["outcome"] != "release"
    ]
    assert wrong == []


def test_only_a_release_may_come_without_reasons(run: Run) -> None:
    bare = [d["waybill_no"] for d in decisions(run) if d["decision"] != "release" and not d["reasons"]]
    assert bare == []


def test_reasons_come_most_severe_first(run: Run) -> None:
    unordered = [
        d["waybill_no"]
        for d in decisions(run)
        if [SEVERITY[r["outcome"]] for r in d["reasons"]]
        != sorted((SEVERITY[r["outcome"]] for r in d["reasons"]), reverse=True)
    ]
    assert unordered == []


def test_every_reason_code_is_in_the_catalogue(run: Run) -> None:
    unknown = {r["code"] for _, _, r in decided_reasons(run)} - set(CATALOGUE)
    assert unknown == set()


def test_every_reason_asks_for_its_catalogue_outcome(run: Run) -> None:
    wrong = [
        (r["code"], r["outcome"])
        for _, _, r in decided_reasons(run)
        if r["outcome"] not in CATALOGUE[r["code"]]
    ]
    assert wrong == []


def test_over_the_personal_limit_is_inspected_exactly_when_the_parcel_is_a_single_article(run: Run) -> None:
    seen = [
        (single_article(b), r["outcome"])
        for b, _, r in decided_reasons(run)
        if r["code"] == "OVER_PERSONAL_LIMIT"
    ]
    assert {outcome for _, outcome in seen} == {"hold", "inspect"}
    assert [s for s in seen if s not in {(True, "inspect"), (False, "hold")}] == []


def test_history_unavailable_inspects_only_a_cross_border_parcel(run: Run) -> None:
    wrong = [
        (b["service"], r["outcome"])
        for b, _, r in decided_reasons(run)
        if r["code"] == "HISTORY_UNAVAILABLE"
        and r["outcome"] != ("release" if b["service"] == "domestic" else "inspect")
    ]
    assert wrong == []


def test_lane_bound_rules_fire_only_in_their_lane(run: Run) -> None:
    wrong = [
        (b["waybill_no"], b["service"], b["channel"], r["code"])
        for b, _, r in decided_reasons(run)
        if (r["code"] in CROSS_BORDER_ONLY and b["service"] == "domestic")
        or (r["code"] in CBEC_ONLY and b["channel"] != "cbec")
        or (r["code"] == "BUYER_ID_MISSING" and b["service"] != "import")
        or (r["code"] == "REALNAME_MISSING" and b["service"] == "import")
    ]
    assert wrong == []


def test_every_reason_says_itself_in_chinese_and_english_with_an_object_of_evidence(run: Run) -> None:
    mute = [
        r["code"]
        for _, _, r in decided_reasons(run)
        if not (isinstance(r["message"], str) and r["message"].strip())
        or not (isinstance(r["message_en"], str) and r["message_en"].strip())
        or not isinstance(r["evidence"], dict)
    ]
    assert mute == []


def test_every_risk_score_is_a_probability(run: Run) -> None:
    scores = [d["risk_score"] for d in decisions(run)]
    outside = [s for s in scores if isinstance(s, bool) or not isinstance(s, int | float) or not 0 <= s <= 1]
    assert outside == []


def test_every_hold_has_a_case_and_no_other_decision_has_one(run: Run) -> None:
    wrong = [
        (d["waybill_no"], d["decision"], d["case_id"])
        for d in decisions(run)
        if (d["decision"] == "hold") != (isinstance(d["case_id"], str) and bool(d["case_id"]))
        or (d["decision"] != "hold" and d["case_id"] is not None)
    ]
    assert wrong == []


def test_two_held_parcels_never_share_a_case(run: Run) -> None:
    cases: dict[str, set[tuple[str, str]]] = {}
    for d in decisions(run):
        if d["decision"] == "hold":
            cases.setdefault(d["case_id"], set()).add(key(d))
    assert [c for c, parcels in cases.items() if len(parcels) > 1] == []


def test_every_decision_echoes_its_parcel_and_names_the_policy_in_force(run: Run) -> None:
    wrong = [
        key(a.body)
        for a in run.singles
        if a.body is not None
        and (
            key(a.decision) != key(a.body)
            or a.decision["policy_version"] != run.policy_version
            or not a.decision["model_version"]
        )
    ]
    assert run.policy_version == ruled_policy_version()
    assert wrong == []


# Re-sends ------------------------------------------------------------------------------------------------


def test_each_held_or_ring_body_re_sent_gets_back_the_whole_answer_it_first_got_same_case(run: Run) -> None:
    assert len(run.resends) > 40
    assert any(a.decision["decision"] == "hold" and a.decision["case_id"] for _, a in run.resends)
    changed = [
        (i, without_time(a.decision), without_time(run.interleaved[i].decision))
        for i, a in run.resends
        if a.text != run.interleaved[i].text
    ]
    assert changed == []


def test_re_sends_mixed_into_the_stream_change_no_later_decision(run: Run) -> None:
    differing = [
        (i, without_time(a.decision), without_time(b.decision))
        for i, (a, b) in enumerate(zip(run.singles, run.interleaved, strict=True))
        if without_time(a.decision) != without_time(b.decision)
    ]
    assert differing == []


def test_the_read_back_of_each_held_parcel_is_its_latest_decision_with_its_case(run: Run) -> None:
    latest = {key(a.decision): a.decision for a in run.singles}
    assert run.read_backs
    for a in run.read_backs:
        assert a.status == 200, a.text
        back = a.decision
        assert back["case_id"] == latest[key(back)]["case_id"]
        assert {k: back[k] for k in latest[key(back)]} == latest[key(back)]


# A batch -------------------------------------------------------------------------------------------------


def test_the_stream_in_batches_on_a_fresh_service_decides_exactly_as_one_by_one(run: Run) -> None:
    differing = [
        (i, without_time(one), without_time(slot))
        for i, (one, slot) in enumerate(zip(decisions(run), run.batch_decisions, strict=True))
        if without_time(one) != without_time(slot)
    ]
    assert differing == []


def test_every_batch_slot_is_a_decision_under_the_same_invariants(run: Run) -> None:
    wrong = [
        slot.get("waybill_no")
        for slot in run.batch_decisions
        if "error" in slot
        or slot["decision"]
        != max((r["outcome"] for r in slot["reasons"]), key=SEVERITY.__getitem__, default="release")
        or (slot["decision"] == "hold") != bool(slot["case_id"])
    ]
    assert wrong == []


# What every answer carries and never carries -------------------------------------------------------------


def test_no_plain_identity_number_of_the_stream_appears_in_any_answer(run: Run) -> None:
    numbers = personal_id_numbers()
    assert len(numbers) > 50
    leaks = {
        n
        for a in run.every_answer()
        for n in numbers
        if n in a.text or n.lower() in a.text or n.upper() in a.text
    }
    assert leaks == set()


def test_every_answer_carries_a_request_id_of_its_own(run: Run) -> None:
    assert [a.text[:80] for a in run.every_answer() if not a.request_id] == []
    ids = [a.request_id for a in run.every_answer()]
    assert len(set(ids)) == len(ids)


def test_a_callers_request_id_comes_back_on_its_batch(run: Run) -> None:
    assert [a.request_id for a in run.batches] == run.batch_ids_sent


# The counters ---------------------------------------------------------------------------------------------


def test_the_decision_counters_rose_by_exactly_the_decisions_taken(run: Run) -> None:
    expected = Counter(d["decision"] for d in taken(run))
    assert grown(run.before, run.after, "screening_decisions_total", "decision") == expected


def test_the_reason_counters_rose_by_exactly_the_reasons_of_the_decisions_taken(run: Run) -> None:
    expected = Counter(r["code"] for d in taken(run) for r in d["reasons"])
    assert grown(run.before, run.after, "screening_reasons_total", "code") == expected
