"""Replies sent beside a cycle, from a process of their own, as the cycle decides the mail
they answer: on a backlog the SMTP server's answers and the syncs before each reply leaves
are waited for while the cycle goes on, not one after another at its end.

A process, not a thread: the cycle is CPU-bound on a backlog, and a sending thread took the
interpreter from it at every SMTP reply and SQLite step (a thread beside it needed a 0.5 ms
switch interval, and still cost the cycle ≈ 1 ms a reply). The sender is forked when the
first batch of replies may wait (`CLAIM_BATCH` mails decided), is woken at each batch, and
claims and sends what it can (bot.store.claims) over one SMTP connection. Whatever it leaves
(the server away, the store away, its claims given back when it ends) the run after the
cycle sends, as before.

Its claims name its own process: if it dies, they are free at once for the daemon (and a
reply it may have sent is sent again with an event, as after any crash). When the daemon
dies, the sender finishes the batch it holds and ends (it hears the daemon's end of the pipe
close). Only when nothing goes to Sent: the copies there need the mailbox the cycle holds."""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from types import FrameType

from bot.config.settings import SmtpConfig
from bot.intake.safety.quarantine import claim_holder
from bot.intake.sending.outbox import CLAIM_BATCH, CLAIM_SECONDS, send_claimed
from bot.mail.smtp import SmtpSession
from bot.store.database import Store
from bot.store.engine import forked

log = logging.getLogger(__name__)
WAKE_EVERY = 0.5  # seconds the sender sleeps when nobody wakes it
JOIN_SECONDS = 120.0  # seconds a cycle's end waits for the sender to finish its batch
ROUNDS = 1_000_000  # bound of the sender's loop: 5 days of half-second naps
WAKE, DONE = b"w", b"d"


class SenderBeside:
    """The daemon's side: wakes the sender, tells it when the cycle is done, and learns how
    many replies it sent."""

    def __init__(self, cfg: SmtpConfig, store: Store, claim_seconds: int) -> None:
        self.cfg, self.store, self.claim_seconds = cfg, store, claim_seconds
        self.sent = 0
        self.still_sending = False  # it outlived `finish` (a server that hangs)
        self._waiting = 0  # mail decided since the sender was last woken
        self._pipe: Connection | None = None
        self._process: BaseProcess | None = None
        self._failed = False  # no sender could be forked

    def queued(self) -> None:
        """A reply may wait in the outbox: the sender is started, and woken once a batch's
        worth may wait (claimed and sent together)."""
        self._waiting += 1
        if self._waiting < CLAIM_BATCH:
            return
        self._waiting = 0
        if self._process is None and not self._failed:
            try:
                self._start()
            except OSError as exc:  # no process to be had: all goes after the cycle
                self._failed = True
                log.warning("no sender beside the cycle (%s); replies go after it", exc)
        self._say(WAKE)

    def _start(self) -> None:
        ours, theirs = multiprocessing.Pipe()
        context = multiprocessing.get_context("fork")
        self._process = context.Process(
            target=_send_beside, name="bcy-intake-sender", daemon=False,
            args=(theirs, ours, self.cfg, self.store, self.claim_seconds))
        self._process.start()
        theirs.close()
        self._pipe = ours

    def _say(self, what: bytes) -> None:
        try:
            if self._pipe is not None:
                self._pipe.send_bytes(what)
        except OSError:
            pass  # it ended (the server away): the run after the cycle sends the rest

    def finish(self) -> None:
        if self._process is None or self._pipe is None:
            return
        self._say(DONE)
        try:
            if self._pipe.poll(JOIN_SECONDS):
                self.sent = int(self._pipe.recv_bytes(32))
        except (EOFError, OSError, ValueError):
            pass  # it died: its claims are free, the run after the cycle sends its rows
        self._process.join(1.0 if self._process.is_alive() else None)
        self.still_sending = self._process.is_alive()
        self._pipe.close()
        if self.still_sending:
            log.warning("the sender beside the cycle (pid %s) is still sending; it ends on "
                        "its own once its batch is sent", self._process.pid)


def _send_beside(pipe: Connection, daemons: Connection, cfg: SmtpConfig, store: Store,
                 claim_seconds: int) -> None:
    """The sender: send what can be claimed at each wake, until the daemon says done or is
    gone; then say how many went. `daemons`: the daemon's end of the pipe, closed here so
    that the daemon's end closing reaches us."""
    daemons.close()
    forked(store.engine)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the daemon's: it says done
    done = _Done()
    signal.signal(signal.SIGTERM, done.stop)
    holder = claim_holder()
    sent = 0
    try:
        with SmtpSession(cfg, 1) as smtp:
            smtp.connect()  # a server away now is the run after the cycle's to report
            for _ in range(ROUNDS):
                done.said = done.said or _heard_done(pipe)
                went, _deferred, stopped = send_claimed(smtp, store, holder, claim_seconds,
                                                        None, done)
                sent += went
                if done() or stopped:
                    break
    except Exception as exc:  # noqa: BLE001 - the run after the cycle sends what is left
        log.info("replies beside the cycle stopped (%s: %s); the rest goes after it",
                 type(exc).__name__, exc)
    finally:
        try:
            store.claims.release_outbox(holder)  # for the run after the cycle
        except Exception as exc:  # noqa: BLE001 - they come free when this process ends
            log.debug("claims of the sender not given back: %s", exc)
        with contextlib.suppress(OSError):  # the daemon may be gone
            pipe.send_bytes(str(sent).encode())
        store.engine.dispose()


class _Done:
    """Whether the sender is to claim no more: the daemon said so (or is gone), or SIGTERM
    came (the batch in hand is still sent)."""

    def __init__(self) -> None:
        self.said = False

    def stop(self, signum: int, frame: FrameType | None) -> None:
        self.said = True

    def __call__(self) -> bool:
        return self.said


def _heard_done(pipe: Connection) -> bool:
    """Wait for a wake (at most WAKE_EVERY); True once the daemon said done or is gone."""
    try:
        if not pipe.poll(WAKE_EVERY):
            return False
        while pipe.poll(0):
            if pipe.recv_bytes(8) == DONE:
                return True
    except (EOFError, OSError):
        return True
    return False


@contextmanager
def sending_beside(cfg: SmtpConfig, store: Store, claim_seconds: int = CLAIM_SECONDS
                   ) -> Iterator[SenderBeside]:
    sender = SenderBeside(cfg, store, claim_seconds)
    try:
        yield sender
    finally:
        sender.finish()
