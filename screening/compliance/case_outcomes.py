"""How the audit reads case outcomes: one frame (carrier, waybill_no, status, opened_at, closed_at).

The case workflow maps its own statuses onto three: `confirmed` (a violation was confirmed), `released`
(the hold was lifted), anything else is still open.
"""

from datetime import datetime
from typing import Protocol

import polars as pl

from screening.decisionlog.record import UTC_MICROS

CASE_OUTCOMES_SCHEMA = pl.Schema(
    {
        "carrier": pl.String(),
        "waybill_no": pl.String(),
        "status": pl.String(),
        "opened_at": UTC_MICROS,
        "closed_at": UTC_MICROS,
    }
)
CLOSED = ("confirmed", "released")


class CaseOutcomes(Protocol):
    """Reads the outcomes of the cases opened in a time range."""

    def __call__(self, *, opened_from: datetime, opened_to: datetime) -> pl.DataFrame:
        """Cases opened in [opened_from, opened_to), in CASE_OUTCOMES_SCHEMA."""
        ...


def no_case_outcomes(*, opened_from: datetime, opened_to: datetime) -> pl.DataFrame:
    """No case records (before the case workflow is wired): every hold shows as open."""
    return pl.DataFrame(schema=CASE_OUTCOMES_SCHEMA)


def hold_outcomes(holds: pl.DataFrame, cases: pl.DataFrame) -> pl.DataFrame:
    """Holds with their case's outcome ('confirmed', 'released', 'open') and hours to resolve when closed."""
    latest = (
        cases.select(CASE_OUTCOMES_SCHEMA.names())
        .cast(CASE_OUTCOMES_SCHEMA)
        .sort("opened_at")
        .unique(subset=["carrier", "waybill_no"], keep="last")
    )
    closed = pl.col("status").is_in(CLOSED) & pl.col("closed_at").is_not_null()
    return (
        holds.join(latest, on=["carrier", "waybill_no"], how="left")
        .with_columns(
            outcome=pl.when(closed).then(pl.col("status")).otherwise(pl.lit("open")),
            # An inspection may find the violation before a late-scored hold opened its case: no time.
            resolve_hours=pl.when(closed).then(
                ((pl.col("closed_at") - pl.col("opened_at")).dt.total_seconds(fractional=True) / 3600).clip(
                    lower_bound=0.0
                )
            ),
        )
        .drop("status", "opened_at", "closed_at")
    )
