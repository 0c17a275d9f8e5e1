"""Queries on kept mail: the raw message as it came in, where in the mailbox it was seen,
how far its processing got, and whether a person has dealt with it. `store.messages`; each
method is one transaction."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    Connection,
    Executable,
    bindparam,
    delete,
    false,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from bot.store.engine import Queries, day_bounds, utc_now
from bot.store.outbox import insert_outbox
from bot.store.records import NewOutbox, State, StoredMessage
from bot.store.schema import (
    handled_mail,
    message_bodies,
    message_readings,
    message_slots,
    messages,
)

if TYPE_CHECKING:
    from bot.store.records import Kind  # a type only (see bot.store.records)

_MESSAGE_COLUMNS = [c for c in messages.c if c.name != "raw"]  # raw: in message_bodies
BLOB_SLICE = 1024 * 1024  # bytes written at a time into SQLite's blob of a raw mail


def _messages(conn: Connection, stmt: Executable,
              params: dict[str, Any] | None = None) -> list[StoredMessage]:
    return [StoredMessage(**row._mapping) for row in conn.execute(stmt, params)]


# The statements of every mail's way through the cycle, built once with their parameters
# named: building one anew costs more than SQLite takes to run it.
_m, _slot = messages.c, message_slots.c
_AT_SLOT = select(*_MESSAGE_COLUMNS).where(
    ((_m.folder == bindparam("folder")) & (_m.uidvalidity == bindparam("validity"))
     & (_m.uid == bindparam("uid")))
    | _m.id.in_(select(_slot.message_id).where(
        _slot.folder == bindparam("folder"), _slot.uidvalidity == bindparam("validity"),
        _slot.uid == bindparam("uid"))))
_SAME_MAIL = select(*_MESSAGE_COLUMNS).where(_m.message_id == bindparam("message_id"),
                                             _m.content_sha256 == bindparam("sha"))
_BY_ID = select(*_MESSAGE_COLUMNS).where(_m.id == bindparam("id"))
_INSERT = insert(messages).returning(*_MESSAGE_COLUMNS)
_INSERT_BODY = insert(message_bodies)
_UNREAD = delete(message_readings).where(message_readings.c.message_id == bindparam("id"))
_READING = insert(message_readings)
_FILED = (update(messages).where(_m.id.in_(bindparam("ids", expanding=True)))
          .values(mailbox_action_done=True))


def _at_slot(conn: Connection, folder: str, uidvalidity: int, uid: int
             ) -> StoredMessage | None:
    found = _messages(conn, _AT_SLOT, {"folder": folder, "validity": uidvalidity, "uid": uid})
    return found[0] if found else None


def mark_reading(conn: Connection, message_id: int, reader: str) -> None:
    """`Messages.start_reading` inside the caller's transaction."""
    conn.execute(_UNREAD, {"id": message_id})
    conn.execute(_READING, {"message_id": message_id, "reader": reader, "since": utc_now()})


def stored_message(conn: Connection, message_id: int) -> StoredMessage:
    """The kept mail with this id, inside the caller's transaction (IndexError: none)."""
    return _messages(conn, _BY_ID, {"id": message_id})[0]


def _same_mail(conn: Connection, message_id: str | None, sha256: str) -> StoredMessage | None:
    found = _messages(conn, _SAME_MAIL, {"message_id": (message_id or "").strip(), "sha": sha256})
    return found[0] if found else None


class Messages(Queries):
    def seen_uids(self, folder: str, uidvalidity: int) -> set[int]:
        """UIDs in this folder already kept, including where a kept mail turned up again."""
        m, slot = messages.c, message_slots.c
        own = select(m.uid).where(m.folder == folder, m.uidvalidity == uidvalidity)
        seen = select(slot.uid).where(slot.folder == folder, slot.uidvalidity == uidvalidity)
        with self._reading() as conn:
            return {int(uid) for uid in conn.execute(own.union(seen)).scalars()}

    def find(self, folder: str, uidvalidity: int, uid: int) -> StoredMessage | None:
        """The mail kept from this mailbox slot (its first slot or one it turned up in)."""
        with self._reading() as conn:
            return _at_slot(conn, folder, uidvalidity, uid)

    def copies_in(self, folder: str, uidvalidity: int) -> dict[int, StoredMessage]:
        """The mail kept that turned up again in this folder, by the UID of each copy: one
        query for the whole folder (a first cycle over a big mailbox must not ask per UID)."""
        m, slot = messages.c, message_slots.c
        here = (slot.folder == folder) & (slot.uidvalidity == uidvalidity)
        own = (m.folder == folder) & (m.uidvalidity == uidvalidity) & (m.uid == slot.uid)
        with self._reading() as conn:
            rows = conn.execute(select(slot.uid.label("copy_uid"), *_MESSAGE_COLUMNS)
                                .join(messages, m.id == slot.message_id).where(here, ~own))
            return {int(row.copy_uid): StoredMessage(**{c.name: row._mapping[c]
                                                        for c in _MESSAGE_COLUMNS})
                    for row in rows}

    def find_duplicate(self, message_id: str | None, sha256: str) -> StoredMessage | None:
        """The mail kept with this Message-ID and this content, wherever it was seen."""
        with self._reading() as conn:
            return _same_mail(conn, message_id, sha256)

    def get(self, message_id: int) -> StoredMessage:
        """The kept mail with this id (IndexError if there is none)."""
        with self._reading() as conn:
            return stored_message(conn, message_id)

    def raw(self, message_id: int) -> bytes:
        body = message_bodies.c
        with self._reading() as conn:
            raw = conn.execute(select(body.raw).where(body.message_id == message_id))
            return bytes(raw.scalar_one())

    def remember_slot(self, folder: str, uidvalidity: int, uid: int, message_id: int) -> None:
        """Record that kept mail `message_id` also sits at this slot; idempotent."""
        if self.find(folder, uidvalidity, uid) is not None:
            return
        try:
            with self._writing() as conn:
                conn.execute(insert(message_slots).values(
                    folder=folder, uidvalidity=uidvalidity, uid=uid, message_id=message_id,
                    created_at=utc_now()))
        except IntegrityError:
            pass  # recorded meanwhile by someone else

    def save_raw(self, *, folder: str, uidvalidity: int, uid: int, raw: bytes,
                 message_id: str | None, received_at: datetime | None = None,
                 from_addr: str | None = None, subject: str | None = None,
                 size: int | None = None, sha256: str | None = None) -> int:
        """`keep_raw`, its id only."""
        return self.keep_raw(folder=folder, uidvalidity=uidvalidity, uid=uid, raw=raw,
                             message_id=message_id, received_at=received_at,
                             from_addr=from_addr, subject=subject, size=size,
                             sha256=sha256).id

    def keep_raw(self, *, folder: str, uidvalidity: int, uid: int, raw: bytes,
                 message_id: str | None, received_at: datetime | None = None,
                 from_addr: str | None = None, subject: str | None = None,
                 size: int | None = None, sha256: str | None = None) -> StoredMessage:
        """Keep the raw mail, in state 'new', before anything else happens; the mail as kept.
        A mail already kept (same mailbox slot, or same Message-ID and content) is given as
        it is, and a new slot is remembered so that `seen_uids` includes it. One write
        transaction looks and inserts.

        A mail too large to take in is kept as its headers and structure only: `raw` is that
        skeleton, `size` the real size and `sha256` what identifies it (body_omitted)."""
        sha = sha256 or hashlib.sha256(raw).hexdigest()
        for attempt in range(2):
            try:
                with self._writing(lazy=True) as conn:  # still in the INBOX until decided
                    known = _at_slot(conn, folder, uidvalidity, uid)
                    if known is not None:
                        return known
                    duplicate = _same_mail(conn, message_id, sha)
                    if duplicate is None:
                        kept = _messages(conn, _INSERT, {
                            "folder": folder, "uidvalidity": uidvalidity, "uid": uid,
                            "message_id": (message_id or "").strip(), "content_sha256": sha,
                            "raw": b"", "size": len(raw) if size is None else size,
                            "received_at": received_at, "from_addr": from_addr,
                            "subject": subject, "state": "new", "created_at": utc_now(),
                            "body_omitted": size is not None})[0]
                        _keep_body(conn, kept.id, raw)
                        return kept
                self.remember_slot(folder, uidvalidity, uid, duplicate.id)
                return duplicate
            except IntegrityError:
                if attempt:
                    raise  # lost a race twice, or a key clash the lookups cannot see
        raise AssertionError("unreachable")

    def mark(self, message_id: int, *, kind: Kind | None = None, state: State | None = None,
             error: str | None = None, mailbox_action_done: bool | None = None) -> None:
        """Change the given fields; None leaves a field as it is."""
        values: dict[str, Any] = {"kind": kind, "state": state, "last_error": error,
                                  "mailbox_action_done": mailbox_action_done}
        values = {k: v for k, v in values.items() if v is not None}
        if values:
            # filed: the UID gone from the folder says so again; anything else is durable
            with self._writing(lazy=set(values) == {"mailbox_action_done"}) as conn:
                conn.execute(update(messages).where(messages.c.id == message_id)
                             .values(values))

    def mark_filed(self, message_ids: list[int]) -> None:
        """Several mails filed at once (one MOVE by UID set)."""
        with self._writing(lazy=True) as conn:  # the UIDs gone from the folder say so again
            conn.execute(_FILED, {"ids": message_ids})

    def start_reading(self, message_id: int, reader: str) -> None:
        """Mark the mail as being read by `reader` (a process): if the mark is still there
        when another process looks, the reader died on it."""
        with self._writing(lazy=True) as conn:  # lost with the power: no evidence, no harm
            mark_reading(conn, message_id, reader)

    def stop_reading(self, message_id: int) -> None:
        with self._writing() as conn:
            conn.execute(_UNREAD, {"id": message_id})

    def note_crash(self, message_id: int, reader: str) -> int:
        """The reader `reader` died while reading this mail: count it, clear the mark;
        returns how often that has happened. A mark someone else cleared meanwhile is not
        counted twice."""
        m, r = messages.c, message_readings.c
        with self._writing() as conn:
            if conn.execute(delete(message_readings).where(
                    r.message_id == message_id, r.reader == reader)).rowcount:
                conn.execute(update(messages).where(m.id == message_id)
                             .values(crashes=m.crashes + 1))
            return int(conn.execute(select(m.crashes).where(m.id == message_id)).scalar_one())

    def set_aside(self, message_id: int, error: str, reply: NewOutbox | None) -> None:
        """Quarantine the mail and queue its holding reply, in one transaction: the reply
        goes out once, and only for mail that was set aside."""
        m = messages.c
        with self._writing() as conn:
            done = conn.execute(update(messages).where(m.id == message_id, m.state == "new")
                                .values(state="quarantined", last_error=error)).rowcount
            conn.execute(delete(message_readings)
                         .where(message_readings.c.message_id == message_id))
            if done and reply is not None:
                insert_outbox(conn, reply, message_id)

    def bump_attempts(self, message_id: int) -> int:
        """Count one more failed try at deciding the mail; returns the count."""
        m = messages.c
        with self._writing() as conn:
            return int(conn.execute(update(messages).where(m.id == message_id)
                                    .values(attempts=m.attempts + 1)
                                    .returning(m.attempts)).scalar_one())

    def unfinished(self) -> list[StoredMessage]:
        """Mails kept but not yet decided (a crash or an error cut the cycle short), each
        with the process reading it, if any (`reading_by`)."""
        r = message_readings.c
        stmt = (select(*_MESSAGE_COLUMNS, r.reader.label("reading_by"))
                .outerjoin(message_readings, r.message_id == messages.c.id)
                .where(messages.c.state == "new").order_by(messages.c.id))
        with self._reading() as conn:
            return _messages(conn, stmt)

    def pending_mailbox_actions(self) -> list[StoredMessage]:
        """Decided mails not yet filed away in the mailbox (Processed or Quarantine)."""
        m = messages.c
        with self._reading() as conn:
            return _messages(conn, select(*_MESSAGE_COLUMNS).where(
                m.state != "new", m.mailbox_action_done == false()).order_by(m.id))

    def kinds(self, day: date | None = None, tz: tzinfo | None = None,
              period: tuple[datetime, datetime] | None = None) -> Counter[str]:
        """Mail taken in on `day` (in `tz`) or in `period`, by kind (automatic, submission,
        other)."""
        m = messages.c
        if period is None:
            assert day is not None and tz is not None, "a day and its zone, or a period"
            period = day_bounds(day, tz)
        start, end = period
        with self._reading() as conn:
            rows = conn.execute(select(m.kind, func.count()).where(
                m.created_at >= start, m.created_at < end).group_by(m.kind)).all()
        return Counter({str(kind): int(n) for kind, n in rows if kind})

    def held(self) -> list[dict[str, Any]]:
        """Mail set aside for a person (quarantined or failed) that nobody has dealt with."""
        m = messages.c
        with self._reading() as conn:
            rows = conn.execute(select(m.id, m.from_addr, m.subject, m.state, m.last_error,
                                       m.created_at)
                                .where(m.state.in_(("quarantined", "failed")), _not_handled())
                                .order_by(m.id))
            return [dict(row._mapping) for row in rows]

    def left_for_people(self, period: tuple[datetime, datetime] | None = None
                        ) -> list[StoredMessage]:
        """Mail that is not ours to answer ("other"), left in the INBOX for a person, that
        nobody has marked handled; only what came in during `period` [start, end) when given
        (the digest's), else all of it (the console's to-do list)."""
        m = messages.c
        stmt = select(*_MESSAGE_COLUMNS).where(m.kind == "other", m.state == "done",
                                               _not_handled())
        if period is not None:
            stmt = stmt.where(m.created_at >= period[0], m.created_at < period[1])
        with self._reading() as conn:
            return _messages(conn, stmt.order_by(m.id))

    def mark_handled(self, message_id: int, by: str) -> bool:
        """Record that a person has dealt with the mail; False if it was already."""
        try:
            with self._writing() as conn:
                conn.execute(insert(handled_mail).values(
                    message_id=message_id, handled_by=by, handled_at=utc_now()))
        except IntegrityError:
            return False
        return True


def _not_handled() -> Any:
    return messages.c.id.not_in(select(handled_mail.c.message_id))


def _keep_body(conn: Connection, message_id: int, raw: bytes) -> None:
    """The raw bytes into message_bodies. On SQLite in slices through its blob interface:
    bound as a parameter, SQLite would copy them twice (the bound value, then the record) —
    68 MB held at once for a 34 MB mail."""
    if conn.dialect.name != "sqlite" or len(raw) <= BLOB_SLICE:
        conn.execute(_INSERT_BODY, {"message_id": message_id, "raw": raw})
        return
    conn.execute(insert(message_bodies).values(message_id=message_id,
                                               raw=func.zeroblob(len(raw))))
    view = memoryview(raw)
    # message_id is the table's INTEGER PRIMARY KEY, so SQLite's rowid
    with conn.connection.dbapi_connection.blobopen(  # type: ignore[union-attr]
            message_bodies.name, "raw", message_id, readonly=False) as blob:
        for start in range(0, len(raw), BLOB_SLICE):
            blob.write(view[start:start + BLOB_SLICE])
