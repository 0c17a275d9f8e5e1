"""Mail safety: who is reading a mail (message_readings, crash evidence), mail kept as its
headers only, and on the outbox our Message-ID, permanent failures, bounces and the keys the
reply caps count by.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OUTBOX_INDEXES = {
    "ix_outbox_mail_id": ["mail_id"],
    "ix_outbox_sender_key_created_at": ["sender_key", "created_at"],
    "ix_outbox_recipient_key_created_at": ["recipient_key", "created_at"],
    "ix_outbox_recipient_domain_created_at": ["recipient_domain", "created_at"],
    "ix_outbox_created_at": ["created_at"],
}


def upgrade() -> None:
    # Plain ADD COLUMN, never a batch: SQLite would rebuild `messages`, and dropping it fails
    # while submissions, slots and events refer to it (foreign keys are on).
    op.create_table(
        "message_readings",
        sa.Column("message_id", sa.Integer, nullable=False),
        sa.Column("reader", sa.String(64), nullable=False),
        sa.Column("since", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("message_id", name="pk_message_readings"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"],
                                name="fk_message_readings_message_id_messages"),
    )
    op.add_column("messages", sa.Column("crashes", sa.Integer, nullable=False,
                                        server_default="0"))
    op.add_column("messages", sa.Column("body_omitted", sa.Boolean, nullable=False,
                                        server_default=sa.false()))
    for column in (sa.Column("mail_id", sa.String(998), nullable=True),
                   sa.Column("failed_at", sa.DateTime, nullable=True),
                   sa.Column("undelivered_at", sa.DateTime, nullable=True),
                   sa.Column("bounce_id", sa.Integer, nullable=True),  # a messages.id
                   sa.Column("sender_key", sa.String(320), nullable=True),
                   sa.Column("recipient_key", sa.String(320), nullable=True),
                   sa.Column("recipient_domain", sa.String(255), nullable=True)):
        op.add_column("outbox", column)
    for name, columns in _OUTBOX_INDEXES.items():
        op.create_index(name, "outbox", columns)


def downgrade() -> None:
    for name in _OUTBOX_INDEXES:
        op.drop_index(name, "outbox")
    for column in ("recipient_domain", "recipient_key", "sender_key", "bounce_id",
                   "undelivered_at", "failed_at", "mail_id"):
        op.drop_column("outbox", column)
    op.drop_column("messages", "body_omitted")
    op.drop_column("messages", "crashes")
    op.drop_table("message_readings")
