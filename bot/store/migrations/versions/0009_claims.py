"""Claims, for more than one daemon on one store: which process holds a mail (message_claims:
deciding and filing it) and which holds an outbox row (claimed_by), each until a lease runs
out, so a killed daemon's work is taken over by another.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message_claims",
        sa.Column("message_id", sa.Integer, nullable=False),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("until", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("message_id", name="pk_message_claims"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"],
                                name="fk_message_claims_message_id_messages"),
    )
    # plain ADD COLUMN, never a batch (see 0008)
    op.add_column("outbox", sa.Column("claimed_by", sa.String(200), nullable=True))
    op.add_column("outbox", sa.Column("claim_until", sa.DateTime, nullable=True))
    op.create_index("ix_outbox_claimed_by", "outbox", ["claimed_by"])


def downgrade() -> None:
    op.drop_index("ix_outbox_claimed_by", "outbox")
    op.drop_column("outbox", "claim_until")
    op.drop_column("outbox", "claimed_by")
    op.drop_table("message_claims")
