"""Queries on queued mail (replies and digests) and on the days whose digest went out.
Each function runs inside the caller's transaction.

A row's `sending_at` is set just before the SMTP transaction and cleared after it, so a mark
still there after a crash means the mail may have gone out.
"""

from __future__ import annotations

from datetime import date, tzinfo

from sqlalchemy import Connection, func, insert, select, update

from bot.store.engine import day_bounds, utc_now
from bot.store.records import NewOutbox, OutboxItem, StoredSubmission
from bot.store.schema import digests, outbox


def insert_outbox(conn: Connection, item: NewOutbox, message_id: int | None,
                  submission_id: int | None = None) -> int:
    """Queue one mail; returns the outbox row's id."""
    return int(conn.execute(insert(outbox).values(
        message_id=message_id, submission_id=submission_id, kind=item.kind,
        recipient=item.recipient, raw=item.raw, created_at=utc_now(),
    ).returning(outbox.c.id)).scalar_one())


def unsent_outbox(conn: Connection, max_attempts: int | None = None) -> list[OutboxItem]:
    """Queued mail not yet sent, oldest first; past `max_attempts` it waits for a person."""
    o = outbox.c
    stmt = select(outbox).where(o.sent_at.is_(None)).order_by(o.id)
    if max_attempts is not None:
        stmt = stmt.where(o.attempts < max_attempts)
    return [OutboxItem(**row._mapping) for row in conn.execute(stmt)]


def mark_sending(conn: Connection, outbox_id: int) -> None:
    o = outbox.c
    conn.execute(update(outbox).where(o.id == outbox_id, o.sent_at.is_(None))
                 .values(sending_at=utc_now()))


def mark_sent(conn: Connection, outbox_id: int) -> None:
    o = outbox.c
    conn.execute(update(outbox).where(o.id == outbox_id, o.sent_at.is_(None))
                 .values(sent_at=utc_now(), last_error=None, sending_at=None))


def mark_send_failed(conn: Connection, outbox_id: int, error: str) -> int:
    """Count a failed attempt; returns how many attempts have failed so far."""
    o = outbox.c
    return int(conn.execute(update(outbox).where(o.id == outbox_id)
                            .values(attempts=o.attempts + 1, last_error=error,
                                    sending_at=None)
                            .returning(o.attempts)).scalar_one())


def replies_queued_on(conn: Connection, recipient: str, day: date, tz: tzinfo) -> int:
    """Replies queued (sent or not) to `recipient` on `day`: the per-sender cap counts these."""
    o = outbox.c
    start, end = day_bounds(day, tz)
    return int(conn.execute(select(func.count()).select_from(outbox).where(
        o.kind == "reply", func.lower(o.recipient) == recipient.strip().lower(),
        o.created_at >= start, o.created_at < end)).scalar_one())


def stuck_outbox(conn: Connection) -> list[OutboxItem]:
    """Queued mail the server has refused or could not take at least once."""
    o = outbox.c
    rows = conn.execute(select(outbox).where(o.sent_at.is_(None), o.attempts > 0)
                        .order_by(o.id))
    return [OutboxItem(**row._mapping) for row in rows]


def latest_reply(conn: Connection, sub: StoredSubmission) -> OutboxItem | None:
    """The newest reply queued for a submission (or, for older rows, for its mail)."""
    o = outbox.c
    mine = (o.submission_id == sub.id) | ((o.submission_id.is_(None))
                                          & (o.message_id == sub.message_id))
    row = conn.execute(select(outbox).where(o.kind == "reply", mine)
                       .order_by(o.id.desc()).limit(1)).first()
    return OutboxItem(**row._mapping) if row else None


def digest_sent(conn: Connection, day: date) -> bool:
    found = conn.execute(select(digests.c.day).where(digests.c.day == day)).first()
    return found is not None


def mark_digest_sent(conn: Connection, day: date) -> None:
    if not digest_sent(conn, day):
        conn.execute(insert(digests).values(day=day, sent_at=utc_now()))
