"""The reply to an agency: headers of CONTRACT.md, text + HTML bodies from templates, and the
blank form attached when something must be sent again. Headers are written by `wire` (what a
client decodes is exactly what was rendered); the MIME body by `body` (replies, holding
answers: many a day) or by the standard library (digest, reminders)."""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Final

from parsers.spec.campaign import Campaign
from replies.mail.body import mime_body
from replies.mail.wire import (
    address_header,
    header_text,
    message_ids,
    plain,
    unstructured,
    wire_bytes,
)
from replies.render import format_date, render

LOOP_HEADER = "X-BCY-Intake"
MARK_PREFIX: Final = "x-bcy-intake"  # every header of ours starts so: inside a mail, a loop
MESSAGE_ID_TAG: Final = "bcy-intake"  # our Message-IDs read <...bcy-intake@our domain>


@dataclass(frozen=True)
class OutgoingMail:
    """A composed mail: its header fields as they go on the wire, and its MIME body."""

    header_fields: tuple[str, ...]
    body: EmailMessage | bytes  # bytes: written by `body.mime_body`
    message_id: str

    def as_bytes(self) -> bytes:
        return wire_bytes(self.header_fields, self.body)


def new_message_id(from_address: str) -> str:
    return email.utils.make_msgid(idstring=MESSAGE_ID_TAG,
                                  domain=from_address.rpartition("@")[2] or "localhost")


def envelope_fields(*, from_name: str, from_address: str, to: list[tuple[str, str]],
                    subject: str, message_id: str) -> list[str]:
    """From, To, Subject, Date and Message-ID of a mail of ours."""
    return [address_header("From", [(from_name, from_address)]), address_header("To", to),
            unstructured("Subject", subject),
            plain("Date", email.utils.formatdate(localtime=False)),
            plain("Message-ID", message_id)]


@dataclass(frozen=True)
class FileAttachment:
    filename: str
    data: bytes
    maintype: str
    subtype: str


@dataclass(frozen=True)
class ReplyForm:
    """One of several forms a mail carried, with the reference it was stored under."""

    reference: str
    verdict: str
    report: dict[str, Any]  # report_dict of the form
    standing: str = "counted"  # counted | awaiting-confirmation
    changes: dict[str, Any] | None = None  # against the agency's previous counted form


@dataclass(frozen=True)
class ReplyInput:
    reference: str  # the (first) submission's
    verdict: str  # accepted | needs_correction | unreadable; the worst, for several forms
    report: dict[str, Any] | None  # report_dict of the form that decided, if any
    agency: str | None
    subject: str  # the original subject, decoded
    received: str  # dd/mm/yyyy of the original
    message_id: str | None  # of the original
    references: str | None  # of the original
    attachments: tuple[FileAttachment, ...] = field(default_factory=tuple)
    forms: tuple[ReplyForm, ...] = field(default_factory=tuple)  # when the mail had several
    other_files: tuple[str, ...] = field(default_factory=tuple)  # files that are not forms
    letters: tuple[str, ...] = field(default_factory=tuple)  # signed PDFs kept with the forms
    # what an accepted form changed against the agency's previous counted one (Changes.view)
    changes: dict[str, Any] | None = None
    # the agency's files sent back marked: (its file, the marked copy's name); and the files
    # whose format cannot be marked (they get the blank form only)
    marked: tuple[tuple[str, str], ...] = field(default_factory=tuple)
    unmarkable: tuple[str, ...] = field(default_factory=tuple)
    today: dt.date | None = None  # the staff's day the reply is written (None: today here)
    # counted | awaiting-confirmation (the worst, for several forms), and why it waits
    standing: str = "counted"
    standing_reason: str | None = None


def quantity_table(quantities: dict[str, Any] | None, campaign: Campaign,
                   unreadable_as_none: bool = False) -> dict[str, Any]:
    """Rows × years with totals. A value the form did not give counts as 0; with
    `unreadable_as_none`, a cell that could not be read (None in a report's quantities) stays
    None, shown as "—" like `check` shows it, and is left out of the totals."""
    rows = []
    year_totals = [0 for _ in campaign.years]
    for spec in campaign.quantity_rows:
        by_year = (quantities or {}).get(spec.key)
        if unreadable_as_none:
            values = [None if by_year is None else by_year.get(y) for y in campaign.years]
        else:
            values = [(by_year or {}).get(y) or 0 for y in campaign.years]
        counted = [v or 0 for v in values]
        year_totals = [a + b for a, b in zip(year_totals, counted, strict=True)]
        rows.append({"key": spec.key, "label": spec.short, "amounts": values,
                     "total": sum(counted)})
    return {"rows": rows, "year_totals": year_totals, "total": sum(year_totals)}


def reply_subject(original: str, reference: str, campaign: Campaign) -> str:
    """`Re: <original> [<reference>]`: the original made one safe line and capped, without the
    references of our earlier replies (a correction thread must not grow a tail of them)."""
    earlier = re.compile(r"\s*\[" + re.escape(campaign.reference_prefix) + r"-[^\]]*\]")
    subject = header_text(earlier.sub("", header_text(original)))
    if subject and not subject.lower().startswith(("re:", "re :")):
        subject = f"Re: {subject}"
    if not subject:
        return header_text(render("mail/subject.txt.j2", subject="", reference=reference,
                                  campaign=campaign), 1000)
    return f"{subject} [{reference}]"


def _form_view(form: ReplyForm, campaign: Campaign) -> dict[str, Any]:
    findings = form.report.get("findings", [])
    return {"reference": form.reference, "verdict": form.verdict, "standing": form.standing,
            "file": form.report.get("file"), "agency": form.report.get("agency"),
            "changes": form.changes,
            "table": quantity_table(form.report.get("quantities"), campaign),
            "errors": [f for f in findings if f["severity"] == "error"],
            "warnings": [f for f in findings if f["severity"] == "warning"]}


def _context(reply: ReplyInput, campaign: Campaign) -> dict[str, Any]:
    findings = (reply.report or {}).get("findings", [])
    return {
        "forms": [_form_view(f, campaign) for f in reply.forms],
        "other_files": reply.other_files,
        "letters": reply.letters,
        "changes": reply.changes,
        "marked": reply.marked,
        "unmarkable": reply.unmarkable,
        "campaign": campaign,
        "reference": reply.reference,
        "verdict": reply.verdict,
        "standing": reply.standing,
        "standing_reason": reply.standing_reason,
        "agency": reply.agency,
        "subject": header_text(reply.subject),
        "received": reply.received,
        "file": (reply.report or {}).get("file"),
        "years": campaign.years,
        "table": quantity_table((reply.report or {}).get("quantities"), campaign),
        "errors": [f for f in findings if f["severity"] == "error"],
        "warnings": [f for f in findings if f["severity"] == "warning"],
        **deadline_context(campaign, reply.today or dt.date.today()),
    }


def answer_fields(message_id: str | None, references: str | None) -> list[str]:
    """In-Reply-To and References naming the mail answered, and the marks of an automatic
    reply (RFC 3834; Microsoft's for Exchange)."""
    fields = []
    answered = message_ids(message_id)
    if answered:
        fields += [plain("In-Reply-To", answered[0]),
                   plain("References", " ".join(message_ids(references, answered[0])))]
    return fields + [plain("Auto-Submitted", "auto-replied"),
                     plain("X-Auto-Response-Suppress", "All")]


def deadline_context(campaign: Campaign, today: dt.date) -> dict[str, Any]:
    """What texts say about the deadline on `today`: `deadline` (dd/mm/yyyy) only while it is
    ahead, so no text asks for anything "before" a past date; `past_deadline` once it passed."""
    ahead = campaign.open_deadline(today)
    return {"deadline": format_date(ahead) if ahead else None,
            "past_deadline": ahead is None,
            "deadline_in_force": format_date(campaign.deadline_in_force)}


def compose_reply(reply: ReplyInput, campaign: Campaign, *, to: str, from_address: str,
                  from_name: str = "") -> OutgoingMail:
    references = [f.reference for f in reply.forms] or [reply.reference]
    message_id = new_message_id(from_address)
    fields = envelope_fields(
        from_name=from_name, from_address=from_address, to=[("", to)],
        subject=reply_subject(reply.subject, ", ".join(references), campaign),
        message_id=message_id)
    fields += answer_fields(reply.message_id, reply.references)
    fields += [plain("X-BCY-Intake-Verdict", reply.verdict),
               plain("X-BCY-Intake-Reference", reply.reference),
               plain("X-BCY-Intake-Standing", reply.standing)]
    if len(references) > 1:
        fields.append(plain("X-BCY-Intake-References", " ".join(references)))
    fields.append(plain(LOOP_HEADER, reply.reference))
    context = _context(reply, campaign)
    body = mime_body(render("mail/reply.txt.j2", **context),
                     render("mail/reply.html.j2", **context), reply.attachments)
    return OutgoingMail(tuple(fields), body, message_id)


def compose_holding(*, subject: str, received: str, message_id: str | None,
                    references: str | None, campaign: Campaign, to: str, from_address: str,
                    from_name: str = "", held: str = "") -> OutgoingMail:
    """The polite answer to a mail set aside for a person (quarantined): it was received and
    kept, staff will look at it, nothing needs to be sent again. `held` names it for staff."""
    context = {"campaign": campaign, "subject": header_text(subject), "received": received}
    mail_id = new_message_id(from_address)
    fields = envelope_fields(
        from_name=from_name, from_address=from_address, to=[("", to)],
        subject=header_text(render("mail/holding-subject.txt.j2", **context), 1000),
        message_id=mail_id)
    fields += answer_fields(message_id, references)
    fields += [plain("X-BCY-Intake-Status", "held"), plain(LOOP_HEADER, held or "held")]
    body = mime_body(render("mail/holding.txt.j2", **context),
                     render("mail/holding.html.j2", **context))
    return OutgoingMail(tuple(fields), body, mail_id)
