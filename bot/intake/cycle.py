"""One intake cycle: new mail → raw kept → decided → outcome and reply stored → mail filed →
outbox sent. Every step can be cut short by a crash and resumed by the next cycle.

Crash windows and what the next cycle does about them:
- raw kept, no outcome: the message is still 'new' → decided again (`_resume`).
- outcome kept, mail not filed: `pending_mailbox_actions` → filed (`_resume`).
- mail filed, not yet marked so: its UID is gone from the folder → only marked.
- a duplicate copy remembered but not filed: `_reconcile` at the first cycle of a process.
- the process died while reading a mail: its reading mark says so; the mail becomes a
  suspect, read again after the rest of the cycle in a child process (`quarantine`), and is
  quarantined only if that reader fails on it `max_attempts` times.

Sizes are read before bodies: mail is fetched in batches bounded by bytes, a mail over
`max_message_bytes` is decided from its header and structure alone and kept as such.
"""

from __future__ import annotations

import email.message
import hashlib
import logging
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.exc import OperationalError

from bot.config.settings import Config
from bot.intake.filing import Filing, Folder
from bot.intake.notify import heartbeat
from bot.intake.safety.holders import claim_holder, holder_gone, reader_alive, reader_id
from bot.intake.safety.quarantine import (
    DECIDE_TIME_LIMIT,
    decide_isolated,
    headers_of,
    holding_reply,
)
from bot.mail.mailbox import Mailbox, byte_batches
from bot.mail.mime_parts import header_value, parse_message
from bot.mail.structure import skeleton_message
from bot.store.database import Store
from bot.store.engine import utc_now
from bot.store.outage import store_guard
from bot.store.schema import StoredMessage
from bot.store.submissions import OutcomeAlreadySaved

# The judge (readers, classification, replies) is made when a mail is to be decided: a
# cycle over mail already decided imports none of it (bot.intake.service builds it late).
if TYPE_CHECKING:
    from bot.intake.decide import Decision
    from bot.intake.judge import Judge

log = logging.getLogger(__name__)
Kept = tuple[StoredMessage, email.message.Message]  # a mail kept, to be decided
READ_AHEAD = 2  # mails kept, their first files begun reading, before the one being decided


@dataclass
class CycleStats:
    fetched: int = 0
    submissions: int = 0
    automatic: int = 0
    other: int = 0
    duplicates: int = 0
    failed: int = 0
    quarantined: int = 0
    sent: int = 0
    unsent: int = 0

    def summary(self) -> str:
        return " ".join(f"{f.name}={getattr(self, f.name)}" for f in fields(self))


class Listener(Protocol):
    """Told how the cycle goes (the sender beside it: bot.intake.sending.beside)."""

    def backlog(self, count: int) -> None:
        """The cycle found `count` new mails to take in."""

    def queued(self) -> None:
        """A mail was decided: a reply may wait in the outbox."""


class _Nobody:
    """Nobody to tell."""

    def backlog(self, count: int) -> None:
        pass

    def queued(self) -> None:
        pass


_NOBODY = _Nobody()


class Intake:
    def __init__(self, cfg: Config, store: Store, judge: Callable[[], Judge]) -> None:
        self.cfg = cfg
        self.store = store
        self._judge = judge  # made on first use
        self.filing = Filing(cfg, store)
        self.reader = reader_id()  # what this process writes on the mail it reads
        self.holder = claim_holder(self.reader)  # what it writes on the mail it takes
        self._suspects: list[int] = []
        self._releasing: list[int] | None = None  # claims to give back when a batch ends
        self._listener: Listener = _NOBODY

    @property
    def judge(self) -> Judge:
        return self._judge()

    def cycle(self, box: Mailbox, stop: Callable[[], bool] = lambda: False,
              listener: Listener = _NOBODY) -> CycleStats:
        """Take in the new mail; `listener` is told how much there is and each time a mail
        is decided (a reply may wait in the outbox)."""
        self._listener = listener
        try:
            with store_guard():
                return self._cycle(box, stop)
        finally:
            self._listener = _NOBODY

    def _cycle(self, box: Mailbox, stop: Callable[[], bool]) -> CycleStats:
        stats = CycleStats()
        self._suspects = []
        here = Folder(self.cfg.imap.folder, box.uidvalidity(), set(box.uids()))
        self._resume(box, here, stats)
        known = self.store.messages.seen_uids(here.name, here.validity)
        if not self.filing.reconciled:
            self.filing.reconcile(box, here, known)
        new = sorted(here.uids - known)
        self._listener.backlog(len(new))
        if new:
            self._judge()  # made, and its reader forked, before any mail is held in memory
        sizes = box.sizes(new)
        limits = self.cfg.limits
        for batch in byte_batches([u for u in new if u in sizes], sizes, limits.max_batch_bytes,
                                  self.cfg.imap.batch_size, limits.max_message_bytes):
            if stop():
                return stats
            if sizes[batch[0]] > limits.max_message_bytes:
                stats.fetched += 1
                self._take_outline(box, here, batch[0], sizes[batch[0]], stats)
                continue
            # each mail is kept `READ_AHEAD` mails before it is decided, so that its file can
            # be read (in the reader process) while the parent answers those; the batch's writes
            # are made durable together, before its mail is filed (together) and any reply sent
            with self.store.deferred(), self._release_later(), self.filing.later(box, here):
                self._take_batch(box, here, batch, stats, stop)
            if stop():
                return stats
        self._read_suspects(box, here, stats, stop)
        return stats

    def _take_batch(self, box: Mailbox, here: Folder, batch: list[int], stats: CycleStats,
                    stop: Callable[[], bool]) -> None:
        waiting: deque[Kept] = deque()
        for uid, raw in box.fetch_raw(batch):
            if stop():
                return
            stats.fetched += 1
            kept = self._keep(box, here, uid, raw, stats)
            if kept is not None:
                waiting.append(kept)
            if len(waiting) > READ_AHEAD:
                self._process(box, here, *waiting.popleft(), stats, ahead=tuple(waiting))
        while waiting and not stop():
            self._process(box, here, *waiting.popleft(), stats, ahead=tuple(waiting))

    def _resume(self, box: Mailbox, here: Folder, stats: CycleStats) -> None:
        """Finish what an earlier cycle left: undecided mail, then unfiled mail. A reading
        mark left by a process that is gone means the reader died on that mail."""
        for stored in self.store.messages.unfinished():
            if not self._claim(stored.id):
                continue  # another daemon holds it
            mark = stored.reading_by
            if mark is not None and mark != self.reader:
                if reader_alive(mark):
                    self._release(stored.id)
                    continue  # another process is reading it right now
                crashes = self.store.messages.note_crash(stored.id, mark)
                log.warning("message %s: the process reading it died (%s time(s)); it will "
                            "be read again on its own", stored.id, crashes)
                self.store.events.record("reading-interrupted",
                                         f"message {stored.id} ({crashes})",
                                         message_id=stored.id)
                stored = self.store.messages.get(stored.id)
            self._process(box, here, stored, None, stats)
        for stored in self.store.messages.pending_mailbox_actions():
            self._file_claimed(box, here, stored.id)

    def _take_outline(self, box: Mailbox, here: Folder, uid: int, size: int,
                      stats: CycleStats) -> None:
        """A mail over the size limit: its header and structure only, never its body."""
        outline = box.fetch_outline(uid)
        if outline is None:
            return  # gone meanwhile
        header, structure = outline
        skeleton = skeleton_message(header, structure)
        identity = hashlib.sha256(header + repr(structure).encode() + str(size).encode())
        log.info("uid %s is %s bytes, over the limit: kept as its headers and structure",
                 uid, size)
        self._take(box, here, uid, skeleton, stats, size=size, sha256=identity.hexdigest())

    def _take(self, box: Mailbox, here: Folder, uid: int, raw: bytes, stats: CycleStats,
              size: int | None = None, sha256: str | None = None) -> None:
        kept = self._keep(box, here, uid, raw, stats, size, sha256)
        if kept is not None:
            self._process(box, here, *kept, stats)

    def _keep(self, box: Mailbox, here: Folder, uid: int, raw: bytes, stats: CycleStats,
              size: int | None = None, sha256: str | None = None) -> Kept | None:
        """The raw mail kept; the kept mail and its parsed bytes when it is still to be
        decided (a duplicate copy, or a decided mail not yet filed, is dealt with here)."""
        msg = parse_message(raw)
        stored = self.store.messages.keep_raw(
            folder=here.name, uidvalidity=here.validity, uid=uid, raw=raw,
            message_id=header_value(msg, "Message-ID").strip()[:998] or None,
            from_addr=header_value(msg, "From")[:500] or None,
            subject=header_value(msg, "Subject")[:500] or None, size=size, sha256=sha256)
        if (stored.folder, stored.uidvalidity, stored.uid) != (here.name, here.validity, uid):
            stats.duplicates += 1
            log.info("duplicate uid=%s of message %s: no second reply", uid, stored.id)
            self.store.messages.remember_slot(here.name, here.validity, uid, stored.id)
            target = self.filing.target(stored)
            if target and self.filing.move(box, uid, target):
                here.uids.discard(uid)
            elif stored.state == "new":
                self.filing.reconciled = False  # filed with the original once it is decided
            return None
        if stored.state == "new":
            return stored, msg
        if not stored.mailbox_action_done:
            self._file_claimed(box, here, stored.id)
        return None

    def _claim(self, message_id: int, extra: float = 0.0) -> bool:
        """Take the mail for this process (bot.store.claims): False while another daemon
        sharing the store holds it."""
        until = utc_now() + timedelta(seconds=self.cfg.limits.claim_seconds + extra)
        return self.store.claims.take_message(message_id, self.holder, until, holder_gone)

    def _claimed(self, message_id: int, to_read: bool = False) -> StoredMessage | None:
        """`_claim`, and the mail as it is once claimed (None: another daemon holds it);
        `to_read`: marked as being read by this process in the same transaction, if it is
        to be read (`_readable`)."""
        until = utc_now() + timedelta(seconds=self.cfg.limits.claim_seconds)
        return self.store.claims.take_and_get(
            message_id, self.holder, until, holder_gone,
            reading=(self.reader, self._readable) if to_read else None)

    def _readable(self, stored: StoredMessage) -> bool:
        """Is this mail to be read now: undecided, not out of attempts, and no reader has
        died on it (that one is read apart, `_read_suspects`)?"""
        return (stored.state == "new" and stored.attempts < self.cfg.limits.max_attempts
                and not stored.crashes)

    def _release(self, message_id: int) -> None:
        if self._releasing is not None:
            self._releasing.append(message_id)
        else:
            self.store.claims.release_message(message_id, self.holder)

    @contextmanager
    def _release_later(self) -> Iterator[None]:
        """The claims given back inside are given back together when it ends: a batch's
        mail is decided by then (another daemon waits for a claim at most a batch long)."""
        self._releasing = []
        try:
            yield
        finally:
            held, self._releasing = self._releasing, None
            self.store.claims.release_messages(held, self.holder)

    def _file_claimed(self, box: Mailbox, here: Folder, message_id: int) -> None:
        """File a decided mail, unless another daemon holds it or has filed it meanwhile."""
        stored = self._claimed(message_id)
        if stored is None:
            return
        try:
            if stored.state != "new" and not stored.mailbox_action_done:
                self.filing.file(box, here, stored)
        finally:
            self._release(message_id)

    def _process(self, box: Mailbox, here: Folder, stored: StoredMessage,
                 msg: email.message.Message | None, stats: CycleStats,
                 ahead: tuple[Kept, ...] = ()) -> None:
        """Decide a kept mail, unless another daemon holds it; `ahead`: the mails to begin
        reading once this one's files are read."""
        heartbeat()
        current = self._claimed(stored.id, to_read=True)
        if current is None:
            return  # another daemon is deciding it
        try:
            if current.state != "new":  # decided by another daemon since it was listed
                if not current.mailbox_action_done:
                    self.filing.file(box, here, current)
                return
            self._decide(box, here, current, stats, msg, ahead)
        finally:
            self._release(stored.id)

    def _decide(self, box: Mailbox, here: Folder, stored: StoredMessage, stats: CycleStats,
                msg: email.message.Message | None, ahead: tuple[Kept, ...] = ()) -> None:
        """Decide a claimed mail; one `_readable` was marked as being read with its claim."""
        if stored.attempts >= self.cfg.limits.max_attempts:
            self._quarantine(box, here, stored, stored.last_error or "failed", stats)
            return
        if stored.crashes:
            self._suspects.append(stored.id)  # read on its own, after the rest
            return
        try:
            decision, reference = self.judge.decide_new(
                stored, msg, then=(lambda: self._read_ahead(ahead)) if ahead else None)
        except OperationalError:
            raise  # the store is away, not the mail at fault: no attempt is held against it
        except OutcomeAlreadySaved:
            log.info("message %s was decided meanwhile", stored.id)
        except Exception as exc:  # noqa: BLE001 - one bad mail must never stop the service
            self._failed(box, here, stored, f"{type(exc).__name__}: {exc}"[:500], stats, exc)
            return
        else:
            self._count(stored, decision, reference, stats)
            # as `save` left it (this process holds its claim): no read of it again
            self.filing.file(box, here, replace(stored, kind=decision.kind, state="done"))
            return
        self.filing.file(box, here, self.store.messages.get(stored.id))

    def _read_ahead(self, ahead: tuple[Kept, ...]) -> None:
        for stored, msg in ahead:
            self.judge.read_ahead(stored, msg, depth=READ_AHEAD)

    def _read_suspects(self, box: Mailbox, here: Folder, stats: CycleStats,
                       stop: Callable[[], bool]) -> None:
        """Mail a reader died on, each read once more in a child process of its own: the
        service survives whatever it does, and a failure there is evidence against it."""
        for row in self._suspects:
            if stop() or not self._claim(row, extra=DECIDE_TIME_LIMIT):
                continue
            try:
                self._read_suspect(box, here, row, stats, stop)
            finally:
                self._release(row)

    def _read_suspect(self, box: Mailbox, here: Folder, row: int, stats: CycleStats,
                      stop: Callable[[], bool]) -> None:
        stored = self.store.messages.get(row)
        if stored.state != "new":
            return
        heartbeat()
        raw = self.store.messages.raw(stored.id)
        self.store.messages.start_reading(stored.id, self.reader)
        result = decide_isolated(self.judge, stored, raw, stop=stop)
        if result is None:  # stopping: no evidence either way, the next run reads it
            self.store.messages.stop_reading(stored.id)
            return
        if isinstance(result, str):
            self._failed(box, here, stored, result, stats)
            return
        msg = headers_of(raw)  # the body stays with the child that read it
        try:
            reference = self.judge.builder.save(stored, msg, result)
        except OutcomeAlreadySaved:
            log.info("message %s was decided meanwhile", stored.id)
        else:
            self.judge.bounces.note(stored, msg, result)
            self._count(stored, result, reference, stats)
        self.filing.file(box, here, self.store.messages.get(stored.id))

    def _count(self, stored: StoredMessage, decision: Decision, reference: str | None,
               stats: CycleStats) -> None:
        counter = "submissions" if decision.kind == "submission" else decision.kind
        setattr(stats, counter, getattr(stats, counter) + 1)
        self._listener.queued()
        log.info("message %s (uid %s) decided: kind=%s reason=%s verdict=%s reference=%s",
                 stored.id, stored.uid, decision.kind, decision.reason, decision.verdict,
                 reference or "-")

    def _failed(self, box: Mailbox, here: Folder, stored: StoredMessage, error: str,
                stats: CycleStats, exc: Exception | None = None) -> None:
        """Deciding the mail failed (an error, or its isolated reader died): one attempt held
        against it, counted after the fact."""
        attempts = self.store.messages.bump_attempts(stored.id)
        self.store.messages.stop_reading(stored.id)
        # one journal line per event; the traceback only with -v
        log.error("processing message %s failed (attempt %s of %s): %s", stored.id, attempts,
                  self.cfg.limits.max_attempts, error)
        if exc is not None:
            log.debug("traceback of message %s", stored.id, exc_info=exc)
        stats.failed += 1
        if attempts < self.cfg.limits.max_attempts:
            self.store.messages.mark(stored.id, error=error)
            return
        self._quarantine(box, here, stored, error, stats)

    def _quarantine(self, box: Mailbox, here: Folder, stored: StoredMessage, error: str,
                    stats: CycleStats) -> None:
        stats.quarantined += 1
        log.error("message %s quarantined after %s attempts: %s", stored.id,
                  self.cfg.limits.max_attempts, error)
        reply = holding_reply(self.judge, stored, self.store.messages.raw(stored.id))
        self.store.messages.set_aside(stored.id, error, reply)
        self.store.events.record("quarantined", f"message {stored.id}: {error}", level="error",
                                 message_id=stored.id)
        self.filing.reconciled = False  # copies of it may wait in the folder
        self.filing.file(box, here, self.store.messages.get(stored.id))
