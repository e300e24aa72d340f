"""Case workflow, one SQL transaction each: open or update a case, act on it, note, attach, unmask, inspect.

Every function that writes locks the audit chain's head first, so writes to cases queue up and
each one lands in the trail in the same transaction as the change it records.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from screening.cases import audit
from screening.cases.priority import base_points, priority_key
from screening.cases.queue import case_ring_keys, ring_keys, shares_an_entity, summary
from screening.cases.schemas import (
    CLOSED,
    STATUS_AFTER,
    VIOLATION_STATUSES,
    Action,
    Attachment,
    AttachmentRequest,
    BulkResult,
    CaseDraft,
    CaseStatus,
    CaseSummary,
    InspectionOutcome,
    Note,
    NotHeldNote,
    Unmasked,
)
from screening.cases.snapshot import TWIN, case_id_of, cluster_id_of
from screening.cases.tables import (
    AuditHead,
    Case,
    CaseAttachment,
    CaseEntity,
    CaseLink,
    CaseNote,
    CaseReason,
    Label,
)
from screening.contract import Inspection
from screening.errors import CaseAlreadyDecided, CaseNotFound
from screening.privacy import PersonalData

SYSTEM = "system"


def _snapshot_audit(case: Case) -> dict[str, Any]:
    return {
        "risk_score": case.risk_score,
        "reason_codes": [r["code"] for r in case.decision.get("reasons", [])],
        "policy_version": case.decision.get("policy_version"),
        "model_version": case.decision.get("model_version"),
    }


# Opening and updating ---------------------------------------------------------------------------


_CASES = cast(sa.Table, Case.__table__)
_REASONS = cast(sa.Table, CaseReason.__table__)
_LINKS = cast(sa.Table, CaseLink.__table__)
_ENTITIES = cast(sa.Table, CaseEntity.__table__)
# The parcel's own case, if any, and in the same round trip the cases its ring would join (see _join_cluster).
# A union of three lookups, each by an index: joined by OR, PostgreSQL scanned every case for each hold.
_CASE_COLUMNS = (
    _CASES.c.case_id,
    _CASES.c.cluster_id,
    _CASES.c.status,
    _CASES.c.scored_at,
    _CASES.c.decision_digest,
)
# Linked waybills are numbers without a carrier (the contract's evidence); a ring's parcels come from one
# entity's history, so a related case must also have been counted under that entity: another carrier's
# case with the same number is not pulled into the ring.
_SHARES_AN_ENTITY = shares_an_entity(_CASES.c.case_id, sa.bindparam("keys", expanding=True))
_CASE_AND_RELATED = sa.union(
    sa.select(*_CASE_COLUMNS).where(_CASES.c.case_id == sa.bindparam("case_id")),
    sa.select(*_CASE_COLUMNS).where(
        _CASES.c.waybill_no.in_(sa.bindparam("linked", expanding=True)), _SHARES_AN_ENTITY
    ),
    sa.select(*_CASE_COLUMNS)
    .join(_LINKS, _LINKS.c.case_id == _CASES.c.case_id)
    .where(_LINKS.c.waybill_no == sa.bindparam("waybill_no"), _SHARES_AN_ENTITY),
)

# Built once: building and keying a statement per hold cost as much CPU as running it.
_INSERT_CASE = sa.insert(_CASES)
_INSERT_REASONS = sa.insert(_REASONS)
_INSERT_LINKS = sa.insert(_LINKS)
_INSERT_ENTITIES = sa.insert(_ENTITIES)
_MOVE_TO_RING = (
    sa.update(_CASES)
    .where(
        sa.or_(
            _CASES.c.case_id.in_(sa.bindparam("moved", expanding=True)),
            _CASES.c.cluster_id.in_(sa.bindparam("merged", expanding=True)),
        )
    )
    .values(cluster_id=sa.bindparam("ring"))
)
_RESEEN = (
    sa.update(_CASES).where(_CASES.c.case_id == sa.bindparam("id")).values(scored_at=sa.bindparam("seen"))
)


def upsert_case(session: Session, *, draft: CaseDraft, sla_hours: float) -> CaseStatus:
    """Open the parcel's case, or update an open one with a newer, different hold; idempotent."""
    # Every hold comes here, so the common cases (a new case, a replay) go through Core statements:
    # the ORM's unit of work cost several times the SQL itself. Updates to a case stay on the ORM.
    connection = session.connection()
    chain = audit.lock_chain(connection)
    rows = connection.execute(
        _CASE_AND_RELATED,
        {
            "case_id": draft.case_id,
            "waybill_no": draft.waybill_no,
            "linked": list(draft.linked_waybills),
            "keys": ring_keys(draft.entities, draft.decision),
        },
    ).all()
    existing = next((r for r in rows if r.case_id == draft.case_id), None)
    if existing is None:
        _open(connection, chain, draft=draft, sla_hours=sla_hours, related=rows)
        return "open"
    status: CaseStatus = existing.status
    if draft.scored_at <= existing.scored_at:
        return status  # a replay, or an older hold arriving late: the newer one stands
    if draft.decision_digest == existing.decision_digest:
        connection.execute(_RESEEN, {"id": draft.case_id, "seen": draft.scored_at})
        return status
    head = session.get(AuditHead, audit.HEAD_ID)  # locked above, in this transaction
    case = session.get(Case, draft.case_id)
    assert head is not None and case is not None
    return _update(session, head, case, draft=draft)


def note_not_held(session: Session, *, note: NotHeldNote) -> CaseStatus | None:
    """Put on a case's record that a corrected body of its parcel is no longer held; its status stays."""
    # The officer decides what becomes of the case; its trail tells them why.
    head = audit.lock(session)
    case = session.get(Case, note.case_id)
    if case is None:
        return None
    status: CaseStatus = case.status  # type: ignore[assignment]
    if note.scored_at <= case.scored_at:
        return status  # a replay, or older than what the case holds
    case.scored_at = note.scored_at
    case.decision_digest = ""  # a later hold, even the first one again, counts as a rescore
    after: dict[str, Any] = {"decision": note.decision, "reason_codes": list(note.reason_codes)}
    if status not in CLOSED and note.entities:
        # The body in force is the parcel: a violation found on it reaches its people, not the earlier body's
        # (a closed case keeps what the officer decided on).
        before = dict(
            session.execute(
                sa.select(CaseEntity.entity_key, CaseEntity.kind).where(CaseEntity.case_id == note.case_id)
            ).all()
        )
        moved = {v for k, v in note.entities.items() if before.get(k) != v}
        moved |= {v for k, v in before.items() if note.entities.get(k) != v}
        # The trail names the kinds whose entity changed (no keys: they are personal data, keyed or not).
        if shown := sorted(v for v in moved if not v.startswith(TWIN)):
            after["entities_moved"] = shown
        session.execute(sa.delete(CaseEntity).where(CaseEntity.case_id == note.case_id))
        session.add_all(
            CaseEntity(case_id=note.case_id, entity_key=k, kind=v) for k, v in note.entities.items()
        )
        if note.accepted_at is not None:
            case.accepted_at = note.accepted_at
    audit.append(
        session,
        head,
        at=note.scored_at,
        actor=SYSTEM,
        action="rescored_not_held",
        case_id=note.case_id,
        after=after,
    )
    return status


def _update(session: Session, head: AuditHead, case: Case, *, draft: CaseDraft) -> CaseStatus:
    status: CaseStatus = case.status  # type: ignore[assignment]
    case.scored_at = draft.scored_at
    if status in CLOSED:
        # The officer decided on the earlier snapshot; it stays. The new hold is on the record.
        case.decision_digest = draft.decision_digest
        audit.append(
            session,
            head,
            at=draft.scored_at,
            actor=SYSTEM,
            action="held_again",
            case_id=case.case_id,
            after={"risk_score": draft.risk_score, "reason_codes": list(draft.reason_codes)},
        )
        return status
    before = _snapshot_audit(case)
    _apply_snapshot(session, case, draft=draft)
    audit.append(
        session,
        head,
        at=draft.scored_at,
        actor=SYSTEM,
        action="rescored",
        case_id=case.case_id,
        before=before,
        after={**_snapshot_audit(case), "cluster_id": case.cluster_id},
    )
    return status


def _open(
    connection: sa.Connection,
    chain: audit.Chain,
    *,
    draft: CaseDraft,
    sla_hours: float,
    related: Sequence[sa.Row[Any, Any, Any, Any, Any]],
) -> None:
    # The rows, ring (as _join_cluster forms it) and audit entry of a new case, in Core statements.
    opened = draft.scored_at
    base = base_points(risk_score=draft.risk_score, hold_reasons=draft.hold_reasons)
    rings = sorted({r.cluster_id for r in related if r.cluster_id is not None})
    cluster_id = None
    if related or draft.linked_waybills:
        cluster_id = rings[0] if rings else cluster_id_of(draft.case_id)
    decision = {**draft.decision, "case_id": draft.case_id}
    sender, receiver = draft.sender_id, draft.receiver_id
    connection.execute(
        _INSERT_CASE,
        {
            "case_id": draft.case_id,
            "carrier": draft.carrier,
            "waybill_no": draft.waybill_no,
            "status": "open",
            "assignee": None,
            "lane": draft.lane,
            "channel": draft.channel,
            "outlet_id": draft.outlet_id,
            "cluster_id": cluster_id,
            "accepted_at": draft.accepted_at,
            "opened_at": opened,
            "updated_at": opened,
            "closed_at": None,
            "sla_due_at": opened + timedelta(hours=sla_hours),
            "risk_score": draft.risk_score,
            "priority_base": base,
            "priority_key": priority_key(base=base, opened_at=opened),
            "scored_at": draft.scored_at,
            "decision_digest": draft.decision_digest,
            "decision": decision,
            "waybill": draft.waybill,
            "linked_waybills": list(draft.linked_waybills),
            "sender_id_key": sender.key if sender else None,
            "sender_id_masked": sender.masked if sender else None,
            "sender_id_cipher": sender.cipher if sender else None,
            "receiver_id_key": receiver.key if receiver else None,
            "receiver_id_masked": receiver.masked if receiver else None,
            "receiver_id_cipher": receiver.cipher if receiver else None,
            "violation_type": None,
        },
    )
    case_id = draft.case_id
    for insert, rows in (
        (_INSERT_REASONS, [{"case_id": case_id, "code": c} for c in draft.reason_codes]),
        (_INSERT_LINKS, [{"case_id": case_id, "waybill_no": n} for n in draft.linked_waybills]),
        (
            _INSERT_ENTITIES,
            [{"case_id": case_id, "entity_key": k, "kind": v} for k, v in draft.entities.items()],
        ),
    ):
        if rows:
            connection.execute(insert, rows)
    # Members of the ring not yet under its id: the related cases, and every case of a merged ring.
    moved = [r.case_id for r in related if r.cluster_id != cluster_id]
    if moved or rings[1:]:
        connection.execute(_MOVE_TO_RING, {"moved": moved, "merged": rings[1:], "ring": cluster_id})
    audit.append_entry(
        connection,
        chain,
        at=opened,
        actor=SYSTEM,
        action="opened",
        case_id=case_id,
        after={
            "risk_score": draft.risk_score,
            "reason_codes": [r["code"] for r in decision.get("reasons", [])],
            "policy_version": decision.get("policy_version"),
            "model_version": decision.get("model_version"),
            "status": "open",
            "cluster_id": cluster_id,
        },
    )


def _apply_snapshot(session: Session, case: Case, *, draft: CaseDraft) -> None:
    base = base_points(risk_score=draft.risk_score, hold_reasons=draft.hold_reasons)
    case.scored_at = draft.scored_at
    case.updated_at = max(case.updated_at, draft.scored_at)
    case.decision_digest = draft.decision_digest
    case.decision = {**draft.decision, "case_id": draft.case_id}
    case.waybill = draft.waybill
    case.accepted_at = draft.accepted_at  # a corrected pickup: a violation is dated at it
    case.risk_score = draft.risk_score
    case.priority_base = base
    case.priority_key = priority_key(base=base, opened_at=case.opened_at)
    case.linked_waybills = list(draft.linked_waybills)
    for side, sealed in (("sender", draft.sender_id), ("receiver", draft.receiver_id)):
        setattr(case, f"{side}_id_key", sealed.key if sealed else None)
        setattr(case, f"{side}_id_masked", sealed.masked if sealed else None)
        setattr(case, f"{side}_id_cipher", sealed.cipher if sealed else None)
    session.flush()
    for table in (CaseReason, CaseLink, CaseEntity):
        session.execute(sa.delete(table).where(table.case_id == case.case_id))
    session.add_all(CaseReason(case_id=case.case_id, code=c) for c in draft.reason_codes)
    session.add_all(CaseLink(case_id=case.case_id, waybill_no=n) for n in draft.linked_waybills)
    session.add_all(CaseEntity(case_id=case.case_id, entity_key=k, kind=v) for k, v in draft.entities.items())
    session.flush()
    _join_cluster(session, case)


def _join_cluster(session: Session, case: Case) -> None:
    # A ring is every case linked to another through the reasons' linked waybills, in either
    # direction. The ring keeps the id of an existing member; two rings bridged by this case merge.
    linked = set(case.linked_waybills)
    related = session.scalars(
        sa.select(Case).where(
            Case.case_id != case.case_id,
            sa.or_(
                Case.waybill_no.in_(linked) if linked else sa.false(),
                Case.case_id.in_(sa.select(CaseLink.case_id).where(CaseLink.waybill_no == case.waybill_no)),
            ),
            shares_an_entity(Case.case_id, case_ring_keys(session, case)),
        )
    ).all()
    if not related and not linked:
        return
    rings = sorted({c.cluster_id for c in [*related, case] if c.cluster_id is not None})
    ring = rings[0] if rings else cluster_id_of(case.case_id)
    case.cluster_id = ring
    for other in related:
        other.cluster_id = ring
    if len(rings) > 1:
        session.execute(sa.update(Case).where(Case.cluster_id.in_(rings[1:])).values(cluster_id=ring))


# Acting -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Acted:
    """A case after an action, and the label it produced (for the feedback loop)."""

    case: CaseSummary
    label_id: int | None


def _get_for_update(session: Session, case_id: str) -> Case:
    case = session.scalar(sa.select(Case).where(Case.case_id == case_id).with_for_update())
    if case is None:
        raise CaseNotFound(f"no case {case_id}")
    return case


def act(
    session: Session,
    *,
    case_id: str,
    action: Action,
    actor: str,
    now: datetime,
    note: str | None = None,
    violation_type: str | None = None,
) -> Acted:
    """Assign, request information, or decide a case (CaseAlreadyDecided when it is closed)."""
    head = audit.lock(session)
    case = _get_for_update(session, case_id)
    return _act(
        session, head, case, action=action, actor=actor, now=now, note=note, violation_type=violation_type
    )


def _act(
    session: Session,
    head: AuditHead,
    case: Case,
    *,
    action: Action,
    actor: str,
    now: datetime,
    note: str | None,
    violation_type: str | None,
) -> Acted:
    if case.status in CLOSED:
        raise CaseAlreadyDecided(f"case {case.case_id} is already {case.status}")
    before = {"status": case.status, "assignee": case.assignee}
    if action == "assign":
        case.assignee = actor
        if case.status == "open":
            case.status = "in_review"
    else:
        case.status = STATUS_AFTER[action]
        case.assignee = case.assignee or actor
    after: dict[str, Any] = {"status": case.status, "assignee": case.assignee}
    label_id = None
    if case.status in CLOSED:
        case.closed_at = now
        if case.status in VIOLATION_STATUSES:
            case.violation_type = violation_type
            after["violation_type"] = violation_type
        label_id, _ = _label(
            session,
            carrier=case.carrier,
            waybill_no=case.waybill_no,
            label=1 if case.status in VIOLATION_STATUSES else 0,
            violation_type=case.violation_type,
            source=f"case:{case.status}",
            at=now,
            case_id=case.case_id,
            entity_keys=_entity_keys(session, case.case_id) if case.status in VIOLATION_STATUSES else [],
            # Event time of the violation: the parcel's pickup, so the sender's later parcels see it.
            violation_at=case.accepted_at,
        )
        after["label"] = 1 if case.status in VIOLATION_STATUSES else 0
    case.updated_at = now
    if note:
        after["note_id"] = _add_note(session, case_id=case.case_id, author=actor, at=now, text=note).id
    audit.append(
        session, head, at=now, actor=actor, action=action, case_id=case.case_id, before=before, after=after
    )
    return Acted(case=summary(case, now=now), label_id=label_id)


def _entity_keys(session: Session, case_id: str) -> list[str]:
    return list(session.scalars(sa.select(CaseEntity.entity_key).where(CaseEntity.case_id == case_id)))


def _label(
    session: Session,
    *,
    carrier: str,
    waybill_no: str,
    label: int,
    violation_type: str | None,
    source: str,
    at: datetime,
    case_id: str | None,
    entity_keys: list[str],
    violation_at: datetime,
) -> tuple[int, bool]:
    # A label is recorded once per parcel, source and time: a re-sent report finds the first one. A
    # violation reported at the time of an earlier clear is the finding after all: it replaces the clear
    # (and reaches the history); a clear never takes back a violation.
    existing = session.scalar(
        sa.select(Label).where(
            Label.carrier == carrier, Label.waybill_no == waybill_no, Label.source == source, Label.at == at
        )
    )
    if existing is not None and not (label and not existing.label):
        return existing.id, False
    if existing is not None:
        existing.label, existing.violation_type, existing.case_id = label, violation_type, case_id
        existing.entity_keys, existing.violation_at = entity_keys, violation_at
        existing.applied_at = None if entity_keys else at
        session.flush()
        return existing.id, True
    row = Label(
        carrier=carrier,
        waybill_no=waybill_no,
        label=label,
        violation_type=violation_type,
        source=source,
        at=at,
        case_id=case_id,
        entity_keys=entity_keys if label else [],
        violation_at=violation_at,
        # A negative label or one without entities has nothing to record in the history.
        applied_at=None if label and entity_keys else at,
    )
    session.add(row)
    session.flush()
    return row.id, True


def bulk_act(
    session: Session,
    *,
    cluster_id: str,
    action: Action,
    actor: str,
    now: datetime,
    note: str | None = None,
    violation_type: str | None = None,
) -> tuple[BulkResult, list[int]]:
    """One action on every open case of a ring (closed ones are skipped); the labels it produced."""
    head = audit.lock(session)
    cases = session.scalars(
        sa.select(Case).where(Case.cluster_id == cluster_id).order_by(Case.case_id).with_for_update()
    ).all()
    if not cases:
        raise CaseNotFound(f"no cases in cluster {cluster_id}")
    acted, skipped, labels = [], [], []
    for case in cases:
        if case.status in CLOSED:
            skipped.append(case.case_id)
            continue
        done = _act(
            session, head, case, action=action, actor=actor, now=now, note=note, violation_type=violation_type
        )
        acted.append(case.case_id)
        if done.label_id is not None:
            labels.append(done.label_id)
    return BulkResult(cluster_id=cluster_id, action=action, acted=acted, skipped=skipped), labels


def _add_note(session: Session, *, case_id: str, author: str, at: datetime, text: str) -> CaseNote:
    row = CaseNote(case_id=case_id, author=author, at=at, text=text)
    session.add(row)
    session.flush()
    return row


def add_note(session: Session, *, case_id: str, author: str, text: str, now: datetime) -> Note:
    """Add an officer's note (closed cases take notes too)."""
    head = audit.lock(session)
    _get_for_update(session, case_id)
    row = _add_note(session, case_id=case_id, author=author, at=now, text=text)
    audit.append(
        session, head, at=now, actor=author, action="note", case_id=case_id, after={"note_id": row.id}
    )
    return Note(id=row.id, author=row.author, at=row.at, text=row.text)


def add_attachment(
    session: Session, *, case_id: str, actor: str, attachment: AttachmentRequest, now: datetime
) -> Attachment:
    """Record where a piece of evidence is kept and its SHA-256."""
    head = audit.lock(session)
    _get_for_update(session, case_id)
    row = CaseAttachment(case_id=case_id, added_by=actor, added_at=now, **attachment.model_dump())
    session.add(row)
    session.flush()
    audit.append(
        session,
        head,
        at=now,
        actor=actor,
        action="attachment",
        case_id=case_id,
        after={"attachment_id": row.id, **attachment.model_dump()},
    )
    return Attachment(
        id=row.id,
        kind=row.kind,
        reference=row.reference,
        sha256=row.sha256,
        added_by=row.added_by,
        added_at=row.added_at,
    )


def unmask(session: Session, *, case_id: str, actor: str, privacy: PersonalData, now: datetime) -> Unmasked:
    """The plain identity numbers of a case; the unmasking is written to the audit trail first."""
    head = audit.lock(session)
    case = _get_for_update(session, case_id)
    fields = [side for side in ("sender", "receiver") if getattr(case, f"{side}_id_cipher") is not None]
    audit.append(
        session,
        head,
        at=now,
        actor=actor,
        action="unmask_id",
        case_id=case_id,
        after={"fields": [f"{side}_id_number" for side in fields]},
    )
    return Unmasked(
        case_id=case_id,
        sender_id_number=privacy.decrypt(case.sender_id_cipher) if case.sender_id_cipher else None,
        receiver_id_number=privacy.decrypt(case.receiver_id_cipher) if case.receiver_id_cipher else None,
    )


def record_inspection(
    session: Session,
    *,
    inspection: Inspection,
    actor: str,
    now: datetime,
    known_entities: Sequence[str],
    known_accepted_at: datetime | None = None,
) -> tuple[InspectionOutcome, int]:
    """An inspection result as a label (and the case's note); returns the outcome and the label id.

    The entities and pickup are the case's when the parcel has one, else known_* (from the history).
    A re-sent report (same parcel and inspected_at) is recorded once.
    """
    head = audit.lock(session)
    case_id = case_id_of(inspection.carrier, inspection.waybill_no)
    case = session.get(Case, case_id)
    keys = _entity_keys(session, case_id) if case is not None else list(known_entities)
    violation = inspection.result == "violation"
    label = 1 if violation else 0
    source = "inspection"
    at = inspection.inspected_at
    label_id, new = _label(
        session,
        carrier=inspection.carrier,
        waybill_no=inspection.waybill_no,
        label=label,
        violation_type=inspection.violation_type,
        source=source,
        at=at,
        case_id=case.case_id if case else None,
        entity_keys=keys,
        # Event time: the parcel's pickup when its case or its remembered decision tells it, else the
        # inspection's time.
        violation_at=case.accepted_at if case is not None else (known_accepted_at or at),
    )
    if not new:
        # A re-sent report, or a clear after a violation of the same time: the answer is what is recorded.
        label = session.get_one(Label, label_id).label
        violation = bool(label)
    outcome = InspectionOutcome(
        carrier=inspection.carrier,
        waybill_no=inspection.waybill_no,
        label=label,
        case_id=case.case_id if case else None,
        entities=len(keys) if violation else 0,
    )
    if not new:
        return outcome, label_id
    after: dict[str, Any] = {
        "carrier": inspection.carrier,
        "waybill_no": inspection.waybill_no,
        "result": inspection.result,
        "violation_type": inspection.violation_type,
        "inspected_at": at.isoformat(),
        "label": label,
    }
    if case is not None and inspection.note:
        after["note_id"] = _add_note(
            session, case_id=case.case_id, author=actor, at=now, text=f"[inspection] {inspection.note}"
        ).id
    audit.append(
        session,
        head,
        at=now,
        actor=actor,
        action="inspection",
        case_id=case.case_id if case else None,
        after=after,
    )
    return outcome, label_id
