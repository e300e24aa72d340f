"""SQL tables of the case queue: cases and what hangs off them, the audit trail, training labels."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from screening.db import Base, UtcDateTime


class Case(Base):
    """One held parcel under review; identity numbers only as HMAC key, mask and ciphertext."""

    __tablename__ = "cases"
    __table_args__ = (sa.UniqueConstraint("carrier", "waybill_no"),)

    case_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    carrier: Mapped[str] = mapped_column(sa.String(8), index=True)
    # Indexed alone as well: a hold looks up its ring's cases by waybill number, whatever the carrier, and
    # the (carrier, waybill_no) constraint's index cannot serve that (a scan of every case per hold).
    waybill_no: Mapped[str] = mapped_column(sa.String(32), index=True)
    status: Mapped[str] = mapped_column(sa.String(24), index=True)
    assignee: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    lane: Mapped[str] = mapped_column(sa.String(16), index=True)
    channel: Mapped[str] = mapped_column(sa.String(8))
    outlet_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    cluster_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    accepted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    sla_due_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    risk_score: Mapped[float] = mapped_column(sa.Float)
    priority_base: Mapped[float] = mapped_column(sa.Float)
    # Ordering key that folds in age without a clock in SQL: see screening/cases/priority.py.
    priority_key: Mapped[float] = mapped_column(sa.Float, index=True)
    # scored_at of the latest hold seen for this waybill: older replays never overwrite newer ones.
    scored_at: Mapped[datetime] = mapped_column(UtcDateTime)
    decision_digest: Mapped[str] = mapped_column(sa.String(32))
    decision: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    waybill: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    linked_waybills: Mapped[list[Any]] = mapped_column(sa.JSON)
    sender_id_key: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    sender_id_masked: Mapped[str | None] = mapped_column(sa.String(40))
    sender_id_cipher: Mapped[str | None] = mapped_column(sa.Text)
    receiver_id_key: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    receiver_id_masked: Mapped[str | None] = mapped_column(sa.String(40))
    receiver_id_cipher: Mapped[str | None] = mapped_column(sa.Text)
    violation_type: Mapped[str | None] = mapped_column(sa.String(200))


class CaseReason(Base):
    """A reason code of a case's decision, for the queue's reason filter."""

    __tablename__ = "case_reasons"

    case_id: Mapped[str] = mapped_column(sa.ForeignKey("cases.case_id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), primary_key=True, index=True)


class CaseLink(Base):
    """A waybill the case's reasons link it to (the ant-moving cluster)."""

    __tablename__ = "case_links"

    case_id: Mapped[str] = mapped_column(sa.ForeignKey("cases.case_id", ondelete="CASCADE"), primary_key=True)
    waybill_no: Mapped[str] = mapped_column(sa.String(32), primary_key=True, index=True)


class CaseEntity(Base):
    """An entity key (HMAC) the parcel was counted under: prior cases and feedback go through it."""

    __tablename__ = "case_entities"

    case_id: Mapped[str] = mapped_column(sa.ForeignKey("cases.case_id", ondelete="CASCADE"), primary_key=True)
    entity_key: Mapped[str] = mapped_column(sa.String(64), primary_key=True, index=True)
    kind: Mapped[str] = mapped_column(sa.String(24))


class CaseNote(Base):
    """An officer's note on a case."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(sa.ForeignKey("cases.case_id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(sa.String(64))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    text: Mapped[str] = mapped_column(sa.Text)


class CaseAttachment(Base):
    """Metadata of evidence kept elsewhere (an X-ray image, a photo): where it is and its SHA-256."""

    __tablename__ = "case_attachments"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(sa.ForeignKey("cases.case_id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    reference: Mapped[str] = mapped_column(sa.String(500))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    added_by: Mapped[str] = mapped_column(sa.String(64))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AuditEntry(Base):
    """One action in the append-only, hash-chained audit trail."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor: Mapped[str] = mapped_column(sa.String(64))
    action: Mapped[str] = mapped_column(sa.String(40))
    case_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    hash: Mapped[str] = mapped_column(sa.String(64))


class AuditHead(Base):
    """The chain's last entry (one row): appends lock it, so entries are written one at a time."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(sa.BigInteger)
    hash: Mapped[str] = mapped_column(sa.String(64))


class Label(Base):
    """A training label: 1 for a confirmed violation, 0 for a release or a clear inspection."""

    __tablename__ = "labels"
    __table_args__ = (sa.UniqueConstraint("carrier", "waybill_no", "source", "at"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    carrier: Mapped[str] = mapped_column(sa.String(8))
    waybill_no: Mapped[str] = mapped_column(sa.String(32))
    label: Mapped[int] = mapped_column(sa.SmallInteger)
    violation_type: Mapped[str | None] = mapped_column(sa.String(200))
    source: Mapped[str] = mapped_column(sa.String(40))
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    case_id: Mapped[str | None] = mapped_column(sa.String(64))
    # What the feedback loop records in the history store: entity keys (HMAC) and the event time.
    entity_keys: Mapped[list[Any]] = mapped_column(sa.JSON)
    violation_at: Mapped[datetime] = mapped_column(UtcDateTime)
    applied_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)
