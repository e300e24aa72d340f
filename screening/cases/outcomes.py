"""Case outcomes as the compliance audit reads them: violations confirmed or holds released."""

from datetime import datetime

import polars as pl
import sqlalchemy as sa
from sqlalchemy.orm import Session

from screening.cases.schemas import VIOLATION_STATUSES
from screening.cases.tables import Case, Label
from screening.compliance.case_outcomes import CASE_OUTCOMES_SCHEMA, CaseOutcomes
from screening.db import Database


def audit_status(status: str) -> str:
    """The audit's three outcomes: a confirmed violation, a released hold, or still open."""
    if status in VIOLATION_STATUSES:
        return "confirmed"
    return "released" if status == "released" else status


def case_outcomes(db: Database) -> CaseOutcomes:
    """A reader of the cases opened in a time range, in the audit's frame."""

    def read(*, opened_from: datetime, opened_to: datetime) -> pl.DataFrame:
        def query(session: Session) -> list[tuple[str, str, str, datetime, datetime | None]]:
            # An inspection that found a violation confirms its parcel's hold (README: "a confirmed
            # violation … or an inspection that found one") while the case is still open; an officer's
            # closing stands. By parcel, not case id: an inspection reported before a corrected body
            # was held found its violation all the same.
            found = (
                sa.select(sa.func.min(Label.at))
                .where(
                    Label.carrier == Case.carrier,
                    Label.waybill_no == Case.waybill_no,
                    Label.source == "inspection",
                    Label.label == 1,
                )
                .scalar_subquery()
            )
            rows = session.execute(
                sa.select(
                    Case.carrier, Case.waybill_no, Case.status, Case.opened_at, Case.closed_at, found
                ).where(Case.opened_at >= opened_from, Case.opened_at < opened_to)
            )
            return [
                (c, w, "confirmed", o, inspected)
                if cl is None and inspected is not None
                else (c, w, audit_status(s), o, cl)
                for c, w, s, o, cl, inspected in rows
            ]

        rows = db.read_sync(query)
        return pl.DataFrame(rows, schema=CASE_OUTCOMES_SCHEMA, orient="row")

    return read
