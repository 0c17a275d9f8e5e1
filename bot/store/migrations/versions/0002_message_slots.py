"""Other mailbox slots (folder, uidvalidity, uid) where an already-kept mail turned up again.

Revision ID: 0002
Revises: 0001
Create Date: 2025-01-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message_slots",
        sa.Column("folder", sa.String(255), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger, nullable=False),
        sa.Column("uid", sa.BigInteger, nullable=False),
        sa.Column("message_id", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("folder", "uidvalidity", "uid", name="pk_message_slots"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"],
                                name="fk_message_slots_message_id_messages"),
    )


def downgrade() -> None:
    op.drop_table("message_slots")
