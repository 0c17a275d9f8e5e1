"""From a decision to what is stored in one transaction: the submission, its numbers, its
standing (whether it counts for its agency: `bot.intake.trust.standing`), and the reply waiting
in the outbox (or nothing, for automatic mail and mail that is not ours). The reply is composed
before that transaction (`bot.intake.replying`), with the references the forms will get."""

from __future__ import annotations

import datetime as dt
import email.message
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from zoneinfo import ZoneInfo

from bot.config.settings import Config
from bot.intake.decide import Decision
from bot.intake.extras import Extras, mark_ahead, marked_file, resubmission
from bot.intake.replying import ReplyWriter
from bot.intake.trust.signatures import signature_records
from bot.intake.trust.standing import Proof, StandingDecision, TrustPolicy, decide_standing
from bot.mail.addresses import reply_address
from bot.mail.authentication import author
from bot.mail.own_marks import OwnMarks
from bot.store.database import Store
from bot.store.schema import NewOutbox, NewSubmission, StoredMessage, StoredSubmission
from bot.store.submissions import ReferencesMoved
from parsers.codes import FindingCode
from parsers.form.parse import FormReport
from parsers.spec.campaign import Campaign
from parsers.spec.registry import Registry
from parsers.text import match_key
from replies.findings import report_json

log = logging.getLogger(__name__)
COMPOSE_TRIES = 3  # another writer taking the references first makes us compose again


def _given(items: list[NewOutbox]) -> Callable[[list[str]], list[NewOutbox]]:
    return lambda _references: items


class OutcomeBuilder:
    def __init__(self, cfg: Config, store: Store, campaign: Campaign, registry: Registry) -> None:
        self.cfg = cfg
        self.store = store
        self.campaign = campaign
        self.registry = registry
        self.tz = ZoneInfo(cfg.digest.timezone)
        self.policy = TrustPolicy(cfg.trust.free_mail, cfg.trust.require_pass)
        self.writer = ReplyWriter(cfg, store, campaign, registry)

    @property
    def marks(self) -> OwnMarks:
        return self.writer.marks

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
        sender = reply_address(msg, self.writer.own)
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
        changes = resubmission(self.store, self.campaign, self.tz, new, stored)
        return replace(marked_file(msg, report), changes=changes)

    def prepare(self, msg: email.message.Message, decision: Decision) -> None:
        """Begin marking the first form's file that a correction request will carry, so
        that the marking process works while the parent stores and composes (`save`)."""
        if decision.kind == "submission":
            for report in decision.forms:
                if report.verdict == "needs_correction":
                    mark_ahead(msg, report)
                    return

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

        def reply(refs: list[str]) -> list[NewOutbox]:
            return list(self.writer.about(msg, list(zip(forms, refs, subs, strict=True)),
                                          others, extras, row=stored.id))

        def composed() -> tuple[list[str], list[NewOutbox]]:
            expected = self.store.submissions.next_references(self.campaign.reference_prefix,
                                                              len(subs))
            return expected, reply(expected)

        # Composed before the write, with the references the forms will get, so that no
        # write transaction waits on composing; recomposed if another writer took them. What
        # the reply is made from (trusted senders, earlier forms, the references, the caps'
        # counts) is read in one read transaction.
        with self.store.reading_together():
            subs = [self.submission(msg, r, decision.proofs) for r in forms]
            extras = [self.extras(msg, r, s) for r, s in zip(forms, subs, strict=True)]
            expected, queued = composed()
        for attempt in range(COMPOSE_TRIES):
            if attempt:
                log.info("references taken meanwhile; composing the reply again")
                with self.store.reading_together():
                    expected, queued = composed()
            try:
                references = self.store.submissions.save_outcomes(
                    stored.id, subs, _given(queued), kind="submission", state="done",
                    expected=expected)
                break
            except ReferencesMoved:
                continue
        else:
            references = self.store.submissions.save_outcomes(stored.id, subs, reply,
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
        replies = list(self.writer.about(
            msg, [(report, sub.reference, new)], extras=[self.extras(msg, report, new, sub)],
            row=sub.message_id)) if reply else []
        self.store.submissions.replace_outcome(sub, new, replies)
        return new, bool(replies)

    def _note_missing_tools(self, stored: StoredMessage, decision: Decision) -> None:
        """A file nobody could read for want of LibreOffice (or a RAR tool) on this server is
        the administrator's to fix: staff see it among the day's warnings."""
        for report in decision.tried:
            if any(f.code == FindingCode.FILE_CONVERTER_MISSING for f in report.findings):
                self.store.events.record("converter-missing", f"{report.file} ({report.kind})",
                                        message_id=stored.id)

