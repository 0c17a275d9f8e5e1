"""One intake cycle: new mail → raw kept → decided → outcome and reply stored → mail filed →
outbox sent. Every step can be cut short by a crash and resumed by the next cycle."""

from __future__ import annotations

import email.message
import email.utils
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields

from bot.config import Config
from bot.decide import Decision, decide
from bot.imap_conn import Mailbox
from bot.mime_parts import header_value, parse_message
from bot.outcome import OutcomeBuilder
from bot.store import Store
from bot.store_schema import StoredMessage

log = logging.getLogger(__name__)


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


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for i in range(0, len(items), max(1, size)):
        yield items[i:i + size]


class Intake:
    def __init__(self, cfg: Config, store: Store, builder: OutcomeBuilder) -> None:
        self.cfg = cfg
        self.store = store
        self.builder = builder
        self.own = {cfg.smtp.from_address.lower(), cfg.imap.username.lower()}

    def cycle(self, box: Mailbox, stop: Callable[[], bool] = lambda: False) -> CycleStats:
        stats = CycleStats()
        folder = self.cfg.imap.folder
        validity = box.uidvalidity()
        self._resume(box, stats)
        known = self.store.seen_uids(folder, validity)
        new = [uid for uid in box.uids() if uid not in known]
        for batch in _chunks(new, self.cfg.imap.batch_size):
            for uid, raw in box.fetch_raw(batch):
                if stop():
                    return stats
                stats.fetched += 1
                self._take(box, folder, validity, uid, raw, stats)
        return stats

    def _resume(self, box: Mailbox, stats: CycleStats) -> None:
        """Finish what an earlier cycle left: undecided mail, then unfiled mail."""
        for stored in self.store.unfinished_messages():
            self._process(box, stored, stats)
        for stored in self.store.pending_mailbox_actions():
            self._file(box, stored)

    def _take(self, box: Mailbox, folder: str, validity: int, uid: int, raw: bytes,
              stats: CycleStats) -> None:
        msg = parse_message(raw)
        message_id = header_value(msg, "Message-ID").strip() or None
        row_id = self.store.save_raw_message(
            folder=folder, uidvalidity=validity, uid=uid, raw=raw, message_id=message_id,
            from_addr=header_value(msg, "From")[:500] or None,
            subject=header_value(msg, "Subject")[:500] or None)
        stored = self.store.get_message(row_id)
        if (stored.folder, stored.uidvalidity, stored.uid) != (folder, validity, uid):
            stats.duplicates += 1
            log.info("duplicate uid=%s of message %s: no second reply", uid, row_id)
            self.store.remember_slot(folder, validity, uid, row_id)
            if stored.kind == "submission":
                box.move(uid, self.cfg.imap.processed_folder)
            return
        if stored.state == "new":
            self._process(box, stored, stats, msg)
        elif not stored.mailbox_action_done:
            self._file(box, stored)

    def _process(self, box: Mailbox, stored: StoredMessage, stats: CycleStats,
                 msg: email.message.Message | None = None) -> None:
        try:
            msg = msg or parse_message(self.store.raw_message(stored.id))
            decision = decide(msg, self.builder.campaign, self.own,
                              self.cfg.limits.max_attachment_bytes)
            self.builder.save(stored, msg, decision)
        except Exception as exc:  # one bad mail must never stop the service
            self._failed(box, stored, exc, stats)
            return
        self._count(decision, stats)
        self._file(box, self.store.get_message(stored.id))

    def _count(self, decision: Decision, stats: CycleStats) -> None:
        counter = "submissions" if decision.kind == "submission" else decision.kind
        setattr(stats, counter, getattr(stats, counter) + 1)
        log.info("message decided: kind=%s reason=%s verdict=%s", decision.kind,
                 decision.reason, decision.verdict)

    def _failed(self, box: Mailbox, stored: StoredMessage, exc: Exception,
                stats: CycleStats) -> None:
        attempts = self.store.bump_attempts(stored.id)
        error = f"{type(exc).__name__}: {exc}"[:500]
        log.exception("processing message %s failed (attempt %s)", stored.id, attempts)
        stats.failed += 1
        if attempts < self.cfg.limits.max_attempts:
            self.store.mark_message(stored.id, error=error)
            return
        stats.quarantined += 1
        self.store.mark_message(stored.id, state="quarantined", error=error)
        self.store.record_event("quarantined", error, level="error", message_id=stored.id)
        self._file(box, self.store.get_message(stored.id))

    def _file(self, box: Mailbox, stored: StoredMessage) -> None:
        """The mailbox action, only after the outcome is stored: submissions go to the
        processed folder, quarantined mail to quarantine; other mail stays as it was."""
        target = {"quarantined": self.cfg.imap.quarantine_folder}.get(stored.state)
        if target is None and stored.kind == "submission":
            target = self.cfg.imap.processed_folder
        if target and stored.folder == self.cfg.imap.folder:
            try:
                box.move(stored.uid, target)
            except Exception:
                log.warning("could not move message %s to %s; will retry", stored.id, target,
                            exc_info=True)
                return
        self.store.mark_message(stored.id, mailbox_action_done=True)
