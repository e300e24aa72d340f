"""Index cases by waybill number alone: a hold finds its ring's cases by it, whatever the carrier.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 20:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Upgrade schema."""
    # Concurrently on PostgreSQL (outside a transaction): a large case table goes on taking holds while
    # the index is built.
    with op.get_context().autocommit_block():
        op.create_index(op.f("ix_cases_waybill_no"), "cases", ["waybill_no"], postgresql_concurrently=True)


def downgrade() -> None:
    """Downgrade schema."""
    with op.get_context().autocommit_block():
        op.drop_index(op.f("ix_cases_waybill_no"), table_name="cases", postgresql_concurrently=True)
