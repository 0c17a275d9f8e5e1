"""Staff side: the period each sent digest covered, reminders sent per agency and step, and
reminders as a kind of queued mail. Follows 0004 (sender standing) and 0005 (the web console).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _kinds(values: tuple[str, ...]) -> str:
    return "kind IN ({})".format(", ".join(f"'{v}'" for v in values))


def upgrade() -> None:
    with op.batch_alter_table("digests") as batch:
        batch.add_column(sa.Column("period_start", sa.DateTime, nullable=True))
        batch.add_column(sa.Column("period_end", sa.DateTime, nullable=True))
    # 0001 named the check without op.f, so the naming convention made it
    # "ck_outbox_ck_outbox_kind": dropped by its short name (the convention adds the prefix
    # again), then made again under the name schema.py gives it.
    with op.batch_alter_table("outbox", recreate="always") as batch:
        batch.drop_constraint("ck_outbox_kind", type_="check")
        batch.create_check_constraint(op.f("ck_outbox_kind"),
                                      sa.text(_kinds(("reply", "digest", "reminder"))))
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("campaign", sa.String(64), nullable=False),
        sa.Column("agency_key", sa.String(255), nullable=False),
        sa.Column("deadline", sa.Date, nullable=False),
        sa.Column("days_before", sa.Integer, nullable=False),
        sa.Column("recipients", sa.Text, nullable=False),
        sa.Column("outbox_id", sa.Integer, nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reminders"),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"],
                                name="fk_reminders_outbox_id_outbox"),
        sa.UniqueConstraint("campaign", "agency_key", "deadline", "days_before",
                            name="uq_reminders_campaign_agency_key_deadline_days_before"),
    )
    op.create_index("ix_reminders_created_at", "reminders", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_reminders_created_at", table_name="reminders")
    op.drop_table("reminders")
    op.execute(sa.text("DELETE FROM outbox WHERE kind = 'reminder'"))
    with op.batch_alter_table("outbox", recreate="always") as batch:
        batch.drop_constraint(op.f("ck_outbox_kind"), type_="check")
        # back under 0001's name, so that upgrading again finds it
        batch.create_check_constraint("ck_outbox_kind", sa.text(_kinds(("reply", "digest"))))
    with op.batch_alter_table("digests") as batch:
        batch.drop_column("period_end")
        batch.drop_column("period_start")
