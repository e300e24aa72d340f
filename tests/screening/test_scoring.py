"""The engine with a trained model: rings score high; model reasons name factors only when they fire."""

import asyncio
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from features.vector import FEATURE_NAMES
from models.registry import ModelArtifact, Registry
from models.training import TrainingConfig
from screening.agreements import parse_agreements_csv
from screening.contract import Decision, Waybill
from screening.engine import Engine
from screening.errors import ConfigurationError
from screening.modelling.replay import replay_engine
from screening.modelling.train import train_model
from screening.parcel import Parcel
from screening.policy.history import EntityView
from screening.policy.loader import load_policy
from screening.policy.schemas import ModelThresholds, Policy
from screening.scoring import ModelScorer
from screening.settings import DEFAULT_POLICY, Settings
from screening.simulation import simulate
from tests.factories import ant_ring, party, waybill

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def models_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry with a small model trained on four simulated weeks and promoted."""
    root = tmp_path_factory.mktemp("registry") / "models"
    sim = simulate(rows=6000, seed=5, start=date(2026, 10, 1), days=28, violators=3.0)
    settings = Settings(env="development", data_dir=root.parent)
    agreements = parse_agreements_csv(sim.agreements.write_csv())
    registry = Registry(root)

    async def train() -> str:
        with replay_engine(
            settings=settings, policy=load_policy(DEFAULT_POLICY), agreements=agreements
        ) as engine:
            trained = await train_model(
                engine=engine,
                rules_engine=None,
                history=sim.waybills,
                registry=registry,
                source="test simulation",
                config=TrainingConfig(rounds=150, eta=0.1, early_stopping=20),
                version="test-1",
            )
        return trained.version

    registry.promote(asyncio.run(train()))
    return root


class CountingScorer:
    """Wraps a scorer and counts the calls to explain."""

    def __init__(self, inner: ModelScorer) -> None:
        self.inner = inner
        self.version = inner.version
        self.explained: list[str] = []

    def score(self, parcel: Parcel, views: Sequence[EntityView] | None) -> float:
        return self.inner.score(parcel, views)

    def explain(
        self, parcel: Parcel, views: Sequence[EntityView] | None, *, top: int
    ) -> tuple[tuple[str, float], ...]:
        self.explained.append(parcel.waybill.waybill_no)
        return self.inner.explain(parcel, views, top=top)


def with_thresholds(policy: Policy, *, inspect: float, hold: float) -> Policy:
    """The policy with other model thresholds."""
    return policy.model_copy(
        update={"model": ModelThresholds(inspect_threshold=inspect, hold_threshold=hold, top_factors=3)}
    )


async def decide_all(engine: Engine, waybills: list[dict[str, Any]]) -> list[Decision]:
    """Decide waybills in order."""
    return [await engine.decide(Waybill.model_validate(w)) for w in waybills]


async def test_a_ring_parcel_scores_higher_than_an_ordinary_one(engine: Engine, models_root: Path) -> None:
    scorer = ModelScorer.load_production(models_root)
    assert scorer is not None and scorer.version == "test-1"
    engine.scorer = scorer
    ring = await decide_all(engine, ant_ring(12, phone="13700001111"))
    ordinary = await decide_all(
        engine, [waybill(hours_after=h, sender=party(phone="13911112222")) for h in (0, 5, 9)]
    )
    assert ring[-1].risk_score > 0.5
    assert ring[-1].risk_score > 5 * max(d.risk_score for d in ordinary)
    assert ring[-1].risk_score > ring[0].risk_score, "the ring's history raises its later parcels"
    assert {d.model_version for d in ring + ordinary} == {"test-1"}


async def test_model_reasons_carry_top_factors_only_when_they_fire(
    engine: Engine, policy: Policy, models_root: Path
) -> None:
    scorer = ModelScorer.load_production(models_root)
    assert scorer is not None
    counting = CountingScorer(scorer)
    engine.scorer = counting
    engine.policy = with_thresholds(policy, inspect=0.3, hold=0.95)
    ring = await decide_all(engine, ant_ring(12, phone="13700001111"))
    ordinary = await decide_all(engine, [waybill(hours_after=1, sender=party(phone="13911113333"))])
    fired = [d for d in ring + ordinary if any(r.code.startswith("MODEL_") for r in d.reasons)]
    silent = [d for d in ring + ordinary if d not in fired]
    assert fired and silent and ordinary[0] in silent
    assert sorted(counting.explained) == sorted(d.waybill_no for d in fired)
    for d in fired:
        r = next(r for r in d.reasons if r.code.startswith("MODEL_"))
        expected = "MODEL_HIGH_RISK" if d.risk_score > 0.95 else "MODEL_ELEVATED_RISK"
        assert r.code == expected and r.evidence["score"] == round(d.risk_score, 4)
        factors = r.evidence["top_factors"]
        assert 1 <= len(factors) <= 3
        assert all(name in FEATURE_NAMES and value > 0 for name, value in factors)
        assert [v for _, v in factors] == sorted((v for _, v in factors), reverse=True)
    assert all(r.evidence.get("top_factors") is None for d in silent for r in d.reasons)


async def test_without_history_the_model_scores_on_the_request_alone(
    engine: Engine, models_root: Path
) -> None:
    scorer = ModelScorer.load_production(models_root)
    assert scorer is not None
    parcel = engine.prepare(Waybill.model_validate(ant_ring(12, phone="13700001111")[0]))
    score = scorer.score(parcel, None)
    assert 0.0 <= score <= 1.0
    assert scorer.explain(parcel, None, top=5) == scorer.explain(parcel, None, top=5)


def test_no_production_model_means_no_scorer(tmp_path: Path) -> None:
    assert ModelScorer.load_production(tmp_path / "models") is None


def test_a_model_trained_on_other_features_is_refused(models_root: Path, tmp_path: Path) -> None:
    registry = Registry(tmp_path / "models")
    source = Registry(models_root)
    registry.save(
        ModelArtifact(
            version="old",
            model=(source.folder("test-1") / "model.ubj").read_bytes(),
            feature_names=(*FEATURE_NAMES[:-1], "a_feature_since_removed"),
            feature_params={"band": 0.9},
            thresholds={},
            metrics={},
            card="",
        )
    )
    registry.promote("old")
    with pytest.raises(ConfigurationError):
        ModelScorer.load_production(registry.root)
