"""The outgoing mail in a table of its own (outbox_bodies), as 0010 did for incoming mail:
SQLite rewrites a whole row on any update, and an outbox row is marked three times on its
way (claimed, handed to SMTP, sent), each mark rewriting the reply and its attachment.
`outbox.raw` stays, empty (see 0010).

Indexes for the queries every mail or cycle runs, so none of them reads more as the store
grows: the mail still to decide or file and the rows still to send (partial indexes), the
reply caps' counts (covering: key, kind, time) and an agency's counted and live forms.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_outbox = sa.table("outbox", sa.column("id", sa.Integer), sa.column("raw", sa.LargeBinary))
_bodies = sa.table("outbox_bodies", sa.column("outbox_id", sa.Integer),
                   sa.column("raw", sa.LargeBinary))
_UNSENT = "sent_at IS NULL AND failed_at IS NULL"
_LIVE = "superseded_by IS NULL"
_NEW = "state = 'new'"
_CAP_KEYS = ("sender_key", "recipient_key", "recipient_domain")


def upgrade() -> None:
    op.create_table(
        "outbox_bodies",
        sa.Column("outbox_id", sa.Integer, nullable=False),
        sa.Column("raw", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("outbox_id", name="pk_outbox_bodies"),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"],
                                name="fk_outbox_bodies_outbox_id_outbox"),
    )
    op.execute(_bodies.insert().from_select(["outbox_id", "raw"],
                                            sa.select(_outbox.c.id, _outbox.c.raw)))
    op.execute(_outbox.update().values(raw=b""))
    for key in _CAP_KEYS:
        op.drop_index(f"ix_outbox_{key}_created_at", "outbox")
        op.create_index(f"ix_outbox_{key}_kind", "outbox", [key, "kind", "created_at"])
    op.create_index("ix_outbox_kind_created_at", "outbox", ["kind", "created_at"])
    op.create_index("ix_outbox_unsent", "outbox", ["id"], sqlite_where=sa.text(_UNSENT),
                    postgresql_where=sa.text(_UNSENT))
    op.create_index("ix_messages_undecided", "messages", ["id"],
                    sqlite_where=sa.text(_NEW), postgresql_where=sa.text(_NEW))
    op.create_index("ix_messages_unfiled", "messages", ["id"],
                    sqlite_where=sa.text("mailbox_action_done = 0"),
                    postgresql_where=sa.text("mailbox_action_done = false"))
    op.drop_index("ix_submissions_agency_key_verdict", "submissions")
    op.create_index("ix_submissions_counted", "submissions",
                    ["agency_key", "verdict", "standing", "received_at"])
    op.create_index("ix_submissions_live", "submissions", ["agency_key", "verdict", "standing"],
                    sqlite_where=sa.text(_LIVE), postgresql_where=sa.text(_LIVE))


def downgrade() -> None:
    op.drop_index("ix_submissions_live", "submissions")
    op.drop_index("ix_submissions_counted", "submissions")
    op.create_index("ix_submissions_agency_key_verdict", "submissions", ["agency_key", "verdict"])
    op.drop_index("ix_messages_unfiled", "messages")
    op.drop_index("ix_messages_undecided", "messages")
    op.drop_index("ix_outbox_unsent", "outbox")
    op.drop_index("ix_outbox_kind_created_at", "outbox")
    for key in _CAP_KEYS:
        op.drop_index(f"ix_outbox_{key}_kind", "outbox")
        op.create_index(f"ix_outbox_{key}_created_at", "outbox", [key, "created_at"])
    kept = sa.select(_bodies.c.raw).where(_bodies.c.outbox_id == _outbox.c.id)
    op.execute(_outbox.update().where(_outbox.c.id.in_(sa.select(_bodies.c.outbox_id)))
               .values(raw=kept.scalar_subquery()))
    op.drop_table("outbox_bodies")
