"""The reminder letter to an agency that has no counted form yet: an official letter citing the
campaign's letter and the deadline in force, text and HTML from templates, the blank form
attached in both formats."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from parsers.spec.campaign import Campaign
from replies.forms.blank_docx import blank_form_docx
from replies.forms.blank_xlsx import blank_form_xlsx
from replies.mail.compose import (
    LOOP_HEADER,
    OutgoingMail,
    deadline_context,
    envelope_fields,
    new_message_id,
)
from replies.mail.wire import address_header, header_text, plain, text_parts
from replies.render import render

DOCX = "vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ReminderLetter:
    agency: str
    today: dt.date  # the staff's day the letter is written
    days_before: int  # the step of the schedule
    correction_reference: str | None = None  # its latest form, when that needs correction
    correction_received: dt.date | None = None


def _context(letter: ReminderLetter, campaign: Campaign) -> dict[str, Any]:
    return {"letter": letter, "campaign": campaign,
            "reference_letter": campaign.reference_letters[0]
            if campaign.reference_letters else None,
            **deadline_context(campaign, letter.today)}


def compose_reminder(letter: ReminderLetter, campaign: Campaign, *, to: tuple[str, ...],
                     from_address: str, from_name: str = "") -> OutgoingMail:
    context = _context(letter, campaign)
    message_id = new_message_id(from_address)
    fields = envelope_fields(
        from_name=from_name, from_address=from_address, to=[("", a) for a in to],
        subject=header_text(render("reminder/subject.txt.j2", **context), 1000),
        message_id=message_id)
    if campaign.mailbox and campaign.mailbox.lower() != from_address.lower():
        # the forms go to the mailbox the bot reads
        fields.append(address_header("Reply-To", [("", campaign.mailbox)]))
    fields += [plain("Auto-Submitted", "auto-generated"),
               plain("X-Auto-Response-Suppress", "All"),
               plain("X-BCY-Intake-Reminder", f"{campaign.id} {letter.days_before}"),
               plain(LOOP_HEADER, f"reminder {campaign.id}")]
    body = EmailMessage()
    text_parts(body, render("reminder/letter.txt.j2", **context),
               render("reminder/letter.html.j2", **context))
    stem = "mau-dang-ky-" + campaign.id
    body.add_attachment(blank_form_docx(campaign), maintype="application", subtype=DOCX,
                        filename=f"{stem}.docx")
    body.add_attachment(blank_form_xlsx(campaign), maintype="application", subtype=XLSX,
                        filename=f"{stem}.xlsx")
    return OutgoingMail(tuple(fields), body, message_id)
