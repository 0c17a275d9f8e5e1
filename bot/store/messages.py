"""Queries on kept mail: the raw message as it came in, where in the mailbox it was seen,
and how far its processing got. Each function runs inside the caller's transaction."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, tzinfo
from typing import Any

from sqlalchemy import Connection, Select, func, insert, select, update

from bot.store.engine import day_bounds, utc_now
from bot.store.records import StoredMessage
from bot.store.schema import message_slots, messages

_MESSAGE_COLUMNS = [c for c in messages.c if c.name != "raw"]  # raw only when asked for


def _messages(conn: Connection, stmt: Select[Any]) -> list[StoredMessage]:
    return [StoredMessage(**row._mapping) for row in conn.execute(stmt)]


def seen_uids(conn: Connection, folder: str, uidvalidity: int) -> set[int]:
    """UIDs in this folder already kept, including where a kept mail turned up again."""
    m, slot = messages.c, message_slots.c
    own = select(m.uid).where(m.folder == folder, m.uidvalidity == uidvalidity)
    seen = select(slot.uid).where(slot.folder == folder, slot.uidvalidity == uidvalidity)
    return {int(uid) for uid in conn.execute(own.union(seen)).scalars()}


def find_message(conn: Connection, folder: str, uidvalidity: int,
                 uid: int) -> StoredMessage | None:
    """The mail kept from this mailbox slot (its first slot or one it turned up in)."""
    m, slot = messages.c, message_slots.c
    moved = select(slot.message_id).where(
        slot.folder == folder, slot.uidvalidity == uidvalidity, slot.uid == uid)
    found = _messages(conn, select(*_MESSAGE_COLUMNS).where(
        ((m.folder == folder) & (m.uidvalidity == uidvalidity) & (m.uid == uid))
        | m.id.in_(moved)))
    return found[0] if found else None


def find_duplicate(conn: Connection, message_id: str | None,
                   sha256: str) -> StoredMessage | None:
    """The mail kept with this Message-ID and this content, wherever it was seen."""
    m = messages.c
    found = _messages(conn, select(*_MESSAGE_COLUMNS).where(
        m.message_id == (message_id or "").strip(), m.content_sha256 == sha256))
    return found[0] if found else None


def get_message(conn: Connection, message_id: int) -> StoredMessage:
    return _messages(conn, select(*_MESSAGE_COLUMNS).where(messages.c.id == message_id))[0]


def raw_message(conn: Connection, message_id: int) -> bytes:
    raw = conn.execute(select(messages.c.raw).where(messages.c.id == message_id))
    return bytes(raw.scalar_one())


def insert_slot(conn: Connection, folder: str, uidvalidity: int, uid: int,
                message_id: int) -> None:
    """Record that kept mail `message_id` also sits at this slot (IntegrityError if known)."""
    conn.execute(insert(message_slots).values(
        folder=folder, uidvalidity=uidvalidity, uid=uid, message_id=message_id,
        created_at=utc_now()))


def insert_message(conn: Connection, *, folder: str, uidvalidity: int, uid: int, raw: bytes,
                   sha256: str, message_id: str | None, received_at: datetime | None,
                   from_addr: str | None, subject: str | None) -> int:
    """Keep a new raw mail in state 'new'; returns its id."""
    return int(conn.execute(insert(messages).values(
        folder=folder, uidvalidity=uidvalidity, uid=uid,
        message_id=(message_id or "").strip(), content_sha256=sha256, raw=raw,
        size=len(raw), received_at=received_at, from_addr=from_addr,
        subject=subject, state="new", created_at=utc_now(),
    ).returning(messages.c.id)).scalar_one())


def update_message(conn: Connection, message_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(messages).where(messages.c.id == message_id).values(values))


def bump_attempts(conn: Connection, message_id: int) -> int:
    m = messages.c
    return int(conn.execute(update(messages).where(m.id == message_id)
                            .values(attempts=m.attempts + 1)
                            .returning(m.attempts)).scalar_one())


def unfinished_messages(conn: Connection) -> list[StoredMessage]:
    """Mails kept but not yet decided (a crash or an error cut the cycle short)."""
    return _messages(conn, select(*_MESSAGE_COLUMNS).where(messages.c.state == "new")
                     .order_by(messages.c.id))


def pending_mailbox_actions(conn: Connection) -> list[StoredMessage]:
    """Decided mails not yet filed away in the mailbox (Processed or Quarantine)."""
    m = messages.c
    return _messages(conn, select(*_MESSAGE_COLUMNS).where(
        m.state != "new", m.mailbox_action_done.is_(False)).order_by(m.id))


def message_kinds(conn: Connection, day: date, tz: tzinfo) -> Counter[str]:
    """Mail taken in on `day` by kind (automatic, submission, other)."""
    m = messages.c
    start, end = day_bounds(day, tz)
    rows = conn.execute(select(m.kind, func.count()).where(
        m.created_at >= start, m.created_at < end).group_by(m.kind)).all()
    return Counter({str(kind): int(n) for kind, n in rows if kind})


def held_messages(conn: Connection) -> list[dict[str, Any]]:
    """Mail set aside for a person (quarantined or failed)."""
    m = messages.c
    rows = conn.execute(select(m.id, m.from_addr, m.subject, m.state, m.last_error,
                               m.created_at)
                        .where(m.state.in_(("quarantined", "failed"))).order_by(m.id))
    return [dict(row._mapping) for row in rows]
