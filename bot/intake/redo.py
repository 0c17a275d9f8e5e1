"""A submission done again at a person's request, the same way from the command line and the
web console: `reprocess` decides its stored mail again through the Judge (same reference, a
new reply only if asked), `resend` queues its latest reply again. Both then send what waits in
the outbox, and record who asked in the event log."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.intake.sending.outbox import send_pending
from bot.intake.service import Service
from bot.store.records import NewOutbox, StoredSubmission

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reprocessed:
    reference: str
    before: str
    after: str
    skipped: bool = False  # the mail no longer reads as a submission: left as it was
    replied: bool = False
    standing_before: str = "counted"
    standing_after: str = "counted"

    @property
    def changed(self) -> bool:
        return self.before != self.after or self.standing_before != self.standing_after


@dataclass(frozen=True)
class Resent:
    reference: str
    recipient: str


class NothingToResend(Exception):
    """The submission has no reply in the outbox (the per-sender cap held it back)."""


def reprocess(service: Service, sub: StoredSubmission, reply: bool, actor: str) -> Reprocessed:
    """Decide the mail of `sub` again and rewrite it in place; the new reply, if `reply`, is
    queued, not sent (`send_queued`), so a run over many submissions sends once at the end."""
    redone = service.judge.decide_again(sub, reply)
    if redone is None:
        log.warning("%s: the mail no longer reads as a submission; left as it was",
                    sub.reference)
        done = Reprocessed(sub.reference, sub.verdict, sub.verdict, skipped=True,
                           standing_before=sub.standing, standing_after=sub.standing)
    else:
        done = Reprocessed(sub.reference, sub.verdict, redone.verdict, replied=redone.replied,
                           standing_before=sub.standing, standing_after=redone.standing)
    service.store.events.record(
        "submission-reprocessed", f"{sub.reference}: {done.before} -> {done.after}"
        + (" (skipped)" if done.skipped else "") + (" (reply queued)" if done.replied else ""),
        level="info", message_id=sub.message_id, actor=actor)
    return done


def resend(service: Service, sub: StoredSubmission, actor: str) -> Resent:
    """Queue the latest reply of `sub` again (same text, same recipient); NothingToResend
    when it has none. Send it with `send_queued`."""
    item = service.store.outbox.latest_reply(sub)
    if item is None:
        raise NothingToResend(sub.reference)
    # the same Message-ID, so a bounce of the copy finds it; the same keys, so caps count it
    again = NewOutbox(kind="reply", recipient=item.recipient, raw=item.raw,
                      mail_id=item.mail_id, sender_key=item.sender_key,
                      recipient_key=item.recipient_key, recipient_domain=item.recipient_domain)
    service.store.outbox.enqueue(again, sub.message_id, submission_id=sub.id)
    service.store.events.record("reply-resent", f"{sub.reference} to {item.recipient}",
                                level="info", message_id=sub.message_id, actor=actor)
    return Resent(sub.reference, item.recipient)


def send_queued(service: Service) -> int:
    """Send what waits in the outbox now; returns how many are still unsent."""
    return send_pending(service.cfg.smtp, service.store)[1]
