"""The reply about a mail's forms, composed before anything is stored (so no write transaction
waits on composing): the text from `replies.mail.compose`, the blank form and the agency's own
file marked when something must be sent again, the keys the caps count by, and nothing when a
cap holds it back (`bot.intake.safety.caps`). Also what tells our own mail when it comes back
(`marks`: our domains, reference prefix and the blank forms' SHA-256)."""

from __future__ import annotations

import contextlib
import datetime as dt
import email.message
import email.utils
from collections.abc import Iterator, Sequence
from functools import cached_property
from zoneinfo import ZoneInfo

from bot.config.settings import Config
from bot.intake.decide import RANK
from bot.intake.extras import Extras
from bot.intake.isolated import run_isolated
from bot.intake.safety.caps import Caps, reply_keys
from bot.mail.addresses import reply_address, smtp_address
from bot.mail.headers import raw_header_values
from bot.mail.mime_parts import header_value
from bot.mail.own_marks import OwnMarks, sha256
from bot.store.database import Store
from bot.store.schema import NewOutbox, NewSubmission
from parsers.form.parse import FormReport
from parsers.read.document import SPREADSHEET_KINDS
from parsers.spec.campaign import Campaign
from parsers.spec.registry import Registry
from replies.findings import report_json
from replies.mail.compose import (
    FileAttachment,
    OutgoingMail,
    ReplyForm,
    ReplyInput,
    compose_reply,
)
from replies.mail.wire import header_text

DOCX = ("vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
XLSX = ("vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
FORMULA_START = "=+-@"  # a cell that starts so is a formula in a spreadsheet, not a name
NAME_LIMIT = 200

# One form of a mail as the reply speaks of it: what was read, its reference, what is stored.
Form = tuple[FormReport, str, NewSubmission]


def received_day(msg: email.message.Message, tz: ZoneInfo) -> str:
    """The day the mail says it was sent, as dd/mm/yyyy in `tz` ("" if it does not)."""
    try:
        when = email.utils.parsedate_to_datetime(header_value(msg, "Date"))
    except (TypeError, ValueError, IndexError):
        return ""
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return when.astimezone(tz).strftime("%d/%m/%Y")


def answered_ids(msg: email.message.Message) -> tuple[str | None, str | None]:
    """The Message-ID and References of the mail answered, as it wrote them (raw)."""
    return (" ".join(raw_header_values(msg, "Message-ID")) or None,
            " ".join(raw_header_values(msg, "References")) or None)


def headline(forms: Sequence[Form]) -> int:
    """The index of the form a reply's headers name: worst verdict, then awaiting, then first."""
    return max(range(len(forms)), key=lambda i: (RANK[forms[i][0].verdict],
                                                 forms[i][2].standing != "counted", -i))


def _blank_forms(campaign: Campaign) -> dict[str, bytes]:
    from replies.forms.blank_docx import blank_form_docx
    from replies.forms.blank_xlsx import blank_form_xlsx

    return {"docx": blank_form_docx(campaign), "xlsx": blank_form_xlsx(campaign)}


class ReplyWriter:
    def __init__(self, cfg: Config, store: Store, campaign: Campaign,
                 registry: Registry | None = None) -> None:
        self.cfg = cfg
        self.campaign = campaign
        self.registry = registry
        self.tz = ZoneInfo(cfg.digest.timezone)
        # our own mailboxes: never where a reply goes, whatever a Reply-To says
        self.own = frozenset(a for a in (cfg.smtp.from_address, cfg.imap.username) if "@" in a)
        self.caps = Caps(cfg.limits, store, cfg.digest.timezone)

    @cached_property
    def _blank(self) -> dict[str, bytes]:
        """The blank forms, written once (their bytes are the same every time), in the process
        where the agency's files are marked (not the one reading ahead): the service itself
        never loads python-docx and openpyxl (≈ 20 MB of its memory); here only if that
        process fails."""
        return run_isolated(_blank_forms, (self.campaign,), "writing the blank forms",
                            role="mark") or _blank_forms(self.campaign)

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

    def addressee(self, report: FormReport, stored: NewSubmission) -> str | None:
        """Whom the reply greets: the registry's name of the agency recognised, else the name
        the form gives when it reads as one (a formula or a cell's junk is greeted as no one)."""
        if self.registry is not None and stored.agency_key:
            with contextlib.suppress(KeyError):
                return self.registry.get(stored.agency_key).name
        name = report.agency or ""
        if not name or name[0] in FORMULA_START or len(name) > NAME_LIMIT:
            return None
        return name

    def outgoing(self, msg: email.message.Message, to: str, mail: OutgoingMail) -> NewOutbox:
        """A composed reply as it waits in the outbox, with the keys the caps count by."""
        keys = reply_keys(msg, to)
        return NewOutbox(kind="reply", recipient=smtp_address(to)[0], raw=mail.as_bytes(),
                         mail_id=mail.message_id, sender_key=keys.sender,
                         recipient_key=keys.recipient, recipient_domain=keys.domain)

    def about(self, msg: email.message.Message, forms: Sequence[Form],
              others: Sequence[FormReport] = (), extras: Sequence[Extras] = (), *,
              row: int | None = None) -> Iterator[NewOutbox]:
        """One reply about every form of a mail, each with its reference and what was stored
        of it (and its `extras`, in the same order); `others` are the mail's files that are
        not forms, named so the sender knows they were seen. Nothing when a cap holds it back
        (`row`, the kept mail, names the event staff see)."""
        to = reply_address(msg, self.own)
        if not to or not forms:
            return
        if not self.caps.admit(msg, to, ", ".join(ref for _, ref, _ in forms), row):
            return
        day = dt.datetime.now(self.tz).date()
        # the headers speak of ONE form, the one that most needs the agency: the worst
        # verdict, then one awaiting confirmation (the body speaks of each)
        top = headline(forms)
        first, reference, stored = forms[top]
        more = [*extras[:len(forms)], *[Extras()] * (len(forms) - len(extras))]
        marked = [(r.file, e.marked) for (r, _, _), e in zip(forms, more, strict=True)
                  if e.marked]
        verdict = max((r.verdict for r, _, _ in forms), key=RANK.__getitem__)
        wrong = next((r for r, _, _ in forms if r.verdict != "accepted"), None)
        agencies = {r.agency for r, _, _ in forms}
        waiting = next((s for r, _, s in forms
                        if s.standing != "counted" and r.verdict == "accepted"), None)
        message_id, references = answered_ids(msg)
        reply = ReplyInput(
            reference=reference, verdict=verdict, report=report_json(first),
            # a form naming two agencies is addressed to neither
            agency=self.addressee(first, stored) if len(agencies) == 1
            and stored.standing_reason != "agency-conflict" else None,
            subject=header_text(header_value(msg, "Subject")),
            received=received_day(msg, self.tz), message_id=message_id, references=references,
            attachments=tuple(copy for _, copy in marked)
            + (self.blank_forms(wrong.kind) if wrong else ()),
            forms=tuple(ReplyForm(ref, r.verdict, report_json(r), s.standing, e.changes)
                        for (r, ref, s), e in zip(forms, more, strict=True))
            if len(forms) > 1 else (),
            changes=more[top].changes,
            marked=tuple((file, copy.filename) for file, copy in marked),
            unmarkable=tuple(e.unmarkable for e in more if e.unmarkable),
            other_files=tuple(r.file for r in others if not r.signatures),
            letters=tuple(dict.fromkeys(s.file for r, _, _ in forms for s in r.signatures)),
            standing=stored.standing,
            standing_reason=(waiting or stored).standing_reason, today=day)
        composed = compose_reply(reply, self.campaign, to=smtp_address(to)[0],
                                 from_address=self.cfg.smtp.from_address,
                                 from_name=self.cfg.smtp.from_name)
        yield self.outgoing(msg, to, composed)
