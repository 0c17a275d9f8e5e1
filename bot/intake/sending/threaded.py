"""Replies sent from a thread of the daemon beside a cycle: for a cycle too short to pay for a
process of its own (bot.intake.sending.beside), and whenever no process can be had.

The thread shares the interpreter with the cycle, so it takes the interpreter from it at each
SMTP answer and SQLite step (≈ 1 ms a reply on a backlog): a short switch interval gives it
back quickly. Its claims are the daemon's own (same process): the run after the cycle passes
by the rows it tried and gives them back when it ends.
"""

from __future__ import annotations

import logging
import sys
import threading

from bot.config.settings import SmtpConfig
from bot.intake.safety.holders import claim_holder
from bot.intake.sending.outbox import send_claimed
from bot.mail.smtp import SmtpSession
from bot.store.database import Store

log = logging.getLogger(__name__)
WAKE_EVERY = 0.5  # seconds the thread sleeps when nobody wakes it
JOIN_SECONDS = 120.0  # seconds a cycle's end waits for the thread to finish its batch
SWITCH_SECONDS = 0.0005  # the interpreter's switch interval once two threads share it


class ThreadSender:
    """A sender thread, started at once; `wake` when a batch's worth may wait, `finish` when
    the cycle is done."""

    def __init__(self, cfg: SmtpConfig, store: Store, claim_seconds: int) -> None:
        self.cfg, self.store, self.claim_seconds = cfg, store, claim_seconds
        self.sent = 0
        self._wake = threading.Event()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outbox-beside", daemon=True)
        # the cycle hands the interpreter over at each SQLite step and pipe write; it gets
        # it back within this, not the default 5 ms, while the sender holds it
        sys.setswitchinterval(SWITCH_SECONDS)
        self._thread.start()

    def wake(self) -> bool:
        self._wake.set()
        return True

    def finish(self) -> None:
        self._done.set()
        self._wake.set()
        self._thread.join(JOIN_SECONDS)

    @property
    def still_sending(self) -> bool:
        """It outlived `finish` (a server that hangs): the run after the cycle must wait for
        the next cycle, or it would send the rows the thread holds (its claims are ours)."""
        return self._thread.is_alive()

    def _run(self) -> None:
        holder = claim_holder()
        try:
            with SmtpSession(self.cfg, 1) as smtp:
                smtp.connect()  # a server away now is the run after the cycle's to report
                while not self._done.is_set():
                    self._wake.wait(WAKE_EVERY)
                    self._wake.clear()
                    if not self._send_all(smtp, holder):
                        return
        except Exception as exc:  # noqa: BLE001 - the run after the cycle sends what is left
            log.info("replies beside the cycle stopped (%s: %s); the rest goes after it",
                     type(exc).__name__, exc)
        # the rows it tried stay claimed by this process: the run after the cycle passes
        # them by (one attempt a cycle, as before) and gives them back when it ends

    def _send_all(self, smtp: SmtpSession, holder: str) -> bool:
        """Send what can be claimed now; False once the server is away."""
        sent, _deferred, stopped = send_claimed(smtp, self.store, holder, self.claim_seconds,
                                                None, self._done.is_set)
        self.sent += sent
        return not stopped
