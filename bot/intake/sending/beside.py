"""Replies sent beside a cycle, as the cycle decides the mail they answer: on a backlog the SMTP
server's answers and the syncs before each reply leaves are waited for while the cycle goes
on, not one after another at its end. Whatever the sender leaves (the server away, the store
away, a sender that died) the run after the cycle sends, as before. Only when nothing goes to
Sent: the copies there need the mailbox, which the cycle holds.

Who sends: a cycle that finds `[limits] sender_process_from` new mails or more (500) starts
a process of its own for it at once (`spawned`), ready by the time the first replies wait.
The cycle then keeps its interpreter to itself (a thread beside it takes the interpreter at
each SMTP answer and SQLite step), but a fresh interpreter costs ≈ 0.35 s of CPU to start,
taken from the reader process on a 2-core machine. Medians of 3 alternated polls there:
1,000 submissions 9.38 s against 10.22 s with a thread; 500 5.51 s against 5.64 s; 200
3.26 s against 3.18 s. A shorter cycle gets a thread (`threaded`) once a batch of replies
may wait, as does a cycle whose process cannot be had or died (a warning says so). No reply
waits on either: a row is sent by whoever holds its claim, and the run after the cycle sends
the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from bot.config.settings import SmtpConfig
from bot.intake.sending.outbox import CLAIM_BATCH, CLAIM_SECONDS
from bot.intake.sending.spawned import SpawnedSender, settings_for
from bot.intake.sending.threaded import ThreadSender
from bot.store.database import Store

log = logging.getLogger(__name__)


class SenderBeside:
    """The cycle's listener (bot.intake.cycle.Listener): told how much new mail the cycle
    found (`backlog`) and each time a mail is decided (`queued`); `finish` at its end."""

    def __init__(self, cfg: SmtpConfig, store: Store, store_url: str, spawn_from: int,
                 claim_seconds: int = CLAIM_SECONDS) -> None:
        self.cfg, self.store, self.store_url = cfg, store, store_url
        self.spawn_from, self.claim_seconds = spawn_from, claim_seconds
        self._sender: SpawnedSender | ThreadSender | None = None
        self._ended: list[SpawnedSender | ThreadSender] = []  # senders replaced meanwhile
        self._waiting = 0  # mail decided since the sender was last woken

    def backlog(self, count: int) -> None:
        """The cycle found `count` new mails: enough of them start a process at once, which
        is ready by the time the first replies wait."""
        if count >= self.spawn_from and self._sender is None:
            self._sender = self._spawn()

    def queued(self) -> None:
        """A reply may wait in the outbox: the sender is woken once a batch's worth may
        wait (claimed and sent together), started first if there is none yet."""
        self._waiting += 1
        if self._waiting < CLAIM_BATCH:
            return
        self._waiting = 0
        if self._sender is None:
            self._sender = ThreadSender(self.cfg, self.store, self.claim_seconds)
        if not self._sender.wake():
            log.warning("the sender process beside the cycle has ended; a thread sends "
                        "beside it from now on")
            self._ended.append(self._sender)
            self._sender = ThreadSender(self.cfg, self.store, self.claim_seconds)
            self._sender.wake()

    def finish(self) -> None:
        for sender in self._senders:
            sender.finish()

    @property
    def sent(self) -> int:
        return sum(sender.sent for sender in self._senders)

    @property
    def still_sending(self) -> bool:
        """A sender outlived `finish` (a server that hangs): the run after the cycle waits
        for the next cycle, so as not to compete with it."""
        return any(sender.still_sending for sender in self._senders)

    @property
    def _senders(self) -> list[SpawnedSender | ThreadSender]:
        return [*self._ended, *([self._sender] if self._sender is not None else [])]

    def _spawn(self) -> SpawnedSender | None:
        try:
            return SpawnedSender(settings_for(self.cfg, self.store_url, self.claim_seconds))
        except Exception as exc:  # noqa: BLE001 - a thread sends instead, nothing is lost
            log.warning("no sender process beside the cycle (%s: %s); a thread sends instead",
                        type(exc).__name__, exc)
            return None


@contextmanager
def sending_beside(cfg: SmtpConfig, store: Store, store_url: str, spawn_from: int,
                   claim_seconds: int = CLAIM_SECONDS) -> Iterator[SenderBeside]:
    """`spawn_from`: [limits] sender_process_from."""
    sender = SenderBeside(cfg, store, store_url, spawn_from, claim_seconds)
    try:
        yield sender
    finally:
        sender.finish()
