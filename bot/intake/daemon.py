"""The service loop: a cycle, then IDLE (or a poll interval), again and again until SIGTERM.

SIGTERM while waiting ends at once; while processing it ends after the current message, so a
message is never left half-done by a stop. An outage (IMAP, SMTP, the store) is waited out
with a doubling delay, logged, and recorded as an event for the digest; nothing is lost."""

from __future__ import annotations

import imaplib
import logging
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType

import imap_tools

from bot.errors import EX_TEMPFAIL, CommandError
from bot.intake.backoff import Backoff
from bot.intake.cycle import CycleStats
from bot.intake.notify import sd_notify
from bot.intake.sending.beside import sending_beside
from bot.intake.sending.outbox import send_pending
from bot.intake.service import Service
from bot.mail.mailbox import Mailbox, MailboxUnavailable
from bot.store.outage import StoreUnavailable, store_guard
from replies.render import staff_message

log = logging.getLogger(__name__)
WAIT_SLICE = 50.0  # seconds: under half the unit's WatchdogSec
IMAP_TROUBLE = (MailboxUnavailable, OSError, imaplib.IMAP4.error,
                imap_tools.errors.UnexpectedCommandStatusError)


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
    with store_guard():
        return send_pending(smtp, service.store, keep,
                            claim_seconds=service.cfg.limits.claim_seconds)


def _send_without_mailbox(service: Service) -> None:
    """During an IMAP outage replies already stored still go out; a store outage waits."""
    try:
        _send(service, None)
    except StoreUnavailable as exc:
        log.warning("outbox not sent: store unavailable (%s)", exc)


def _record(service: Service, kind: str, detail: str) -> None:
    try:
        with store_guard():
            service.store.events.record(kind, detail)
    except StoreUnavailable:
        log.debug("event %s not recorded: store unavailable", kind)


def one_cycle(service: Service, box: Mailbox | None = None, stopper: Stopper | None = None
              ) -> CycleStats:
    """Fetch and process new mail, then send the outbox. Without a mailbox (`poll --once`) the
    outbox is still sent before MailboxUnavailable is raised, so an IMAP outage does not hold
    replies back, and a store outage ends the command with EX_TEMPFAIL and one line."""
    stop = stopper.requested if stopper else (lambda: False)
    if box is None:
        try:
            with Mailbox(service.cfg.imap) as opened:
                return one_cycle(service, opened, stopper)
        except MailboxUnavailable:
            _send_without_mailbox(service)
            raise
        except IMAP_TROUBLE as exc:
            _send_without_mailbox(service)
            raise MailboxUnavailable(f"connection lost: {type(exc).__name__}: {exc}") from exc
        except StoreUnavailable as exc:
            raise CommandError(staff_message("store_unavailable_cycle", reason=exc),
                               EX_TEMPFAIL) from exc
    smtp = service.cfg.smtp
    if smtp.append_to_sent:  # the copies in Sent need the mailbox, which the cycle holds
        stats = service.intake.cycle(box, stop)
        stats.sent, stats.unsent = _send(service, box)
        return stats
    limits = service.cfg.limits
    with sending_beside(smtp, service.store, service.cfg.store.url, limits.sender_process_from,
                        limits.claim_seconds) as beside:
        stats = service.intake.cycle(box, stop, beside)
    if beside.still_sending:
        log.warning("the replies sent beside the cycle are still going out; the rest waits "
                    "for the next cycle")
        stats.sent = beside.sent
        return stats
    stats.sent, stats.unsent = _send(service, box)
    stats.sent += beside.sent
    return stats


def _wait(box: Mailbox, service: Service, stopper: Stopper, at_most: float | None) -> None:
    """Wait for new mail: IDLE in slices (re-issued well within 29 minutes), else sleep."""
    imap = service.cfg.imap
    longest = imap.poll_interval if "IDLE" not in box.capabilities else imap.idle_renew_seconds
    deadline = time.monotonic() + min(longest, 29 * 60, at_most or longest)
    if "IDLE" in box.capabilities and box.newer_than_listed():
        return  # arrived while the cycle ran: IDLE would not announce it again
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


@dataclass
class Run:
    """The daemon's state between cycles: the stop flag, the cycle count, one backoff per
    kind of outage."""

    stopper: Stopper
    max_cycles: int | None = None
    cycles: int = 0
    imap: Backoff = field(default_factory=Backoff)
    store: Backoff = field(default_factory=Backoff)
    smtp: Backoff = field(default_factory=Backoff)
    error: Backoff = field(default_factory=Backoff)

    def more(self) -> bool:
        return not self.stopper.stop and (self.max_cycles is None
                                          or self.cycles < self.max_cycles)

    def cycle_ok(self, service: Service, stats: CycleStats) -> None:
        self.cycles += 1
        log.info("cycle done: %s", stats.summary())
        for name, backoff in (("imap", self.imap), ("store", self.store)):
            if (text := backoff.recovered()) is not None:
                log.warning("%s back after %s", name, text)
                _record(service, f"{name}-unavailable", f"recovered after {text}")
        if not stats.unsent and (text := self.smtp.recovered()) is not None:
            log.warning("smtp back after %s", text)
        self.error.recovered()


def _serve(service: Service, box: Mailbox, run: Run) -> None:
    """Cycles on one IMAP session until a stop, the cycle limit, or an outage."""
    while run.more():
        with run.stopper.working():
            stats = one_cycle(service, box, run.stopper)
        run.cycle_ok(service, stats)
        sd_notify("WATCHDOG=1")
        if not run.more() or stats.fetched:
            continue  # mail may have come while busy: look again before waiting
        retry = run.smtp.failed() if stats.unsent else None
        if retry is not None:
            log.warning("%s message(s) wait for SMTP; retrying in %.0f s", stats.unsent, retry)
        _wait(box, service, run.stopper, retry)


def _outage(service: Service, run: Run, exc: Exception) -> None:
    """Log the outage in one line, record it, wait the backoff; the loop then starts over."""
    if isinstance(exc, StoreUnavailable):
        delay = run.store.failed()
        log.warning("store unavailable (%s); retrying in %.0f s", exc, delay)
    elif isinstance(exc, IMAP_TROUBLE):
        delay = run.imap.failed()
        log.warning("mailbox unavailable (%s: %s); retrying in %.0f s", type(exc).__name__,
                    str(exc)[:200], delay)
        _record(service, "imap-unavailable", type(exc).__name__)
        with run.stopper.working():
            _send_without_mailbox(service)
    else:  # a bug: logged in full, then the same backoff as an outage, never a hot loop
        delay = run.error.failed()
        log.error("unexpected error (%s: %s); retrying in %.0f s", type(exc).__name__,
                  str(exc)[:300], delay)
        log.debug("traceback", exc_info=exc)
        _record(service, "daemon-error", f"{type(exc).__name__}: {exc}"[:500])
    _sleep(delay, run.stopper)


def run_forever(service: Service, max_cycles: int | None = None) -> int:
    run = Run(Stopper(), max_cycles)
    sd_notify("READY=1")
    while run.more():
        try:
            with Mailbox(service.cfg.imap) as box:
                run.stopper.box = box
                _serve(service, box, run)
        except Exception as exc:  # noqa: BLE001 - the daemon outlives any one failure
            run.stopper.box = None
            if run.stopper.stop:
                break
            _outage(service, run, exc)
        finally:
            run.stopper.box = None
    log.info("stopped")
    sd_notify("STOPPING=1")
    return 0
