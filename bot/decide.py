"""What to do with one mail, decided from its bytes alone: automatic, not ours, or a submission
with the form report the reply is about. Pure: no mailbox, no database, no clock."""

from __future__ import annotations

import email.message
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.mail_kind import MAYBE_FORM_KINDS, Kind, classify, mentions_campaign
from bot.mime_parts import Attachment, find_attachments
from parsers.campaign import Campaign
from parsers.findings import Finding
from parsers.form import FormReport, read_form

_RANK = {"accepted": 0, "needs_correction": 1, "unreadable": 2}
DEFAULT_NAME = "tep-dinh-kem-{n}"


@dataclass(frozen=True)
class Decision:
    kind: Kind
    reason: str
    report: FormReport | None = None  # the form (or the failure) the reply is about
    tried: tuple[FormReport, ...] = field(default_factory=tuple)

    @property
    def verdict(self) -> str | None:
        return self.report.verdict if self.report else None


def _read(att: Attachment, n: int, campaign: Campaign, max_bytes: int) -> FormReport:
    name = att.filename or DEFAULT_NAME.format(n=n)
    if len(att.data) > max_bytes:
        return FormReport(file=name, verdict="unreadable",
                          findings=[Finding("file-too-large", "file", params={"file": name})])
    return read_form(att.data, name, campaign)


def _unreadable(tried: Sequence[FormReport]) -> FormReport:
    if not tried:
        return FormReport(file="", verdict="unreadable",
                          findings=[Finding("attachment-missing", "file")])
    findings = [f for r in tried for f in r.findings]
    return FormReport(file=", ".join(r.file for r in tried), verdict="unreadable",
                      kind=tried[0].kind, findings=findings)


def decide(msg: email.message.Message, campaign: Campaign, own_addresses: set[str],
           max_attachment_bytes: int) -> Decision:
    attachments = find_attachments(msg)
    first = classify(msg, campaign, own_addresses, attachments=attachments)
    if first.kind == "automatic":
        return Decision("automatic", first.reason)
    candidates = [a for a in attachments if a.kind in MAYBE_FORM_KINDS]
    tried = tuple(_read(a, n, campaign, max_attachment_bytes)
                  for n, a in enumerate(candidates, start=1))
    forms = [r for r in tried if r.quantities is not None]
    if forms:
        best = min(forms, key=lambda r: _RANK[r.verdict])
        return Decision("submission", "form-found", best, tried)
    if mentions_campaign(msg, campaign, attachments=attachments):
        return Decision("submission", "campaign-no-form", _unreadable(tried), tried)
    return Decision("other", first.reason if first.kind == "other" else "no-form", None, tried)
