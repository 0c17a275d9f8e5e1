"""The service loop: a cycle, then IDLE (or a poll interval), again and again until SIGTERM.

SIGTERM while waiting ends at once; while processing it ends after the current message, so a
message is never left half-done by a stop."""

from __future__ import annotations

import imaplib
import logging
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from bot.imap_conn import Mailbox, MailboxUnavailable
from bot.intake import CycleStats
from bot.notify import sd_notify
from bot.outbox import send_pending
from bot.service import Service

log = logging.getLogger(__name__)
WAIT_SLICE = 50.0  # seconds: under half the unit's WatchdogSec
MAX_BACKOFF = 300.0


class Stopper:
    """SIGTERM/SIGINT set a flag. While the daemon waits in IDLE, the handler also shuts the
    IMAP socket down, so the wait ends at once without an exception thrown at a random place
    (one thrown between IDLE and DONE would leave the session unusable)."""

    def __init__(self) -> None:
        self.stop = False
        self.busy = False
        self.box: Mailbox | None = None
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._handle)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        log.info("signal %s: stopping%s", signum, " after the current message" if self.busy
                 else "")
        self.stop = True
        if not self.busy and self.box is not None:
            self.box.interrupt()

    def requested(self) -> bool:
        return self.stop

    @contextmanager
    def working(self) -> Iterator[None]:
        self.busy = True
        try:
            yield
        finally:
            self.busy = False


def _send(service: Service, box: Mailbox | None) -> tuple[int, int]:
    smtp = service.cfg.smtp
    keep = None
    if box is not None and smtp.append_to_sent:
        def keep(raw: bytes) -> None:
            box.append(raw, smtp.sent_folder)
    return send_pending(smtp, service.store, keep)


def one_cycle(service: Service, box: Mailbox | None = None, stopper: Stopper | None = None
              ) -> CycleStats:
    """Fetch and process new mail, then send the outbox. Without a mailbox the outbox is still
    sent before MailboxUnavailable is raised, so an IMAP outage does not hold replies back."""
    stop = stopper.requested if stopper else (lambda: False)
    if box is None:
        try:
            with Mailbox(service.cfg.imap) as opened:
                return one_cycle(service, opened, stopper)
        except MailboxUnavailable:
            _send(service, None)
            raise
    stats = service.intake.cycle(box, stop)
    stats.sent, stats.unsent = _send(service, box)
    return stats


def _wait(box: Mailbox, service: Service, stopper: Stopper) -> None:
    """Wait for new mail: IDLE in slices (re-issued well within 29 minutes), else sleep."""
    imap = service.cfg.imap
    deadline = time.monotonic() + min(imap.poll_interval if "IDLE" not in box.capabilities
                                      else imap.idle_renew_seconds, 29 * 60)
    while (left := deadline - time.monotonic()) > 0 and not stopper.stop:
        sd_notify("WATCHDOG=1")
        if "IDLE" in box.capabilities:
            if box.idle_wait(min(WAIT_SLICE, left)):
                return
        else:
            _sleep(min(WAIT_SLICE, left), stopper)


def _sleep(seconds: float, stopper: Stopper) -> None:
    """Sleep in short slices: the watchdog is pinged and a stop is heard within a second."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0 and not stopper.stop:
        sd_notify("WATCHDOG=1")
        time.sleep(min(1.0, left))


def run_forever(service: Service, max_cycles: int | None = None) -> int:
    stopper = Stopper()
    sd_notify("READY=1")
    backoff, cycles = 1.0, 0

    def more() -> bool:
        return not stopper.stop and (max_cycles is None or cycles < max_cycles)

    while more():
        try:
            with Mailbox(service.cfg.imap) as box:
                stopper.box, backoff = box, 1.0
                while more():
                    with stopper.working():
                        stats = one_cycle(service, box, stopper)
                    cycles += 1
                    log.info("cycle done: %s", stats.summary())
                    sd_notify("WATCHDOG=1")
                    if more():
                        _wait(box, service, stopper)
        except (MailboxUnavailable, OSError, imaplib.IMAP4.error) as exc:
            if stopper.stop:
                break
            log.warning("mailbox unavailable (%s); retrying in %.0f s", exc, backoff)
            service.store.record_event("imap-unavailable", type(exc).__name__)
            with stopper.working():
                _send(service, None)
            _sleep(backoff, stopper)
            backoff = min(backoff * 2, MAX_BACKOFF)
        finally:
            stopper.box = None
    log.info("stopped")
    sd_notify("STOPPING=1")
    return 0
