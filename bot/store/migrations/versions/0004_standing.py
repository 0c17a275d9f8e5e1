"""Standing of a submission (counted | awaiting-confirmation | rejected) and trusted senders.

A submission counts for its agency only when its sender is trusted for it; the others wait for
staff. Submissions already stored were accepted under the old rules (any sender counted), so
they migrate as `counted`: the upgrade changes no number in the export. Staff can still reject
one (`bcy-intake submissions reject REF`), and `bcy-intake reprocess --all` judges them under
the new rule (it prints each standing that changes).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STANDINGS = "'counted', 'awaiting-confirmation', 'rejected'"


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("standing", sa.String(24), nullable=False,
                                   server_default="counted"))
        batch.add_column(sa.Column("standing_reason", sa.String(32), nullable=True))
        batch.add_column(sa.Column("author", sa.String(998), nullable=True))
        batch.add_column(sa.Column("settled_by", sa.String(255), nullable=True))
        batch.add_column(sa.Column("settled_at", sa.DateTime, nullable=True))
        batch.create_check_constraint("standing", f"standing IN ({STANDINGS})")
    op.create_table(
        "trusted_senders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("agency_key", sa.String(255), nullable=False),
        sa.Column("sender", sa.String(998), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("added_by", sa.String(255), nullable=False),
        sa.Column("added_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_trusted_senders"),
        sa.UniqueConstraint("agency_key", "sender", "source",
                            name="uq_trusted_senders_agency_key_sender_source"),
        sa.CheckConstraint("source IN ('registry', 'config', 'staff')",
                           name="source"),
    )
    op.create_index("ix_trusted_senders_sender", "trusted_senders", ["sender"])


def downgrade() -> None:
    op.drop_index("ix_trusted_senders_sender", "trusted_senders")
    op.drop_table("trusted_senders")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_constraint("standing", type_="check")
        for column in ("settled_at", "settled_by", "author", "standing_reason", "standing"):
            batch.drop_column(column)
