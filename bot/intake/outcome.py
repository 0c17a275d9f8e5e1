"""From a decision to what is stored in one transaction: the submission, its numbers, and the
reply waiting in the outbox (or nothing, for automatic mail and mail that is not ours)."""

from __future__ import annotations

import datetime as dt
import email.message
import email.utils
import json
import logging
from collections.abc import Iterator
from zoneinfo import ZoneInfo

from bot.config.settings import Config
from bot.intake.decide import Decision
from bot.mail.mime_parts import header_value
from bot.store.database import Store
from bot.store.schema import NewOutbox, NewSubmission, StoredMessage, StoredSubmission
from parsers.form.parse import FormReport
from parsers.spec.campaign import Campaign
from parsers.spec.registry import Registry
from parsers.text import match_key
from replies.findings import report_json
from replies.forms.blank_docx import blank_form_docx
from replies.forms.blank_xlsx import blank_form_xlsx
from replies.mail.compose import WIRE_POLICY, FileAttachment, ReplyInput, compose_reply

log = logging.getLogger(__name__)
DOCX = ("vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
XLSX = ("vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")


def reply_address(msg: email.message.Message) -> str:
    for name in ("Reply-To", "From"):
        pairs = email.utils.getaddresses([header_value(msg, name)])
        for _, addr in pairs:
            if "@" in addr:
                return addr.strip()
    return ""


def _received(msg: email.message.Message, tz: ZoneInfo) -> str:
    try:
        when = email.utils.parsedate_to_datetime(header_value(msg, "Date"))
    except (TypeError, ValueError, IndexError):
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(tz).strftime("%d/%m/%Y")


class OutcomeBuilder:
    def __init__(self, cfg: Config, store: Store, campaign: Campaign, registry: Registry) -> None:
        self.cfg = cfg
        self.store = store
        self.campaign = campaign
        self.registry = registry
        self.tz = ZoneInfo(cfg.digest.timezone)

    def blank_forms(self, kind: str | None) -> tuple[FileAttachment, ...]:
        stem = "mau-dang-ky-" + self.campaign.id
        if kind == "xlsx":
            data, (sub, ext) = blank_form_xlsx(self.campaign), XLSX
        else:
            data, (sub, ext) = blank_form_docx(self.campaign), DOCX
        return (FileAttachment(f"{stem}.{ext}", data, "application", sub),)

    def submission(self, msg: email.message.Message, report: FormReport) -> NewSubmission:
        sender = reply_address(msg)
        # the registry as it stood when the campaign asked (agencies merged since still count)
        found = self.registry.identify(report.agency, sender, self.campaign.opened)
        if found.mismatch:
            self.store.events.record("agency-mismatch", f"{report.agency} / {sender}", level="info")
        key = found.agency.key if found.agency else (match_key(report.agency or "") or None)
        record = report_json(report)
        return NewSubmission(
            reference_prefix=self.campaign.reference_prefix,
            sender=sender,
            verdict=report.verdict,
            received_at=dt.datetime.now(dt.UTC),
            record_json=json.dumps(record, ensure_ascii=False),
            findings_json=json.dumps(record["findings"], ensure_ascii=False),
            agency=report.agency or (found.agency.name if found.agency else None),
            agency_key=key,
            document_number=report.document_number,
            document_date=dt.date.fromisoformat(report.date) if report.date else None,
            place=report.place,
            quantities={row: {y: v for y, v in years.items() if v is not None}
                        for row, years in (report.quantities or {}).items() if years},
        )

    def replies(self, msg: email.message.Message, report: FormReport, reference: str | None
                ) -> Iterator[NewOutbox]:
        to = reply_address(msg)
        if not to or reference is None:
            return
        day = dt.datetime.now(self.tz).date()
        cap = self.cfg.limits.replies_per_sender_per_day
        if self.store.outbox.replies_queued(to, day, self.tz) >= cap:
            log.warning("reply cap of %s per day reached for a sender; no reply", cap)
            return
        reply = ReplyInput(
            reference=reference, verdict=report.verdict, report=report_json(report),
            agency=report.agency, subject=header_value(msg, "Subject"),
            received=_received(msg, self.tz),
            message_id=header_value(msg, "Message-ID").strip() or None,
            references=header_value(msg, "References").strip() or None,
            attachments=() if report.verdict == "accepted" else self.blank_forms(report.kind))
        composed = compose_reply(reply, self.campaign, to=to,
                                 from_address=self.cfg.smtp.from_address,
                                 from_name=self.cfg.smtp.from_name)
        yield NewOutbox(kind="reply", recipient=to, raw=composed.as_bytes(policy=WIRE_POLICY))

    def save(self, stored: StoredMessage, msg: email.message.Message, decision: Decision
             ) -> str | None:
        if decision.kind != "submission" or decision.report is None:
            self.store.submissions.save_outcome(stored.id, None, kind=decision.kind, state="done")
            return None
        report = decision.report
        return self.store.submissions.save_outcome(
            stored.id, self.submission(msg, report),
            lambda reference: list(self.replies(msg, report, reference)),
            kind="submission", state="done")

    def replace(self, sub: StoredSubmission, msg: email.message.Message, report: FormReport,
                reply: bool) -> tuple[NewSubmission, bool]:
        """Rewrite `sub` from a new report in place (same reference), with a new reply queued
        if `reply`; returns what was stored and whether a reply was queued."""
        new = self.submission(msg, report)
        replies = list(self.replies(msg, report, sub.reference)) if reply else []
        self.store.submissions.replace_outcome(sub, new, replies)
        return new, bool(replies)
