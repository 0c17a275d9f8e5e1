"""One submission as staff look at it: the numbers as the reply showed them, the findings with
their cells, the files of the original mail (the one the form was read from marked), each reply
queued and how its delivery went, the agency's history, and what was done about it (the
console's page); and as `submissions show` prints it (`submission_text`)."""

from __future__ import annotations

import email
import email.policy
import json
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.intake.changes import agency_history
from bot.intake.service import Service
from bot.mail.mime_parts import Attachment, body_text, find_attachments, header_value, parse_message
from bot.staff.agencies import Step, history
from bot.staff.labels import agency_name, labels, local
from bot.staff.signed import signature_views
from bot.store.records import Event, OutboxItem, StoredMessage, StoredSubmission
from replies.mail.compose import quantity_table
from replies.render import render

TIME = "%d/%m/%Y %H:%M"


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


@dataclass(frozen=True)
class Dossier:
    sub: StoredSubmission
    agency: str
    mail: StoredMessage
    file: str | None  # the file (or archive member) the form was read from
    table: dict[str, Any]
    findings: list[dict[str, Any]]
    files: list[MailFile]
    replies: list[QueuedReply]
    history: list[Step]
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
    return QueuedReply(item, header_value(msg, "Subject"), body_text(msg))


def dossier(service: Service, reference: str) -> Dossier | None:
    store = service.store
    sub = store.submissions.by_reference(reference)
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
        table=quantity_table(sub.quantities, service.campaign),
        findings=json.loads(sub.findings_json or "[]"), files=files,
        replies=[_reply(item) for item in store.outbox.replies_about(sub)],
        history=history(siblings, service.campaign),
        events=store.events.about([sub.message_id]),
        superseded_by=successor)


def history_view(service: Service, sub: StoredSubmission) -> list[dict[str, Any]]:
    """The agency's submissions, oldest first, as lines of the history (empty without an
    agency)."""
    if not sub.agency_key:
        return []
    tz = ZoneInfo(service.cfg.digest.timezone)
    found = service.store.submissions.find(agency_key=sub.agency_key)
    return [{"reference": e.submission.reference, "this": e.submission.id == sub.id,
             "received": local(e.submission.received_at, tz).strftime(TIME),
             "verdict": e.submission.verdict, "standing": e.submission.standing,
             "total": e.total,
             "changes": e.changes.view(local(e.changes.previous_received, tz)
                                       .strftime("%d/%m/%Y")) if e.changes else None}
            for e in agency_history(found, service.campaign)]


def submission_text(service: Service, sub: StoredSubmission) -> str:
    tz = ZoneInfo(service.cfg.digest.timezone)
    successor = None
    if sub.superseded_by is not None:
        successor = next((s.reference for s in service.store.submissions.find(
            agency_key=sub.agency_key) if s.id == sub.superseded_by), None)
    record = json.loads(sub.record_json or "{}")
    words = labels("staff/labels.toml.j2")
    return render(
        "staff/submission.txt.j2", s=sub, superseded_by=successor, campaign=service.campaign,
        received=local(sub.received_at, tz).strftime(TIME),
        agency=agency_name(sub, service.registry), file=record.get("file"),
        has_table=bool(sub.quantities) or bool(record.get("quantities")),
        years=service.campaign.years,
        table=quantity_table(record.get("quantities") or sub.quantities, service.campaign,
                             unreadable_as_none="quantities" in record),
        findings=json.loads(sub.findings_json or "[]"), verdicts=words["verdict"],
        standings=words["standing"], reasons=words["standing_reason"],
        settled=local(sub.settled_at, tz).strftime(TIME) if sub.settled_at else None,
        signed=signature_views(sub, service.registry, tz), history=history_view(service, sub))
