"""Training, evaluating and registering a model: time split, inspection budgets, rules side by side."""

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import polars as pl
import xgboost as xgb

from features.vector import FEATURE_NAMES, HISTORY_NAMES, FeatureSet
from features.windows import DAY_MS
from models.card import calibration_plot, pr_plot, render_card
from models.evaluation import (
    BUDGETS,
    average_precision,
    brier,
    calibration,
    compare,
    expected_calibration_error,
    ranking,
    threshold_for_share,
)
from models.registry import ModelArtifact, Registry
from models.training import TrainingConfig, fit, model_bytes, predict
from screening.contract import SEVERITY
from screening.engine import Engine
from screening.modelling.dataset import build_dataset, confirmations
from screening.modelling.replay import replay
from screening.parcel import BEIJING
from screening.policy.sampling import audit_draw

# Share of training rows whose history features are blanked, so the model has seen the no-history case.
BLANKED = 0.03
HOLD_SHARE_OF_BUDGET = 0.2


@dataclass(frozen=True, slots=True)
class Split:
    """Boundaries of a time-based split (epoch ms, Beijing midnights)."""

    valid_from_ms: int
    test_from_ms: int


@dataclass(frozen=True, slots=True)
class Trained:
    """A registered version and its headline figures."""

    version: str
    metrics: dict[str, Any]


def beijing_midnight(at_ms: int) -> int:
    """The Beijing midnight at or before an instant."""
    offset = 8 * 3_600_000
    return (at_ms + offset) // DAY_MS * DAY_MS - offset


def time_split(at_ms: np.ndarray, *, test_days: int = 30, valid_days: int = 7) -> Split:
    """The last month is held out; the week before it chooses the stopping round and thresholds."""
    start, end = int(at_ms.min()), int(at_ms.max())
    if end - start >= (test_days + valid_days + 14) * DAY_MS:
        test_from = beijing_midnight(end - test_days * DAY_MS + DAY_MS)
        return Split(valid_from_ms=test_from - valid_days * DAY_MS, test_from_ms=test_from)
    # A short history: the last 30 % is the test, the 15 % before it the validation.
    span = end - start
    return Split(valid_from_ms=start + int(span * 0.55), test_from_ms=start + int(span * 0.7))


def _day(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=BEIJING).date().isoformat()


def labelled_table(engine: Engine, history: pl.DataFrame, features: FeatureSet) -> pl.DataFrame:
    """Offline features of every labelled parcel, the last scored version of each, in arrival order."""
    table = build_dataset(engine, history).features(features)
    return (
        table.filter(pl.col("label").is_not_null())
        .sort("row")
        .unique("parcel", keep="last", maintain_order=True)
    )


async def rules_severity(engine: Engine, history: pl.DataFrame, *, since_ms: int) -> dict[str, int]:
    """Each parcel's decision severity from replaying the rules since an instant (last version, no model)."""
    # Violations confirmed before the replay starts still count: they are recorded first.
    warm = history.filter(pl.col("accepted_at").dt.epoch("ms") >= since_ms)
    decided = await replay(engine, warm, confirmed=confirmations(history))
    return {f"{d.decision.carrier}:{d.decision.waybill_no}": SEVERITY[d.decision.decision] for d in decided}


def strategies(
    test: pl.DataFrame, scores: np.ndarray, severity: dict[str, int] | None, thresholds: dict[str, Any]
) -> dict[str, np.ndarray]:
    """Rankings to compare: the rules alone, the model alone, and the engine's decision with both."""
    # Ties (equal severity) go in a fixed random order: the parcel's audit draw.
    tiebreak = np.array([audit_draw(c, w) for c, w in zip(test["carrier"], test["waybill_no"], strict=True)])
    out = {"model": ranking(scores, tiebreak)}
    if severity is not None:
        rules = np.array([severity.get(p, 0) for p in test["parcel"]], dtype=np.float64)
        # The model's own reason at the thresholds: MODEL_HIGH_RISK holds, MODEL_ELEVATED_RISK inspects.
        model = np.where(
            scores > thresholds["hold_threshold"],
            SEVERITY["hold"],
            np.where(scores > thresholds["inspect_threshold"], SEVERITY["inspect"], SEVERITY["release"]),
        )
        out["rules"] = ranking(rules, tiebreak)
        out["rules_model"] = ranking(np.maximum(rules, model), scores, tiebreak)
    return {k: out[k] for k in ("rules", "model", "rules_model") if k in out}


def evaluation(
    test: pl.DataFrame,
    scores: np.ndarray,
    severity: dict[str, int] | None,
    thresholds: dict[str, Any],
    budgets: Sequence[float] = BUDGETS,
) -> dict[str, Any]:
    """The customs-selection metrics of one period."""
    labels = test["label"].to_numpy().astype(np.float64)
    evaded = test["evaded_cny"].fill_null(0.0).to_numpy()
    types = test["violation_type"].fill_null("").to_numpy().astype(str)
    table = calibration(scores, labels)
    return {
        "parcels": len(test),
        "positives": int(labels.sum()),
        "pr_auc": average_precision(scores, labels),
        "brier": brier(scores, labels),
        "ece": expected_calibration_error(table),
        "calibration": [asdict(b) for b in table],
        "strategies": compare(strategies(test, scores, severity, thresholds), labels, evaded, types, budgets),
    }


def matrix(table: pl.DataFrame) -> np.ndarray:
    """The feature matrix in FEATURE_NAMES order."""
    return table.select(FEATURE_NAMES).to_numpy().astype(np.float64)


async def train_model(
    *,
    engine: Engine,
    rules_engine: Engine | None,
    history: pl.DataFrame,
    registry: Registry,
    source: str,
    budget: float = 0.05,
    config: TrainingConfig | None = None,
    version: str | None = None,
    created: datetime | None = None,
) -> Trained:
    """Train on the earlier period, propose thresholds on the validation week, judge on the held-out month.

    engine prepares parcels (its history is not used); rules_engine, a fresh engine without a model, replays
    the rules for the rules-only comparison (None skips it, as the first-start bootstrap does).
    """
    config = config or TrainingConfig()
    features = FeatureSet(band=engine.policy.limits.near_limit_band)
    table = labelled_table(engine, history, features)
    at = table["at_ms"].to_numpy()
    split = time_split(at)
    train_mask = at < split.valid_from_ms
    valid_mask = (at >= split.valid_from_ms) & (at < split.test_from_ms)
    test_mask = at >= split.test_from_ms
    x, y = matrix(table), table["label"].to_numpy().astype(np.float64)
    x_train = x[train_mask].copy()
    blank = np.random.default_rng(config.seed).random(len(x_train)) < BLANKED
    history_columns = np.array([FEATURE_NAMES.index(n) for n in HISTORY_NAMES])
    x_train[np.ix_(blank, history_columns)] = np.nan
    booster = fit(
        x_train, y[train_mask], x[valid_mask], y[valid_mask], feature_names=FEATURE_NAMES, config=config
    )
    valid_scores = predict(booster, x[valid_mask], nthread=config.nthread)
    test_scores = predict(booster, x[test_mask], nthread=config.nthread)
    thresholds = {
        "budget": budget,
        "inspect_threshold": threshold_for_share(valid_scores, budget),
        "hold_threshold": threshold_for_share(valid_scores, budget * HOLD_SHARE_OF_BUDGET),
        "hold_share": budget * HOLD_SHARE_OF_BUDGET,
    }
    test = table.filter(pl.Series(test_mask))
    severity = None
    if rules_engine is not None:
        # Rules need each entity's history: replay from 30 days before the held-out month.
        severity = await rules_severity(rules_engine, history, since_ms=split.test_from_ms - 30 * DAY_MS)
    model = model_bytes(booster)
    created = created or datetime.now(UTC)
    version = version or f"xgb-{created:%Y%m%d-%H%M%S}"
    labels_all = table["label"].to_numpy()
    types = table.filter(pl.col("label") == 1)["violation_type"].value_counts()
    metrics: dict[str, Any] = {
        "created": created.isoformat(),
        "data": {
            "source": source,
            "parcels": len(table),
            "positives": int(labels_all.sum()),
            "by_type": {r["violation_type"]: r["count"] for r in types.iter_rows(named=True)},
            "first_day": _day(int(at.min())),
            "last_day": _day(int(at.max())),
        },
        "split": {
            "valid_from": _day(split.valid_from_ms),
            "test_from": _day(split.test_from_ms),
            "train_rows": int(train_mask.sum()),
            "valid_rows": int(valid_mask.sum()),
            "test_rows": int(test_mask.sum()),
            "blanked_share": BLANKED,
        },
        "config": config.as_dict(),
        "trees": booster.num_boosted_rounds(),
        "thresholds": thresholds,
        "valid": {"pr_auc": average_precision(valid_scores, y[valid_mask])},
        "test": evaluation(test, test_scores, severity, thresholds),
    }
    metrics["headline"] = headline(metrics["test"], budget)
    plots = _plots(test, test_scores, metrics["test"])
    card = render_card(metrics, version=version, feature_names=FEATURE_NAMES)
    registry.save(
        ModelArtifact(
            version=version,
            model=model,
            feature_names=FEATURE_NAMES,
            feature_params={"band": features.band},
            thresholds=thresholds,
            metrics=metrics,
            card=card,
            plots=plots,
        )
    )
    return Trained(version=version, metrics=metrics)


def headline(test: dict[str, Any], budget: float) -> dict[str, Any]:
    """The figures `screening models list` shows: PR-AUC and precision/recall at the budget."""
    out: dict[str, Any] = {"pr_auc": round(test["pr_auc"], 4), "budget": budget}
    for name, result in test["strategies"].items():
        row = min(result["budgets"], key=lambda b: abs(b["budget"] - budget))
        out[name] = {"precision": round(row["precision"], 4), "recall": round(row["recall"], 4)}
    return out


def _plots(test: pl.DataFrame, scores: np.ndarray, result: dict[str, Any]) -> dict[str, bytes]:
    labels = test["label"].to_numpy().astype(np.float64)
    points = {
        name: [(b["recall"], b["precision"]) for b in r["budgets"]]
        for name, r in result["strategies"].items()
    }
    return {
        "pr_curve.png": pr_plot(scores, labels, points),
        "calibration.png": calibration_plot(calibration(scores, labels)),
    }


async def evaluate_model(
    *,
    engine: Engine,
    rules_engine: Engine | None,
    booster: xgb.Booster,
    thresholds: dict[str, Any],
    history: pl.DataFrame,
    from_ms: int | None = None,
) -> dict[str, Any]:
    """A registered model on another history: the period from from_ms (default its last 30 days)."""
    features = FeatureSet(band=engine.policy.limits.near_limit_band)
    table = labelled_table(engine, history, features)
    at = table["at_ms"].to_numpy()
    if from_ms is None:
        end, start = int(at.max()), int(at.min())
        from_ms = beijing_midnight(end - 29 * DAY_MS) if end - start > 37 * DAY_MS else start
    test = table.filter(pl.col("at_ms") >= from_ms)
    scores = predict(booster, matrix(test))
    severity = None
    if rules_engine is not None:
        severity = await rules_severity(rules_engine, history, since_ms=from_ms - 30 * DAY_MS)
    out = evaluation(test, scores, severity, thresholds)
    out["from"] = _day(from_ms)
    out["to"] = _day(int(at.max()))
    return out
