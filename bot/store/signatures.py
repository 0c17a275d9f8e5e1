"""Rows of the `signatures` table: the signatures of the signed PDFs that came with a
submission, written and rewritten with it inside its transaction (`store.submissions`), and
read back onto each `StoredSubmission` it hands out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields

from sqlalchemy import Connection, delete, insert, select

from bot.store.records import Signature
from bot.store.schema import signatures

_COLUMNS = tuple(f.name for f in fields(Signature))


def insert_signatures(conn: Connection, submission_id: int, found: Sequence[Signature]) -> None:
    rows = [{"submission_id": submission_id, "position": n,
             **{name: getattr(sig, name) for name in _COLUMNS}}
            for n, sig in enumerate(found, start=1)]
    if rows:
        conn.execute(insert(signatures), rows)


def replace_signatures(conn: Connection, submission_id: int, found: Sequence[Signature]
                       ) -> None:
    conn.execute(delete(signatures).where(signatures.c.submission_id == submission_id))
    insert_signatures(conn, submission_id, found)


def signatures_of(conn: Connection, ids: Sequence[int]) -> dict[int, tuple[Signature, ...]]:
    """Submission id → its signatures in order (only ids that have some)."""
    if not ids:
        return {}
    t = signatures.c
    found: dict[int, list[Signature]] = {}
    for row in conn.execute(select(signatures).where(t.submission_id.in_(ids))
                            .order_by(t.submission_id, t.position)):
        values = row._mapping
        found.setdefault(values["submission_id"], []).append(
            Signature(**{name: values[name] for name in _COLUMNS}))
    return {sid: tuple(sigs) for sid, sigs in found.items()}
