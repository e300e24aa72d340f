"""Case queue, audit trail, labels, people.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 19:35:13.487673
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    # The chain starts at the genesis hash; every append locks this row (screening/cases/audit.py).
    op.bulk_insert(
        sa.table(
            "audit_head",
            sa.column("id", sa.Integer),
            sa.column("seq", sa.BigInteger),
            sa.column("hash", sa.String),
        ),
        [{"id": 1, "seq": 0, "hash": "0" * 64}],
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=True),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_case_id"), "audit_log", ["case_id"])

    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("carrier", sa.String(length=8), nullable=False),
        sa.Column("waybill_no", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("assignee", sa.String(length=64), nullable=True),
        sa.Column("lane", sa.String(length=16), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("outlet_id", sa.String(length=64), nullable=False),
        sa.Column("cluster_id", sa.String(length=64), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sla_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("risk_score", sa.Float(), nullable=False),
        sa.Column("priority_base", sa.Float(), nullable=False),
        sa.Column("priority_key", sa.Float(), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision_digest", sa.String(length=32), nullable=False),
        sa.Column("decision", sa.JSON(), nullable=False),
        sa.Column("waybill", sa.JSON(), nullable=False),
        sa.Column("linked_waybills", sa.JSON(), nullable=False),
        sa.Column("sender_id_key", sa.String(length=64), nullable=True),
        sa.Column("sender_id_masked", sa.String(length=40), nullable=True),
        sa.Column("sender_id_cipher", sa.Text(), nullable=True),
        sa.Column("receiver_id_key", sa.String(length=64), nullable=True),
        sa.Column("receiver_id_masked", sa.String(length=40), nullable=True),
        sa.Column("receiver_id_cipher", sa.Text(), nullable=True),
        sa.Column("violation_type", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_cases")),
        sa.UniqueConstraint("carrier", "waybill_no", name=op.f("uq_cases_carrier_waybill_no")),
    )
    op.create_index(op.f("ix_cases_assignee"), "cases", ["assignee"])
    op.create_index(op.f("ix_cases_carrier"), "cases", ["carrier"])
    op.create_index(op.f("ix_cases_cluster_id"), "cases", ["cluster_id"])
    op.create_index(op.f("ix_cases_lane"), "cases", ["lane"])
    op.create_index(op.f("ix_cases_opened_at"), "cases", ["opened_at"])
    op.create_index(op.f("ix_cases_outlet_id"), "cases", ["outlet_id"])
    op.create_index(op.f("ix_cases_priority_key"), "cases", ["priority_key"])
    op.create_index(op.f("ix_cases_receiver_id_key"), "cases", ["receiver_id_key"])
    op.create_index(op.f("ix_cases_sender_id_key"), "cases", ["sender_id_key"])
    op.create_index(op.f("ix_cases_sla_due_at"), "cases", ["sla_due_at"])
    op.create_index(op.f("ix_cases_status"), "cases", ["status"])

    op.create_table(
        "labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("carrier", sa.String(length=8), nullable=False),
        sa.Column("waybill_no", sa.String(length=32), nullable=False),
        sa.Column("label", sa.SmallInteger(), nullable=False),
        sa.Column("violation_type", sa.String(length=200), nullable=True),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=True),
        sa.Column("entity_keys", sa.JSON(), nullable=False),
        sa.Column("violation_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_labels")),
        sa.UniqueConstraint(
            "carrier", "waybill_no", "source", "at", name=op.f("uq_labels_carrier_waybill_no_source_at")
        ),
    )
    op.create_index(op.f("ix_labels_applied_at"), "labels", ["applied_at"])
    op.create_index(op.f("ix_labels_at"), "labels", ["at"])

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "case_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reference", sa.String(length=500), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("added_by", sa.String(length=64), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.case_id"], name=op.f("fk_case_attachments_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_attachments")),
    )
    op.create_index(op.f("ix_case_attachments_case_id"), "case_attachments", ["case_id"])

    op.create_table(
        "case_entities",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("entity_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.case_id"], name=op.f("fk_case_entities_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_id", "entity_key", name=op.f("pk_case_entities")),
    )
    op.create_index(op.f("ix_case_entities_entity_key"), "case_entities", ["entity_key"])

    op.create_table(
        "case_links",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("waybill_no", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.case_id"], name=op.f("fk_case_links_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_id", "waybill_no", name=op.f("pk_case_links")),
    )
    op.create_index(op.f("ix_case_links_waybill_no"), "case_links", ["waybill_no"])

    op.create_table(
        "case_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.case_id"], name=op.f("fk_case_notes_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_notes")),
    )
    op.create_index(op.f("ix_case_notes_case_id"), "case_notes", ["case_id"])

    op.create_table(
        "case_reasons",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.case_id"], name=op.f("fk_case_reasons_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_id", "code", name=op.f("pk_case_reasons")),
    )
    op.create_index(op.f("ix_case_reasons_code"), "case_reasons", ["code"])

    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_sessions")),
    )
    op.create_index(op.f("ix_sessions_expires_at"), "sessions", ["expires_at"])
    op.create_index(op.f("ix_sessions_user_id"), "sessions", ["user_id"])


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index(op.f("ix_sessions_user_id"), table_name="sessions")
    op.drop_index(op.f("ix_sessions_expires_at"), table_name="sessions")

    op.drop_table("sessions")
    op.drop_index(op.f("ix_case_reasons_code"), table_name="case_reasons")

    op.drop_table("case_reasons")
    op.drop_index(op.f("ix_case_notes_case_id"), table_name="case_notes")

    op.drop_table("case_notes")
    op.drop_index(op.f("ix_case_links_waybill_no"), table_name="case_links")

    op.drop_table("case_links")
    op.drop_index(op.f("ix_case_entities_entity_key"), table_name="case_entities")

    op.drop_table("case_entities")
    op.drop_index(op.f("ix_case_attachments_case_id"), table_name="case_attachments")

    op.drop_table("case_attachments")
    op.drop_table("users")
    op.drop_index(op.f("ix_labels_at"), table_name="labels")
    op.drop_index(op.f("ix_labels_applied_at"), table_name="labels")

    op.drop_table("labels")
    op.drop_index(op.f("ix_cases_status"), table_name="cases")
    op.drop_index(op.f("ix_cases_sla_due_at"), table_name="cases")
    op.drop_index(op.f("ix_cases_sender_id_key"), table_name="cases")
    op.drop_index(op.f("ix_cases_receiver_id_key"), table_name="cases")
    op.drop_index(op.f("ix_cases_priority_key"), table_name="cases")
    op.drop_index(op.f("ix_cases_outlet_id"), table_name="cases")
    op.drop_index(op.f("ix_cases_opened_at"), table_name="cases")
    op.drop_index(op.f("ix_cases_lane"), table_name="cases")
    op.drop_index(op.f("ix_cases_cluster_id"), table_name="cases")
    op.drop_index(op.f("ix_cases_carrier"), table_name="cases")
    op.drop_index(op.f("ix_cases_assignee"), table_name="cases")

    op.drop_table("cases")
    op.drop_index(op.f("ix_audit_log_case_id"), table_name="audit_log")

    op.drop_table("audit_log")
    op.drop_table("audit_head")
