"""Sending what waits in the outbox. A reply is stored before it is sent; an SMTP outage only
delays it, and a row is marked sent only after the server took it.

A row is marked "sending" before the SMTP transaction starts. A crash after the server took
the message and before `mark_sent` committed (a few milliseconds) leaves the mark behind: the
next cycle sends that row again with the same Message-ID and records a "reply-maybe-doubled"
event, so a person can see the one case where a reply may have gone out twice. Losing a reply
would be worse than doubling it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from bot.config.settings import SmtpConfig
from bot.mail.smtp import PermanentSendError, send
from bot.store.database import Store
from bot.store.schema import OutboxItem

log = logging.getLogger(__name__)
MAX_SEND_ATTEMPTS = 20  # then a person must look (listed in the digest)


def _interrupted(store: Store, item: OutboxItem) -> None:
    log.warning("outbox %s: an earlier send was cut short and may have gone out; sending "
                "again with the same Message-ID", item.id)
    store.events.record("reply-maybe-doubled", f"outbox {item.id} to {item.recipient}",
                        message_id=item.message_id)


def send_pending(cfg: SmtpConfig, store: Store, keep_copy: Callable[[bytes], None] | None = None,
                 attempts_per_cycle: int = 3) -> tuple[int, int]:
    """Send every unsent item; returns (sent, still unsent)."""
    sent = 0
    pending = store.outbox.unsent(max_attempts=MAX_SEND_ATTEMPTS)
    for n, item in enumerate(pending):
        if item.sending_at is not None:
            _interrupted(store, item)
        store.outbox.mark_sending(item.id)  # no mark, no send: a store outage stops here
        try:
            send(cfg, item.raw, [item.recipient], attempts=attempts_per_cycle)
        except PermanentSendError as exc:
            tries = store.outbox.mark_send_failed(item.id, f"refused: {exc}")
            store.events.record("send-refused", f"outbox {item.id}: {exc}", level="error")
            log.error("outbox %s refused by the server (attempt %s)", item.id, tries)
            continue
        except Exception as exc:  # noqa: BLE001 - the server is away: keep all for the next cycle
            store.outbox.mark_send_failed(item.id, f"{type(exc).__name__}: {exc}"[:500])
            store.events.record("smtp-unavailable", f"{type(exc).__name__}", level="warning")
            log.warning("SMTP unavailable (%s); %s message(s) wait for the next cycle",
                        type(exc).__name__, len(pending) - n)
            return sent, len(pending) - n
        store.outbox.mark_sent(item.id)
        sent += 1
        log.info("outbox %s sent (%s)", item.id, item.kind)
        if keep_copy is not None:
            try:
                keep_copy(item.raw)
            except Exception as exc:  # noqa: BLE001 - the copy in Sent is a courtesy
                log.warning("could not keep a copy of outbox %s in Sent (%s: %s)", item.id,
                            type(exc).__name__, exc)
    return sent, 0
