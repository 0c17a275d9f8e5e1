"""From a decision to what is stored in one transaction: the submission, its numbers, and the
reply waiting in the outbox (or nothing, for automatic mail and mail that is not ours)."""

from __future__ import annotations

import datetime as dt
import email.message
import email.utils
import json
import logging
from collections.abc import Iterator, Sequence
from zoneinfo import ZoneInfo

from bot.config.settings import Config
from bot.intake.decide import RANK, Decision
from bot.mail.mime_parts import header_value
from bot.store.database import Store
from bot.store.schema import NewOutbox, NewSubmission, StoredMessage, StoredSubmission
from parsers.codes import FindingCode
from parsers.form.parse import FormReport
from parsers.read.document import SPREADSHEET_KINDS
from parsers.spec.campaign import Campaign
from parsers.spec.registry import Registry
from parsers.text import match_key
from replies.findings import report_json
from replies.forms.blank_docx import blank_form_docx
from replies.forms.blank_xlsx import blank_form_xlsx
from replies.mail.compose import (
    WIRE_POLICY,
    FileAttachment,
    ReplyForm,
    ReplyInput,
    compose_reply,
)

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
        if kind in SPREADSHEET_KINDS:  # a spreadsheet sender gets the workbook back
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
        """The reply about one form (or about why none could be read)."""
        if reference is not None:
            yield from self.replies_for(msg, [(report, reference)])

    def replies_for(self, msg: email.message.Message, forms: Sequence[tuple[FormReport, str]],
                    others: Sequence[FormReport] = ()) -> Iterator[NewOutbox]:
        """One reply about every form of a mail, each with its reference; `others` are the
        mail's files that are not forms, named so the sender knows they were seen."""
        to = reply_address(msg)
        if not to or not forms:
            return
        day = dt.datetime.now(self.tz).date()
        cap = self.cfg.limits.replies_per_sender_per_day
        if self.store.outbox.replies_queued(to, day, self.tz) >= cap:
            log.warning("reply cap of %s per day reached for a sender; no reply", cap)
            return
        first, reference = forms[0]
        verdict = max((r.verdict for r, _ in forms), key=RANK.__getitem__)
        wrong = next((r for r, _ in forms if r.verdict != "accepted"), None)
        several = len(forms) > 1
        agencies = {r.agency for r, _ in forms}
        reply = ReplyInput(
            reference=reference, verdict=verdict, report=report_json(first),
            agency=first.agency if len(agencies) == 1 else None,
            subject=header_value(msg, "Subject"), received=_received(msg, self.tz),
            message_id=header_value(msg, "Message-ID").strip() or None,
            references=header_value(msg, "References").strip() or None,
            attachments=self.blank_forms(wrong.kind) if wrong else (),
            forms=tuple(ReplyForm(ref, r.verdict, report_json(r)) for r, ref in forms)
            if several else (),
            other_files=tuple(r.file for r in others), today=day)
        composed = compose_reply(reply, self.campaign, to=to,
                                 from_address=self.cfg.smtp.from_address,
                                 from_name=self.cfg.smtp.from_name)
        yield NewOutbox(kind="reply", recipient=to, raw=composed.as_bytes(policy=WIRE_POLICY))

    def save(self, stored: StoredMessage, msg: email.message.Message, decision: Decision
             ) -> str | None:
        """Store the decision; the references given, joined (None without a submission)."""
        if decision.kind != "submission" or not decision.forms:
            self.store.submissions.save_outcome(stored.id, None, kind=decision.kind, state="done")
            return None
        self._note_missing_tools(stored, decision)
        forms = list(decision.forms)
        # the other files are named only beside forms: a mail without one lists them already
        others = [r for r in decision.tried if r.quantities is None] \
            if decision.reason == "form-found" else []
        references = self.store.submissions.save_outcomes(
            stored.id, [self.submission(msg, r) for r in forms],
            lambda refs: list(self.replies_for(msg, list(zip(forms, refs, strict=True)), others)),
            kind="submission", state="done")
        return ", ".join(references) or None

    def replace(self, sub: StoredSubmission, msg: email.message.Message, report: FormReport,
                reply: bool) -> tuple[NewSubmission, bool]:
        """Rewrite `sub` from a new report in place (same reference), with a new reply queued
        if `reply`; returns what was stored and whether a reply was queued."""
        new = self.submission(msg, report)
        replies = list(self.replies(msg, report, sub.reference)) if reply else []
        self.store.submissions.replace_outcome(sub, new, replies)
        return new, bool(replies)

    def _note_missing_tools(self, stored: StoredMessage, decision: Decision) -> None:
        """A file nobody could read for want of LibreOffice (or a RAR tool) on this server is
        the administrator's to fix: staff see it among the day's warnings."""
        for report in decision.tried:
            if any(f.code == FindingCode.FILE_CONVERTER_MISSING for f in report.findings):
                self.store.events.record("converter-missing", f"{report.file} ({report.kind})",
                                        message_id=stored.id)
