"""Scenarios of the model's part in decisions, from RULES.md, the contract, ARCHITECTURE.md and the README.

Written from shared/domain/RULES.md §3 (MODEL_HIGH_RISK holds over the hold threshold in force,
MODEL_ELEVATED_RISK inspects over the inspect threshold in force; training proposes thresholds, the
policy file holds the ones in force; the decision is the most severe reason), shared/contract/README.md
(`risk_score` is the model's probability in [0, 1]; `model_version` says what decided; a re-sent body
gets the same decision), shared/ARCHITECTURE.md (the model still runs on request-only features when the
history is unreachable; models are loaded once at start) and the README (the `production` alias names
the version loaded; no model: rules only, `model_version` `none`).

What tests/screening/test_scoring.py already covers (a ring outscores ordinary parcels, top factors only
when a model reason fires, request-only scoring, a missing or mismatched model) is not repeated here.
"""

import asyncio
import math
import re
import shutil
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.security import CSRF_HEADER
from models.registry import Registry
from models.scorer import BoosterModel
from models.training import TrainingConfig
from screening.agreements import parse_agreements_csv
from screening.contract import Decision, Reason, Waybill
from screening.engine import Engine, build_engine
from screening.history import EmbeddedHistoryStore, RedisHistoryStore
from screening.modelling.replay import replay_engine
from screening.modelling.train import train_model
from screening.parcel import Parcel
from screening.policy.history import EntityView
from screening.policy.loader import load_policy
from screening.policy.schemas import ModelThresholds, Policy
from screening.scoring import ModelScorer
from screening.settings import DEFAULT_POLICY, Settings
from screening.simulation import simulate
from tests.factories import (
    NO_ID,
    ant_ring,
    cn_receiver,
    export_postal,
    hk_receiver,
    item,
    party,
    resident_id,
    waybill,
    wrong_check_digit,
)

pytestmark = pytest.mark.anyio

VERSION_A = "scn-a"
VERSION_B = "scn-b"
MODEL_CODES = {"MODEL_HIGH_RISK", "MODEL_ELEVATED_RISK"}
SEVERITY = {"release": 0, "inspect": 1, "hold": 2, "reject": 3}


# Fixtures -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def trained_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry with two small models (two seeds) trained on four simulated weeks; none promoted."""
    root = tmp_path_factory.mktemp("scenario-registry") / "models"
    sim = simulate(rows=6000, seed=5, start=date(2026, 10, 1), days=28, violators=3.0)
    settings = Settings(env="development", data_dir=root.parent)
    agreements = parse_agreements_csv(sim.agreements.write_csv())
    registry = Registry(root)

    async def train(version: str, seed: int) -> None:
        with replay_engine(
            settings=settings, policy=load_policy(DEFAULT_POLICY), agreements=agreements
        ) as engine:
            await train_model(
                engine=engine,
                rules_engine=None,
                history=sim.waybills,
                registry=registry,
                source="scenario simulation",
                config=TrainingConfig(rounds=150, eta=0.1, early_stopping=20, seed=seed),
                version=version,
            )

    asyncio.run(train(VERSION_A, 7))
    asyncio.run(train(VERSION_B, 8))
    return root


@pytest.fixture(scope="session")
def scorer(trained_root: Path) -> ModelScorer:
    """The first trained version, loaded as the service loads it."""
    return ModelScorer.load(Registry(trained_root), VERSION_A)


@pytest.fixture
def model_engine(engine: Engine, scorer: ModelScorer) -> Engine:
    """The test engine (embedded store, shipped policy, audit off) with the trained model."""
    engine.scorer = scorer
    return engine


@pytest.fixture
def registry_copy(trained_root: Path, tmp_path: Path) -> Registry:
    """A private copy of the trained registry, so a test may promote what it likes."""
    root = tmp_path / "models"
    shutil.copytree(trained_root, root)
    return Registry(root)


@pytest.fixture
def built() -> Iterator[list[Engine]]:
    """Engines a test builds from settings (as the service starts); their decision logs closed after."""
    engines: list[Engine] = []
    yield engines
    for e in engines:
        if e.log is not None:
            e.log.close()


@pytest.fixture
async def history_down(model_engine: Engine) -> AsyncIterator[Engine]:
    """The model engine with its history store unreachable (a Redis store on a closed port)."""
    live = model_engine.history
    dead = RedisHistoryStore.from_url("redis://127.0.0.1:1/0", timeout_s=0.1)
    model_engine.history = dead
    yield model_engine
    model_engine.history = live
    await dead.close()


# Helpers ------------------------------------------------------------------------------------------------


class FixedScorer:
    """A model that gives every parcel the same score (to place a score exactly against a threshold)."""

    def __init__(self, score: float, version: str = "fixed-1") -> None:
        self.fixed = score
        self.version = version

    def score(self, parcel: Parcel, views: Sequence[EntityView] | None) -> float:
        return self.fixed

    def explain(
        self, parcel: Parcel, views: Sequence[EntityView] | None, *, top: int
    ) -> tuple[tuple[str, float], ...]:
        return (("declared_value_cny", 0.5),)[:top]


class RecordingScorer:
    """The trained model, keeping the feature vector of each parcel it scored."""

    def __init__(self, inner: ModelScorer) -> None:
        self.inner = inner
        self.version = inner.version
        self.vectors: dict[str, list[float]] = {}

    def score(self, parcel: Parcel, views: Sequence[EntityView] | None) -> float:
        self.vectors[parcel.waybill.waybill_no] = list(self.inner.vector(parcel, views))
        return self.inner.score(parcel, views)

    def explain(
        self, parcel: Parcel, views: Sequence[EntityView] | None, *, top: int
    ) -> tuple[tuple[str, float], ...]:
        return self.inner.explain(parcel, views, top=top)


def with_thresholds(policy: Policy, *, inspect: float, hold: float, version: str | None = None) -> Policy:
    """The policy with other model thresholds in force (and, when given, another version)."""
    update: dict[str, Any] = {
        "model": ModelThresholds(inspect_threshold=inspect, hold_threshold=hold, top_factors=3)
    }
    if version is not None:
        update["version"] = version
    return policy.model_copy(update=update)


async def decide(engine: Engine, wb: dict[str, Any]) -> Decision:
    """Decide one waybill given in wire form."""
    return await engine.decide(Waybill.model_validate(wb))


async def decide_all(engine: Engine, waybills: list[dict[str, Any]]) -> list[Decision]:
    """Decide waybills in order."""
    return [await decide(engine, wb) for wb in waybills]


async def replay(engine: Engine, waybills: list[dict[str, Any]], policy: Policy) -> list[Decision]:
    """Decide waybills on a fresh, empty history with this policy (the same facts, another policy)."""
    engine.history = EmbeddedHistoryStore()
    engine.policy = policy
    return await decide_all(engine, waybills)


def codes(d: Decision) -> set[str]:
    """The reason codes of a decision."""
    return {r.code for r in d.reasons}


def model_reasons(d: Decision) -> list[Reason]:
    """The model's reasons of a decision."""
    return [r for r in d.reasons if r.code in MODEL_CODES]


def expected_model_code(score: float, policy: Policy) -> str | None:
    """The model reason RULES.md §3 asks for at this score under this policy."""
    if score > policy.model.hold_threshold:
        return "MODEL_HIGH_RISK"
    if score > policy.model.inspect_threshold:
        return "MODEL_ELEVATED_RISK"
    return None


def assert_probability(score: float) -> None:
    """A risk score is a finite probability."""
    assert isinstance(score, float) and math.isfinite(score), score
    assert 0.0 <= score <= 1.0, score


def assert_most_severe(d: Decision) -> None:
    """The decision is the most severe reason's outcome; reasons come most severe first."""
    outcomes = [r.outcome for r in d.reasons]
    assert d.decision == max(outcomes, key=SEVERITY.__getitem__, default="release")
    assert outcomes == sorted(outcomes, key=SEVERITY.__getitem__, reverse=True)


def buyer() -> dict[str, Any]:
    """A mainland cbec buyer with a verified resident ID."""
    return cn_receiver(
        phone="13612340001",
        id_type="resident_id",
        id_number=resident_id(region="320102", birth="19880808", seq="017"),
        id_verified=True,
        verification_method="online_check",
    )


def lane_waybill(lane: str, hours_after: float) -> dict[str, Any]:
    """A waybill of one kind; the same parties each time, so earlier ones are the later ones' history."""
    sender = party(phone="13700002222", id_number=resident_id(region="310115", birth="19800202", seq="031"))
    shirt = [item(quantity=1, unit_value=300.0)]
    if lane == "domestic":
        return waybill(hours_after=hours_after, sender=sender)
    if lane == "export_postal":
        return export_postal(hours_after=hours_after, sender=sender, items=shirt, weight_kg=0.5)
    if lane == "export_express":
        return waybill(
            hours_after=hours_after,
            service="export",
            channel="express",
            sender=sender,
            receiver=hk_receiver(),
            items=shirt,
            weight_kg=0.5,
        )
    if lane == "import_postal":
        return waybill(
            hours_after=hours_after,
            service="import",
            channel="postal",
            sender=hk_receiver(name="CHAN SIU MING", phone="+85261234567"),
            receiver=cn_receiver(phone="13912340002"),
            items=shirt,
            weight_kg=0.5,
        )
    assert lane == "cbec_import"
    return waybill(
        hours_after=hours_after,
        service="import",
        channel="cbec",
        sender=hk_receiver(name="GLOBAL SHOP", phone="+85230001000"),
        receiver=buyer(),
        items=[item(description="手表 watch", category="general", quantity=1, unit_value=1200.0)],
        weight_kg=0.3,
    )


LANES = ("domestic", "export_postal", "export_express", "import_postal", "cbec_import")


# Scores in [0, 1] for every kind of waybill --------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("lane", LANES)
async def test_a_first_parcel_of_every_lane_gets_a_probability_and_the_reason_its_thresholds_ask_for(
    model_engine: Engine, lane: str
) -> None:
    d = await decide(model_engine, lane_waybill(lane, 0.0))
    assert_probability(d.risk_score)
    assert d.model_version == VERSION_A
    expected = expected_model_code(d.risk_score, model_engine.policy)
    assert {r.code for r in model_reasons(d)} == ({expected} if expected else set())
    assert_most_severe(d)


@pytest.mark.parametrize("lane", LANES)
async def test_a_parcel_with_history_of_every_lane_gets_a_probability(
    model_engine: Engine, lane: str
) -> None:
    earlier = await decide_all(model_engine, [lane_waybill(lane, h) for h in (0.0, 2.0, 4.0, 30.0)])
    d = await decide(model_engine, lane_waybill(lane, 50.0))
    for x in [*earlier, d]:
        assert_probability(x.risk_score)
        expected = expected_model_code(x.risk_score, model_engine.policy)
        assert {r.code for r in model_reasons(x)} == ({expected} if expected else set())
    assert "HISTORY_UNAVAILABLE" not in codes(d)


@pytest.mark.parametrize("lane", LANES)
async def test_with_history_unavailable_every_lane_is_scored_on_the_request_alone(
    history_down: Engine, scorer: ModelScorer, lane: str
) -> None:
    wb = lane_waybill(lane, 0.0)
    d = await decide(history_down, wb)
    assert "HISTORY_UNAVAILABLE" in codes(d)
    assert_probability(d.risk_score)
    request_only = scorer.score(history_down.prepare(Waybill.model_validate(wb)), None)
    assert d.risk_score == pytest.approx(request_only, abs=1e-9)
    assert d.model_version == VERSION_A
    assert_most_severe(d)


async def test_the_risk_score_is_the_trained_models_own_probability_for_the_parcels_features(
    model_engine: Engine, scorer: ModelScorer
) -> None:
    """The served score equals xgboost's own prediction on the vector the engine built, every lane."""
    recording = RecordingScorer(scorer)
    model_engine.scorer = recording
    waybills = [lane_waybill(lane, h) for lane in LANES for h in (0.0, 3.0)]
    decisions = await decide_all(model_engine, [*waybills, *ant_ring(10, phone="13700003333")])
    assert isinstance(scorer.model, BoosterModel)
    booster = scorer.model.booster
    for d in decisions:
        row = np.asarray(recording.vectors[d.waybill_no], dtype=np.float32).reshape(1, -1)
        assert d.risk_score == pytest.approx(float(booster.inplace_predict(row)[0]), abs=1e-5)


async def test_with_history_unavailable_the_model_still_gives_its_reason(
    history_down: Engine, policy: Policy
) -> None:
    """ARCHITECTURE: the model on request-only features still runs; its reason joins HISTORY_UNAVAILABLE."""
    history_down.policy = with_thresholds(policy, inspect=0.0, hold=0.0)
    d = await decide(history_down, ant_ring(1, phone="13700004444")[0])
    assert codes(d) >= {"HISTORY_UNAVAILABLE", "MODEL_HIGH_RISK"}
    assert d.decision == "hold"


# Thresholds from the policy -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "offset", "code"),
    [
        ("inspect", -0.001, None),
        ("inspect", +0.001, "MODEL_ELEVATED_RISK"),
        ("hold", -0.001, "MODEL_ELEVATED_RISK"),
        ("hold", +0.001, "MODEL_HIGH_RISK"),
    ],
    ids=["under-inspect", "over-inspect", "under-hold", "over-hold"],
)
async def test_a_score_just_over_or_under_a_policy_threshold(
    engine: Engine, policy: Policy, at: str, offset: float, code: str | None
) -> None:
    inspect, hold = policy.model.inspect_threshold, policy.model.hold_threshold
    score = round((inspect if at == "inspect" else hold) + offset, 6)
    engine.scorer = FixedScorer(score)
    d = await decide(engine, waybill())
    assert d.risk_score == score
    if code is None:
        assert model_reasons(d) == [] and d.decision == "release"
        return
    (r,) = model_reasons(d)
    outcome, threshold = ("hold", hold) if code == "MODEL_HIGH_RISK" else ("inspect", inspect)
    assert (r.code, r.outcome, d.decision) == (code, outcome, outcome)
    assert r.evidence["score"] == score and r.evidence["threshold"] == threshold
    assert r.message and r.message_en


@pytest.mark.parametrize("score", [0.0, 1.0])
async def test_the_ends_of_the_score_range_under_the_shipped_policy(engine: Engine, score: float) -> None:
    engine.scorer = FixedScorer(score)
    d = await decide(engine, waybill())
    assert d.risk_score == score
    assert [r.code for r in model_reasons(d)] == (["MODEL_HIGH_RISK"] if score == 1.0 else [])


async def test_a_score_over_the_hold_threshold_gives_one_model_reason_not_both(engine: Engine) -> None:
    engine.scorer = FixedScorer(0.97)
    d = await decide(engine, waybill())
    assert [r.code for r in d.reasons] == ["MODEL_HIGH_RISK"]
    assert d.decision == "hold"


async def test_thresholds_of_one_make_the_model_silent_even_at_a_score_of_one(
    engine: Engine, policy: Policy
) -> None:
    """Nothing is *over* 1: a policy may switch model reasons off."""
    engine.policy = with_thresholds(policy, inspect=1.0, hold=1.0)
    engine.scorer = FixedScorer(1.0)
    d = await decide(engine, waybill())
    assert model_reasons(d) == [] and d.decision == "release" and d.risk_score == 1.0


async def test_equal_inspect_and_hold_thresholds_give_a_hold_over_them(
    engine: Engine, policy: Policy
) -> None:
    engine.policy = with_thresholds(policy, inspect=0.6, hold=0.6)
    engine.scorer = FixedScorer(0.601)
    d = await decide(engine, waybill())
    assert [(r.code, r.evidence["threshold"]) for r in d.reasons] == [("MODEL_HIGH_RISK", 0.6)]


@pytest.mark.parametrize(
    ("below_inspect", "below_hold", "code"),
    [
        (False, False, None),
        (True, False, "MODEL_ELEVATED_RISK"),
        (True, True, "MODEL_HIGH_RISK"),
    ],
    ids=["both-above-score", "inspect-below-score", "both-below-score"],
)
async def test_the_trained_models_score_just_over_or_under_thresholds_placed_around_it(
    model_engine: Engine, policy: Policy, below_inspect: bool, below_hold: bool, code: str | None
) -> None:
    ring = ant_ring(10, phone="13700005555")
    first = await replay(model_engine, ring, policy)
    s = first[-1].risk_score
    assert 1e-5 < s < 1 - 1e-5
    inspect = s - 1e-6 if below_inspect else s + 1e-6
    hold = s - 1e-6 if below_hold else min(1.0, s + 2e-6)
    again = await replay(model_engine, ring, with_thresholds(policy, inspect=inspect, hold=hold))
    d = again[-1]
    assert d.risk_score == s, "the same parcel on the same history scores the same"
    found = model_reasons(d)
    if code is None:
        assert found == []
        return
    (r,) = found
    assert r.code == code
    assert r.evidence["threshold"] == pytest.approx(hold if code == "MODEL_HIGH_RISK" else inspect, abs=1e-9)
    assert r.evidence["score"] == pytest.approx(s, abs=5e-5)


async def test_changing_the_policy_thresholds_changes_the_reasons_for_the_same_parcel_and_score(
    model_engine: Engine, policy: Policy
) -> None:
    ring = ant_ring(10, phone="13700006666")
    s = (await replay(model_engine, ring, policy))[-1].risk_score
    strict = with_thresholds(
        policy, inspect=min(1.0, s + 0.001), hold=min(1.0, s + 0.002), version="p-strict"
    )
    middle = with_thresholds(policy, inspect=s / 2, hold=min(1.0, s + 0.002), version="p-middle")
    lenient = with_thresholds(policy, inspect=s / 3, hold=s / 2, version="p-lenient")
    results = {p.version: (await replay(model_engine, ring, p))[-1] for p in (strict, middle, lenient)}
    assert {d.risk_score for d in results.values()} == {s}
    assert {v: {r.code for r in model_reasons(d)} for v, d in results.items()} == {
        "p-strict": set(),
        "p-middle": {"MODEL_ELEVATED_RISK"},
        "p-lenient": {"MODEL_HIGH_RISK"},
    }
    assert {v: d.policy_version for v, d in results.items()} == {v: v for v in results}


async def test_the_thresholds_in_force_are_the_policys_not_the_model_cards(
    model_engine: Engine, policy: Policy, trained_root: Path
) -> None:
    proposed = Registry(trained_root).thresholds(VERSION_A)
    ordinary = [waybill(sender=party(phone="13911117777"))]
    ring = ant_ring(10, phone="13700007777")
    low = (await replay(model_engine, ordinary, policy))[0].risk_score
    high = (await replay(model_engine, ring, policy))[-1].risk_score
    assert low < proposed["inspect_threshold"]
    # The shipped policy's inspect threshold is under the ring parcel's score, the model card's over it.
    assert policy.model.inspect_threshold < high < proposed["inspect_threshold"]
    (r,) = model_reasons((await replay(model_engine, ring, policy))[-1])
    assert (r.code, r.evidence["threshold"]) == ("MODEL_ELEVATED_RISK", policy.model.inspect_threshold)
    # The policy's thresholds just under the ordinary parcel's score: the model card's would say nothing.
    below = with_thresholds(policy, inspect=low * 0.5, hold=low * 0.9)
    (d,) = await replay(model_engine, ordinary, below)
    (r,) = model_reasons(d)
    assert (r.code, r.evidence["threshold"]) == ("MODEL_HIGH_RISK", low * 0.9)


# A model reason never lowers a rule's reject ----------------------------------------------------------


def rejected(kind: str) -> dict[str, Any]:
    """A parcel a rule rejects."""
    if kind == "prohibited":
        return waybill(
            items=[item(description="弹簧刀 switchblade", category=None, quantity=1, unit_value=50.0)]
        )
    if kind == "realname_missing":
        return waybill(sender=party(**NO_ID))
    assert kind == "id_invalid"
    return waybill(sender=party(id_number=wrong_check_digit(resident_id(seq="077"))))


REJECT_CODES = {
    "prohibited": "PROHIBITED_ITEM",
    "realname_missing": "REALNAME_MISSING",
    "id_invalid": "ID_INVALID",
}


@pytest.mark.parametrize("kind", sorted(REJECT_CODES))
@pytest.mark.parametrize("score", [0.99, 0.6, 0.01])
async def test_a_model_reason_never_lowers_a_rules_reject(engine: Engine, kind: str, score: float) -> None:
    engine.scorer = FixedScorer(score)
    d = await decide(engine, rejected(kind))
    assert d.decision == "reject"
    assert d.reasons[0].outcome == "reject" and REJECT_CODES[kind] in codes(d)
    expected = expected_model_code(score, engine.policy)
    assert {r.code for r in model_reasons(d)} == ({expected} if expected else set())
    assert_most_severe(d)


async def test_a_ring_without_sender_ids_stays_rejected_whatever_the_trained_model_says(
    model_engine: Engine, policy: Policy
) -> None:
    model_engine.policy = with_thresholds(policy, inspect=0.0, hold=0.0)
    decisions = await decide_all(model_engine, ant_ring(8, phone="13700008888", **NO_ID))
    assert {d.decision for d in decisions} == {"reject"}
    assert all({"REALNAME_MISSING", "MODEL_HIGH_RISK"} <= codes(d) for d in decisions)
    for d in decisions:
        assert_most_severe(d)


async def test_a_model_inspect_does_not_lower_a_rules_hold(engine: Engine) -> None:
    engine.scorer = FixedScorer(0.6)
    d = await decide(
        engine, lane_waybill("cbec_import", 0.0) | {"receiver": cn_receiver(phone="13612349999")}
    )
    assert codes(d) >= {"BUYER_ID_MISSING", "MODEL_ELEVATED_RISK"}
    assert d.decision == "hold" and d.reasons[0].code == "BUYER_ID_MISSING"


async def test_a_model_hold_raises_a_rules_inspect(engine: Engine) -> None:
    engine.scorer = FixedScorer(0.9)
    d = await decide(engine, waybill(pickup_checks={"opened_inspection": True, "xray_screened": False}))
    assert codes(d) == {"XRAY_NOT_RECORDED", "MODEL_HIGH_RISK"}
    assert d.decision == "hold" and d.reasons[0].code == "MODEL_HIGH_RISK"


# model_version: the promoted model's --------------------------------------------------------------------


async def test_the_decisions_model_version_is_the_promoted_ones_and_a_new_start_picks_up_a_promotion(
    registry_copy: Registry, built: list[Engine], tmp_path: Path, policy: Policy
) -> None:
    settings = Settings(env="development", data_dir=tmp_path / "data", model_dir=registry_copy.root)
    registry_copy.promote(VERSION_A)
    before = build_engine(settings)
    built.append(before)
    before.policy = policy
    ring = ant_ring(8, phone="13700009999")
    first = await decide_all(before, ring)
    assert {d.model_version for d in first} == {VERSION_A}

    registry_copy.promote(VERSION_B)
    after = build_engine(settings.model_copy(update={"data_dir": tmp_path / "data2"}))
    built.append(after)
    after.policy = policy
    second = await decide_all(after, ring)
    assert {d.model_version for d in second} == {VERSION_B}
    assert [d.risk_score for d in first] != [d.risk_score for d in second], "another model scores"
    # ARCHITECTURE: models are loaded once at start; the running engine keeps its version.
    assert (await decide(before, waybill())).model_version == VERSION_A


async def test_every_decision_of_a_model_engine_carries_its_version_rejects_and_outages_included(
    history_down: Engine, policy: Policy
) -> None:
    d1 = await decide(history_down, rejected("prohibited"))
    history_down.policy = with_thresholds(policy, inspect=0.0, hold=0.0)
    d2 = await decide(history_down, export_postal())
    assert (d1.decision, d1.model_version) == ("reject", VERSION_A)
    assert (d2.decision, d2.model_version) == ("hold", VERSION_A)


async def test_a_registry_without_a_promoted_version_means_no_model(
    registry_copy: Registry, built: list[Engine], tmp_path: Path, policy: Policy
) -> None:
    """README: the version the `production` alias names is loaded; trained but not promoted is not."""
    assert registry_copy.production() is None and len(registry_copy.versions()) == 2
    e = build_engine(Settings(env="development", data_dir=tmp_path / "data", model_dir=registry_copy.root))
    built.append(e)
    e.policy = with_thresholds(policy, inspect=0.0, hold=0.0)
    decisions = await decide_all(e, ant_ring(8, phone="13700001212"))
    assert {d.model_version for d in decisions} == {"none"}
    assert not any(model_reasons(d) for d in decisions)


def test_over_http_the_decision_names_the_promoted_model_and_a_restart_the_newly_promoted_one(
    registry_copy: Registry, tmp_path: Path, policy: Policy
) -> None:
    registry_copy.promote(VERSION_B)
    settings = Settings(env="development", data_dir=tmp_path / "data", model_dir=registry_copy.root)
    wb = export_postal(sender=party(phone="13700001313"))
    app = create_app(settings)
    with TestClient(app) as http:
        app.state.engine.policy = policy
        r = http.post("/v1/score", json=wb)
        assert r.status_code == 200, r.text
        first = r.json()
        again = http.post("/v1/score", json=wb).json()
    assert first["model_version"] == VERSION_B
    assert isinstance(first["risk_score"], float) and 0.0 <= first["risk_score"] <= 1.0
    assert again["risk_score"] == first["risk_score"] and again["model_version"] == VERSION_B
    registry_copy.promote(VERSION_A)
    restarted = create_app(settings.model_copy(update={"data_dir": tmp_path / "d2"}))
    with TestClient(restarted) as http:
        restarted.state.engine.policy = policy
        assert http.post("/v1/score", json=wb).json()["model_version"] == VERSION_A


def test_over_http_model_only_holds_open_cases_that_keep_the_score_and_rank_by_it(
    tmp_path: Path, policy: Policy
) -> None:
    """Contract: case_id is set for a hold whichever reason asked for it; README: the case keeps the scores
    and model version of its decision, and its priority goes with the risk score."""
    app = create_app(Settings(env="development", data_dir=tmp_path / "data"))
    with TestClient(app) as http:
        app.state.engine.policy = policy
        decided = []
        for score in (0.85, 0.95):  # the lower risk waits longer, yet ranks second
            app.state.engine.scorer = FixedScorer(score)
            r = http.post("/v1/score", json=waybill(sender=party(phone=f"1370000{int(score * 100):04d}")))
            assert r.status_code == 200, r.text
            decided.append(r.json())
        login = http.post("/v1/auth/login", json={"username": "dev", "password": "dev"})
        assert login.status_code == 200, login.text
        http.headers[CSRF_HEADER] = login.json()["csrf_token"]
        low, high = decided
        case = http.get(f"/v1/cases/{high['case_id']}").json()
        queue = http.get("/v1/cases", params={"sort": "priority"}).json()
    for d, score in ((low, 0.85), (high, 0.95)):
        assert [x["code"] for x in d["reasons"]] == ["MODEL_HIGH_RISK"]
        assert d["decision"] == "hold" and d["case_id"]
        assert (d["model_version"], d["risk_score"]) == ("fixed-1", score)
    assert case["risk_score"] == 0.95 and case["decision"]["model_version"] == "fixed-1"
    assert [c["case_id"] for c in queue["items"]] == [high["case_id"], low["case_id"]]


@pytest.mark.parametrize("at", ["inspect", "hold"])
async def test_a_model_reasons_message_shows_a_score_above_the_threshold_it_names(
    engine: Engine, policy: Policy, at: str
) -> None:
    threshold = policy.model.inspect_threshold if at == "inspect" else policy.model.hold_threshold
    engine.scorer = FixedScorer(round(threshold + 0.001, 6))
    (r,) = model_reasons(await decide(engine, waybill()))
    for message in (r.message, r.message_en):
        shown = [float(x) for x in re.findall(r"\d+(?:\.\d+)?", message)]
        assert len(shown) == 2 and shown[0] > shown[1], message


# No model at all ----------------------------------------------------------------------------------------


async def test_without_a_model_no_model_reason_fires_even_at_thresholds_of_zero(
    engine: Engine, policy: Policy
) -> None:
    assert engine.scorer is None, "the test data dir has no registry"
    engine.policy = with_thresholds(policy, inspect=0.0, hold=0.0)
    decisions = await decide_all(
        engine, [*ant_ring(8, phone="13700001414"), waybill(), rejected("prohibited")]
    )
    for d in decisions:
        assert d.model_version == "none"
        assert model_reasons(d) == []
        assert_probability(d.risk_score)
        assert_most_severe(d)
    assert [d.decision for d in decisions[-2:]] == ["release", "reject"]
    assert decisions[7].decision == "hold" and "ANT_MOVING_SENDER" in codes(decisions[7]), "rules only"


async def test_without_a_model_and_without_history_the_rules_alone_decide(
    engine: Engine, policy: Policy
) -> None:
    dead = RedisHistoryStore.from_url("redis://127.0.0.1:1/0", timeout_s=0.1)
    engine.history = dead
    try:
        engine.policy = with_thresholds(policy, inspect=0.0, hold=0.0)
        d = await decide(engine, export_postal())
    finally:
        await dead.close()
    assert [r.code for r in d.reasons] == ["HISTORY_UNAVAILABLE"]
    assert (d.decision, d.model_version) == ("inspect", "none")
    assert_probability(d.risk_score)


# The same body re-sent gives the same risk_score ----------------------------------------------------------


async def test_a_re_sent_ring_parcel_keeps_its_risk_score_though_its_senders_history_grew(
    model_engine: Engine,
) -> None:
    ring = ant_ring(12, phone="13700001515")
    first = await decide_all(model_engine, ring)
    again = await decide_all(model_engine, ring)
    assert [d.risk_score for d in again] == [d.risk_score for d in first]
    assert [[r.model_dump() for r in d.reasons] for d in again] == [
        [r.model_dump() for r in d.reasons] for d in first
    ]
    assert len({d.risk_score for d in first}) > 1, "the ring's history moves its scores"


async def test_a_changed_body_is_scored_again_by_the_model(model_engine: Engine, policy: Policy) -> None:
    """Contract: a changed body is scored again — its score is the new body's, not the remembered one."""
    ring = ant_ring(10, phone="13700001616")
    decided = await decide_all(model_engine, ring)
    changed = {**ring[-1], "pickup_checks": {"opened_inspection": False, "xray_screened": False}}
    rescored = await decide(model_engine, changed)
    assert {"INSPECTION_NOT_RECORDED", "XRAY_NOT_RECORDED"} <= codes(rescored)
    alone = await replay(model_engine, [*ring[:-1], changed], policy)
    assert rescored.risk_score == alone[-1].risk_score
    assert_probability(decided[-1].risk_score)


async def test_a_replay_on_a_fresh_history_gives_the_same_risk_scores(
    model_engine: Engine, policy: Policy
) -> None:
    ring = ant_ring(12, phone="13700001717")
    first = await replay(model_engine, ring, policy)
    second = await replay(model_engine, ring, policy)
    assert [d.risk_score for d in second] == [d.risk_score for d in first]


async def test_a_batch_scores_as_one_by_one_with_the_model_and_a_re_sent_slot_keeps_its_score(
    model_engine: Engine, policy: Policy
) -> None:
    ring = ant_ring(10, phone="13700001818")
    batch = [*ring[:6], ring[2], *ring[6:]]
    one_by_one = await replay(model_engine, batch, policy)
    model_engine.history = EmbeddedHistoryStore()
    together = await model_engine.decide_batch(batch)
    scores = [d.risk_score for d in together if isinstance(d, Decision)]
    assert len(scores) == len(batch)
    assert scores == [d.risk_score for d in one_by_one]
    assert scores[6] == scores[2]
