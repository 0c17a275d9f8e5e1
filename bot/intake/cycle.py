"""One intake cycle: new mail → raw kept → decided → outcome and reply stored → mail filed →
outbox sent. Every step can be cut short by a crash and resumed by the next cycle.

Crash windows and what the next cycle does about them:
- raw kept, no outcome: the message is still 'new' → decided again (`_resume`).
- outcome kept, mail not filed: `pending_mailbox_actions` → filed (`_resume`).
- mail filed, not yet marked so: its UID is gone from the folder → only marked.
- a duplicate copy remembered but not filed: `_reconcile` at the first cycle of a process.
- a mail that kills the process: attempts are counted before each try, so after
  `max_attempts` starts it is quarantined without another try.
"""

from __future__ import annotations

import email.message
import imaplib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields

from sqlalchemy.exc import OperationalError

from bot.config.settings import Config
from bot.intake.decide import Decision, decide
from bot.intake.isolated import read_attachment_isolated
from bot.intake.outcome import OutcomeBuilder
from bot.mail.mailbox import Mailbox
from bot.mail.mime_parts import header_value, parse_message
from bot.store.database import OutcomeAlreadySaved, Store
from bot.store.outage import store_guard
from bot.store.schema import StoredMessage

log = logging.getLogger(__name__)
CONNECTION_LOST = (imaplib.IMAP4.abort, OSError)


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


@dataclass
class Folder:
    """The watched folder as this cycle found it."""

    name: str
    validity: int
    uids: set[int] = field(default_factory=set)


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for i in range(0, len(items), max(1, size)):
        yield items[i:i + size]


class Intake:
    def __init__(self, cfg: Config, store: Store, builder: OutcomeBuilder) -> None:
        self.cfg = cfg
        self.store = store
        self.builder = builder
        self.own = {cfg.smtp.from_address.lower(), cfg.imap.username.lower()}
        self._reconciled = False

    def cycle(self, box: Mailbox, stop: Callable[[], bool] = lambda: False) -> CycleStats:
        with store_guard():
            return self._cycle(box, stop)

    def _cycle(self, box: Mailbox, stop: Callable[[], bool]) -> CycleStats:
        stats = CycleStats()
        here = Folder(self.cfg.imap.folder, box.uidvalidity(), set(box.uids()))
        self._resume(box, here, stats)
        known = self.store.seen_uids(here.name, here.validity)
        if not self._reconciled:
            self._reconcile(box, here, known)
        new = sorted(here.uids - known)
        for batch in _chunks(new, self.cfg.imap.batch_size):
            for uid, raw in box.fetch_raw(batch):
                if stop():
                    return stats
                stats.fetched += 1
                self._take(box, here, uid, raw, stats)
        return stats

    def _resume(self, box: Mailbox, here: Folder, stats: CycleStats) -> None:
        """Finish what an earlier cycle left: undecided mail, then unfiled mail."""
        for stored in self.store.unfinished_messages():
            self._process(box, here, stored, stats)
        for stored in self.store.pending_mailbox_actions():
            self._file(box, here, stored)

    def _reconcile(self, box: Mailbox, here: Folder, known: set[int]) -> None:
        """File copies of decided mail (duplicate deliveries) whose move a crash cut short."""
        for uid in sorted(here.uids & known):
            stored = self.store.find_message(here.name, here.validity, uid)
            if stored is None or (stored.uidvalidity, stored.uid) == (here.validity, uid):
                continue
            target = self._target(stored)
            if target is None:
                continue
            if not self._move(box, uid, target):
                return
            here.uids.discard(uid)
        self._reconciled = True

    def _take(self, box: Mailbox, here: Folder, uid: int, raw: bytes, stats: CycleStats) -> None:
        msg = parse_message(raw)
        row_id = self.store.save_raw_message(
            folder=here.name, uidvalidity=here.validity, uid=uid, raw=raw,
            message_id=header_value(msg, "Message-ID").strip() or None,
            from_addr=header_value(msg, "From")[:500] or None,
            subject=header_value(msg, "Subject")[:500] or None)
        stored = self.store.get_message(row_id)
        if (stored.folder, stored.uidvalidity, stored.uid) != (here.name, here.validity, uid):
            stats.duplicates += 1
            log.info("duplicate uid=%s of message %s: no second reply", uid, row_id)
            self.store.remember_slot(here.name, here.validity, uid, row_id)
            target = self._target(stored)
            if target and self._move(box, uid, target):
                here.uids.discard(uid)
            return
        if stored.state == "new":
            self._process(box, here, stored, stats, msg)
        elif not stored.mailbox_action_done:
            self._file(box, here, stored)

    def _process(self, box: Mailbox, here: Folder, stored: StoredMessage, stats: CycleStats,
                 msg: email.message.Message | None = None) -> None:
        # Counted before the try: a mail that kills the process is still counted.
        attempts = self.store.bump_attempts(stored.id)
        limit = self.cfg.limits
        if attempts > limit.max_attempts:
            self._quarantine(box, here, stored, stored.last_error or "interrupted", stats)
            return
        try:
            msg = msg or parse_message(self.store.raw_message(stored.id))
            decision = decide(msg, self.builder.campaign, self.own, limit.max_attachment_bytes,
                              size=stored.size, max_message_bytes=limit.max_message_bytes,
                              reader=read_attachment_isolated)
            reference = self.builder.save(stored, msg, decision)
        except OperationalError:
            raise  # the store is away, not the mail at fault: no attempt is held against it
        except OutcomeAlreadySaved:
            log.info("message %s was decided meanwhile", stored.id)
        except Exception as exc:  # noqa: BLE001 - one bad mail must never stop the service
            self._failed(box, here, stored, exc, attempts, stats)
            return
        else:
            self._count(stored, decision, reference, stats)
        self._file(box, here, self.store.get_message(stored.id))

    def _count(self, stored: StoredMessage, decision: Decision, reference: str | None,
               stats: CycleStats) -> None:
        counter = "submissions" if decision.kind == "submission" else decision.kind
        setattr(stats, counter, getattr(stats, counter) + 1)
        log.info("message %s (uid %s) decided: kind=%s reason=%s verdict=%s reference=%s",
                 stored.id, stored.uid, decision.kind, decision.reason, decision.verdict,
                 reference or "-")

    def _failed(self, box: Mailbox, here: Folder, stored: StoredMessage, exc: Exception,
                attempts: int, stats: CycleStats) -> None:
        error = f"{type(exc).__name__}: {exc}"[:500]
        # one journal line per event; the traceback only with -v
        log.error("processing message %s failed (attempt %s of %s): %s", stored.id, attempts,
                  self.cfg.limits.max_attempts, error)
        log.debug("traceback of message %s", stored.id, exc_info=exc)
        stats.failed += 1
        if attempts < self.cfg.limits.max_attempts:
            self.store.mark_message(stored.id, error=error)
            return
        self._quarantine(box, here, stored, error, stats)

    def _quarantine(self, box: Mailbox, here: Folder, stored: StoredMessage, error: str,
                    stats: CycleStats) -> None:
        stats.quarantined += 1
        log.error("message %s quarantined after %s attempts: %s", stored.id,
                  self.cfg.limits.max_attempts, error)
        self.store.mark_message(stored.id, state="quarantined", error=error)
        self.store.record_event("quarantined", f"message {stored.id}: {error}", level="error",
                                message_id=stored.id)
        self._reconciled = False  # copies of it may wait in the folder
        self._file(box, here, self.store.get_message(stored.id))

    def _target(self, stored: StoredMessage) -> str | None:
        """Submissions go to the processed folder, quarantined mail to quarantine; other mail
        stays where it was, unseen."""
        if stored.state == "quarantined":
            return self.cfg.imap.quarantine_folder
        return self.cfg.imap.processed_folder if stored.kind == "submission" else None

    def _file(self, box: Mailbox, here: Folder, stored: StoredMessage) -> None:
        """The mailbox action, only after the outcome is stored."""
        target = self._target(stored)
        if target and stored.folder == here.name:
            if stored.uidvalidity != here.validity:
                # Its UID now names another mail; the copy under its new UID is filed as a
                # duplicate when the cycle meets it.
                log.warning("message %s: UIDVALIDITY of %s changed (%s → %s); old UID not moved",
                            stored.id, here.name, stored.uidvalidity, here.validity)
                self.store.record_event("uidvalidity-changed", f"{here.name}: {here.validity}",
                                        message_id=stored.id)
            elif stored.uid in here.uids:
                if not self._move(box, stored.uid, target):
                    return
                here.uids.discard(stored.uid)
        self.store.mark_message(stored.id, mailbox_action_done=True)

    def _move(self, box: Mailbox, uid: int, target: str) -> bool:
        try:
            box.move(uid, target)
        except CONNECTION_LOST:
            raise  # the session is gone: the daemon reconnects, the next cycle resumes
        except Exception as exc:  # noqa: BLE001 - a refused MOVE is retried next cycle
            log.warning("could not move uid %s to %s (%s: %s); will retry", uid, target,
                        type(exc).__name__, exc)
            self._reconciled = False
            return False
        return True
