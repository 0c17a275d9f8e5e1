"""The staff web console: staff accounts, login attempts (for throttling), the contact
addresses staff add to an agency, who removed a trusted sender and when, mail a person has
dealt with, and who did what in the event log.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("session_stamp", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("password_changed_at", sa.DateTime, nullable=False),
        sa.Column("last_login_at", sa.DateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_staff_accounts"),
        sa.UniqueConstraint("login", name="uq_staff_accounts_login"),
    )
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ts", sa.DateTime, nullable=False),
        sa.Column("login", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("succeeded", sa.Boolean, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_attempts"),
    )
    op.create_index("ix_login_attempts_login_ts", "login_attempts", ["login", "ts"])
    op.create_index("ix_login_attempts_address_ts", "login_attempts", ["address", "ts"])
    op.create_table(
        "agency_contacts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("agency_key", sa.String(255), nullable=False),
        sa.Column("address", sa.String(320), nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("added_at", sa.DateTime, nullable=False),
        sa.Column("removed_by", sa.String(64), nullable=True),
        sa.Column("removed_at", sa.DateTime, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_agency_contacts"),
    )
    op.create_index("ix_agency_contacts_agency_key", "agency_contacts", ["agency_key"])
    # Staff remove a trusted sender they added: the row stays, marked (0004 made the table).
    with op.batch_alter_table("trusted_senders") as batch:
        batch.add_column(sa.Column("removed_by", sa.String(255), nullable=True))
        batch.add_column(sa.Column("removed_at", sa.DateTime, nullable=True))
    op.create_table(
        "handled_mail",
        sa.Column("message_id", sa.Integer, nullable=False),
        sa.Column("handled_by", sa.String(64), nullable=False),
        sa.Column("handled_at", sa.DateTime, nullable=False),
        sa.PrimaryKeyConstraint("message_id", name="pk_handled_mail"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"],
                                name="fk_handled_mail_message_id_messages"),
    )
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("actor", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_column("actor")
    op.drop_table("handled_mail")
    with op.batch_alter_table("trusted_senders") as batch:
        batch.drop_column("removed_at")
        batch.drop_column("removed_by")
    op.drop_index("ix_agency_contacts_agency_key", table_name="agency_contacts")
    op.drop_table("agency_contacts")
    for index in ("ix_login_attempts_address_ts", "ix_login_attempts_login_ts"):
        op.drop_index(index, table_name="login_attempts")
    op.drop_table("login_attempts")
    op.drop_table("staff_accounts")
