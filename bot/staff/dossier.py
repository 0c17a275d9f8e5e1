"""One submission as staff look at it: the numbers as the reply showed them, the findings with
their cells, the files of the original mail (the one the form was read from marked), each reply
queued and how its delivery went, the agency's history, and what was done about it."""

from __future__ import annotations

import email
import email.policy
import json
from dataclasses import dataclass
from typing import Any

from bot.intake.service import Service
from bot.mail.mime_parts import Attachment, body_text, find_attachments, header_value, parse_message
from bot.staff.agencies import Step, history
from bot.staff.labels import agency_name
from bot.store.records import Event, OutboxItem, StoredMessage, StoredSubmission
from replies.mail.compose import quantity_table


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
