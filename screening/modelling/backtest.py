"""Backtest: replay a period through the full engine (rules + model, fresh history); report what it did."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl

from screening.contract import Decision
from screening.engine import Engine
from screening.modelling.replay import replay
from screening.parcel import BEIJING

OUTCOMES = ("release", "inspect", "hold", "reject")


@dataclass(frozen=True, slots=True)
class DayLoad:
    """One Beijing day: parcels decided and how many each outcome took."""

    day: str
    parcels: int
    inspect: int
    hold: int
    reject: int

    @property
    def load(self) -> float:
        """Share of the day's parcels sent to inspection or held."""
        return (self.inspect + self.hold) / self.parcels if self.parcels else 0.0


@dataclass(frozen=True, slots=True)
class Backtest:
    """What the engine would have decided over a period."""

    parcels: int
    policy_version: str
    model_version: str
    decisions: dict[str, int]
    reasons: dict[str, int]
    catch: dict[str, dict[str, float]]
    days: list[DayLoad] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """Plain values for --json."""
        return {
            "parcels": self.parcels,
            "policy_version": self.policy_version,
            "model_version": self.model_version,
            "decisions": self.decisions,
            "decision_rates": {
                k: v / self.parcels if self.parcels else 0.0 for k, v in self.decisions.items()
            },
            "reasons": self.reasons,
            "catch": self.catch,
            "days": [_day(d) for d in self.days],
        }


def _day(d: DayLoad) -> dict[str, Any]:
    return {
        "day": d.day,
        "parcels": d.parcels,
        "inspect": d.inspect,
        "hold": d.hold,
        "reject": d.reject,
        "load": d.load,
    }


async def backtest(engine: Engine, history: pl.DataFrame) -> Backtest:
    """Decide every row in arrival order; each parcel counts once, with its last decision."""
    decided = await replay(engine, history)
    last: dict[str, tuple[int, Decision]] = {}
    for d in decided:
        last[f"{d.decision.carrier}:{d.decision.waybill_no}"] = (d.row, d.decision)
    rows = history.select(
        "accepted_at",
        label=pl.col("label") if "label" in history.columns else pl.lit(None, dtype=pl.Int8),
        violation_type=pl.col("violation_type") if "violation_type" in history.columns else pl.lit(""),
    )
    outcomes: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    caught: Counter[str] = Counter()
    of_type: Counter[str] = Counter()
    per_day: dict[str, Counter[str]] = {}
    for row_index, decision in last.values():
        row = rows.row(row_index, named=True)
        outcomes[decision.decision] += 1
        reasons.update({r.code for r in decision.reasons})
        day = _beijing_day(row["accepted_at"])
        counts = per_day.setdefault(day, Counter())
        counts["parcels"] += 1
        counts[decision.decision] += 1
        if row["label"] == 1:
            kind = row["violation_type"] or "unspecified"
            of_type[kind] += 1
            of_type["all"] += 1
            if decision.decision != "release":
                caught[kind] += 1
                caught["all"] += 1
    return Backtest(
        parcels=len(last),
        policy_version=engine.policy.version,
        model_version=engine.model_version,
        decisions={o: outcomes.get(o, 0) for o in OUTCOMES},
        reasons=dict(reasons.most_common()),
        catch={
            k: {"parcels": n, "stopped": caught[k], "rate": caught[k] / n} for k, n in sorted(of_type.items())
        },
        days=[
            DayLoad(day=d, parcels=c["parcels"], inspect=c["inspect"], hold=c["hold"], reject=c["reject"])
            for d, c in sorted(per_day.items())
        ],
    )


def _beijing_day(at: datetime) -> str:
    return at.astimezone(BEIJING).date().isoformat()


def render(report: Backtest) -> str:
    """The backtest as text: decision rates, catch rates per violation type, inspection load per day."""
    n = max(1, report.parcels)
    lines = [
        f"parcels {report.parcels}   policy {report.policy_version}   model {report.model_version}",
        "",
        "decision   parcels    share",
    ]
    lines += [f"{o:<9} {report.decisions[o]:>8} {report.decisions[o] / n:>8.2%}" for o in OUTCOMES]
    lines += ["", "violation type      parcels  stopped     rate"]
    lines += [
        f"{k:<18} {v['parcels']:>8.0f} {v['stopped']:>8.0f} {v['rate']:>8.2%}"
        for k, v in report.catch.items()
    ]
    lines += ["", "reason                       parcels"]
    lines += [f"{code:<28} {count:>8}" for code, count in report.reasons.items()]
    lines += ["", "day           parcels  inspect     hold   reject     load"]
    lines += [
        f"{d.day}  {d.parcels:>8} {d.inspect:>8} {d.hold:>8} {d.reject:>8} {d.load:>8.2%}"
        for d in report.days
    ]
    return "\n".join(lines)
