"""The raw mail in a table of its own (message_bodies): SQLite rewrites a whole row on any
update, so every mark on a mail (decided, filed, an attempt) rewrote its raw bytes too — for
a 25 MB attachment, 34 MB written and twice that held in memory per update. `messages.raw`
stays, empty (a column dropped would make SQLite rebuild `messages`, and dropping it fails
while other tables refer to it: foreign keys are on).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_messages = sa.table("messages", sa.column("id", sa.Integer), sa.column("raw", sa.LargeBinary))
_bodies = sa.table("message_bodies", sa.column("message_id", sa.Integer),
                   sa.column("raw", sa.LargeBinary))


def upgrade() -> None:
    op.create_table(
        "message_bodies",
        sa.Column("message_id", sa.Integer, nullable=False),
        sa.Column("raw", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("message_id", name="pk_message_bodies"),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"],
                                name="fk_message_bodies_message_id_messages"),
    )
    op.execute(_bodies.insert().from_select(["message_id", "raw"],
                                            sa.select(_messages.c.id, _messages.c.raw)))
    op.execute(_messages.update().values(raw=b""))


def downgrade() -> None:
    kept = sa.select(_bodies.c.raw).where(_bodies.c.message_id == _messages.c.id)
    op.execute(_messages.update().where(_messages.c.id.in_(sa.select(_bodies.c.message_id)))
               .values(raw=kept.scalar_subquery()))
    op.drop_table("message_bodies")
