"""A case's priority: its risk now, plus a point per hour it has waited.

priority = 100 × risk_score + 25 × (hold/reject reasons, at most 4) + 1 × hours since opened

So a model score of 0.9 alone (90) outranks one hold reason (25) until that case has waited
65 hours longer; a case at its 24-hour SLA has gained 24 points. The queue sorts in SQL by
priority_key = base − hours(opened_at since the epoch), which orders cases exactly as priority
does at any moment (the current time adds the same amount to every case) with no clock in SQL.
"""

from datetime import datetime

RISK_POINTS = 100.0
REASON_POINTS = 25.0
MAX_REASONS = 4
POINTS_PER_HOUR = 1.0


def base_points(*, risk_score: float, hold_reasons: int) -> float:
    """The part of the priority that does not change with time."""
    return round(RISK_POINTS * risk_score + REASON_POINTS * min(hold_reasons, MAX_REASONS), 3)


def priority_key(*, base: float, opened_at: datetime) -> float:
    """The stored ordering key (larger first)."""
    return base - POINTS_PER_HOUR * opened_at.timestamp() / 3600


def priority(*, base: float, opened_at: datetime, until: datetime) -> float:
    """The priority shown at a moment (until: now, or when the case was closed)."""
    hours = max(0.0, (until - opened_at).total_seconds() / 3600)
    return round(base + POINTS_PER_HOUR * hours, 1)
