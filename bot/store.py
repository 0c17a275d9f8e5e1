"""The intake store: every mail, submission, queued reply and event, one transaction per call.

SQLite (WAL, foreign keys, busy timeout) by default, PostgreSQL by URL. Write transactions
on SQLite start with BEGIN IMMEDIATE so two writers queue on the busy timeout instead of
failing when a read lock cannot be upgraded.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    Select,
    create_engine,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from bot import migrations
from bot.store_schema import (
    Event,
    Kind,
    Level,
    NewOutbox,
    NewSubmission,
    OutboxItem,
    State,
    StoredMessage,
    StoredSubmission,
    digests,
    events,
    message_slots,
    messages,
    outbox,
    quantities,
    reference_counters,
    submissions,
)

SQLITE_BUSY_TIMEOUT_MS = 30_000
_MESSAGE_COLUMNS = [c for c in messages.c if c.name != "raw"]


class OutcomeAlreadySaved(Exception):
    """save_outcome was called for a message that already has one: no second reply."""


def _now() -> datetime:
    return datetime.now(UTC)


def _day_bounds(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(), tzinfo=tz)
    return start, start + timedelta(days=1)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # the driver must not BEGIN behind our back
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    reading = connection.get_execution_options().get("bcy_read_only", False)
    connection.exec_driver_sql("BEGIN" if reading else "BEGIN IMMEDIATE")


def _private_file(path: Path) -> None:
    """The database readable by the service user only. SQLite gives its -wal and -shm files
    the mode of the database file, so creating that one 0600 covers all three."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY | os.O_NOFOLLOW, 0o600))
        for found in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm"))):
            if found.exists() and found.stat().st_mode & 0o077:
                found.chmod(0o600)
    except OSError:
        pass  # not ours to change (or a read-only place): SQLite reports what matters


def create_store_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:" and not parsed.query.get("uri"):
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        _private_file(Path(parsed.database))
    engine = create_engine(url)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def next_reference(conn: Connection, prefix: str) -> str:
    """Take the next number for `prefix` inside the caller's transaction.

    The counter row is locked until that transaction ends, and a rollback gives the
    number back, so references are gap-free as long as the submission shares the transaction.
    """
    counter = reference_counters.c
    bump = (update(reference_counters).where(counter.prefix == prefix)
            .values(last_value=counter.last_value + 1))
    if conn.execute(bump).rowcount == 0:
        try:
            with conn.begin_nested():
                conn.execute(insert(reference_counters).values(prefix=prefix, last_value=0))
        except IntegrityError:
            pass  # a concurrent transaction created it; the bump below waits for it
        conn.execute(bump)
    value = conn.execute(select(counter.last_value).where(counter.prefix == prefix)).scalar_one()
    return f"{prefix}-{value:04d}"


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str) -> Store:
        """Connect and migrate the schema to the newest revision."""
        engine = create_store_engine(url)
        with engine.begin() as conn:
            migrations.upgrade(conn)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def _reading(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            conn = conn.execution_options(bcy_read_only=True)
            with conn.begin():
                yield conn

    # --- messages -------------------------------------------------------------------------

    def _messages(self, stmt: Select[Any]) -> list[StoredMessage]:
        with self._reading() as conn:
            return [StoredMessage(**row._mapping) for row in conn.execute(stmt)]

    def seen_uids(self, folder: str, uidvalidity: int) -> set[int]:
        """UIDs in this folder already kept, including where a kept mail turned up again."""
        m, slot = messages.c, message_slots.c
        with self._reading() as conn:
            own = select(m.uid).where(m.folder == folder, m.uidvalidity == uidvalidity)
            seen = select(slot.uid).where(slot.folder == folder, slot.uidvalidity == uidvalidity)
            return {int(uid) for uid in conn.execute(own.union(seen)).scalars()}

    def find_message(self, folder: str, uidvalidity: int, uid: int) -> StoredMessage | None:
        """The mail kept from this mailbox slot (its first slot or one it turned up in)."""
        m, slot = messages.c, message_slots.c
        moved = select(slot.message_id).where(
            slot.folder == folder, slot.uidvalidity == uidvalidity, slot.uid == uid)
        found = self._messages(select(*_MESSAGE_COLUMNS).where(
            ((m.folder == folder) & (m.uidvalidity == uidvalidity) & (m.uid == uid))
            | m.id.in_(moved)))
        return found[0] if found else None

    def remember_slot(self, folder: str, uidvalidity: int, uid: int, message_id: int) -> None:
        """Record that kept mail `message_id` also sits at this slot; idempotent."""
        if self.find_message(folder, uidvalidity, uid) is not None:
            return
        try:
            with self._writing() as conn:
                conn.execute(insert(message_slots).values(
                    folder=folder, uidvalidity=uidvalidity, uid=uid, message_id=message_id,
                    created_at=_now()))
        except IntegrityError:
            pass  # recorded meanwhile by someone else

    def find_duplicate(self, message_id: str | None, sha256: str) -> StoredMessage | None:
        m = messages.c
        found = self._messages(select(*_MESSAGE_COLUMNS).where(
            m.message_id == (message_id or "").strip(), m.content_sha256 == sha256))
        return found[0] if found else None

    def get_message(self, message_id: int) -> StoredMessage:
        return self._messages(select(*_MESSAGE_COLUMNS).where(messages.c.id == message_id))[0]

    def raw_message(self, message_id: int) -> bytes:
        with self._reading() as conn:
            raw = conn.execute(select(messages.c.raw).where(messages.c.id == message_id))
            return bytes(raw.scalar_one())

    def save_raw_message(self, *, folder: str, uidvalidity: int, uid: int, raw: bytes,
                         message_id: str | None, received_at: datetime | None = None,
                         from_addr: str | None = None, subject: str | None = None) -> int:
        """Keep the raw mail before anything else happens. A mail already kept (same
        mailbox slot, or same Message-ID and content) gives the id it already has, and a
        new slot is remembered so that `seen_uids` includes it."""
        sha = hashlib.sha256(raw).hexdigest()
        for attempt in range(2):
            known = self.find_message(folder, uidvalidity, uid)
            if known is not None:
                return known.id
            known = self.find_duplicate(message_id, sha)
            if known is not None:
                self.remember_slot(folder, uidvalidity, uid, known.id)
                return known.id
            try:
                with self._writing() as conn:
                    return int(conn.execute(insert(messages).values(
                        folder=folder, uidvalidity=uidvalidity, uid=uid,
                        message_id=(message_id or "").strip(), content_sha256=sha, raw=raw,
                        size=len(raw), received_at=received_at, from_addr=from_addr,
                        subject=subject, state="new", created_at=_now(),
                    ).returning(messages.c.id)).scalar_one())
            except IntegrityError:
                if attempt:
                    raise  # lost a race twice, or a key clash the lookups cannot see
        raise AssertionError("unreachable")

    def mark_message(self, message_id: int, *, kind: Kind | None = None,
                     state: State | None = None, error: str | None = None,
                     mailbox_action_done: bool | None = None) -> None:
        """Change the given fields; None leaves a field as it is."""
        values: dict[str, Any] = {"kind": kind, "state": state, "last_error": error,
                                  "mailbox_action_done": mailbox_action_done}
        values = {k: v for k, v in values.items() if v is not None}
        if values:
            with self._writing() as conn:
                conn.execute(update(messages).where(messages.c.id == message_id).values(values))

    def bump_attempts(self, message_id: int) -> int:
        m = messages.c
        with self._writing() as conn:
            return int(conn.execute(update(messages).where(m.id == message_id)
                                    .values(attempts=m.attempts + 1)
                                    .returning(m.attempts)).scalar_one())

    def unfinished_messages(self) -> list[StoredMessage]:
        """Mails kept but not yet decided (a crash or an error cut the cycle short)."""
        return self._messages(select(*_MESSAGE_COLUMNS).where(messages.c.state == "new")
                              .order_by(messages.c.id))

    def pending_mailbox_actions(self) -> list[StoredMessage]:
        """Decided mails not yet filed away in the mailbox (Processed or Quarantine)."""
        m = messages.c
        return self._messages(select(*_MESSAGE_COLUMNS).where(
            m.state != "new", m.mailbox_action_done.is_(False)).order_by(m.id))

    # --- outcomes and submissions --------------------------------------------------------------

    def save_outcome(self, message_id: int, submission: NewSubmission | None,
                     build_outbox: Callable[[str | None], Iterable[NewOutbox]] = lambda _: (),
                     *, kind: Kind = "submission", state: State = "done") -> str | None:
        """Store the decision on one mail in one transaction: the submission with a fresh
        reference, its quantities, the queued mail `build_outbox(reference)` returns, and
        the mail's new kind and state. Returns the reference (None without a submission)."""
        m = messages.c
        with self._writing() as conn:
            current = conn.execute(select(m.state).where(m.id == message_id)).scalar_one()
            if current != "new":
                raise OutcomeAlreadySaved(f"message {message_id} is already {current}")
            reference: str | None = None
            submission_id: int | None = None
            if submission is not None:
                reference = next_reference(conn, submission.reference_prefix)
                submission_id = _insert_submission(conn, message_id, reference, submission)
            for item in build_outbox(reference):
                conn.execute(insert(outbox).values(
                    message_id=message_id, submission_id=submission_id, kind=item.kind,
                    recipient=item.recipient, raw=item.raw, created_at=_now()))
            conn.execute(update(messages).where(m.id == message_id)
                         .values(kind=kind, state=state))
        return reference

    def _submissions(self, *conditions: Any) -> list[StoredSubmission]:
        s = submissions.c
        with self._reading() as conn:
            rows = conn.execute(select(submissions).where(*conditions)
                                .order_by(s.received_at, s.id)).all()
            ids = [row.id for row in rows]
            amounts: dict[int, dict[str, dict[str, int]]] = {i: {} for i in ids}
            if ids:
                q = quantities.c
                for sid, row_key, year, value in conn.execute(
                        select(q.submission_id, q.row_key, q.year, q.value)
                        .where(q.submission_id.in_(ids))):
                    amounts[sid].setdefault(row_key, {})[year] = int(value)
        return [StoredSubmission(**row._mapping, quantities=amounts[row.id]) for row in rows]

    def submission(self, reference: str) -> StoredSubmission | None:
        found = self._submissions(submissions.c.reference == reference)
        return found[0] if found else None

    def submissions(self, day: date | None = None, agency_key: str | None = None,
                    verdict: str | None = None, tz: tzinfo = UTC) -> list[StoredSubmission]:
        """Submissions received on `day` (a calendar day in `tz`), oldest first."""
        s = submissions.c
        conditions: list[Any] = []
        if day is not None:
            start, end = _day_bounds(day, tz)
            conditions += [s.received_at >= start, s.received_at < end]
        if agency_key is not None:
            conditions.append(s.agency_key == agency_key)
        if verdict is not None:
            conditions.append(s.verdict == verdict)
        return self._submissions(*conditions)

    def latest_valid_submissions(self) -> list[StoredSubmission]:
        """Per agency, the newest accepted submission (the one nothing supersedes)."""
        s = submissions.c
        found = self._submissions(s.verdict == "accepted", s.superseded_by.is_(None),
                                  s.agency_key.is_not(None))
        return sorted(found, key=lambda sub: sub.agency_key or "")

    # --- outbox -------------------------------------------------------------------------

    def enqueue(self, item: NewOutbox, message_id: int | None = None) -> int:
        with self._writing() as conn:
            return int(conn.execute(insert(outbox).values(
                message_id=message_id, kind=item.kind, recipient=item.recipient,
                raw=item.raw, created_at=_now()).returning(outbox.c.id)).scalar_one())

    def unsent_outbox(self, max_attempts: int | None = None) -> list[OutboxItem]:
        """Queued mail not yet sent, oldest first; past `max_attempts` it waits for a person."""
        o = outbox.c
        stmt = select(outbox).where(o.sent_at.is_(None)).order_by(o.id)
        if max_attempts is not None:
            stmt = stmt.where(o.attempts < max_attempts)
        with self._reading() as conn:
            return [OutboxItem(**row._mapping) for row in conn.execute(stmt)]

    def mark_sending(self, outbox_id: int) -> None:
        """Mark a row as handed to SMTP; a mark left by a crash means "may have gone out"."""
        o = outbox.c
        with self._writing() as conn:
            conn.execute(update(outbox).where(o.id == outbox_id, o.sent_at.is_(None))
                         .values(sending_at=_now()))

    def mark_sent(self, outbox_id: int) -> None:
        o = outbox.c
        with self._writing() as conn:
            conn.execute(update(outbox).where(o.id == outbox_id, o.sent_at.is_(None))
                         .values(sent_at=_now(), last_error=None, sending_at=None))

    def mark_send_failed(self, outbox_id: int, error: str) -> int:
        """Count a failed attempt; returns how many attempts have failed so far."""
        o = outbox.c
        with self._writing() as conn:
            return int(conn.execute(update(outbox).where(o.id == outbox_id)
                                    .values(attempts=o.attempts + 1, last_error=error,
                                            sending_at=None)
                                    .returning(o.attempts)).scalar_one())

    def replies_sent_today(self, recipient: str, day: date, tz: tzinfo = UTC) -> int:
        """Replies queued (sent or not) to `recipient` on `day`: the per-sender cap counts these."""
        o = outbox.c
        start, end = _day_bounds(day, tz)
        with self._reading() as conn:
            return int(conn.execute(select(func.count()).select_from(outbox).where(
                o.kind == "reply", func.lower(o.recipient) == recipient.strip().lower(),
                o.created_at >= start, o.created_at < end)).scalar_one())

    # --- digests and events ----------------------------------------------------------------

    def digest_sent(self, day: date) -> bool:
        with self._reading() as conn:
            found = conn.execute(select(digests.c.day).where(digests.c.day == day)).first()
            return found is not None

    def mark_digest_sent(self, day: date) -> None:
        with self._writing() as conn:
            if conn.execute(select(digests.c.day).where(digests.c.day == day)).first() is None:
                conn.execute(insert(digests).values(day=day, sent_at=_now()))

    def record_event(self, kind: str, detail: str, *, level: Level = "warning",
                     message_id: int | None = None) -> int:
        with self._writing() as conn:
            return int(conn.execute(insert(events).values(
                ts=_now(), level=level, kind=kind, detail=detail, message_id=message_id,
            ).returning(events.c.id)).scalar_one())

    def events(self, day: date | None = None, tz: tzinfo = UTC) -> list[Event]:
        e = events.c
        stmt = select(events).order_by(e.ts, e.id)
        if day is not None:
            start, end = _day_bounds(day, tz)
            stmt = stmt.where(e.ts >= start, e.ts < end)
        with self._reading() as conn:
            return [Event(**row._mapping) for row in conn.execute(stmt)]


def _insert_submission(conn: Connection, message_id: int, reference: str,
                       sub: NewSubmission) -> int:
    s = submissions.c
    new_id = int(conn.execute(insert(submissions).values(
        reference=reference, message_id=message_id, agency=sub.agency,
        agency_key=sub.agency_key, sender=sub.sender, verdict=sub.verdict,
        document_number=sub.document_number, document_date=sub.document_date,
        place=sub.place, record_json=sub.record_json, findings_json=sub.findings_json,
        received_at=sub.received_at).returning(s.id)).scalar_one())
    rows = [{"submission_id": new_id, "row_key": row, "year": year, "value": value}
            for row, years in sub.quantities.items() for year, value in years.items()]
    if rows:
        conn.execute(insert(quantities), rows)
    if sub.verdict == "accepted" and sub.agency_key:
        _supersede(conn, new_id, sub.agency_key, sub.received_at)
    return new_id


def _supersede(conn: Connection, new_id: int, agency_key: str, received_at: datetime) -> None:
    """A newer accepted form replaces older ones of the same agency; mail processed out of
    order must not replace a form that was received later."""
    s = submissions.c
    live = conn.execute(select(s.id, s.received_at).where(
        s.agency_key == agency_key, s.verdict == "accepted", s.superseded_by.is_(None),
        s.id != new_id)).all()
    older = [row.id for row in live if row.received_at <= received_at]
    newer = sorted((row for row in live if row.received_at > received_at),
                   key=lambda row: (row.received_at, row.id))
    if older:
        conn.execute(update(submissions).where(s.id.in_(older)).values(superseded_by=new_id))
    if newer:
        conn.execute(update(submissions).where(s.id == new_id)
                     .values(superseded_by=newer[-1].id))
