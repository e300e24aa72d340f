"""Training labels and the feedback loop's pending violations."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from screening.cases.tables import Label


@dataclass(frozen=True, slots=True)
class PendingViolation:
    """A positive label not yet recorded in the history store."""

    label_id: int
    parcel: str
    entity_keys: tuple[str, ...]
    at_ms: int


def pending_violations(
    session: Session, *, ids: Sequence[int] | None = None, limit: int = 500
) -> list[PendingViolation]:
    """Positive labels whose entities' violations are not yet in the history (some or all of ids)."""
    query = sa.select(Label).where(Label.applied_at.is_(None)).order_by(Label.id).limit(limit)
    if ids is not None:
        query = query.where(Label.id.in_(ids))
    return [
        PendingViolation(
            label_id=row.id,
            parcel=f"{row.carrier}:{row.waybill_no}",
            entity_keys=tuple(row.entity_keys),
            at_ms=int(row.violation_at.timestamp() * 1000),
        )
        for row in session.scalars(query)
    ]


def mark_applied(session: Session, *, label_ids: Sequence[int], now: datetime) -> None:
    """Note that these labels' violations are in the history store."""
    if label_ids:
        session.execute(sa.update(Label).where(Label.id.in_(label_ids)).values(applied_at=now))


def label_rows(session: Session) -> list[dict[str, Any]]:
    """Every training label, oldest first, in the export's columns."""
    rows = session.scalars(sa.select(Label).order_by(Label.at, Label.id))
    return [
        {
            "carrier": r.carrier,
            "waybill_no": r.waybill_no,
            "label": r.label,
            "violation_type": r.violation_type,
            "source": r.source,
            "at": r.at,
            "case_id": r.case_id,
        }
        for r in rows
    ]
