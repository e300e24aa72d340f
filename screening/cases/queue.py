"""Reading the queue: one page with filters and counts, one case in full, a case's status."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from screening.cases import audit
from screening.cases.priority import priority
from screening.cases.schemas import (
    ACTIVE,
    CLOSED,
    STATUSES,
    Attachment,
    CaseDetail,
    CasePage,
    CaseQuery,
    CaseSummary,
    LinkedParcel,
    Note,
    PriorCase,
)
from screening.cases.snapshot import TWIN
from screening.cases.tables import Case, CaseAttachment, CaseEntity, CaseNote, CaseReason
from screening.errors import CaseNotFound

PRIOR_CASES_SHOWN = 20


def _summary_fields(case: Case, *, now: datetime) -> dict[str, Any]:
    return {
        "case_id": case.case_id,
        "carrier": case.carrier,
        "waybill_no": case.waybill_no,
        "status": case.status,
        "assignee": case.assignee,
        "priority": priority(base=case.priority_base, opened_at=case.opened_at, until=case.closed_at or now),
        "risk_score": case.risk_score,
        "reason_codes": [r["code"] for r in case.decision.get("reasons", [])],
        "lane": case.lane,
        "channel": case.channel,
        "outlet_id": case.outlet_id,
        "cluster_id": case.cluster_id,
        "opened_at": case.opened_at,
        "sla_due_at": case.sla_due_at,
        "overdue": case.status in ACTIVE and case.sla_due_at < now,
        "closed_at": case.closed_at,
    }


def summary(case: Case, *, now: datetime) -> CaseSummary:
    """One line of the queue."""
    return CaseSummary.model_validate(_summary_fields(case, now=now))


def case_status(session: Session, *, case_id: str) -> str | None:
    """The case's status, None when there is no such case."""
    return session.scalar(sa.select(Case.status).where(Case.case_id == case_id))


def held_decision(session: Session, *, case_id: str) -> tuple[dict[str, Any], str] | None:
    """The hold a case was opened (or last updated) with, and the case's status; None without the case,
    or when a later body of the parcel was decided without a hold (the hold is no longer its decision)."""
    row = session.execute(
        sa.select(Case.decision, Case.status, Case.decision_digest).where(Case.case_id == case_id)
    ).first()
    # note_not_held empties the digest: the parcel's latest decision is not this hold.
    return None if row is None or not row.decision_digest else (dict(row.decision), row.status)


def _filters(query: CaseQuery, *, now: datetime, with_status: bool) -> list[Any]:
    where: list[Any] = []
    if with_status and query.status:
        where.append(Case.status.in_(query.status))
    if query.lane:
        where.append(Case.lane == query.lane)
    if query.carrier:
        where.append(Case.carrier == query.carrier)
    if query.outlet:
        where.append(Case.outlet_id == query.outlet)
    if query.reason:
        where.append(Case.case_id.in_(sa.select(CaseReason.case_id).where(CaseReason.code == query.reason)))
    if query.opened_from:
        where.append(Case.opened_at >= query.opened_from)
    if query.opened_to:
        where.append(Case.opened_at < query.opened_to)
    if query.assignee:
        where.append(Case.assignee == query.assignee)
    if query.unassigned:
        where.append(Case.assignee.is_(None))
    if query.cluster_id:
        where.append(Case.cluster_id == query.cluster_id)
    if query.overdue is True:
        where.extend([Case.status.in_(ACTIVE), Case.sla_due_at < now])
    elif query.overdue is False:
        where.append(sa.or_(Case.status.in_(CLOSED), Case.sla_due_at >= now))
    return where


def list_cases(session: Session, *, query: CaseQuery, now: datetime) -> CasePage:
    """A page of the queue with counts per status (the status filter aside)."""
    where = _filters(query, now=now, with_status=True)
    order = {
        "priority": [Case.priority_key.desc(), Case.case_id],
        "age": [Case.opened_at.asc(), Case.case_id],
        "newest": [Case.opened_at.desc(), Case.case_id],
    }[query.sort]
    total = session.scalar(sa.select(sa.func.count()).select_from(Case).where(*where)) or 0
    rows = session.scalars(
        sa.select(Case)
        .where(*where)
        .order_by(*order)
        .offset((query.page - 1) * query.per_page)
        .limit(query.per_page)
    ).all()
    counted = session.execute(
        sa.select(Case.status, sa.func.count())
        .where(*_filters(query, now=now, with_status=False))
        .group_by(Case.status)
    ).all()
    counts = dict.fromkeys(STATUSES, 0) | {str(status): int(n) for status, n in counted}
    return CasePage(
        items=[summary(c, now=now) for c in rows],
        total=total,
        page=query.page,
        per_page=query.per_page,
        counts=counts,
    )


def get_case(session: Session, *, case_id: str, now: datetime) -> CaseDetail:
    """One case with its linked parcels, prior cases of its entities, notes, attachments and history."""
    case = session.get(Case, case_id)
    if case is None:
        raise CaseNotFound(f"no case {case_id}")
    return CaseDetail.model_validate(
        {
            **_summary_fields(case, now=now),
            "accepted_at": case.accepted_at,
            "decision": case.decision,
            "waybill": case.waybill,
            "sender_id_masked": case.sender_id_masked,
            "receiver_id_masked": case.receiver_id_masked,
            "violation_type": case.violation_type,
            "linked": _linked(session, case),
            "prior_cases": _prior_cases(session, case),
            "notes": [
                Note(id=n.id, author=n.author, at=n.at, text=n.text)
                for n in session.scalars(
                    sa.select(CaseNote).where(CaseNote.case_id == case_id).order_by(CaseNote.id)
                )
            ],
            "attachments": [
                Attachment(
                    id=a.id,
                    kind=a.kind,
                    reference=a.reference,
                    sha256=a.sha256,
                    added_by=a.added_by,
                    added_at=a.added_at,
                )
                for a in session.scalars(
                    sa.select(CaseAttachment)
                    .where(CaseAttachment.case_id == case_id)
                    .order_by(CaseAttachment.id)
                )
            ],
            "history": audit.of_case(session, case_id=case_id),
        }
    )


def shares_an_entity(case_id: Any, keys: Any) -> sa.Exists:
    """Whether the case (by its id column) was counted under one of these entity keys."""
    return sa.exists().where(CaseEntity.case_id == case_id, CaseEntity.entity_key.in_(keys))


def ring_keys(entities: Mapping[str, str], decision: Mapping[str, Any]) -> list[str]:
    """The entity keys (of key → kind) whose history the decision's linked waybills came from."""
    kinds = {
        r["evidence"].get("entity")
        for r in decision.get("reasons", ())
        if isinstance(r.get("evidence"), dict) and r["evidence"].get("linked_waybills")
    }
    return [key for key, kind in entities.items() if kind in kinds] or list(entities)


def case_ring_keys(session: Session, case: Case) -> list[str]:
    """ring_keys of a stored case."""
    rows = session.execute(
        sa.select(CaseEntity.entity_key, CaseEntity.kind).where(CaseEntity.case_id == case.case_id)
    )
    return ring_keys(dict(rows.all()), case.decision)


def _linked(session: Session, case: Case) -> list[LinkedParcel]:
    numbers = list(case.linked_waybills)
    if not numbers:
        return []
    # Linked waybill numbers carry no carrier (the contract's evidence): a ring's parcels come from one
    # entity's history, so another carrier's case that only shares a number is told apart by that entity.
    related = sa.select(Case).where(
        Case.waybill_no.in_(numbers), shares_an_entity(Case.case_id, case_ring_keys(session, case))
    )
    cases = {c.waybill_no: c for c in session.scalars(related)}
    return [
        LinkedParcel(
            waybill_no=n,
            case_id=cases[n].case_id if n in cases else None,
            status=cases[n].status if n in cases else None,
        )
        for n in numbers
    ]


def _prior_cases(session: Session, case: Case) -> list[PriorCase]:
    # Every other case of any of this parcel's entities, newest first (earlier rings and later ones).
    mine = {
        e.entity_key: e.kind
        for e in session.scalars(sa.select(CaseEntity).where(CaseEntity.case_id == case.case_id))
    }
    if not mine:
        return []
    shared = session.execute(
        sa.select(CaseEntity.case_id, CaseEntity.entity_key, CaseEntity.kind).where(
            CaseEntity.entity_key.in_(mine), CaseEntity.case_id != case.case_id
        )
    ).all()
    kinds: dict[str, set[str]] = {}
    for other, key, kind in shared:
        # A person in their other role on both parcels: what the two share is the role they were counted in.
        if not (mine[key].startswith(TWIN) and kind.startswith(TWIN)):
            kinds.setdefault(other, set()).add(mine[key].removeprefix(TWIN))
    if not kinds:
        return []
    others = session.scalars(
        sa.select(Case)
        .where(Case.case_id.in_(kinds))
        .order_by(Case.opened_at.desc())
        .limit(PRIOR_CASES_SHOWN)
    )
    return [
        PriorCase(
            case_id=o.case_id,
            status=o.status,
            opened_at=o.opened_at,
            shared=sorted(kinds[o.case_id]),
        )
        for o in others
    ]
