"""Our own mail coming back: a naive responder that returns our reply as an attachment or
pastes it with its headers, a gateway that bounces it, a robot that re-attaches the blank form
we sent. Answering any of them would start a loop; a bounce also tells which reply of ours did
not arrive.

A person answering us quotes our words, not our headers, and sends a form of their own: only
marks no person writes count (our X-BCY-Intake headers, our Message-IDs, the exact bytes of
our blank form), and only when the mail carries no other form.
"""

from __future__ import annotations

import email.message
import email.parser
import email.policy
import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bot.mail.mime_parts import Attachment, body_text, find_attachments, header_value
from bot.mail.mime_tree import children, content_type, payload

MAX_EMBEDDED = 20  # messages looked into per mail
MAX_DEPTH = 6


@dataclass(frozen=True)
class OwnMarks:
    """What marks a mail as ours: set up once per campaign by the intake."""

    reference_prefix: str  # "BCY-CTS-2021": our references read [BCY-CTS-2021-0001]
    domains: frozenset[str]  # of our From addresses: our Message-IDs end @ one of them
    blank_forms: frozenset[str]  # SHA-256 of each blank form we attach
    header_prefix: str = "x-bcy-intake"
    id_tag: str = "bcy-intake"  # our Message-IDs read <...bcy-intake@domain>

    def message_id_pattern(self) -> re.Pattern[str]:
        domains = "|".join(re.escape(d) for d in sorted(self.domains)) or "(?!)"
        return re.compile(r"<[^<>\s@]*" + re.escape(self.id_tag) + r"@(?:" + domains + r")>",
                          re.IGNORECASE)

    def reference_pattern(self) -> re.Pattern[str]:
        return re.compile(re.escape(self.reference_prefix) + r"-\d{4,}", re.IGNORECASE)

    def pasted_header_pattern(self) -> re.Pattern[str]:
        return re.compile(r"^[>\s]*" + re.escape(self.header_prefix) + r"(?:-[a-z]+)*\s*:",
                          re.IGNORECASE | re.MULTILINE)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def embedded_messages(msg: email.message.Message) -> Iterator[email.message.Message]:
    """Messages inside the mail: message/rfc822 parts and the header blocks of
    text/rfc822-headers parts (bounces and complaints carry one or the other)."""
    stack: list[tuple[email.message.Message, int]] = [(msg, 0)]
    found = visited = 0
    while stack and found < MAX_EMBEDDED and visited < 500:
        part, depth = stack.pop()
        visited += 1
        ctype = content_type(part, "text/plain")[0]
        if part is not msg and ctype == "message/rfc822":
            found += 1
            yield from children(part)[:1]
        elif ctype in ("text/rfc822-headers", "message/rfc822-headers"):
            found += 1
            text = payload(part).decode("utf-8", "replace")
            yield email.parser.HeaderParser(policy=email.policy.compat32).parsestr(text)
        if depth < MAX_DEPTH and (ctype.startswith("multipart/") or ctype == "message/rfc822"):
            stack.extend((c, depth + 1) for c in reversed(children(part)))


def is_ours(inner: email.message.Message, marks: OwnMarks) -> bool:
    """A message (or its headers) that we wrote."""
    try:
        names = [str(k).lower() for k in inner]
    except Exception:  # noqa: BLE001 - hostile mail makes the email package raise anything
        return False
    if any(n.startswith(marks.header_prefix) for n in names):
        return True
    return bool(marks.message_id_pattern().search(header_value(inner, "Message-ID")))


def _foreign_forms(msg: email.message.Message, attachments: Sequence[Attachment],
                   ours: Sequence[email.message.Message], marks: OwnMarks,
                   form_kinds: frozenset[str]) -> bool:
    """Is there a form in the mail that is neither our blank form nor inside our own mail?"""
    inside = {sha256(a.data) for m in ours for a in find_attachments(m)}
    return any(a.kind in form_kinds and sha256(a.data) not in inside | marks.blank_forms
               for a in attachments)


def returned_mail(msg: email.message.Message, attachments: Sequence[Attachment],
                  marks: OwnMarks, form_kinds: frozenset[str]) -> str | None:
    """Why the mail is our own mail coming back (None when it is not): our mail attached,
    our headers or Message-ID pasted into the text, or our blank form returned as it was."""
    ours = [m for m in embedded_messages(msg) if is_ours(m, marks)]
    text = body_text(msg)
    reason = None
    if ours:
        reason = "own-mail-attached"
    elif marks.pasted_header_pattern().search(text) or marks.message_id_pattern().search(text):
        reason = "own-mail-quoted"
    elif any(sha256(a.data) in marks.blank_forms for a in attachments):
        reason = "own-blank-form"
    if reason and _foreign_forms(msg, attachments, ours, marks, form_kinds):
        return None  # a person's own form travels with it: answer the person
    return reason


def mentioned_mail(msg: email.message.Message, marks: OwnMarks) -> tuple[list[str], list[str]]:
    """Message-IDs of ours and references of ours a mail names anywhere: its In-Reply-To and
    References, the headers of messages inside it, its text (a bounce quoting our mail)."""
    ids_pattern, refs_pattern = marks.message_id_pattern(), marks.reference_pattern()
    texts = [header_value(msg, "In-Reply-To"), header_value(msg, "References"),
             header_value(msg, "Subject"), body_text(msg)]
    for inner in embedded_messages(msg):
        texts += [header_value(inner, n) for n in ("Message-ID", "X-BCY-Intake-Reference",
                                                    "X-BCY-Intake-References", "Subject")]
    ids = [m.group(0) for t in texts for m in ids_pattern.finditer(t)]
    refs = [m.group(0).upper() for t in texts for m in refs_pattern.finditer(t)]
    return list(dict.fromkeys(ids)), list(dict.fromkeys(refs))


_RECIPIENT_LINE = re.compile(
    r"^(?:final|original)-recipient\s*:\s*(?:[a-z0-9-]+\s*;)?\s*<?([^\s<>;]+@[^\s<>;]+?)>?\s*$",
    re.IGNORECASE | re.MULTILINE)


def failed_recipients(msg: email.message.Message) -> set[str]:
    """The addresses a bounce says it could not deliver to, lowercased: its X-Failed-Recipients
    and the Final-/Original-Recipient of its delivery-status parts (RFC 3464)."""
    found = {a.strip().lower() for a in header_value(msg, "X-Failed-Recipients").split(",")
             if "@" in a}
    stack, seen = [msg], 0
    while stack and seen < 200:
        part = stack.pop()
        seen += 1
        ctype = content_type(part, "text/plain")[0]
        if ctype in ("message/delivery-status", "message/global-delivery-status"):
            text = payload(part).decode("utf-8", "replace")[:20_000]
            found |= {m.group(1).lower() for m in _RECIPIENT_LINE.finditer(text)}
        elif ctype.startswith("multipart/"):
            stack.extend(children(part))
    return found
