"""The model card: what a version was trained on, what it catches at each inspection budget, and two plots."""

import io
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from models.evaluation import CalibrationBin, pr_curve

STRATEGY_TITLES = {"rules": "rules only", "model": "model only", "rules_model": "rules + model"}


def pr_plot(
    scores: np.ndarray, labels: np.ndarray, points: Mapping[str, Sequence[tuple[float, float]]]
) -> bytes:
    """Precision-recall curve of the model, with each strategy's (recall, precision) at the budgets."""
    recall, precision = pr_curve(scores, labels)
    fig = Figure(figsize=(6, 4.5), dpi=100)
    ax = fig.add_subplot()
    ax.plot(recall, precision, label="model (all thresholds)", color="#1f77b4")
    markers = {"rules": ("s", "#d62728"), "model": ("o", "#1f77b4"), "rules_model": ("^", "#2ca02c")}
    for name, xy in points.items():
        marker, colour = markers.get(name, ("x", "black"))
        ax.scatter(
            [p[0] for p in xy],
            [p[1] for p in xy],
            marker=marker,
            color=colour,
            label=f"{STRATEGY_TITLES.get(name, name)} at budgets",
        )
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_title("Held-out period: precision against recall")
    ax.legend(loc="lower left", fontsize=8)
    ax.grid(alpha=0.3)
    return _png(fig)


def calibration_plot(table: Sequence[CalibrationBin]) -> bytes:
    """Reliability diagram: observed violation rate against mean score per bin."""
    fig = Figure(figsize=(5, 5), dpi=100)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect")
    ax.plot([b.mean_score for b in table], [b.observed for b in table], marker="o", label="model")
    for b in table:
        ax.annotate(
            str(b.count), (b.mean_score, b.observed), fontsize=7, xytext=(3, -8), textcoords="offset points"
        )
    ax.set_xlabel("mean predicted probability")
    ax.set_ylabel("observed violation rate")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_title("Calibration on the held-out period (labels: parcels per bin)")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    return _png(fig)


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def budget_markdown(strategies: Mapping[str, Any]) -> str:
    """The comparison table: precision, recall and evaded value caught per strategy at each budget."""
    names = [n for n in ("rules", "model", "rules_model") if n in strategies]
    head = (
        "| budget | " + " | ".join(f"{STRATEGY_TITLES[n]}: precision / recall / value" for n in names) + " |"
    )
    rule = "|---|" + "---|" * len(names)
    lines = [head, rule]
    budgets = strategies[names[0]]["budgets"]
    for i, b in enumerate(budgets):
        cells = []
        for n in names:
            r = strategies[n]["budgets"][i]
            cells.append(f"{r['precision']:.3f} / {r['recall']:.3f} / {r['value_share']:.3f}")
        lines.append(f"| {b['budget']:.0%} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def render_card(metrics: Mapping[str, Any], *, version: str, feature_names: Sequence[str]) -> str:
    """MODEL_CARD.md of one version, from its metrics.json content."""
    data, split, test = metrics["data"], metrics["split"], metrics["test"]
    t = metrics["thresholds"]
    by_type = ", ".join(f"{k} {v}" for k, v in sorted(data["by_type"].items())) or "none"
    out = [
        f"# Model card: {version}",
        "",
        "Gradient-boosted trees (xgboost, `binary:logistic`): the probability that a parcel is a violation",
        "(ant moving, counterfeit, prohibited goods, undervaluation, cbec resale). Served by",
        "`screening/scoring.py`; a score over the policy's thresholds becomes MODEL_ELEVATED_RISK (inspect)",
        "or MODEL_HIGH_RISK (hold), with the features that raised it most.",
        "",
        "## Data",
        f"- history: {data['source']}",
        f"- {data['parcels']} parcels, {data['positives']} violations",
        f"- from {data['first_day']} to {data['last_day']}",
        f"- violations by type: {by_type}",
        f"- time-based split: train before {split['valid_from']}, validation (early stopping, thresholds)",
        f"  before {split['test_from']}, held-out test from {split['test_from']} to {data['last_day']}",
        f"- rows: train {split['train_rows']}, validation {split['valid_rows']}, test {split['test_rows']};",
        f"  history features blanked on {split['blanked_share']:.0%} of training rows (as without history)",
        "",
        "## Proposed thresholds",
        f"For an inspection budget of {t['budget']:.0%} of parcels, chosen on the validation period:",
        f"`inspect_threshold = {t['inspect_threshold']:.4f}`, `hold_threshold = {t['hold_threshold']:.4f}`",
        f"(the top {t['hold_share']:.1%}). The thresholds in force stay in the policy file",
        "(`[model]` in `screening/policy/policy.toml`): change them there.",
        "",
        "## Held-out period: what each budget catches",
        "Rules only ranks parcels by the engine's decision from replaying the rules (reject > hold >",
        "inspect > release; ties in random order); model only by score; rules + model by the engine's",
        "decision with the model's reasons at the proposed thresholds, then by score. Value = share of the",
        "evaded value (the duty base of the violations) that the inspected parcels carry.",
        "",
        budget_markdown(test["strategies"]),
        "",
    ]
    if "rules" not in test["strategies"]:
        out += [
            "The rules were not replayed for this version (a bootstrap model): run `screening train`.",
            "",
        ]
    out += [
        f"PR-AUC (average precision) {test['pr_auc']:.3f}; Brier score {test['brier']:.4f};",
        f"expected calibration error {test['ece']:.4f}.",
        "",
        f"Recall per violation type at the {t['budget']:.0%} budget:",
        "",
        "| type | rules only | model only | rules + model |",
        "|---|---|---|---|",
    ]
    key = f"{t['budget']:g}"
    recalls = {n: r["recall_by_type"].get(key, {}) for n, r in test["strategies"].items()}
    for kind in sorted(recalls["model"]):
        cells = [
            f"{recalls[n][kind]:.3f}" if n in recalls else "-" for n in ("rules", "model", "rules_model")
        ]
        out.append(f"| {kind} | " + " | ".join(cells) + " |")
    out += [
        "",
        "![precision-recall](pr_curve.png)",
        "",
        "![calibration](calibration.png)",
        "",
        "## Training",
        f"- config: `{metrics['config']}`",
        f"- {metrics.get('trees', '?')} trees; reproducible bit for bit from the seed and thread count",
        f"- {len(feature_names)} features, each defined once in `features/vector.py` (online and offline):",
        "  " + ", ".join(f"`{n}`" for n in feature_names),
        "",
        "## Limits",
        "- Trained on the simulator's world (`screening simulate`), not on real parcels: the figures say how",
        "  well the pipeline learns that world. Labels from `screening labels export` replace simulated",
        "  ones.",
        "- The history store keeps at most 2,000 events per entity and trims to 30 days + 1 hour from the",
        "  newest event; offline counts are not truncated, so very busy entities and parcels uploaded more",
        "  than an hour late can differ slightly between training and serving.",
        "",
    ]
    return "\n".join(out)
