"""How customs judges a selection: what an inspection budget catches; PR-AUC; calibration."""

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

BUDGETS: tuple[float, ...] = (0.01, 0.02, 0.05, 0.10)


@dataclass(frozen=True, slots=True)
class AtBudget:
    """What inspecting the top share of parcels catches."""

    budget: float
    inspected: int
    caught: int
    precision: float
    recall: float
    value_share: float  # share of the evaded value the inspected violations carry


def ranking(*keys: np.ndarray) -> np.ndarray:
    """Parcel indices, most suspicious first: by the first key, ties by the next (all descending)."""
    # np.lexsort sorts ascending by the last key first.
    return np.lexsort(tuple(-np.asarray(k, dtype=np.float64) for k in reversed(keys)))


def at_budget(order: np.ndarray, labels: np.ndarray, evaded: np.ndarray, budget: float) -> AtBudget:
    """Precision, recall and evaded-value share when the first budget·n parcels of the order are inspected."""
    n = len(order)
    k = min(n, math.ceil(round(budget * n, 9)))
    chosen = order[:k]
    positives = labels.astype(bool)
    caught = int(positives[chosen].sum())
    total = int(positives.sum())
    value_total = float(evaded[positives].sum())
    value_caught = float(evaded[chosen][positives[chosen]].sum())
    return AtBudget(
        budget=budget,
        inspected=k,
        caught=caught,
        precision=caught / k if k else 0.0,
        recall=caught / total if total else 0.0,
        value_share=value_caught / value_total if value_total > 0 else 0.0,
    )


def budget_table(
    order: np.ndarray, labels: np.ndarray, evaded: np.ndarray, budgets: Sequence[float] = BUDGETS
) -> list[AtBudget]:
    """at_budget at every budget."""
    return [at_budget(order, labels, evaded, b) for b in budgets]


def average_precision(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the precision-recall curve as average precision (tied scores form one step)."""
    positives = int(labels.sum())
    if positives == 0:
        return 0.0
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order].astype(np.float64)
    tp = np.cumsum(y)
    # Only the last position of each run of tied scores is a threshold.
    last = np.r_[s[1:] != s[:-1], True]
    tp_at, n_at = tp[last], np.flatnonzero(last) + 1
    precision = tp_at / n_at
    recall_steps = np.diff(np.r_[0.0, tp_at]) / positives
    return float(np.sum(recall_steps * precision))


def pr_curve(scores: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Recall and precision at every distinct score threshold, highest threshold first."""
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], labels[order].astype(np.float64)
    tp = np.cumsum(y)
    last = np.r_[s[1:] != s[:-1], True]
    positives = max(1.0, float(labels.sum()))
    return tp[last] / positives, tp[last] / (np.flatnonzero(last) + 1)


@dataclass(frozen=True, slots=True)
class CalibrationBin:
    """Parcels whose score fell in one bin: their mean score and their observed violation rate."""

    low: float
    high: float
    count: int
    mean_score: float
    observed: float


def calibration(scores: np.ndarray, labels: np.ndarray, *, bins: int = 10) -> list[CalibrationBin]:
    """Reliability table over equal-width score bins (empty bins left out)."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    index = np.clip(np.digitize(scores, edges[1:-1], right=False), 0, bins - 1)
    out = []
    for b in range(bins):
        mask = index == b
        if mask.any():
            out.append(
                CalibrationBin(
                    low=float(edges[b]),
                    high=float(edges[b + 1]),
                    count=int(mask.sum()),
                    mean_score=float(scores[mask].mean()),
                    observed=float(labels[mask].mean()),
                )
            )
    return out


def expected_calibration_error(table: Sequence[CalibrationBin]) -> float:
    """Count-weighted mean gap between mean score and observed rate."""
    total = sum(b.count for b in table)
    return sum(b.count * abs(b.mean_score - b.observed) for b in table) / total if total else 0.0


def brier(scores: np.ndarray, labels: np.ndarray) -> float:
    """Mean squared error of the probabilities."""
    return float(np.mean((scores - labels) ** 2)) if len(scores) else 0.0


def recall_by_type(order: np.ndarray, types: np.ndarray, budget: float) -> dict[str, float]:
    """Per violation type, the share of its parcels inside the inspected budget."""
    k = min(len(order), math.ceil(round(budget * len(order), 9)))
    chosen = np.zeros(len(order), dtype=bool)
    chosen[order[:k]] = True
    out = {}
    for kind in sorted({str(t) for t in types if t}):
        mask = types == kind
        out[kind] = float(chosen[mask].mean())
    return out


def threshold_for_share(scores: np.ndarray, share: float) -> float:
    """The score above which (strictly) at most this share of parcels falls."""
    if not len(scores):
        return 1.0
    k = min(len(scores), max(1, math.ceil(round(share * len(scores), 9))))
    ranked = np.sort(scores)[::-1]
    return float(ranked[k]) if k < len(ranked) else 0.0


def compare(
    strategies: Mapping[str, np.ndarray],
    labels: np.ndarray,
    evaded: np.ndarray,
    types: np.ndarray,
    budgets: Sequence[float] = BUDGETS,
) -> dict[str, Any]:
    """Budget tables and per-type recall for several rankings of the same parcels."""
    return {
        name: {
            "budgets": [asdict(b) for b in budget_table(order, labels, evaded, budgets)],
            "recall_by_type": {f"{b:g}": recall_by_type(order, types, b) for b in budgets},
        }
        for name, order in strategies.items()
    }
