"""Filing decided mail in the mailbox, only after its outcome is stored: submissions to the
processed folder, quarantined mail to quarantine, other mail left where it was, unseen; and,
at a process's first cycle, the duplicate copies a crash left unfiled.

Within a batch of new mail the moves wait (`later`) and go as one MOVE per folder by UID
set when the batch ends: a crash in between leaves decided mail unfiled, which the next cycle
files (`pending_mailbox_actions`), as after any crash between storing and filing."""

from __future__ import annotations

import imaplib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from bot.config.settings import Config
from bot.mail.mailbox import Mailbox
from bot.store.database import Store
from bot.store.schema import StoredMessage

log = logging.getLogger(__name__)
CONNECTION_LOST = (imaplib.IMAP4.abort, OSError)


@dataclass
class Folder:
    """The watched folder as this cycle found it."""

    name: str
    validity: int
    uids: set[int] = field(default_factory=set)


class Filing:
    def __init__(self, cfg: Config, store: Store) -> None:
        self.cfg = cfg
        self.store = store
        self.reconciled = False  # False: look for unfiled copies at the next cycle
        self._later: dict[str, dict[int, int]] | None = None  # folder → UID → message row

    def reconcile(self, box: Mailbox, here: Folder, known: set[int]) -> None:
        """File copies of decided mail (duplicate deliveries) whose move a crash cut short.
        A copy of mail not decided yet (a suspect read at the end of the cycle) is looked
        at again at the next cycle. One query for the whole folder."""
        undecided = False
        copies = self.store.messages.copies_in(here.name, here.validity)
        for uid in sorted(here.uids & known & copies.keys()):
            stored = copies[uid]
            target = self.target(stored)
            if target is None:
                undecided = undecided or stored.state == "new"
                continue
            if not self.move(box, uid, target):
                return
            here.uids.discard(uid)
        self.reconciled = not undecided

    def target(self, stored: StoredMessage) -> str | None:
        """Submissions go to the processed folder, quarantined mail to quarantine; other mail
        stays where it was, unseen."""
        if stored.state == "quarantined":
            return self.cfg.imap.quarantine_folder
        return self.cfg.imap.processed_folder if stored.kind == "submission" else None

    def file(self, box: Mailbox, here: Folder, stored: StoredMessage) -> None:
        """The mailbox action, only after the outcome is stored."""
        target = self.target(stored)
        if target and stored.folder == here.name:
            if stored.uidvalidity != here.validity:
                # Its UID now names another mail; the copy under its new UID is filed as a
                # duplicate when the cycle meets it.
                log.warning("message %s: UIDVALIDITY of %s changed (%s → %s); old UID not moved",
                            stored.id, here.name, stored.uidvalidity, here.validity)
                self.store.events.record("uidvalidity-changed", f"{here.name}: {here.validity}",
                                         message_id=stored.id)
            elif stored.uid in here.uids:
                if self._later is not None:
                    self._later.setdefault(target, {})[stored.uid] = stored.id
                    return
                if not self.move(box, stored.uid, target):
                    return
                here.uids.discard(stored.uid)
        self.store.messages.mark(stored.id, mailbox_action_done=True)

    @contextmanager
    def later(self, box: Mailbox, here: Folder) -> Iterator[None]:
        """Moves asked for inside wait, and go by one MOVE per folder when it ends without an
        error (after an error, the next cycle files what was decided)."""
        waiting: dict[str, dict[int, int]] = {}
        self._later = waiting
        try:
            yield
        finally:
            self._later = None
        self._flush(box, here, waiting)

    def _flush(self, box: Mailbox, here: Folder, waiting: dict[str, dict[int, int]]) -> None:
        if waiting:
            self.store.sync()  # what was decided is durable before its mail leaves the INBOX
        for target, rows in waiting.items():
            if self.move(box, sorted(rows), target):
                here.uids.difference_update(rows)
                self.store.messages.mark_filed(list(rows.values()))

    def move(self, box: Mailbox, uid: int | list[int], target: str) -> bool:
        try:
            box.move(uid, target)
        except CONNECTION_LOST:
            raise  # the session is gone: the daemon reconnects, the next cycle resumes
        except Exception as exc:  # noqa: BLE001 - a refused MOVE is retried next cycle
            log.warning("could not move uid %s to %s (%s: %s); will retry", uid, target,
                        type(exc).__name__, exc)
            self.reconciled = False
            return False
        return True
