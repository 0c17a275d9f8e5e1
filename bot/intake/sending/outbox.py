"""Sending what waits in the outbox. A reply is stored before it is sent; an SMTP outage only
delays it, and a row is marked sent only after the server took it.

One connection serves the whole run. A failure that belongs to one message (its recipient
refused, its size, a non-ASCII address the server cannot take) fails that message, for good
when the server said so (5xx: staff are told), and the run goes on with the others; only the
server being away (no connection, 421, a refused login) stops the run: nothing is lost, the
rest waits for the next one.

A row is marked "sending" before the SMTP transaction starts. A crash after the server took
the message and before `mark_sent` committed (a few milliseconds) leaves the mark behind: the
next run sends that row again with the same Message-ID and records a "reply-maybe-doubled"
event, so a person can see the one case where a reply may have gone out twice. Losing a reply
would be worse than doubling it.

More than one daemon (or a `digest --send` beside the daemon) may send from one store: each
claims a few rows at a time (bot.store.claims, `SELECT … FOR UPDATE SKIP LOCKED`) and sends
only a row it still holds when it marks it "sending" (the mark renews the claim). A
"sending" mark left by a daemon that died is found by the next one that claims the row: its
own restart at once, another machine once the claim ran out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from bot.config.settings import SmtpConfig
from bot.intake.notify import heartbeat
from bot.intake.safety.holders import claim_holder, holder_gone
from bot.mail.smtp import MessageRefused, SmtpSession, SmtpUnavailable
from bot.store.database import Store
from bot.store.engine import utc_now
from bot.store.schema import OutboxItem

log = logging.getLogger(__name__)
MAX_SEND_ATTEMPTS = 20  # then a person must look (listed in the digest)
CLAIM_SECONDS = 300  # [limits] claim_seconds: a row claimed for sending stays ours this long
CLAIM_BATCH = 20  # rows claimed at once: a second daemon gets the next ones meanwhile
MAX_BATCHES = 10_000  # bound of the loop: 200,000 rows in one run


def _interrupted(store: Store, item: OutboxItem) -> None:
    log.warning("outbox %s: an earlier send was cut short and may have gone out; sending "
                "again with the same Message-ID", item.id)
    store.events.record("reply-maybe-doubled", f"outbox {item.id} to {item.recipient}",
                        message_id=item.message_id)


def _refused(store: Store, item: OutboxItem, exc: MessageRefused) -> None:
    if exc.permanent:
        store.outbox.mark_failed_for_good(item.id, f"refused: {exc}")
        store.events.record("send-refused", f"#{item.id} → {item.recipient}: {exc}",
                            level="error", message_id=item.message_id)
        log.error("outbox %s refused for good by the server: %s", item.id, exc)
    else:
        tries = store.outbox.mark_send_failed(item.id, f"deferred: {exc}")
        log.warning("outbox %s deferred by the server (attempt %s): %s", item.id, tries, exc)


def _keep(keep_copy: Callable[[bytes], None] | None, item: OutboxItem) -> None:
    if keep_copy is None:
        return
    try:
        keep_copy(item.raw)
    except Exception as exc:  # noqa: BLE001 - the copy in Sent is a courtesy
        log.warning("could not keep a copy of outbox %s in Sent (%s: %s)", item.id,
                    type(exc).__name__, exc)


def send_pending(cfg: SmtpConfig, store: Store, keep_copy: Callable[[bytes], None] | None = None,
                 attempts_per_cycle: int = 3, claim_seconds: int = CLAIM_SECONDS
                 ) -> tuple[int, int]:
    """Send every unsent item this process can claim; returns (sent, still waiting).
    `attempts_per_cycle`: tries to reach the server before this run gives up;
    `claim_seconds`: how long a row stays ours (bot.store.claims) before another daemon
    may send it."""
    holder = claim_holder()
    try:
        with SmtpSession(cfg, attempts_per_cycle) as smtp:
            sent, deferred, stopped = send_claimed(smtp, store, holder, claim_seconds,
                                                   keep_copy)
            if stopped:
                return sent, deferred + len(store.outbox.unsent(MAX_SEND_ATTEMPTS))
    finally:
        store.claims.release_outbox(holder)  # what is left waits for the next run, anyone's
    if deferred and not sent:
        store.events.record("smtp-unavailable", f"all-deferred: {deferred}")
    return sent, deferred


def _never() -> bool:
    return False


def send_claimed(smtp: SmtpSession, store: Store, holder: str, seconds: int,
                 keep_copy: Callable[[bytes], None] | None,
                 done: Callable[[], bool] = _never, halt: Callable[[], bool] = _never
                 ) -> tuple[int, int, bool]:
    """Claim a batch of rows and send it, again until none is left, or `done` (the batch in
    hand is still sent), or `halt` (checked before each mail: the rows left in hand are the
    holder's to give back); (sent, deferred, the server is away: stopped)."""
    sent = deferred = 0
    for _batch in range(MAX_BATCHES):
        batch = [] if done() or halt() else _claim(store, holder, seconds)
        if not batch:
            break
        went, waiting, stopped = _send_batch(smtp, store, batch, holder, seconds, keep_copy,
                                             halt)
        sent, deferred = sent + went, deferred + waiting
        if stopped:
            return sent, deferred, True
    return sent, deferred, False


def _claim(store: Store, holder: str, seconds: int) -> list[OutboxItem]:
    return store.claims.take_outbox(holder, utc_now() + timedelta(seconds=seconds),
                                    holder_gone, MAX_SEND_ATTEMPTS, limit=CLAIM_BATCH)


def _send_batch(smtp: SmtpSession, store: Store, batch: list[OutboxItem], holder: str,
                seconds: int, keep_copy: Callable[[bytes], None] | None,
                halt: Callable[[], bool] = _never) -> tuple[int, int, bool]:
    """Send claimed rows, until `halt`; (sent, deferred, the server is away: stop)."""
    sent = deferred = 0
    for item in batch:
        if halt():
            break
        heartbeat()
        if item.sending_at is not None:
            _interrupted(store, item)
        # no mark, no send: a store outage stops here, and so does a claim that ran out
        if not store.claims.start_sending(item.id, holder,
                                          utc_now() + timedelta(seconds=seconds)):
            log.info("outbox %s: taken over by another daemon, not sent here", item.id)
            continue
        try:
            smtp.send(item.raw, item.recipient)
        except MessageRefused as exc:
            _refused(store, item, exc)
            deferred += not exc.permanent
            continue
        except SmtpUnavailable as exc:
            store.outbox.mark_send_failed(item.id, str(exc)[:500])
            store.events.record("smtp-unavailable", str(exc)[:200])
            log.warning("SMTP unavailable (%s); the rest waits for the next run", exc)
            return sent, deferred, True
        store.outbox.mark_sent(item.id)
        sent += 1
        log.info("outbox %s sent (%s)", item.id, item.kind)
        _keep(keep_copy, item)
    return sent, deferred, False
