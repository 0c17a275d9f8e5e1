"""The first schema: messages, submissions, quantities, outbox, digests, events.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _one_of(column: str, values: tuple[str, ...], name: str) -> sa.CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return sa.CheckConstraint(f"{column} IN ({listed})", name=name)


def upgrade() -> None:
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("folder", sa.String(255), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger, nullable=False),
        sa.Column("uid", sa.BigInteger, nullable=False),
        sa.Column("message_id", sa.String(998), nullable=False),
        sa.Column("content_sha256", sa.String(64), nullable=False),
        sa.Column("raw", sa.LargeBinary, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=True),
        sa.Column("from_addr", sa.String(998), nullable=True),
        sa.Column("subject", sa.Text, nullable=True),
        sa.Column("kind", sa.String(16), nullable=True),
        sa.Column("state", sa.String(16), nullable=False, server_default="new"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("mailbox_action_done", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
        sa.UniqueConstraint("folder", "uidvalidity", "uid",
                            name="uq_messages_folder_uidvalidity_uid"),
        sa.UniqueConstraint("message_id", "content_sha256",
                            name="uq_messages_message_id_content_sha256"),
        _one_of("kind", ("automatic", "submission", "other"), "ck_messages_kind"),
        _one_of("state", ("new", "done", "quarantined", "failed"), "ck_messages_state"),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("reference", sa.String(64), nullable=False),
        sa.Column("message_id", sa.Integer, nullable=False),
        sa.Column("agency", sa.Text, nullable=True),
        sa.Column("agency_key", sa.String(255), nullable=True),
        sa.Column("sender", sa.String(998), nullable=False),
        sa.Column("verdict", sa.String(20), nullable=False),
        sa.Column("document_number", sa.Text, nullable=True),
        sa.Column("document_date", sa.Date, nullable=True),
        sa.Column("place", sa.Text, nullable=True),
        sa.Column("record_json", sa.Text, nullable=False),
        sa.Column("findings_json", sa.Text, nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("superseded_by", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_submissions"),
        sa.UniqueConstraint("reference", name="uq_submissions_reference"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"],
                                name="fk_submissions_message_id_messages"),
        sa.ForeignKeyConstraint(["superseded_by"], ["submissions.id"],
                                name="fk_submissions_superseded_by_submissions"),
        _one_of("verdict", ("accepted", "needs_correction", "unreadable"),
                "ck_submissions_verdict"),
    )
    op.create_index("ix_submissions_agency_key_verdict", "submissions", ["agency_key", "verdict"])
    op.create_index("ix_submissions_received_at", "submissions", ["received_at"])
    op.create_table(
        "quantities",
        sa.Column("submission_id", sa.Integer, nullable=False),
        sa.Column("row_key", sa.String(64), nullable=False),
        sa.Column("year", sa.String(16), nullable=False),
        sa.Column("value", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("submission_id", "row_key", "year", name="pk_quantities"),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"],
                                name="fk_quantities_submission_id_submissions"),
        sa.CheckConstraint("value >= 0", name="ck_quantities_value_not_negative"),
    )
    op.create_table(
        "reference_counters",
        sa.Column("prefix", sa.String(64), nullable=False),
        sa.Column("last_value", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("prefix", name="pk_reference_counters"),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("message_id", sa.Integer, nullable=True),
        sa.Column("submission_id", sa.Integer, nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(998), nullable=False),
        sa.Column("raw", sa.LargeBinary, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("sent_at", sa.DateTime, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"],
                                name="fk_outbox_message_id_messages"),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"],
                                name="fk_outbox_submission_id_submissions"),
        _one_of("kind", ("reply", "digest"), "ck_outbox_kind"),
    )
    op.create_index("ix_outbox_recipient_created_at", "outbox", ["recipient", "created_at"])
    op.create_table(
        "digests",
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("sent_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("day", name="pk_digests"),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ts", sa.DateTime, nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("message_id", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_events"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"],
                                name="fk_events_message_id_messages"),
        _one_of("level", ("info", "warning", "error"), "ck_events_level"),
    )
    op.create_index("ix_events_ts", "events", ["ts"])


def downgrade() -> None:
    for index, table in (("ix_events_ts", "events"),
                         ("ix_outbox_recipient_created_at", "outbox"),
                         ("ix_submissions_received_at", "submissions"),
                         ("ix_submissions_agency_key_verdict", "submissions")):
        op.drop_index(index, table_name=table)
    for table in ("events", "digests", "outbox", "reference_counters", "quantities",
                  "submissions", "messages"):
        op.drop_table(table)
