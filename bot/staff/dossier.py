"""One submission as staff look at it, gathered once for `submissions show` (text) and the
console's page of a submission (HTML): the numbers as read, the findings with their cells, its
standing, the signatures of its cover letter, the files of the original mail (the one the form
was read from marked), each reply queued and how its delivery went, what was done about it,
and its agency's history, each form with what it changed against the counted one before it
(`bot.intake.changes`, the same diff the acknowledgement gives)."""

from __future__ import annotations

import email
import email.policy
import json
from dataclasses import dataclass, replace
from typing import Any
from zoneinfo import ZoneInfo

from bot.intake.changes import HistoryEntry, agency_history
from bot.intake.service import Service
from bot.mail.mime_parts import Attachment, body_text, find_attachments, header_value, parse_message
from bot.staff.labels import agency_name, labels, readable
from bot.staff.signed import SignatureView, signature_views
from bot.store.records import Event, OutboxItem, StoredMessage, StoredSubmission
from replies.mail.compose import quantity_table
from replies.render import render


@dataclass(frozen=True)
class MailFile:
    number: int  # from 1, in mail order: how the console names it in a link
    name: str | None
    size: int
    form: bool  # the submission's form was read from this file


@dataclass(frozen=True)
class QueuedReply:
    item: OutboxItem
    subject: str
    text: str
    error: str = ""  # why it was not sent, in staff's words


@dataclass(frozen=True)
class Dossier:
    sub: StoredSubmission
    agency: str
    mail: StoredMessage
    file: str | None  # the file (or archive member) the form was read from
    has_table: bool  # a table of numbers was read (else there is none to show)
    table: dict[str, Any]
    findings: list[dict[str, Any]]
    signatures: list[SignatureView]
    files: list[MailFile]
    replies: list[QueuedReply]
    history: list[HistoryEntry]  # the agency's submissions, oldest first
    events: list[Event]
    superseded_by: str | None


def _read_from(name: str | None, recorded: str | None) -> bool:
    """Whether the record's file (`a.docx`, `a.zip/b.xlsx`, `a.docx, a.xlsx`) is this one."""
    if not name or not recorded:
        return False
    return any(part == name or part.startswith(name + "/") for part in recorded.split(", "))


def mail_files(raw: bytes) -> list[Attachment]:
    """The files of a stored mail, in the order the intake saw them."""
    return find_attachments(parse_message(raw))


def _reply(item: OutboxItem) -> QueuedReply:
    msg = email.message_from_bytes(item.raw, policy=email.policy.default)
    return QueuedReply(item, header_value(msg, "Subject"), body_text(msg),
                       readable(item.last_error))


def dossier(service: Service, reference: str) -> Dossier | None:
    """Everything about the submission `reference`; None when there is none."""
    store = service.store
    sub = store.submissions.by_reference(reference.strip())
    if sub is None:
        return None
    record = json.loads(sub.record_json or "{}")
    recorded = record.get("file")
    files = [MailFile(n, a.filename, len(a.data), _read_from(a.filename, recorded))
             for n, a in enumerate(mail_files(store.messages.raw(sub.message_id)), start=1)]
    if len(files) == 1 and recorded:
        files = [MailFile(1, files[0].name, files[0].size, True)]
    siblings = store.submissions.find(agency_key=sub.agency_key) if sub.agency_key else [sub]
    successor = next((s.reference for s in siblings if s.id == sub.superseded_by), None)
    return Dossier(
        sub=sub, agency=agency_name(sub, service.registry),
        mail=store.messages.get(sub.message_id), file=recorded,
        has_table=bool(sub.quantities) or bool(record.get("quantities")),
        # as the form gave them: a cell that could not be read stays "—", not 0
        table=quantity_table(record.get("quantities") or sub.quantities, service.campaign,
                             unreadable_as_none="quantities" in record),
        findings=json.loads(sub.findings_json or "[]"),
        signatures=signature_views(sub, service.registry), files=files,
        replies=[_reply(item) for item in store.outbox.replies_about(sub)],
        history=agency_history(siblings, service.campaign),
        events=[replace(e, detail=readable(e.detail))
                for e in store.events.about([sub.message_id])], superseded_by=successor)


def dossier_text(service: Service, found: Dossier) -> str:
    """`submissions show`: the dossier as a terminal prints it."""
    return render("staff/submission.txt.j2", d=found, campaign=service.campaign,
                  years=service.campaign.years, table=found.table,
                  tz=ZoneInfo(service.cfg.digest.timezone),
                  words=labels("staff/labels.toml.j2"))
