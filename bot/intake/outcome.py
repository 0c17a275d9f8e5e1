"""From a decision to what is stored in one transaction: the submission, its numbers, and the
reply waiting in the outbox (or nothing, for automatic mail and mail that is not ours)."""

from __future__ import annotations

import datetime as dt
import email.message
import email.utils
import json
import logging
from collections.abc import Callable, Iterator, Sequence
from functools import cached_property
from zoneinfo import ZoneInfo

from bot.config.settings import Config
from bot.intake.decide import RANK, Decision
from bot.intake.safety.caps import Caps, reply_keys
from bot.mail.addresses import reply_address, smtp_address
from bot.mail.headers import raw_header_values
from bot.mail.mime_parts import header_value
from bot.mail.own_marks import OwnMarks, sha256
from bot.store.database import Store
from bot.store.schema import NewOutbox, NewSubmission, StoredMessage, StoredSubmission
from bot.store.submissions import ReferencesMoved
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
    FileAttachment,
    OutgoingMail,
    ReplyForm,
    ReplyInput,
    compose_reply,
)
from replies.mail.wire import header_text

__all__ = ["OutcomeBuilder", "received_day", "reply_address"]

log = logging.getLogger(__name__)
DOCX = ("vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
XLSX = ("vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
COMPOSE_TRIES = 3  # another writer taking the references first makes us compose again


def _given(items: list[NewOutbox]) -> Callable[[list[str]], list[NewOutbox]]:
    return lambda _references: items


def received_day(msg: email.message.Message, tz: ZoneInfo) -> str:
    """The day the mail says it was sent, as dd/mm/yyyy in `tz` ("" if it does not)."""
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
        self.caps = Caps(cfg.limits, store, cfg.digest.timezone)

    @cached_property
    def _blank(self) -> dict[str, bytes]:
        """The blank forms, written once (their bytes are the same every time)."""
        return {"docx": blank_form_docx(self.campaign), "xlsx": blank_form_xlsx(self.campaign)}

    @cached_property
    def marks(self) -> OwnMarks:
        """What tells our own mail when it comes back (bot.mail.own_marks)."""
        domains = {a.rpartition("@")[2].lower()
                   for a in (self.cfg.smtp.from_address, self.cfg.imap.username) if "@" in a}
        return OwnMarks(self.campaign.reference_prefix, frozenset(domains),
                        frozenset(sha256(data) for data in self._blank.values()))

    def blank_forms(self, kind: str | None) -> tuple[FileAttachment, ...]:
        stem = "mau-dang-ky-" + self.campaign.id
        if kind in SPREADSHEET_KINDS:  # a spreadsheet sender gets the workbook back
            data, (sub, ext) = self._blank["xlsx"], XLSX
        else:
            data, (sub, ext) = self._blank["docx"], DOCX
        return (FileAttachment(f"{stem}.{ext}", data, "application", sub),)

    def outgoing(self, msg: email.message.Message, to: str, mail: OutgoingMail) -> NewOutbox:
        """A composed reply as it waits in the outbox, with the keys the caps count by."""
        keys = reply_keys(msg, to)
        return NewOutbox(kind="reply", recipient=smtp_address(to)[0], raw=mail.as_bytes(),
                         mail_id=mail.message_id, sender_key=keys.sender,
                         recipient_key=keys.recipient, recipient_domain=keys.domain)

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

    def replies(self, msg: email.message.Message, report: FormReport, reference: str | None,
                row: int | None = None) -> Iterator[NewOutbox]:
        """The reply about one form (or about why none could be read)."""
        if reference is not None:
            yield from self.replies_for(msg, [(report, reference)], row=row)

    def replies_for(self, msg: email.message.Message, forms: Sequence[tuple[FormReport, str]],
                    others: Sequence[FormReport] = (), *, row: int | None = None
                    ) -> Iterator[NewOutbox]:
        """One reply about every form of a mail, each with its reference; `others` are the
        mail's files that are not forms, named so the sender knows they were seen. Nothing
        when a cap holds it back (bot.intake.safety.caps; `row`, the kept mail, names the event)."""
        to = reply_address(msg)
        if not to or not forms:
            return
        if not self.caps.admit(msg, to, ", ".join(r for _, r in forms), row):
            return
        first, reference = forms[0]
        verdict = max((r.verdict for r, _ in forms), key=RANK.__getitem__)
        wrong = next((r for r, _ in forms if r.verdict != "accepted"), None)
        several = len(forms) > 1
        agencies = {r.agency for r, _ in forms}
        reply = ReplyInput(
            reference=reference, verdict=verdict, report=report_json(first),
            agency=first.agency if len(agencies) == 1 else None,
            subject=header_text(header_value(msg, "Subject")), received=received_day(msg, self.tz),
            message_id=" ".join(raw_header_values(msg, "Message-ID")) or None,
            references=" ".join(raw_header_values(msg, "References")) or None,
            attachments=self.blank_forms(wrong.kind) if wrong else (),
            forms=tuple(ReplyForm(ref, r.verdict, report_json(r)) for r, ref in forms)
            if several else (),
            other_files=tuple(r.file for r in others))
        composed = compose_reply(reply, self.campaign, to=smtp_address(to)[0],
                                 from_address=self.cfg.smtp.from_address,
                                 from_name=self.cfg.smtp.from_name)
        yield self.outgoing(msg, to, composed)

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
        subs = [self.submission(msg, r) for r in forms]

        def reply(refs: list[str]) -> list[NewOutbox]:
            return list(self.replies_for(msg, list(zip(forms, refs, strict=True)), others,
                                         row=stored.id))

        # Composed before the write, with the references the forms will get, so that no
        # write transaction waits on composing; recomposed if another writer took them.
        for _ in range(COMPOSE_TRIES):
            expected = self.store.submissions.next_references(self.campaign.reference_prefix,
                                                              len(subs))
            queued = reply(expected)
            try:
                references = self.store.submissions.save_outcomes(
                    stored.id, subs, _given(queued), kind="submission", state="done",
                    expected=expected)
                break
            except ReferencesMoved:
                log.info("references taken meanwhile; composing the reply again")
        else:
            references = self.store.submissions.save_outcomes(stored.id, subs, reply,
                                                              kind="submission", state="done")
        return ", ".join(references) or None

    def replace(self, sub: StoredSubmission, msg: email.message.Message, report: FormReport,
                reply: bool) -> tuple[NewSubmission, bool]:
        """Rewrite `sub` from a new report in place (same reference), with a new reply queued
        if `reply`; returns what was stored and whether a reply was queued."""
        new = self.submission(msg, report)
        replies = list(self.replies(msg, report, sub.reference, sub.message_id)) if reply else []
        self.store.submissions.replace_outcome(sub, new, replies)
        return new, bool(replies)

    def _note_missing_tools(self, stored: StoredMessage, decision: Decision) -> None:
        """A file nobody could read for want of LibreOffice (or a RAR tool) on this server is
        the administrator's to fix: staff see it among the day's warnings."""
        for report in decision.tried:
            if any(f.code == FindingCode.FILE_CONVERTER_MISSING for f in report.findings):
                self.store.events.record("converter-missing", f"{report.file} ({report.kind})",
                                        message_id=stored.id)
