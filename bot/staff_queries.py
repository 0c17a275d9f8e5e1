"""Queries the staff commands need and `bot.store.Store` does not have yet, written in
SQLAlchemy Core over `bot.store_schema`. Candidates to move into the Store."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from bot.store import Store
from bot.store_schema import (
    NewOutbox,
    NewSubmission,
    OutboxItem,
    StoredSubmission,
    messages,
    outbox,
    quantities,
    submissions,
)


@contextmanager
def reading(store: Store) -> Iterator[Connection]:
    """A read transaction (plain BEGIN on SQLite, so readers never queue behind writers)."""
    with store.engine.connect() as conn:
        conn = conn.execution_options(bcy_read_only=True)
        with conn.begin():
            yield conn


def day_bounds(day: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), tzinfo=tz)
    return start, start + dt.timedelta(days=1)


def message_kinds(store: Store, day: dt.date, tz: dt.tzinfo) -> Counter[str]:
    """Mail taken in on `day` by kind (automatic, submission, other)."""
    m = messages.c
    start, end = day_bounds(day, tz)
    with reading(store) as conn:
        rows = conn.execute(select(m.kind, func.count()).where(
            m.created_at >= start, m.created_at < end).group_by(m.kind)).all()
    return Counter({str(kind): int(n) for kind, n in rows if kind})


def held_messages(store: Store) -> list[dict[str, Any]]:
    """Mail set aside for a person (quarantined or failed)."""
    m = messages.c
    with reading(store) as conn:
        rows = conn.execute(select(m.id, m.from_addr, m.subject, m.state, m.last_error,
                                   m.created_at)
                            .where(m.state.in_(("quarantined", "failed"))).order_by(m.id))
        return [dict(row._mapping) for row in rows]


def stuck_outbox(store: Store) -> list[OutboxItem]:
    """Queued mail the server has refused or could not take at least once."""
    o = outbox.c
    with reading(store) as conn:
        rows = conn.execute(select(outbox).where(o.sent_at.is_(None), o.attempts > 0)
                            .order_by(o.id))
        return [OutboxItem(**row._mapping) for row in rows]


def latest_reply(store: Store, sub: StoredSubmission) -> OutboxItem | None:
    """The newest reply queued for a submission (or, for older rows, for its mail)."""
    o = outbox.c
    mine = (o.submission_id == sub.id) | ((o.submission_id.is_(None))
                                          & (o.message_id == sub.message_id))
    with reading(store) as conn:
        row = conn.execute(select(outbox).where(o.kind == "reply", mine)
                           .order_by(o.id.desc()).limit(1)).first()
    return OutboxItem(**row._mapping) if row else None


def enqueue_for(conn: Connection, item: NewOutbox, sub: StoredSubmission) -> int:
    return int(conn.execute(insert(outbox).values(
        message_id=sub.message_id, submission_id=sub.id, kind=item.kind,
        recipient=item.recipient, raw=item.raw, created_at=dt.datetime.now(dt.UTC),
    ).returning(outbox.c.id)).scalar_one())


def replace_outcome(conn: Connection, old: StoredSubmission, new: NewSubmission) -> None:
    """Rewrite a submission's verdict, record and numbers in place (same reference, same
    received time), then settle which accepted form of the agency is the live one."""
    s = submissions.c
    conn.execute(update(submissions).where(s.id == old.id).values(
        verdict=new.verdict, record_json=new.record_json, findings_json=new.findings_json,
        agency=new.agency, agency_key=new.agency_key, document_number=new.document_number,
        document_date=new.document_date, place=new.place))
    conn.execute(delete(quantities).where(quantities.c.submission_id == old.id))
    rows = [{"submission_id": old.id, "row_key": row, "year": year, "value": value}
            for row, years in new.quantities.items() for year, value in years.items()]
    if rows:
        conn.execute(insert(quantities), rows)
    for key in {old.agency_key, new.agency_key} - {None}:
        resettle(conn, str(key))


def resettle(conn: Connection, agency_key: str) -> None:
    """Each accepted form of an agency is superseded by the next one received; the newest
    is live; forms that are not accepted supersede nothing and are superseded by nothing."""
    s = submissions.c
    rows = conn.execute(select(s.id, s.verdict).where(s.agency_key == agency_key)
                        .order_by(s.received_at, s.id)).all()
    accepted = [row.id for row in rows if row.verdict == "accepted"]
    successor = dict(itertools.pairwise(accepted))
    for row in rows:
        conn.execute(update(submissions).where(s.id == row.id)
                     .values(superseded_by=successor.get(row.id)))
