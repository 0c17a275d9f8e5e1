"""From a decision to what is stored in one transaction: the submission, its numbers, its
standing (whether it counts for its agency: `bot.intake.trust.standing`), and the reply waiting
in the outbox (or nothing, for automatic mail and mail that is not ours)."""

from __future__ import annotations

import datetime as dt
import email.message
import email.utils
import json
import logging
from collections.abc import Iterator, Sequence
from dataclasses import replace
from zoneinfo import ZoneInfo

from bot.config.settings import Config
from bot.intake.decide import RANK, Decision
from bot.intake.extras import Extras, marked_file, resubmission
from bot.intake.trust.signatures import signature_records
from bot.intake.trust.standing import Proof, StandingDecision, TrustPolicy, decide_standing
from bot.mail.authentication import author
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
        self.policy = TrustPolicy(cfg.trust.free_mail, cfg.trust.require_pass)

    def blank_forms(self, kind: str | None) -> tuple[FileAttachment, ...]:
        stem = "mau-dang-ky-" + self.campaign.id
        if kind in SPREADSHEET_KINDS:  # a spreadsheet sender gets the workbook back
            data, (sub, ext) = blank_form_xlsx(self.campaign), XLSX
        else:
            data, (sub, ext) = blank_form_docx(self.campaign), DOCX
        return (FileAttachment(f"{stem}.{ext}", data, "application", sub),)

    def standing(self, msg: email.message.Message, report: FormReport,
                 proofs: Sequence[Proof] = ()) -> tuple[StandingDecision, str | None]:
        """Whether the form counts for the agency it names, and the From it was judged on."""
        writer = author(msg, self.cfg.trust.authserv_id)
        entries = self.store.senders.matching(writer.address) if writer.address else []
        # the registry as it stood when the campaign asked (agencies merged since still count);
        # the letterhead first: over a unit ("BỘ TÀI CHÍNH / CỤC THUẾ TỈNH BẮC NINH", opening
        # sentence "Cục Thuế tỉnh Bắc Ninh") the governing body heads it
        on = self.campaign.opened
        named = [a.key for a in (self.registry.match_header(text or "", on)
                                 for text in (report.names.header, report.agency)) if a]
        conflict = any(f.code == FindingCode.AGENCY_CONFLICT for f in report.findings)
        decision = decide_standing(list(dict.fromkeys(named)), conflict, writer, entries,
                                   proofs, self.policy)
        return decision, writer.address

    def submission(self, msg: email.message.Message, report: FormReport,
                   proofs: Sequence[Proof] = ()) -> NewSubmission:
        sender = reply_address(msg)
        decision, writer = self.standing(msg, report, proofs)
        key = decision.agency_key or match_key(report.agency or "") or None
        known = next((a for a in self.registry.agencies if a.key == key), None)
        record = report_json(report)
        return NewSubmission(
            reference_prefix=self.campaign.reference_prefix,
            sender=sender,
            verdict=report.verdict,
            received_at=dt.datetime.now(dt.UTC),
            record_json=json.dumps(record, ensure_ascii=False),
            findings_json=json.dumps(record["findings"], ensure_ascii=False),
            agency=report.agency or (known.name if known else None),
            agency_key=key,
            document_number=report.document_number,
            document_date=dt.date.fromisoformat(report.date) if report.date else None,
            place=report.place,
            quantities={row: {y: v for y, v in years.items() if v is not None}
                        for row, years in (report.quantities or {}).items() if years},
            standing=decision.standing, standing_reason=decision.reason, author=writer,
            signatures=signature_records(report.signatures, self.registry, self.campaign.opened),
        )

    def extras(self, msg: email.message.Message, report: FormReport, new: NewSubmission,
               stored: StoredSubmission | None = None) -> Extras:
        """What the reply adds about the form: its changes, its own file marked."""
        marked = marked_file(msg, report)
        return replace(marked, changes=resubmission(self.store, self.campaign, self.tz, new,
                                                    stored))

    def replies(self, msg: email.message.Message, report: FormReport, reference: str | None,
                sub: NewSubmission, extras: Extras | None = None) -> Iterator[NewOutbox]:
        """The reply about one form (or about why none could be read), stored as `sub`."""
        if reference is not None:
            yield from self.replies_for(msg, [(report, reference, sub)],
                                        extras=[extras or Extras()])

    def replies_for(self, msg: email.message.Message,
                    forms: Sequence[tuple[FormReport, str, NewSubmission]],
                    others: Sequence[FormReport] = (),
                    extras: Sequence[Extras] = ()) -> Iterator[NewOutbox]:
        """One reply about every form of a mail, each with its reference and what was stored
        of it (and its `extras`, in the same order); `others` are the mail's files that are
        not forms, named so the sender knows they were seen."""
        to = reply_address(msg)
        if not to or not forms:
            return
        day = dt.datetime.now(self.tz).date()
        cap = self.cfg.limits.replies_per_sender_per_day
        if self.store.outbox.replies_queued(to, day, self.tz) >= cap:
            log.warning("reply cap of %s per day reached for a sender; no reply", cap)
            return
        first, reference, stored = forms[0]
        more = [*extras[:len(forms)], *[Extras()] * (len(forms) - len(extras))]
        marked = [(r.file, e.marked) for (r, _, _), e in zip(forms, more, strict=True)
                  if e.marked]
        verdict = max((r.verdict for r, _, _ in forms), key=RANK.__getitem__)
        wrong = next((r for r, _, _ in forms if r.verdict != "accepted"), None)
        several = len(forms) > 1
        agencies = {r.agency for r, _, _ in forms}
        waiting = next((s for _, _, s in forms if s.standing != "counted"), None)
        reply = ReplyInput(
            reference=reference, verdict=verdict, report=report_json(first),
            # a form naming two agencies is addressed to neither
            agency=first.agency if len(agencies) == 1
            and stored.standing_reason != "agency-conflict" else None,
            subject=header_value(msg, "Subject"), received=_received(msg, self.tz),
            message_id=header_value(msg, "Message-ID").strip() or None,
            references=header_value(msg, "References").strip() or None,
            attachments=tuple(copy for _, copy in marked)
            + (self.blank_forms(wrong.kind) if wrong else ()),
            forms=tuple(ReplyForm(ref, r.verdict, report_json(r), s.standing, e.changes)
                        for (r, ref, s), e in zip(forms, more, strict=True)) if several else (),
            changes=more[0].changes,
            marked=tuple((file, copy.filename) for file, copy in marked),
            unmarkable=tuple(e.unmarkable for e in more if e.unmarkable),
            other_files=tuple(r.file for r in others if not r.signatures),
            letters=tuple(dict.fromkeys(s.file for r, _, _ in forms for s in r.signatures)),
            standing=(waiting or stored).standing,
            standing_reason=(waiting or stored).standing_reason, today=day)
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
        subs = [self.submission(msg, r, decision.proofs) for r in forms]
        extras = [self.extras(msg, r, s) for r, s in zip(forms, subs, strict=True)]
        references = self.store.submissions.save_outcomes(
            stored.id, subs,
            lambda refs: list(self.replies_for(
                msg, list(zip(forms, refs, subs, strict=True)), others, extras)),
            kind="submission", state="done")
        return ", ".join(references) or None

    def replace(self, sub: StoredSubmission, msg: email.message.Message, report: FormReport,
                reply: bool, proofs: Sequence[Proof] = ()) -> tuple[NewSubmission, bool]:
        """Rewrite `sub` from a new report in place (same reference), with a new reply queued
        if `reply`; returns what was stored and whether a reply was queued. A standing staff
        settled is kept (and replied with)."""
        new = self.submission(msg, report, proofs)
        if sub.settled_by is not None:
            new = replace(new, standing=sub.standing, standing_reason=sub.standing_reason,
                          agency=sub.agency, agency_key=sub.agency_key)
        replies = list(self.replies(msg, report, sub.reference, new,
                                    self.extras(msg, report, new, sub))) if reply else []
        self.store.submissions.replace_outcome(sub, new, replies)
        return new, bool(replies)

    def _note_missing_tools(self, stored: StoredMessage, decision: Decision) -> None:
        """A file nobody could read for want of LibreOffice (or a RAR tool) on this server is
        the administrator's to fix: staff see it among the day's warnings."""
        for report in decision.tried:
            if any(f.code == FindingCode.FILE_CONVERTER_MISSING for f in report.findings):
                self.store.events.record("converter-missing", f"{report.file} ({report.kind})",
                                        message_id=stored.id)

