"""Is a mail automatic (never answer it), a submission of the campaign, or something else?

The rules are one table, in order; the first that fires decides. Automatic mail is told the way
Mailman's replybot tells it (RFC 3834 headers, Precedence, lists, null senders), then by what
robots cannot help writing (`robots`: their addresses, their subjects, in a data table), then
by our own mail coming back (`own_marks`): the bot never answers a bounce, a list, another
robot or itself.
"""

from __future__ import annotations

import email.message
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Final, Literal

from bot.mail import robots
from bot.mail.addresses import sender_address
from bot.mail.mime_parts import (
    Attachment,
    body_text,
    find_attachments,
    header_names,
    header_value,
    part_types,
)
from bot.mail.own_marks import OwnMarks, returned_mail
from parsers.spec.campaign import Campaign
from parsers.text import clean, fold, has_phrase, match_key

# Attachments that are a form as they are: a person sending one is a candidate submission.
FORM_KINDS: Final = frozenset({"docx", "xlsx", "xlsm", "docm", "ods", "odt"})
# Attachments that may hold a form (an old Word/Excel file, RTF, an archive, winmail.dat);
# they are read too, and count as a submission when a form is found or the campaign named.
MAYBE_FORM_KINDS: Final = FORM_KINDS | {"ole", "ole-encrypted-ooxml", "rtf", "zip", "7z", "rar",
                                        "tnef", "pdf"}

# Reports (RFC 6522) and their parts, also when a gateway rewraps them in multipart/mixed:
# delivery status (RFC 3464), read receipts (RFC 8098), abuse complaints (ARF, RFC 5965).
_REPORT_TYPES: Final = frozenset({
    "multipart/report", "message/delivery-status", "message/global-delivery-status",
    "message/disposition-notification", "message/global-disposition-notification",
    "message/feedback-report", "text/rfc822-headers", "message/global-headers",
})
# Reply and forward markers in the languages seen in this mailbox, on the folded subject.
_SUBJECT_PREFIX: Final = re.compile(
    r"^\s*(?:\[[^\]]*\]\s*)*(?:re|fw|fwd|tl|tra loi|chuyen tiep|aw|wg|sv|vs|rv|tr)"
    r"\s*(?:\[\d+\]|\(\d+\))?\s*[:\uff1a]\s*"
)
_MIN_COMPACT_KEYWORD: Final = 8

Kind = Literal["automatic", "submission", "other"]  # what a mail is; the store keeps it so


@dataclass(frozen=True)
class Classification:
    kind: Kind
    reason: str


def strip_reply_prefixes(subject: str) -> str:
    """"TL: Fwd: RE: x" -> "x", whatever the case and accents of the prefixes."""
    text = clean(subject)
    folded = fold(text)
    if len(folded) != len(text):
        return text
    while m := _SUBJECT_PREFIX.match(folded):
        text, folded = text[m.end():], folded[m.end():]
    return text


def _mentions(text: str, keys: tuple[str, ...], compact: bool = False) -> bool:
    """A keyword on word boundaries; `compact` also finds it with the spaces squeezed out,
    as in file names like "MauDangKy_2021-2025.docx"."""
    key = match_key(text)
    if has_phrase(key, keys):
        return True
    squeezed = key.replace(" ", "")
    return compact and any(
        len(k.replace(" ", "")) >= _MIN_COMPACT_KEYWORD and k.replace(" ", "") in squeezed
        for k in keys
    )


class MailFacts:
    """What the rules look at, each computed once and only when a rule asks for it."""

    def __init__(self, msg: email.message.Message, campaign: Campaign, own_addresses: set[str],
                 loop_header: str, attachments: Sequence[Attachment] | None = None,
                 marks: OwnMarks | None = None) -> None:
        self.msg = msg
        self.keys = campaign.keyword_keys
        self.own_addresses = {a.strip().lower() for a in own_addresses}
        self.loop_header = loop_header.strip().lower()
        self._given_attachments = attachments
        self.marks = marks

    def header(self, name: str) -> str:
        return header_value(self.msg, name)

    @cached_property
    def names(self) -> frozenset[str]:
        return frozenset(header_names(self.msg))

    @cached_property
    def sender(self) -> str:
        return sender_address(self.msg)

    @cached_property
    def attachments(self) -> Sequence[Attachment]:
        if self._given_attachments is not None:
            return self._given_attachments
        return find_attachments(self.msg)

    @cached_property
    def subject(self) -> str:
        return strip_reply_prefixes(self.header("Subject"))

    @cached_property
    def body(self) -> str:
        # Lines quoted from an earlier mail (our own replies among them) do not count.
        lines = body_text(self.msg).splitlines()
        return "\n".join(line for line in lines if not line.lstrip().startswith(">"))


# --- automatic mail -----------------------------------------------------------------------------

def auto_submitted(f: MailFacts) -> bool:
    return robots.auto_submitted(f.msg)


def precedence_bulk(f: MailFacts) -> bool:
    return robots.bulk_precedence(f.msg)


def list_header(f: MailFacts) -> bool:
    return any(name.startswith("list-") for name in f.names)


def robot_header(f: MailFacts) -> bool:
    return robots.robot_header(f.msg)


def null_return_path(f: MailFacts) -> bool:
    return robots.null_return_path(f.msg)


def robot_sender(f: MailFacts) -> bool:
    return robots.robot_sender(f.msg)


def delivery_status(f: MailFacts) -> bool:
    return any(t in _REPORT_TYPES for t in part_types(f.msg))


def auto_reply_subject(f: MailFacts) -> bool:
    full = f.header("Subject")
    return robots.auto_reply_subject(full) or robots.auto_reply_subject(f.subject)


def bounce_subject(f: MailFacts) -> bool:
    return robots.bounce_subject(f.subject)


def own_address(f: MailFacts) -> bool:
    return bool(f.sender) and f.sender in f.own_addresses


def loop_header(f: MailFacts) -> bool:
    return bool(f.loop_header) and f.loop_header in f.names


def own_mail_returned(f: MailFacts) -> bool:
    return f.marks is not None and returned_mail(f.msg, f.attachments, f.marks,
                                                 MAYBE_FORM_KINDS) is not None


# --- submissions --------------------------------------------------------------------------------

def form_attachment(f: MailFacts) -> bool:
    return any(a.kind in FORM_KINDS for a in f.attachments)


def keyword_subject(f: MailFacts) -> bool:
    return _mentions(f.subject, f.keys)


def keyword_body(f: MailFacts) -> bool:
    return _mentions(f.body, f.keys)


def keyword_filename(f: MailFacts) -> bool:
    return any(a.filename and _mentions(a.filename, f.keys, compact=True) for a in f.attachments)


@dataclass(frozen=True)
class Rule:
    kind: Kind
    reason: str
    check: Callable[[MailFacts], bool]


# The first rule that fires decides. A keyword alone makes a submission even without a usable
# attachment (forgotten file, PDF only), so that the sender can be told what is missing.
RULES: Final[tuple[Rule, ...]] = (
    Rule("automatic", "auto-submitted", auto_submitted),
    Rule("automatic", "precedence-bulk", precedence_bulk),
    Rule("automatic", "list-header", list_header),
    Rule("automatic", "x-autoreply", robot_header),
    Rule("automatic", "null-return-path", null_return_path),
    Rule("automatic", "own-address", own_address),
    Rule("automatic", "delivery-status", delivery_status),
    Rule("automatic", "mailer-daemon", robot_sender),
    Rule("automatic", "auto-reply-subject", auto_reply_subject),
    Rule("automatic", "bounce-subject", bounce_subject),
    Rule("automatic", "loop-header", loop_header),
    Rule("automatic", "own-mail-returned", own_mail_returned),
    Rule("submission", "form-attachment", form_attachment),
    Rule("submission", "keyword-subject", keyword_subject),
    Rule("submission", "keyword-body", keyword_body),
    Rule("submission", "keyword-filename", keyword_filename),
)
KEYWORD_RULES: Final = tuple(r for r in RULES if r.reason.startswith("keyword-"))
NO_MATCH: Final = Classification("other", "no-match")


def classify(msg: email.message.Message, campaign: Campaign, own_addresses: set[str],
             loop_header: str = "X-BCY-Intake", *,
             attachments: Sequence[Attachment] | None = None,
             marks: OwnMarks | None = None) -> Classification:
    """`attachments`, when the caller already has them from `find_attachments`, saves a walk;
    `marks` tell our own mail (without them, mail returned to us is not recognised)."""
    facts = MailFacts(msg, campaign, own_addresses, loop_header, attachments, marks)
    for rule in RULES:
        if rule.check(facts):
            return Classification(rule.kind, rule.reason)
    return NO_MATCH


def mentions_campaign(msg: email.message.Message, campaign: Campaign, *,
                      attachments: Sequence[Attachment] | None = None) -> bool:
    """Subject, body or a file name names the campaign (not merely its topic)."""
    facts = MailFacts(msg, campaign, set(), "", attachments)
    return any(rule.check(facts) for rule in KEYWORD_RULES)
