"""Replies sent beside a long cycle from a process of their own, started fresh (multiprocessing's
"spawn": a new interpreter, not a fork of the daemon).

Fresh, because SQLite must not be used in a child forked from a process that has the database
open: its POSIX locks are not inherited across fork(), and a forked sender sent replies twice
without a trace (sqlite.org/howtocorrupt.html, "carrying an open database connection across a
fork()"). This process opens its own store from the config's URL, its own SMTP connection,
and claims outbox rows under its own name (`claim_holder`: its own pid), as any daemon would:
the claims keep it and the daemon from sending one row twice.

The daemon wakes it with a byte on a pipe when a batch of replies may wait and tells it when
the cycle is done; it then gives back its claims and answers how many it sent. It dies with
the daemon: the kernel sends it SIGTERM when the daemon ends, however it ends
(PR_SET_PDEATHSIG), and it looks at its parent's pid before each mail; it then stops after
the mail in hand. A mail it was handing to SMTP when killed keeps its "sending" mark, so the
one resent by the next run is recorded (a "reply-maybe-doubled" event).

Its imports are the store, SMTP and the settings' types: no parsers, no form readers.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import signal
import sys
import time
from dataclasses import dataclass, replace
from multiprocessing.connection import Connection
from types import FrameType

from bot.config.settings import SmtpConfig
from bot.intake.notify import heartbeat
from bot.intake.safety.holders import claim_holder
from bot.intake.sending.outbox import send_claimed
from bot.mail.smtp import SmtpSession
from bot.store.database import Store
from bot.store.engine import create_store_engine

log = logging.getLogger(__name__)
WAKE_EVERY = 0.5  # seconds the sender sleeps when nobody wakes it
JOIN_SECONDS = 120.0  # seconds a cycle's end waits for the sender's answer
JOIN_SLICE = 5.0  # the daemon pings the watchdog this often while it waits
EXIT_SECONDS = 5.0  # for the process to end once it answered (its claims are given back)
ROUNDS = 1_000_000  # bound of the sender's loop: 5 days of half-second naps
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
WAKE, DONE = b"w", b"d"


@dataclass(frozen=True)
class SenderSettings:
    """What the sender process is given (pickled once, when it starts)."""

    smtp: SmtpConfig
    store_url: str
    claim_seconds: int
    parent: int  # the daemon's pid
    log_level: int
    log_format: logging.Formatter | None  # the daemon's, so its lines read the same
    started: float = 0.0  # time.monotonic() when the daemon started it (one clock: one boot)


def settings_for(smtp: SmtpConfig, store_url: str, claim_seconds: int) -> SenderSettings:
    """The daemon's settings for its sender; its log format is that of the command line's
    handler on stderr (a plain Formatter: another kind may not be importable there)."""
    root = logging.getLogger()
    formats = [h.formatter for h in root.handlers if type(h) is logging.StreamHandler
               and type(h.formatter) is logging.Formatter]
    return SenderSettings(smtp, store_url, claim_seconds, os.getpid(),
                          root.getEffectiveLevel(), formats[0] if formats else None)


class SpawnedSender:
    """The daemon's side: starts the process (OSError and the like when none can be had),
    wakes it, tells it when the cycle is done and learns how many replies it sent."""

    def __init__(self, settings: SenderSettings) -> None:
        context = multiprocessing.get_context("spawn")
        ours, theirs = context.Pipe()
        settings = replace(settings, started=time.monotonic())
        self._process = context.Process(target=serve, name="bcy-intake-sender",
                                        args=(theirs, settings), daemon=True)
        try:
            self._process.start()
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self._pipe = ours
        self.sent = 0
        self.still_sending = False  # it outlived `finish` (a server that hangs)

    @property
    def pid(self) -> int | None:
        return self._process.pid

    def wake(self) -> bool:
        """A batch of replies may wait; False when the process is gone (it died)."""
        if self._process.exitcode is not None:
            return False
        try:
            self._pipe.send_bytes(WAKE)
        except OSError:
            return False
        return True

    def finish(self) -> None:
        """Tell it the cycle is done and wait for its answer (JOIN_SECONDS at most)."""
        with contextlib.suppress(OSError):  # it ended already (the server away)
            self._pipe.send_bytes(DONE)
        answered = False
        try:
            for _ in range(int(JOIN_SECONDS / JOIN_SLICE)):
                heartbeat()  # it sends meanwhile, and systemd hears only the daemon
                if self._pipe.poll(JOIN_SLICE):
                    self.sent, answered = int(self._pipe.recv_bytes(32)), True
                    break
        except (EOFError, OSError, ValueError):
            log.warning("the sender beside the cycle (pid %s) ended without a word; what it "
                        "did not send goes after the cycle", self._process.pid)
        self._pipe.close()
        log.debug("the sender beside the cycle (pid %s) sent %s", self._process.pid, self.sent)
        # reaped here: until then its claims look held (a dead process not reaped is there)
        self._process.join(EXIT_SECONDS)
        self.still_sending = not answered and self._process.exitcode is None
        if self.still_sending:
            log.warning("the sender beside the cycle (pid %s) is still sending; it stops "
                        "after the mail in hand", self._process.pid)
            self._process.terminate()  # SIGTERM: the mail in hand is still sent


# --- the sender process ---------------------------------------------------------------------

class _Stop:
    """Whether the sender is to claim no more (`done`: the daemon said so or is gone) or to
    send nothing more at all (`halted`: SIGTERM came, or its parent is no longer the daemon)."""

    def __init__(self, parent: int) -> None:
        self.parent = parent
        self.said = False
        self.terminated = False

    def signalled(self, signum: int, frame: FrameType | None) -> None:
        self.terminated = True

    def halted(self) -> bool:
        return self.terminated or os.getppid() != self.parent

    def done(self) -> bool:
        return self.said or self.halted()

    def listen(self, pipe: Connection) -> None:
        """Wait for a wake (at most WAKE_EVERY); `said` once the daemon said done or its end
        of the pipe closed."""
        try:
            if not pipe.poll(WAKE_EVERY):
                return
            while pipe.poll(0):
                if pipe.recv_bytes(8) == DONE:
                    self.said = True
        except (EOFError, OSError):
            self.said = True


def _die_with(parent: int) -> None:
    """SIGTERM from the kernel when the daemon ends (Linux); gone at once if it already did."""
    with contextlib.suppress(OSError, AttributeError):  # no prctl: the loop looks at the pid
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:
        raise SystemExit(0)


def _log_as(settings: SenderSettings) -> None:
    """The daemon's log lines, on the stderr the sender shares with it (the journal)."""
    handler = logging.StreamHandler(sys.stderr)
    if settings.log_format is not None:
        handler.setFormatter(settings.log_format)
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(settings.log_level)


def serve(pipe: Connection, settings: SenderSettings) -> None:
    """The sender process: send what can be claimed at each wake until the daemon says done
    (or is gone); give the claims back and answer how many went."""
    stop = _Stop(settings.parent)
    signal.signal(signal.SIGTERM, stop.signalled)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the daemon's: it says done
    _die_with(settings.parent)
    os.environ.pop("NOTIFY_SOCKET", None)  # NotifyAccess=main: the watchdog is the daemon's
    _log_as(settings)
    holder = claim_holder()
    sent = 0
    store: Store | None = None
    try:
        store = Store(create_store_engine(settings.store_url))  # migrated by the daemon
        log.debug("sender beside the cycle: process %s ready %.2f s after its start, claims "
                  "as %s", os.getpid(), time.monotonic() - settings.started, holder)
        with SmtpSession(settings.smtp, 1) as smtp:
            smtp.connect()  # a server away now is the run after the cycle's to report
            for _ in range(ROUNDS):
                stop.listen(pipe)
                went, _deferred, stopped = send_claimed(smtp, store, holder,
                                                        settings.claim_seconds, None,
                                                        stop.done, stop.halted)
                sent += went
                if stop.done() or stopped:
                    break
    except Exception as exc:  # noqa: BLE001 - the run after the cycle sends what is left
        log.info("replies beside the cycle stopped (%s: %s); the rest goes after it",
                 type(exc).__name__, exc)
    finally:
        if store is not None:
            _give_back(store, holder)
        with contextlib.suppress(OSError):  # the daemon may be gone
            pipe.send_bytes(str(sent).encode())


def _give_back(store: Store, holder: str) -> None:
    """The rows still claimed, for the run after the cycle; the store closed."""
    try:
        store.claims.release_outbox(holder)
    except Exception as exc:  # noqa: BLE001 - they come free when this process ends
        log.debug("claims of the sender not given back: %s", exc)
    store.close()
