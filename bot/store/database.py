"""The intake store: every mail, submission, queued reply and event, one transaction per call.

`Store` is the one door to the database: each method opens one transaction and calls a query
function from the module that owns the table (`store_messages`, `store_submissions`,
`store_outbox`, `store_events`). Connecting, SQLite settings and the kinds of transaction
are in `store_engine`; the tables in `store_schema`; the records handed out in
`store_records`.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from bot.store import events as store_events
from bot.store import messages as store_messages
from bot.store import migrations
from bot.store import outbox as store_outbox
from bot.store import submissions as store_submissions
from bot.store.engine import (
    SQLITE_BUSY_TIMEOUT_MS,
    create_store_engine,
    read_transaction,
    write_transaction,
)
from bot.store.records import (
    Event,
    Kind,
    Level,
    NewOutbox,
    NewSubmission,
    OutboxItem,
    State,
    StoredMessage,
    StoredSubmission,
)
from bot.store.submissions import OutcomeAlreadySaved, next_reference

__all__ = ["SQLITE_BUSY_TIMEOUT_MS", "OutcomeAlreadySaved", "Store", "create_store_engine",
           "next_reference"]


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

    def _writing(self) -> AbstractContextManager[Connection]:
        return write_transaction(self.engine)

    def _reading(self) -> AbstractContextManager[Connection]:
        return read_transaction(self.engine)

    # --- messages (store_messages) -----------------------------------------------------

    def seen_uids(self, folder: str, uidvalidity: int) -> set[int]:
        with self._reading() as conn:
            return store_messages.seen_uids(conn, folder, uidvalidity)

    def find_message(self, folder: str, uidvalidity: int, uid: int) -> StoredMessage | None:
        with self._reading() as conn:
            return store_messages.find_message(conn, folder, uidvalidity, uid)

    def remember_slot(self, folder: str, uidvalidity: int, uid: int, message_id: int) -> None:
        """Record that kept mail `message_id` also sits at this slot; idempotent."""
        if self.find_message(folder, uidvalidity, uid) is not None:
            return
        try:
            with self._writing() as conn:
                store_messages.insert_slot(conn, folder, uidvalidity, uid, message_id)
        except IntegrityError:
            pass  # recorded meanwhile by someone else

    def find_duplicate(self, message_id: str | None, sha256: str) -> StoredMessage | None:
        with self._reading() as conn:
            return store_messages.find_duplicate(conn, message_id, sha256)

    def get_message(self, message_id: int) -> StoredMessage:
        with self._reading() as conn:
            return store_messages.get_message(conn, message_id)

    def raw_message(self, message_id: int) -> bytes:
        with self._reading() as conn:
            return store_messages.raw_message(conn, message_id)

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
                    return store_messages.insert_message(
                        conn, folder=folder, uidvalidity=uidvalidity, uid=uid, raw=raw,
                        sha256=sha, message_id=message_id, received_at=received_at,
                        from_addr=from_addr, subject=subject)
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
                store_messages.update_message(conn, message_id, values)

    def bump_attempts(self, message_id: int) -> int:
        with self._writing() as conn:
            return store_messages.bump_attempts(conn, message_id)

    def unfinished_messages(self) -> list[StoredMessage]:
        with self._reading() as conn:
            return store_messages.unfinished_messages(conn)

    def pending_mailbox_actions(self) -> list[StoredMessage]:
        with self._reading() as conn:
            return store_messages.pending_mailbox_actions(conn)

    def message_kinds(self, day: date, tz: tzinfo) -> Counter[str]:
        with self._reading() as conn:
            return store_messages.message_kinds(conn, day, tz)

    def held_messages(self) -> list[dict[str, Any]]:
        with self._reading() as conn:
            return store_messages.held_messages(conn)

    # --- outcomes and submissions (store_submissions) -------------------------------------

    def save_outcome(self, message_id: int, submission: NewSubmission | None,
                     build_outbox: Callable[[str | None], Iterable[NewOutbox]] = lambda _: (),
                     *, kind: Kind = "submission", state: State = "done") -> str | None:
        """Store the decision on one mail in one transaction (see
        `store_submissions.save_outcome`). Returns the reference (None without a
        submission); OutcomeAlreadySaved if the mail was decided before."""
        with self._writing() as conn:
            return store_submissions.save_outcome(conn, message_id, submission, build_outbox,
                                                  kind, state)

    def save_outcomes(self, message_id: int, submissions: Sequence[NewSubmission],
                      build_outbox: Callable[[list[str]], Iterable[NewOutbox]],
                      *, kind: Kind = "submission", state: State = "done") -> list[str]:
        """Several submissions from one mail (one per distinct form in it), each under its
        own reference, and one reply about all of them, in one transaction."""
        with self._writing() as conn:
            return store_submissions.save_outcomes(conn, message_id, submissions, build_outbox,
                                                   kind, state)

    def replace_outcome(self, old: StoredSubmission, new: NewSubmission,
                        replies: Iterable[NewOutbox] = ()) -> None:
        """Rewrite a submission in place (same reference) and queue `replies` for it, in one
        transaction."""
        with self._writing() as conn:
            store_submissions.replace_outcome(conn, old, new)
            for item in replies:
                store_outbox.insert_outbox(conn, item, old.message_id, old.id)

    def submission(self, reference: str) -> StoredSubmission | None:
        with self._reading() as conn:
            return store_submissions.submission_by_reference(conn, reference)

    def submissions(self, day: date | None = None, agency_key: str | None = None,
                    verdict: str | None = None, tz: tzinfo = UTC) -> list[StoredSubmission]:
        """Submissions received on `day` (a calendar day in `tz`), oldest first."""
        conditions = store_submissions.submission_filters(day, agency_key, verdict, tz)
        with self._reading() as conn:
            return store_submissions.find_submissions(conn, *conditions)

    def latest_valid_submissions(self) -> list[StoredSubmission]:
        with self._reading() as conn:
            return store_submissions.latest_valid_submissions(conn)

    # --- outbox and digests (store_outbox) ------------------------------------------------

    def enqueue(self, item: NewOutbox, message_id: int | None = None,
                submission_id: int | None = None) -> int:
        with self._writing() as conn:
            return store_outbox.insert_outbox(conn, item, message_id, submission_id)

    def unsent_outbox(self, max_attempts: int | None = None) -> list[OutboxItem]:
        with self._reading() as conn:
            return store_outbox.unsent_outbox(conn, max_attempts)

    def mark_sending(self, outbox_id: int) -> None:
        """Mark a row as handed to SMTP; a mark left by a crash means "may have gone out"."""
        with self._writing() as conn:
            store_outbox.mark_sending(conn, outbox_id)

    def mark_sent(self, outbox_id: int) -> None:
        with self._writing() as conn:
            store_outbox.mark_sent(conn, outbox_id)

    def mark_send_failed(self, outbox_id: int, error: str) -> int:
        with self._writing() as conn:
            return store_outbox.mark_send_failed(conn, outbox_id, error)

    def replies_sent_today(self, recipient: str, day: date, tz: tzinfo = UTC) -> int:
        with self._reading() as conn:
            return store_outbox.replies_queued_on(conn, recipient, day, tz)

    def stuck_outbox(self) -> list[OutboxItem]:
        with self._reading() as conn:
            return store_outbox.stuck_outbox(conn)

    def latest_reply(self, sub: StoredSubmission) -> OutboxItem | None:
        with self._reading() as conn:
            return store_outbox.latest_reply(conn, sub)

    def digest_sent(self, day: date) -> bool:
        with self._reading() as conn:
            return store_outbox.digest_sent(conn, day)

    def mark_digest_sent(self, day: date) -> None:
        with self._writing() as conn:
            store_outbox.mark_digest_sent(conn, day)

    # --- events (store_events) ------------------------------------------------------------

    def record_event(self, kind: str, detail: str, *, level: Level = "warning",
                     message_id: int | None = None) -> int:
        with self._writing() as conn:
            return store_events.record_event(conn, kind, detail, level, message_id)

    def events(self, day: date | None = None, tz: tzinfo = UTC) -> list[Event]:
        with self._reading() as conn:
            return store_events.find_events(conn, day, tz)
