"""Signatures of signed PDF cover letters, one row per signature per submission.

Each row says who signed (the subject, with CN, O and OU apart for matching and display), the
issuer and serial number, the signing time and a time-stamp token's, whether the signed bytes
are intact and what was added after signing, whether the chain leads to a configured root
(checked offline, never for revocation), and the registry agency the signer names. Existing
submissions have none: no PDF was read before this revision. Follows 0004 (standing), 0005
(the web console) and 0006 (staff).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "signatures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("submission_id", sa.Integer, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("file", sa.Text, nullable=False),
        sa.Column("field", sa.Text, nullable=False),
        sa.Column("signer", sa.Text, nullable=False),
        sa.Column("signer_cn", sa.Text, nullable=True),
        sa.Column("signer_o", sa.Text, nullable=True),
        sa.Column("signer_ou", sa.Text, nullable=True),
        sa.Column("issuer", sa.Text, nullable=False),
        sa.Column("serial", sa.String(128), nullable=False),
        sa.Column("signing_time", sa.DateTime, nullable=True),
        sa.Column("timestamp_time", sa.DateTime, nullable=True),
        sa.Column("intact", sa.Boolean, nullable=False),
        sa.Column("coverage", sa.String(24), nullable=False),
        sa.Column("modification", sa.String(24), nullable=False),
        sa.Column("trusted", sa.Boolean, nullable=False),
        sa.Column("trust_problem", sa.String(24), nullable=True),
        sa.Column("agency_key", sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_signatures"),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"],
                                name="fk_signatures_submission_id_submissions"),
    )
    op.create_index("ix_signatures_submission_id", "signatures", ["submission_id"])


def downgrade() -> None:
    op.drop_index("ix_signatures_submission_id", "signatures")
    op.drop_table("signatures")
