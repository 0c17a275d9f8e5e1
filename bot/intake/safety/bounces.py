"""Automatic mail about mail we sent: a bounce marks our reply undelivered, a complaint and
a loop are noted; staff see each in the digest. None of them is ever answered (classify saw
to that); this only tells which of our mails it is about.

A bounce names our mail in many ways and a gateway may keep only some: the In-Reply-To or
References it sets, the headers of our mail attached or pasted into its text (our
Message-ID, our X-BCY-Intake-Reference), our reference in its subject.
"""

from __future__ import annotations

import email.message
import email.parser
import email.policy
import logging

from bot.intake.decide import Decision
from bot.mail import robots
from bot.mail.addresses import sender_address
from bot.mail.mime_parts import body_text, header_value, part_types
from bot.mail.mime_tree import parse_message
from bot.mail.own_marks import OwnMarks, failed_recipients, mentioned_mail
from bot.store.database import Store
from bot.store.schema import OutboxItem, StoredMessage

log = logging.getLogger(__name__)
_DELIVERY_REPORTS = frozenset({"message/delivery-status", "message/global-delivery-status"})
_COMPLAINTS = frozenset({"message/feedback-report"})


def what_it_is(msg: email.message.Message, decision: Decision) -> str | None:
    """"bounce", "complaint", "loop" (our mail returned by a responder), or None (an
    out-of-office and the like: nothing to note)."""
    types = set(part_types(msg))
    if types & _COMPLAINTS:
        return "complaint"
    if (types & _DELIVERY_REPORTS or robots.robot_sender(msg)
            or robots.bounce_subject(header_value(msg, "Subject"))
            or header_value(msg, "X-Failed-Recipients")):
        return "bounce"
    return "loop" if decision.reason == "own-mail-returned" else None


class Bounces:
    def __init__(self, store: Store, marks: OwnMarks) -> None:
        self.store = store
        self.marks = marks

    def about(self, msg: email.message.Message) -> list[OutboxItem]:
        """The mail of ours this mail names: by Message-ID, else by reference (the newest
        reply of that submission), then only replies to an address the bounce names."""
        ids, refs = mentioned_mail(msg, self.marks)
        found = {item.id: item for item in self.store.outbox.by_mail_ids(ids)}
        if found:
            return list(found.values())
        for ref in refs[:10]:
            sub = self.store.submissions.by_reference(ref)
            item = self.store.outbox.latest_reply(sub) if sub else None
            if item is not None:
                found[item.id] = item
        return _named_recipients(msg, _not_only_quoted(list(found.values())))

    def note(self, stored: StoredMessage, msg: email.message.Message,
             decision: Decision) -> None:
        """Record what an automatic mail says about our mail, if anything."""
        if decision.kind != "automatic":
            return
        kind = what_it_is(msg, decision)
        if kind is None:
            return
        items = self.about(msg)
        if not items:
            if kind == "loop":
                self._event("mail-loop", sender_address(msg) or "?", stored)
            return
        for item in items:
            self._note_one(kind, item, stored, msg, decision)

    def _note_one(self, kind: str, item: OutboxItem, stored: StoredMessage,
                  msg: email.message.Message, decision: Decision) -> None:
        what = _name(item)
        sender = sender_address(msg) or "?"
        if kind == "bounce":
            if self.store.outbox.mark_undelivered(item.id, stored.id):
                log.warning("a bounce says %s did not reach %s", what, item.recipient)
                self._event("reply-undelivered", f"{what} → {item.recipient} ({sender})",
                            stored)
        elif kind == "complaint":
            self._event("reply-complaint", f"{what} → {item.recipient} ({sender})", stored)
        else:
            log.warning("our mail %s came back from %s (%s): not answered", what, sender,
                        decision.reason)
            self._event("mail-loop", f"{what} ← {sender}", stored)

    def _event(self, kind: str, detail: str, stored: StoredMessage) -> None:
        self.store.events.record(kind, detail[:500], message_id=stored.id)


def _not_only_quoted(items: list[OutboxItem]) -> list[OutboxItem]:
    """Drop a reply whose reference the bounce may name only because another reply it names
    quotes it (a resubmission's reply compares with the earlier reference)."""
    texts = {item.id: _mail_text(item.raw) for item in items}
    own = {item.id: _name(item) for item in items}
    return [item for item in items
            if not any(other.id != item.id and own[item.id] in texts[other.id]
                       and own[other.id] not in texts[item.id] for other in items)]


def _named_recipients(msg: email.message.Message, items: list[OutboxItem]) -> list[OutboxItem]:
    """The replies to an address the bounce names (its failed recipients, else its text);
    all of them when it names none of theirs."""
    named = failed_recipients(msg)
    if not named:
        text = (body_text(msg) + "\n" + header_value(msg, "Subject")).lower()
        named = {item.recipient.lower() for item in items if item.recipient.lower() in text}
    return [item for item in items if item.recipient.lower() in named] if named else items


def _mail_text(raw: bytes) -> str:
    """The text of a mail of ours, as a bounce would quote it."""
    msg = parse_message(raw)
    return (header_value(msg, "Subject") + "\n" + body_text(msg)).upper()


def _name(item: OutboxItem) -> str:
    """The reference the mail was about, else what it was."""
    for name in ("X-BCY-Intake-Reference", "X-BCY-Intake-Digest"):
        text = own_header(item.raw, name)
        if text:
            return text
    return f"outbox {item.id}"


def own_header(raw: bytes, name: str) -> str:
    """A header of a mail we wrote ourselves, unfolded and decoded (a subject in Vietnamese is
    written as encoded words, folded over several lines: see replies.mail.wire)."""
    head = raw.split(b"\r\n\r\n", 1)[0] + b"\r\n\r\n"
    return header_value(email.parser.BytesHeaderParser(policy=email.policy.compat32)
                        .parsebytes(head), name)
