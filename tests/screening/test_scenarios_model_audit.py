"""The model's reasons and the random audit, as couriers, officers and postal-bureau auditors rely on them.

Written from shared/domain/RULES.md §3 (MODEL_HIGH_RISK: hold, "model score over the hold threshold in
force"; MODEL_ELEVATED_RISK: inspect, "over the inspect threshold in force"; RANDOM_AUDIT: inspect, "chosen
at the policy's audit rate (starting 0.5 %) by a hash of (carrier, waybill_no): deterministic, so a re-send
or a replay picks the same parcels"; "The final decision is the most severe outcome among the reasons.
Training proposes model thresholds for an inspection budget (in the model card); the policy file holds the
ones in force"), shared/contract/README.md (`risk_score`: "the model's probability of a violation" in
[0, 1]; `model_version`, `policy_version`: "what decided it"; reasons "most severe first"; `case_id` "set
when decision is hold"; re-sending the same body "returns the same decision"; a batch is scored in request
order, as one by one), shared/contract/decision.example.json (a rule's hold listed before the model's hold;
the model reason's evidence holds `score` and `threshold`), shared/ARCHITECTURE.md ("A random share of
parcels is inspected (RANDOM_AUDIT, chosen by a hash of the parcel's key so re-sends and replays agree)";
"The model score becomes a reason through thresholds in the policy file") and the README ("The thresholds in
force are the policy's `[model]` section"; no model: rules only, `model_version` `none`).

The model and the policy are substituted as the other scenario files do: a scorer object on `engine.scorer`
(a fixed or per-parcel score, so that a score sits exactly on a threshold), and `engine.policy` replaced by a
copy with other `ModelThresholds` or `Audit(random_rate=...)`. Where the file and the registry are the point,
a policy file and a registry folder are written for the test and an engine is built from settings, as the
service starts.

Readings chosen where the sources are silent:
- "Over" a threshold is strictly over: a score equal to the threshold does not fire that reason.
- "Just over" and "just under" are the nearest scores a model of float32 trees can give on either side.
- Without a model, `risk_score` is 0 and `model_version` is `none`.
- A re-sent, unchanged body keeps the decision first given even after the policy changed (contract: "returns
  the same decision and changes nothing"); a changed body is scored again under the policy in force.
"""

import math
import re
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xgboost as xgb
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from features.vector import FEATURE_NAMES
from models.registry import ModelArtifact, Registry
from screening.contract import BatchError, Decision, Reason, Waybill
from screening.engine import Engine, build_engine
from screening.history import EmbeddedHistoryStore, RedisHistoryStore
from screening.modelling.replay import replay_engine
from screening.parcel import Parcel
from screening.policy.history import EntityView
from screening.policy.loader import load_policy
from screening.policy.sampling import audit_draw
from screening.policy.schemas import Audit, ModelThresholds, Policy
from screening.settings import DEFAULT_POLICY, Settings
from tests.conftest import ScoringClient
from tests.factories import (
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
)
from tests.screening import test_scenarios_model as scenario_model

pytestmark = pytest.mark.anyio

MODEL_CODES = {"MODEL_HIGH_RISK", "MODEL_ELEVATED_RISK"}
SEVERITY = {"release": 0, "inspect": 1, "hold": 2, "reject": 3}
SHIPPED_TEXT = DEFAULT_POLICY.read_text(encoding="utf-8")
NO_XRAY = {"opened_inspection": True, "xray_screened": False}


# Models a test controls ----------------------------------------------------------------------------------


class FixedScorer(scenario_model.FixedScorer):
    """A model that gives every parcel the same score, explained by four factors."""

    def explain(
        self, parcel: Parcel, views: Sequence[EntityView] | None, *, top: int
    ) -> tuple[tuple[str, float], ...]:
        return (("value_cny", 0.61), ("near_limit", 0.22), ("weight_kg", 0.09), ("value_per_kg", 0.04))[:top]


class ScoreBook(FixedScorer):
    """A model whose score for each waybill number the test sets (a default for the others)."""

    def __init__(self, scores: dict[str, float], default: float = 0.1, version: str = "book-1") -> None:
        super().__init__(default, version)
        self.scores = scores

    def score(self, parcel: Parcel, views: Sequence[EntityView] | None) -> float:
        return self.scores.get(parcel.waybill.waybill_no, self.fixed)


def just_over(threshold: float) -> float:
    """The smallest score a float32 model gives that is over the threshold."""
    x = np.float32(threshold)
    if float(x) <= threshold:
        x = np.nextafter(x, np.float32(2.0))
    return float(x)


def just_under(threshold: float) -> float:
    """The largest score a float32 model gives that is under the threshold."""
    x = np.float32(threshold)
    if float(x) >= threshold:
        x = np.nextafter(x, np.float32(-1.0))
    return float(x)


# Policies -----------------------------------------------------------------------------------------------


def with_thresholds(
    policy: Policy, *, inspect: float, hold: float, top: int = 3, version: str | None = None
) -> Policy:
    """The policy with other model thresholds in force (and, when given, another version)."""
    update: dict[str, Any] = {
        "model": ModelThresholds(inspect_threshold=inspect, hold_threshold=hold, top_factors=top)
    }
    if version is not None:
        update["version"] = version
    return policy.model_copy(update=update)


def with_rate(policy: Policy, rate: float, version: str | None = None) -> Policy:
    """The policy with another random-audit rate."""
    update: dict[str, Any] = {"audit": Audit(random_rate=rate)}
    if version is not None:
        update["version"] = version
    return policy.model_copy(update=update)


def _replace_once(text: str, pattern: str, line: str) -> str:
    out, n = re.subn(pattern, line, text, count=1, flags=re.MULTILINE)
    assert n == 1, pattern
    return out


def policy_file(
    folder: Path,
    *,
    version: str,
    inspect: float | None = None,
    hold: float | None = None,
    top: int | None = None,
    rate: float | None = None,
) -> Path:
    """The shipped policy file with some values changed, written under another version."""
    text = _replace_once(SHIPPED_TEXT, r"^version = .*$", f'version = "{version}"')
    if inspect is not None:
        text = _replace_once(text, r"^inspect_threshold = .*$", f"inspect_threshold = {inspect!r}")
    if hold is not None:
        text = _replace_once(text, r"^hold_threshold = .*$", f"hold_threshold = {hold!r}")
    if top is not None:
        text = _replace_once(text, r"^top_factors = .*$", f"top_factors = {top}")
    if rate is not None:
        text = _replace_once(text, r"^random_rate = .*$", f"random_rate = {rate!r}")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{version}.toml"
    path.write_text(text, encoding="utf-8")
    return path


# Fixtures -----------------------------------------------------------------------------------------------


@pytest.fixture
def built() -> Iterator[list[Engine]]:
    """Engines a test builds from settings (as the service starts); their decision logs closed after."""
    engines: list[Engine] = []
    yield engines
    for e in engines:
        if e.log is not None:
            e.log.close()


@pytest.fixture(scope="module")
def registry_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A registry of one small xgboost model on the service's features, saved twice with opposite model
    cards: `card-eager` proposes thresholds of 0 (hold everything), `card-shy` of 0.9999 (hold nothing)."""
    root = tmp_path_factory.mktemp("model-audit-registry") / "models"
    rng = np.random.default_rng(11)
    x = rng.normal(size=(400, len(FEATURE_NAMES))).astype(np.float32)
    y = (x[:, 0] + x[:, 3] + rng.normal(size=400) > 0).astype(np.float32)
    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": 2, "eta": 0.3, "nthread": 1, "seed": 1},
        xgb.DMatrix(x, label=y, feature_names=list(FEATURE_NAMES)),
        num_boost_round=8,
    )
    model = bytes(booster.save_raw("ubj"))
    registry = Registry(root)
    for version, inspect, hold in (("card-eager", 0.0, 0.0), ("card-shy", 0.9999, 0.99999)):
        registry.save(
            ModelArtifact(
                version=version,
                model=model,
                feature_names=FEATURE_NAMES,
                feature_params={"band": 0.9},
                thresholds={"inspect_threshold": inspect, "hold_threshold": hold},
                metrics={},
                card=f"# {version}\n\n`inspect_threshold = {inspect}`, `hold_threshold = {hold}`\n",
            )
        )
    return root


def promoted(registry_root: Path, tmp_path: Path, version: str) -> Path:
    """A private copy of the registry with one version promoted."""
    root = tmp_path / "models"
    shutil.copytree(registry_root, root)
    Registry(root).promote(version)
    return root


# Helpers ------------------------------------------------------------------------------------------------


async def decide(engine: Engine, wb: dict[str, Any]) -> Decision:
    """Decide one waybill given in wire form."""
    return await engine.decide(Waybill.model_validate(wb))


async def decide_all(engine: Engine, waybills: Sequence[dict[str, Any]]) -> list[Decision]:
    """Decide waybills one by one, in order."""
    return [await decide(engine, wb) for wb in waybills]


async def decide_batch(engine: Engine, waybills: Sequence[dict[str, Any]]) -> list[Decision]:
    """Decide waybills as one batch; every slot must be a decision."""
    out = await engine.decide_batch(list(waybills))
    assert not [d for d in out if isinstance(d, BatchError)]
    return [d for d in out if isinstance(d, Decision)]


def codes(d: Decision) -> set[str]:
    """The reason codes of a decision."""
    return {r.code for r in d.reasons}


def model_reasons(d: Decision) -> list[Reason]:
    """The model's reasons of a decision."""
    return [r for r in d.reasons if r.code in MODEL_CODES]


def the(d: Decision, code: str) -> Reason:
    """The one reason of a code (fails when absent)."""
    found = [r for r in d.reasons if r.code == code]
    assert len(found) == 1, f"{code}: {[(r.code, r.outcome) for r in d.reasons]}"
    return found[0]


def audited(decisions: Sequence[Decision]) -> set[str]:
    """The waybill numbers whose decision carries RANDOM_AUDIT."""
    return {d.waybill_no for d in decisions if "RANDOM_AUDIT" in codes(d)}


def assert_most_severe(d: Decision) -> None:
    """The decision is the most severe reason's outcome; reasons come most severe first."""
    outcomes = [r.outcome for r in d.reasons]
    assert d.decision == max(outcomes, key=SEVERITY.__getitem__, default="release")
    assert outcomes == sorted(outcomes, key=SEVERITY.__getitem__, reverse=True)


def engine_of(client: ScoringClient) -> Engine:
    """The engine of the client's started app."""
    app: FastAPI = client.http.app  # type: ignore[assignment]
    e: Engine = app.state.engine
    return e


def stranger(n: int, *, carrier: str = "SF", base: int = 1_900_000_000_000, **changes: Any) -> dict[str, Any]:
    """A clean domestic parcel between two people of its own (n < 40,000), numbered base + n."""
    body: dict[str, Any] = {
        "waybill_no": f"{carrier}{base + n}",
        "carrier": carrier,
        "outlet_id": f"{carrier}-310115-0001",
        "hours_after": (n % 500) * 0.05,
        "sender": party(
            phone=f"139{n:08d}",
            id_number=resident_id(
                region="310115", birth=f"19{60 + n // 1000:02d}0101", seq=f"{n % 1000:03d}"
            ),
            address={"detail": f"建国路{n}号"},
        ),
        "receiver": cn_receiver(phone=f"137{n:08d}", address={"detail": f"长安街{n}号"}),
    }
    return waybill(**(body | changes))


def numbers_with_draw(carrier: str, low: float, high: float, count: int, *, start: int) -> list[str]:
    """Waybill numbers of a carrier whose audit draw lies in [low, high) (to place parcels against a rate)."""
    found: list[str] = []
    n = start
    while len(found) < count:
        number = f"{carrier}{n}"
        if low <= audit_draw(carrier, number) < high:
            found.append(number)
        n += 1
    return found


def buyer() -> dict[str, Any]:
    """A mainland cbec buyer with a verified resident ID."""
    return cn_receiver(
        phone="13612340001",
        id_type="resident_id",
        id_number=resident_id(region="320102", birth="19880808", seq="017"),
        id_verified=True,
        verification_method="online_check",
    )


def cbec_import(receiver: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A 1,200 CNY watch bought from a Hong Kong shop, cross-border e-commerce import."""
    return waybill(
        service="import",
        channel="cbec",
        sender=hk_receiver(name="GLOBAL SHOP", phone="+85230001000"),
        receiver=receiver,
        items=[item(description="手表 watch", category="general", quantity=1, unit_value=1200.0)],
        weight_kg=0.3,
        **changes,
    )


def lane_parcel(lane: str, **changes: Any) -> dict[str, Any]:
    """A parcel of one lane on which no rule fires."""
    shirt = [item(quantity=1, unit_value=300.0)]
    if lane == "domestic":
        return waybill(**changes)
    if lane == "letter-without-id":
        letter = [
            item(description="合同 contract documents", category="documents", quantity=1, unit_value=0.0)
        ]
        return waybill(sender=party(**NO_ID), items=letter, weight_kg=0.1, **changes)
    if lane == "export-postal":
        return export_postal(items=shirt, weight_kg=0.5, **changes)
    if lane == "import-postal":
        return waybill(
            service="import",
            channel="postal",
            sender=hk_receiver(name="CHAN SIU MING", phone="+85261234567"),
            receiver=cn_receiver(phone="13912340002"),
            items=shirt,
            weight_kg=0.5,
            **changes,
        )
    assert lane == "cbec-import"
    return cbec_import(buyer(), **changes)


# What each kind of rule asks for by itself (RULES.md §3), for the combinations below.
def ruled(kind: str, **changes: Any) -> dict[str, Any]:
    """A parcel on which one rule of the given outcome fires (none: a clean parcel)."""
    if kind == "none":
        return waybill(**changes)
    if kind == "inspect":
        return waybill(pickup_checks=NO_XRAY, **changes)  # XRAY_NOT_RECORDED
    if kind == "hold":
        return over_limit(**changes)  # OVER_PERSONAL_LIMIT: 1,000 CNY in five units to HK, L = 800
    assert kind == "reject"
    switchblade = [item(description="弹簧刀 switchblade", category=None, quantity=1, unit_value=50.0)]
    return waybill(items=switchblade, **changes)  # PROHIBITED_ITEM


RULE_CODE = {"inspect": "XRAY_NOT_RECORDED", "hold": "OVER_PERSONAL_LIMIT", "reject": "PROHIBITED_ITEM"}


# MODEL_*: the thresholds in force are the policy's -----------------------------------------------------


@pytest.mark.parametrize(
    ("where", "code"),
    [
        ("zero", None),
        ("just-under-inspect", None),
        ("at-inspect", None),
        ("just-over-inspect", "MODEL_ELEVATED_RISK"),
        ("just-under-hold", "MODEL_ELEVATED_RISK"),
        ("at-hold", "MODEL_ELEVATED_RISK"),
        ("just-over-hold", "MODEL_HIGH_RISK"),
        ("one", "MODEL_HIGH_RISK"),
    ],
)
async def test_a_score_on_or_beside_the_shipped_thresholds_fires_only_the_reason_it_is_over(
    engine: Engine, policy: Policy, where: str, code: str | None
) -> None:
    """RULES.md §3: a reason fires for a score *over* its threshold in force; at it, nothing more."""
    inspect, hold = policy.model.inspect_threshold, policy.model.hold_threshold
    score = {
        "zero": 0.0,
        "just-under-inspect": just_under(inspect),
        "at-inspect": inspect,
        "just-over-inspect": just_over(inspect),
        "just-under-hold": just_under(hold),
        "at-hold": hold,
        "just-over-hold": just_over(hold),
        "one": 1.0,
    }[where]
    engine.scorer = FixedScorer(score)
    d = await decide(engine, waybill())
    assert d.risk_score == score
    if code is None:
        assert (d.decision, d.reasons) == ("release", [])
        return
    (r,) = d.reasons
    outcome, threshold = ("hold", hold) if code == "MODEL_HIGH_RISK" else ("inspect", inspect)
    assert (r.code, r.outcome, d.decision) == (code, outcome, outcome)
    assert r.evidence["threshold"] == threshold
    assert threshold < r.evidence["score"] <= 1.0, "the evidence shows a score over the threshold it names"


@pytest.mark.parametrize(
    ("inspect", "hold", "score", "code"),
    [
        (0.2, 0.3, 0.25, "MODEL_ELEVATED_RISK"),
        (0.2, 0.3, 0.31, "MODEL_HIGH_RISK"),
        (0.9, 0.95, 0.85, None),
        (0.6, 0.6, 0.6, None),
        (0.6, 0.6, 0.61, "MODEL_HIGH_RISK"),
        (0.0, 1.0, 1.0, "MODEL_ELEVATED_RISK"),
        (0.0, 0.0, 0.0, None),
    ],
    ids=["between", "over-both", "under-both", "at-equal-pair", "over-equal-pair", "hold-off", "all-zero"],
)
async def test_the_thresholds_in_force_are_the_policys(
    engine: Engine, policy: Policy, inspect: float, hold: float, score: float, code: str | None
) -> None:
    """The same score gives the reason the policy in force asks for, citing its threshold and version."""
    engine.policy = with_thresholds(policy, inspect=inspect, hold=hold, version="policy-model-t")
    engine.scorer = FixedScorer(score)
    d = await decide(engine, waybill())
    assert d.policy_version == "policy-model-t" and d.risk_score == score
    if code is None:
        assert model_reasons(d) == [] and d.decision == "release"
        return
    (r,) = model_reasons(d)
    assert r.code == code
    assert r.evidence["threshold"] == (hold if code == "MODEL_HIGH_RISK" else inspect)
    assert d.decision == r.outcome == ("hold" if code == "MODEL_HIGH_RISK" else "inspect")


async def test_an_engine_built_from_a_policy_file_applies_the_files_model_thresholds(
    tmp_path: Path, built: list[Engine]
) -> None:
    """README: the thresholds in force are the policy file's `[model]` section, and its version is named."""
    path = policy_file(tmp_path / "policy", version="policy-model-file", inspect=0.3, hold=0.44, rate=0.0)
    shipped = build_engine(Settings(env="development", data_dir=tmp_path / "a"))
    amended = build_engine(Settings(env="development", data_dir=tmp_path / "b", policy_file=path))
    built.extend([shipped, amended])
    shipped.policy = with_rate(shipped.policy, 0.0)
    for e in (shipped, amended):
        e.scorer = FixedScorer(0.45)
    wb = waybill()
    before, after = await decide(shipped, wb), await decide(amended, wb)
    assert (before.decision, model_reasons(before), before.policy_version) == ("release", [], "policy-1")
    r = the(after, "MODEL_HIGH_RISK")
    assert (after.decision, r.evidence["threshold"], after.policy_version) == (
        "hold",
        0.44,
        "policy-model-file",
    )


async def score_of_first_parcel(models: Path, folder: Path, built: list[Engine], wb: dict[str, Any]) -> float:
    """What the promoted model scores the parcel on a fresh history (audit off, model reasons off)."""
    path = policy_file(folder / "policy", version="policy-probe", inspect=1.0, hold=1.0, rate=0.0)
    probe = build_engine(
        Settings(env="development", data_dir=folder / "probe", model_dir=models, policy_file=path)
    )
    built.append(probe)
    d = await decide(probe, wb)
    assert model_reasons(d) == []
    assert 0.001 < d.risk_score < 0.999, d.risk_score
    return d.risk_score


async def test_a_model_card_proposing_thresholds_of_zero_does_not_make_the_model_hold(
    registry_root: Path, tmp_path: Path, built: list[Engine]
) -> None:
    """RULES.md §3: training proposes thresholds in the model card; only the policy file's are in force."""
    models = promoted(registry_root, tmp_path, "card-eager")
    assert Registry(models).thresholds("card-eager") == {"inspect_threshold": 0.0, "hold_threshold": 0.0}
    wb = waybill()
    s = await score_of_first_parcel(models, tmp_path, built, wb)
    # The policy's thresholds just over the parcel's score: the card would hold it, the policy says nothing.
    path = policy_file(
        tmp_path / "policy", version="policy-over", inspect=just_over(s), hold=just_over(s), rate=0.0
    )
    e = build_engine(Settings(env="development", data_dir=tmp_path / "e", model_dir=models, policy_file=path))
    built.append(e)
    d = await decide(e, wb)
    assert (d.risk_score, d.model_version, d.policy_version) == (s, "card-eager", "policy-over")
    assert (d.decision, d.reasons) == ("release", [])


async def test_a_model_card_proposing_high_thresholds_does_not_silence_the_policys_hold(
    registry_root: Path, tmp_path: Path, built: list[Engine]
) -> None:
    """A card proposing 0.9999 does not stop the policy's lower hold threshold from holding the parcel."""
    models = promoted(registry_root, tmp_path, "card-shy")
    wb = waybill()
    s = await score_of_first_parcel(models, tmp_path, built, wb)
    hold = just_under(s)
    path = policy_file(tmp_path / "policy", version="policy-under", inspect=hold / 2, hold=hold, rate=0.0)
    e = build_engine(Settings(env="development", data_dir=tmp_path / "e", model_dir=models, policy_file=path))
    built.append(e)
    d = await decide(e, wb)
    r = the(d, "MODEL_HIGH_RISK")
    assert (d.decision, d.risk_score, d.model_version) == ("hold", s, "card-shy")
    assert (
        r.evidence["threshold"] == hold
        and r.evidence["threshold"] < Registry(models).thresholds("card-shy")["hold_threshold"]
    )


async def test_a_registry_models_reason_names_at_most_the_policys_number_of_top_factors(
    registry_root: Path, tmp_path: Path, built: list[Engine]
) -> None:
    """The model reason's top factors are the model's features, largest first, at most the policy's number."""
    models = promoted(registry_root, tmp_path, "card-shy")
    path = policy_file(tmp_path / "policy", version="policy-top2", inspect=0.0, hold=0.0, top=2, rate=0.0)
    e = build_engine(Settings(env="development", data_dir=tmp_path / "e", model_dir=models, policy_file=path))
    built.append(e)
    decisions = await decide_all(e, [waybill(), export_postal(), over_limit()])
    for d in decisions:
        r = the(d, "MODEL_HIGH_RISK")
        factors = r.evidence["top_factors"]
        assert len(factors) <= 2
        assert all(name in FEATURE_NAMES and value > 0 for name, value in factors)
        assert [v for _, v in factors] == sorted((v for _, v in factors), reverse=True)
        assert r.evidence["model_version"] == d.model_version == "card-shy"
    assert any(the(d, "MODEL_HIGH_RISK").evidence["top_factors"] for d in decisions)


async def test_a_new_policy_decides_new_bodies_while_a_re_sent_body_keeps_its_first_decision(
    engine: Engine, policy: Policy
) -> None:
    """Contract: the same body re-sent keeps its decision; a changed one is scored under the policy now."""
    engine.scorer = FixedScorer(0.7)
    first_wb = waybill()
    first = await decide(engine, first_wb)
    assert (first.decision, the(first, "MODEL_ELEVATED_RISK").evidence["threshold"]) == ("inspect", 0.5)
    engine.policy = with_thresholds(policy, inspect=0.3, hold=0.6, version="policy-stricter")
    later = await decide(engine, waybill(hours_after=1))
    assert (later.decision, later.policy_version) == ("hold", "policy-stricter")
    again = await decide(engine, first_wb)
    assert again == first
    changed = await decide(engine, {**first_wb, "weight_kg": 0.7})
    assert (changed.decision, changed.policy_version, codes(changed)) == (
        "hold",
        "policy-stricter",
        {"MODEL_HIGH_RISK"},
    )


# MODEL_*: the decision's risk_score and model_version -----------------------------------------------------


@pytest.mark.parametrize("kind", ["none", "inspect", "hold", "reject"])
async def test_the_risk_score_is_the_models_score_whatever_the_rules_decide(
    engine: Engine, kind: str
) -> None:
    """Contract: risk_score is the model's probability; a rule's outcome neither raises nor lowers it."""
    engine.scorer = FixedScorer(0.37, version="m-0.37")
    d = await decide(engine, ruled(kind))
    assert (d.risk_score, d.model_version) == (0.37, "m-0.37")
    assert d.decision == ("release" if kind == "none" else kind)


@pytest.mark.parametrize(("score", "code"), [(0.66, "MODEL_ELEVATED_RISK"), (0.93, "MODEL_HIGH_RISK")])
async def test_a_model_reason_carries_the_figures_and_version_behind_it(
    engine: Engine, score: float, code: str
) -> None:
    """decision.example.json: the model reason's evidence holds score, threshold, factors and version."""
    engine.scorer = FixedScorer(score, version="xgb-scn-7")
    d = await decide(engine, waybill())
    r = the(d, code)
    threshold = 0.8 if code == "MODEL_HIGH_RISK" else 0.5  # policy.toml [model]
    assert (r.evidence["score"], r.evidence["threshold"]) == (score, threshold)
    assert r.evidence["model_version"] == d.model_version == "xgb-scn-7"
    # The shipped policy's top_factors is 5: all four factors the model gives.
    assert r.evidence["top_factors"] == [
        ["value_cny", 0.61],
        ["near_limit", 0.22],
        ["weight_kg", 0.09],
        ["value_per_kg", 0.04],
    ]
    for message in (r.message, r.message_en):
        assert str(score) in message and str(threshold) in message, message
    assert ("扣留" if code == "MODEL_HIGH_RISK" else "查验") in r.message  # hold / inspection
    assert ("hold" if code == "MODEL_HIGH_RISK" else "inspection") in r.message_en


@pytest.mark.parametrize("score", [0.5123456, 0.8333333, 0.99996])
async def test_a_model_reasons_evidence_score_agrees_with_the_decisions_risk_score(
    engine: Engine, score: float
) -> None:
    """The figure an officer reads in the evidence is the decision's risk score (to four decimals)."""
    engine.scorer = FixedScorer(score)
    d = await decide(engine, waybill())
    (r,) = model_reasons(d)
    assert d.risk_score == score
    assert r.evidence["score"] == pytest.approx(score, abs=5e-5)
    assert r.evidence["score"] > r.evidence["threshold"]


async def test_a_batch_carries_each_parcels_own_score_and_reason(engine: Engine) -> None:
    """Contract: a batch decides as one by one; each slot carries its own parcel's score and model reason."""
    bodies = [stranger(n, base=1_910_000_000_000) for n in range(4)]
    scores = dict(zip((b["waybill_no"] for b in bodies), (0.1, 0.55, 0.81, 0.5), strict=True))
    engine.scorer = ScoreBook(scores, version="book-7")
    decisions = await decide_batch(engine, bodies)
    assert [d.risk_score for d in decisions] == [0.1, 0.55, 0.81, 0.5]
    assert [d.decision for d in decisions] == ["release", "inspect", "hold", "release"]
    assert [sorted(codes(d)) for d in decisions] == [[], ["MODEL_ELEVATED_RISK"], ["MODEL_HIGH_RISK"], []]
    assert {d.model_version for d in decisions} == {"book-7"}


def test_over_http_the_decision_carries_score_and_versions_as_the_contract_types_them(
    client: ScoringClient,
) -> None:
    """Contract: risk_score is a JSON number in [0, 1], the versions strings; read back alike."""
    engine_of(client).scorer = FixedScorer(0.83, version="xgb-http-1")
    wb = waybill()
    d = client.score(wb)
    assert type(d["risk_score"]) is float and d["risk_score"] == 0.83
    assert (d["model_version"], d["policy_version"]) == ("xgb-http-1", "policy-1")
    assert d["decision"] == "hold" and [r["code"] for r in d["reasons"]] == ["MODEL_HIGH_RISK"]
    r = d["reasons"][0]
    assert (r["evidence"]["score"], r["evidence"]["threshold"]) == (0.83, 0.8)
    back = client.http.get(f"/v1/decisions/{wb['carrier']}/{wb['waybill_no']}")
    assert back.status_code == 200, back.text
    got = back.json()
    fields = ("decision", "risk_score", "model_version", "policy_version", "reasons", "case_id")
    assert {k: got[k] for k in fields} == {k: d[k] for k in fields}


async def test_without_a_model_a_decision_names_no_model_and_scores_zero(
    engine: Engine, policy: Policy
) -> None:
    """README: no model means rules only and model_version `none`, even with thresholds of zero."""
    assert engine.scorer is None
    engine.policy = with_thresholds(policy, inspect=0.0, hold=0.0)
    decisions = await decide_all(engine, [ruled(k) for k in ("none", "inspect", "hold", "reject")])
    assert [(d.decision, d.risk_score, d.model_version) for d in decisions] == [
        ("release", 0.0, "none"),
        ("inspect", 0.0, "none"),
        ("hold", 0.0, "none"),
        ("reject", 0.0, "none"),
    ]
    assert not any(model_reasons(d) for d in decisions)


# The final decision is the most severe reason ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["none", "inspect", "hold", "reject"])
@pytest.mark.parametrize(
    ("score", "model_code"),
    [(0.1, None), (0.6, "MODEL_ELEVATED_RISK"), (0.9, "MODEL_HIGH_RISK")],
    ids=["low", "elevated", "high"],
)
async def test_a_rule_and_the_model_together_decide_the_more_severe_outcome(
    engine: Engine, kind: str, score: float, model_code: str | None
) -> None:
    """RULES.md §3: every reason is listed, the decision is the most severe, reasons most severe first."""
    engine.scorer = FixedScorer(score)
    d = await decide(engine, ruled(kind))
    expected = ({RULE_CODE[kind]} if kind != "none" else set()) | ({model_code} if model_code else set())
    assert codes(d) == expected
    model_outcome = {None: "release", "MODEL_ELEVATED_RISK": "inspect", "MODEL_HIGH_RISK": "hold"}[model_code]
    rule_outcome = "release" if kind == "none" else kind
    assert d.decision == max(rule_outcome, model_outcome, key=SEVERITY.__getitem__)
    assert_most_severe(d)


async def test_a_ring_held_by_its_rule_stays_held_at_a_low_score_on_every_store(
    history_engine: Engine,
) -> None:
    """A rule's hold plus a score under both thresholds: hold, the rule's reasons only, the low score kept."""
    history_engine.scorer = FixedScorer(0.02)
    decisions = await decide_all(history_engine, ant_ring(6, phone="13700004141"))
    d = decisions[-1]
    assert d.decision == "hold" and d.reasons[0].code == "ANT_MOVING_SENDER"
    assert d.risk_score == 0.02 and model_reasons(d) == []
    assert "hold" not in {x.decision for x in decisions[:5]}, "the ring holds from its sixth parcel"
    assert_most_severe(d)


def test_over_http_a_rule_hold_with_a_low_score_opens_a_case_and_keeps_the_low_score(
    client: ScoringClient,
) -> None:
    """Contract: case_id is set for a hold whoever asked for it; the risk score stays the model's own."""
    engine_of(client).scorer = FixedScorer(0.03)
    wb = over_limit()
    d = client.score(wb)
    assert (d["decision"], [r["code"] for r in d["reasons"]], d["risk_score"]) == (
        "hold",
        ["OVER_PERSONAL_LIMIT"],
        0.03,
    )
    assert d["case_id"]
    back = client.http.get(f"/v1/decisions/SF/{wb['waybill_no']}").json()
    assert (back["case_id"], back["risk_score"]) == (d["case_id"], 0.03)


def test_over_http_a_model_hold_opens_a_case_and_a_model_inspect_does_not(client: ScoringClient) -> None:
    """Contract: case_id is set when the decision is hold, also when the model alone asks for it."""
    engine = engine_of(client)
    engine.scorer = FixedScorer(0.9)
    held = client.score(waybill())
    engine.scorer = FixedScorer(0.7)
    inspected = client.score(waybill())
    assert (held["decision"], bool(held["case_id"])) == ("hold", True)
    assert (inspected["decision"], inspected["case_id"]) == ("inspect", None)


@pytest.mark.parametrize("rule", ["OVER_PERSONAL_LIMIT", "BUYER_ID_MISSING"])
async def test_a_rules_hold_is_listed_before_the_models_hold(engine: Engine, rule: str) -> None:
    """decision.example.json: within hold, the rule comes before MODEL_HIGH_RISK; both are listed."""
    engine.scorer = FixedScorer(0.95)
    wb = over_limit() if rule == "OVER_PERSONAL_LIMIT" else cbec_import(cn_receiver())
    d = await decide(engine, wb)
    assert [(r.code, r.outcome) for r in d.reasons] == [(rule, "hold"), ("MODEL_HIGH_RISK", "hold")]
    assert d.decision == "hold"


async def test_a_model_hold_comes_before_an_audit_and_a_rules_inspect(engine: Engine, policy: Policy) -> None:
    """The model's hold decides over the audit's and a rule's inspect, which stay listed after it."""
    engine.policy = with_rate(policy, 1.0)
    engine.scorer = FixedScorer(0.9)
    d = await decide(engine, ruled("inspect"))
    assert d.decision == "hold" and d.reasons[0].code == "MODEL_HIGH_RISK"
    assert codes(d) == {"MODEL_HIGH_RISK", "XRAY_NOT_RECORDED", "RANDOM_AUDIT"}
    assert_most_severe(d)


@pytest.mark.parametrize("score", [0.01, 0.6])
async def test_an_audited_parcel_is_inspected_whatever_a_lower_or_equal_model_outcome(
    engine: Engine, policy: Policy, score: float
) -> None:
    """A low score does not lower the audit's inspect; an elevated score joins it; the score is kept."""
    engine.policy = with_rate(policy, 1.0)
    engine.scorer = FixedScorer(score, version="m-aud")
    d = await decide(engine, waybill())
    expected = {"RANDOM_AUDIT"} | ({"MODEL_ELEVATED_RISK"} if score > 0.5 else set())
    assert (d.decision, codes(d), d.risk_score, d.model_version) == ("inspect", expected, score, "m-aud")


# RANDOM_AUDIT: chosen at the policy's rate by a hash of (carrier, waybill_no) -------------------------


async def test_the_shipped_policy_audits_at_the_starting_rate_of_half_a_percent(
    settings: Settings, built: list[Engine]
) -> None:
    """RULES.md §3: starting rate 0.5 %; the shipped file picks draws just under it, not just over."""
    assert load_policy(DEFAULT_POLICY).audit.random_rate == 0.005  # RULES.md §3: starting 0.5 %
    e = build_engine(settings)
    built.append(e)
    under = numbers_with_draw("SF", 0.004, 0.005, 3, start=1_920_000_000_000)
    over = numbers_with_draw("SF", 0.005, 0.006, 3, start=1_920_000_000_000)
    decisions = await decide_all(e, [stranger(n, waybill_no=no) for n, no in enumerate(under + over)])
    assert audited(decisions) == set(under)
    for d in decisions:
        assert d.decision == ("inspect" if d.waybill_no in under else "release")


@pytest.mark.parametrize("rate", [0.02, 0.2])
async def test_about_the_policys_rate_of_many_waybills_is_audited(
    engine: Engine, policy: Policy, rate: float
) -> None:
    """Over 1,000 parcels the audited share is near the policy's rate (within three standard deviations)."""
    engine.policy = with_rate(policy, rate)
    n = 1000
    base = 1_930_000_000_000 + int(rate * 1000) * 100_000
    decisions = await decide_batch(engine, [stranger(k, carrier="YTO", base=base) for k in range(n)])
    chosen = audited(decisions)
    slack = 3 * math.sqrt(n * rate * (1 - rate)) + 2
    assert abs(len(chosen) - rate * n) <= slack, (len(chosen), rate * n)
    assert all(d.decision == ("inspect" if d.waybill_no in chosen else "release") for d in decisions)
    assert {the(d, "RANDOM_AUDIT").evidence["rate"] for d in decisions if d.waybill_no in chosen} == {rate}


async def test_a_rate_of_zero_audits_no_parcel_not_even_those_of_the_smallest_draws(
    engine: Engine, policy: Policy
) -> None:
    """Audit rate 0: the parcels a 0.1 % rate would pick first are not picked, nor any other."""
    engine.policy = with_rate(policy, 0.0)
    lowest = numbers_with_draw("SF", 0.0, 0.001, 3, start=1_940_000_000_000)
    bodies = [stranger(k, waybill_no=no) for k, no in enumerate(lowest)]
    bodies += [stranger(k, base=1_941_000_000_000) for k in range(3, 300)]
    decisions = await decide_batch(engine, bodies)
    assert audited(decisions) == set()
    assert {d.decision for d in decisions} == {"release"}


@pytest.mark.parametrize(
    "lane", ["domestic", "letter-without-id", "export-postal", "import-postal", "cbec-import"]
)
async def test_a_rate_of_one_audits_a_parcel_of_every_lane(engine: Engine, policy: Policy, lane: str) -> None:
    """RANDOM_AUDIT draws from every parcel: at rate 1 each lane's clean parcel is inspected for it alone."""
    engine.policy = with_rate(policy, 1.0)
    d = await decide(engine, lane_parcel(lane))
    assert (d.decision, [r.code for r in d.reasons]) == ("inspect", ["RANDOM_AUDIT"])
    assert the(d, "RANDOM_AUDIT").evidence["rate"] == 1.0


@pytest.mark.parametrize("rate", [0.005, 0.25])
async def test_a_random_audit_reason_names_the_policys_rate_in_evidence_and_sentences(
    engine: Engine, policy: Policy, rate: float
) -> None:
    """The audit's evidence holds the rate in force and a draw under it; both sentences name the rate."""
    engine.policy = with_rate(policy, rate)
    (number,) = numbers_with_draw("SF", 0.0, rate, 1, start=1_950_000_000_000)
    d = await decide(engine, stranger(0, waybill_no=number))
    r = the(d, "RANDOM_AUDIT")
    assert (r.outcome, d.decision, d.reasons) == ("inspect", "inspect", [r])
    assert r.evidence["rate"] == rate
    assert 0.0 <= r.evidence["draw"] < rate
    shown = f"{rate * 100:g}%"  # as people read a rate: 0.5%, not 0.005 nor 5e-03
    assert shown in r.message and "抽检" in r.message, r.message
    assert shown in r.message_en and "random" in r.message_en.lower(), r.message_en


def test_over_http_an_audit_inspects_without_opening_a_case(client: ScoringClient, policy: Policy) -> None:
    """Contract: case_id is set only for a hold; an audit-only inspect has none, and reads back the same."""
    engine_of(client).policy = with_rate(policy, 1.0)
    wb = waybill()
    d = client.score(wb)
    assert (d["decision"], [r["code"] for r in d["reasons"]], d["case_id"]) == (
        "inspect",
        ["RANDOM_AUDIT"],
        None,
    )
    back = client.http.get(f"/v1/decisions/SF/{wb['waybill_no']}").json()
    assert (back["decision"], back["reasons"]) == (d["decision"], d["reasons"])


async def test_re_sent_bodies_are_audited_as_they_first_were_on_every_store(
    history_engine: Engine, policy: Policy
) -> None:
    """RULES.md §3: a re-send picks the same parcels, with the same decisions (embedded, Redis, Cluster)."""
    history_engine.policy = with_rate(policy, 0.3)
    bodies = [stranger(k, base=1_960_000_000_000) for k in range(40)]
    first = await decide_all(history_engine, bodies)
    assert 3 <= len(audited(first)) <= 25
    again = await decide_all(history_engine, bodies)
    assert audited(again) == audited(first)
    assert [(d.decision, d.reasons) for d in again] == [(d.decision, d.reasons) for d in first]


async def test_corrected_bodies_keep_their_parcels_audit_on_every_store(
    history_engine: Engine, policy: Policy
) -> None:
    """A changed body (value, pickup time, sender) is scored again, and the same parcels are audited."""
    history_engine.policy = with_rate(policy, 0.3)
    bodies = [stranger(k, base=1_961_000_000_000) for k in range(40)]
    chosen = audited(await decide_all(history_engine, bodies))
    corrected = [
        stranger(
            k + 500,
            waybill_no=wb["waybill_no"],
            hours_after=3.0,
            items=[item(quantity=3, unit_value=55.0)],
        )
        for k, wb in enumerate(bodies)
    ]
    rescored = await decide_all(history_engine, corrected)
    assert audited(rescored) == chosen
    assert {the(d, "RANDOM_AUDIT").evidence["draw"] for d in rescored if d.waybill_no in chosen} == {
        math.floor(audit_draw("SF", no) * 1e6) / 1e6
        for no in chosen  # six decimals, rounded down
    }


async def test_the_same_parcels_are_audited_whichever_store_keeps_the_history(
    history_engine: Engine, engine: Engine, policy: Policy
) -> None:
    """The draw depends on the parcel's key only: Redis and Cluster pick what the embedded store picks."""
    for e in (history_engine, engine):
        e.policy = with_rate(policy, 0.2)
    bodies = [stranger(k, base=1_962_000_000_000) for k in range(50)]
    on_store = audited(await decide_batch(history_engine, bodies))
    embedded = audited(await decide_all(engine, bodies))
    assert on_store == embedded and on_store


async def test_a_replay_through_a_fresh_engine_audits_the_same_parcels(
    engine: Engine, policy: Policy, settings: Settings
) -> None:
    """ARCHITECTURE.md: replays agree; a replay engine on a fresh history picks the same parcels."""
    rated = with_rate(policy, 0.2)
    engine.policy = rated
    bodies = [stranger(k, base=1_963_000_000_000) for k in range(60)]
    live = audited(await decide_all(engine, bodies))
    with replay_engine(settings=settings, policy=rated) as replayed:
        again = audited(await decide_all(replayed, bodies))
    assert again == live and live


async def test_a_batch_audits_the_parcels_single_calls_audit(
    engine: Engine, policy: Policy, settings: Settings, built: list[Engine]
) -> None:
    """Contract: a batch is scored as one by one; its audit picks are the single calls' picks."""
    other = build_engine(settings.model_copy(update={"data_dir": settings.data_dir.parent / "batch"}))
    built.append(other)
    for e in (engine, other):
        e.policy = with_rate(policy, 0.2)
    bodies = [stranger(k, base=1_964_000_000_000) for k in range(60)]
    single = await decide_all(engine, bodies)
    batch = await decide_batch(other, bodies)
    assert audited(batch) == audited(single) and audited(single)
    assert [(d.decision, d.reasons) for d in batch] == [(d.decision, d.reasons) for d in single]


def test_over_http_a_batch_audits_the_parcels_single_calls_audit(
    client: ScoringClient, policy: Policy, tmp_path: Path
) -> None:
    """POST /v1/score and POST /v1/score/batch on two services pick the same parcels for audit."""
    engine_of(client).policy = with_rate(policy, 0.2)
    bodies = [stranger(k, base=1_965_000_000_000) for k in range(40)]
    single = [client.score(wb) for wb in bodies]
    app = create_app(Settings(env="development", data_dir=tmp_path / "other"))
    with TestClient(app) as http:
        app.state.engine.policy = with_rate(policy, 0.2)
        r = http.post("/v1/score/batch", json={"waybills": bodies})
    assert r.status_code == 200, r.text[:400]
    batch = r.json()["decisions"]

    def picked(ds: list[dict[str, Any]]) -> set[str]:
        return {d["waybill_no"] for d in ds if any(x["code"] == "RANDOM_AUDIT" for x in d["reasons"])}

    assert picked(batch) == picked(single) and picked(single)
    assert [d["decision"] for d in batch] == [d["decision"] for d in single]


async def test_the_order_parcels_arrive_in_does_not_change_which_are_audited(
    engine: Engine, policy: Policy
) -> None:
    """Chosen by a hash, not a count: the same parcels in reverse order on a fresh history, same picks."""
    engine.policy = with_rate(policy, 0.2)
    bodies = [stranger(k, base=1_966_000_000_000) for k in range(60)]
    forward = audited(await decide_all(engine, bodies))
    engine.history = EmbeddedHistoryStore()
    backward = audited(await decide_all(engine, bodies[::-1]))
    assert forward == backward and forward


async def test_a_parcel_sent_twice_in_one_batch_is_audited_alike_in_both_slots(
    engine: Engine, policy: Policy
) -> None:
    """A parcel in two slots of a batch gets one draw: both slots audited, or neither."""
    engine.policy = with_rate(policy, 0.5)
    (picked_no,) = numbers_with_draw("SF", 0.0, 0.5, 1, start=1_967_000_000_000)
    (passed_no,) = numbers_with_draw("SF", 0.5, 1.0, 1, start=1_967_000_000_000)
    picked, passed = stranger(0, waybill_no=picked_no), stranger(1, waybill_no=passed_no)
    decisions = await decide_batch(engine, [picked, passed, picked, passed])
    assert [("RANDOM_AUDIT" in codes(d)) for d in decisions] == [True, False, True, False]
    assert decisions[2] == decisions[0] and decisions[3] == decisions[1]


async def test_the_audit_follows_the_parcels_key_not_its_content_or_pickup_time(
    engine: Engine, policy: Policy
) -> None:
    """The same (carrier, waybill_no) over other lanes, parties and times: the same parcels picked."""
    engine.policy = with_rate(policy, 0.3)
    numbers = [f"SF{1_968_000_000_000 + k}" for k in range(40)]
    domestic = audited(await decide_all(engine, [stranger(k, waybill_no=no) for k, no in enumerate(numbers)]))
    engine.history = EmbeddedHistoryStore()
    exports = [
        export_postal(
            waybill_no=no,
            hours_after=100.0 + k,
            sender=party(phone=f"135{k:08d}", id_number=resident_id(region="440305", seq=f"{k:03d}")),
            items=[item(quantity=1, unit_value=400.0)],
        )
        for k, no in enumerate(numbers)
    ]
    assert audited(await decide_all(engine, exports)) == domestic and domestic


async def test_the_carrier_is_part_of_the_audit_key(engine: Engine, policy: Policy) -> None:
    """The same waybill number under two carriers is two parcels with their own draws."""
    engine.policy = with_rate(policy, 0.005)
    n = 1_969_000_000
    while not (audit_draw("SF", str(n)) < 0.005 <= audit_draw("EMS", str(n))):
        n += 1
    sf = await decide(engine, stranger(0, carrier="SF", waybill_no=str(n)))
    ems = await decide(engine, stranger(1, carrier="EMS", waybill_no=str(n)))
    assert (sf.decision, codes(sf)) == ("inspect", {"RANDOM_AUDIT"})
    assert (ems.decision, codes(ems)) == ("release", set())


async def test_with_the_history_unreachable_the_same_parcels_are_audited(
    engine: Engine, policy: Policy
) -> None:
    """ARCHITECTURE.md: without history the stateless rules still run; the audit picks the same parcels."""
    engine.policy = with_rate(policy, 0.25)
    bodies = [stranger(k, base=1_970_000_000_000) for k in range(40)]
    live = audited(await decide_all(engine, bodies))
    dead = RedisHistoryStore.from_url("redis://127.0.0.1:1/0", timeout_s=0.1)
    engine.history = dead
    try:
        down = await decide_all(engine, bodies)
    finally:
        await dead.close()
    assert all("HISTORY_UNAVAILABLE" in codes(d) for d in down)
    assert audited(down) == live and live
    assert all(d.decision == ("inspect" if d.waybill_no in live else "release") for d in down)


async def test_a_re_sent_body_keeps_its_audit_decision_when_the_rate_changes(
    engine: Engine, policy: Policy
) -> None:
    """Contract: a re-sent body keeps its decision under a new rate; a changed body meets the new rate."""
    engine.policy = with_rate(policy, 0.0)
    quiet, loud = stranger(0, base=1_971_000_000_000), stranger(1, base=1_971_000_000_000)
    assert "RANDOM_AUDIT" not in codes(await decide(engine, quiet))
    engine.policy = with_rate(policy, 1.0, version="policy-audit-all")
    drawn = await decide(engine, loud)
    assert (drawn.decision, codes(drawn)) == ("inspect", {"RANDOM_AUDIT"})
    resent = await decide(engine, quiet)
    assert (resent.decision, codes(resent), resent.policy_version) == ("release", set(), "policy-1")
    changed = await decide(engine, {**quiet, "weight_kg": 0.8})
    assert (changed.decision, codes(changed), changed.policy_version) == (
        "inspect",
        {"RANDOM_AUDIT"},
        "policy-audit-all",
    )
    engine.policy = with_rate(policy, 0.0)
    assert await decide(engine, loud) == drawn
