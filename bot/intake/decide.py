"""What to do with one mail, decided from its bytes alone: automatic, not ours, or a submission
with the form reports the reply is about — one per distinct form, when a mail carries several
(several agencies' forms, a zip of forms). Pure: no mailbox, no database, no clock."""

from __future__ import annotations

import email.message
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from bot.intake.trust.signatures import proofs_of, signature_records
from bot.intake.trust.standing import Proof
from bot.mail.classify import MAYBE_FORM_KINDS, classify, mentions_campaign
from bot.mail.mime_parts import Attachment, find_attachments, header_value
from bot.mail.own_marks import OwnMarks
from bot.store.records import Kind
from parsers.codes import FindingCode
from parsers.form.parse import FormReport, add_registry_findings, unreadable_report
from parsers.form.unpack import read_attachment, with_letters
from parsers.spec.campaign import Campaign
from parsers.spec.registry import Registry
from parsers.text import match_key

_OTHER_FILES = frozenset({"image", "text", "other"})
RANK = {"accepted": 0, "needs_correction": 1, "unreadable": 2}  # better first
DEFAULT_NAME = "tep-dinh-kem-{n}"
MAX_DECLARED_PARTS = 500
FORM_TYPES = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
}
FORM_SUFFIXES = ((".docx", "docx"), (".doc", "doc"), (".odt", "odt"), (".rtf", "rtf"),
                 (".xlsx", "xlsx"), (".xlsm", "xlsx"), (".xls", "xls"), (".ods", "ods"),
                 (".zip", "zip"), (".7z", "7z"), (".rar", "rar"))


@dataclass(frozen=True)
class Decision:
    kind: Kind
    reason: str
    # the forms the reply is about, each a submission (or the one failure report)
    forms: tuple[FormReport, ...] = field(default_factory=tuple)
    tried: tuple[FormReport, ...] = field(default_factory=tuple)  # every file read
    # what else the mail proves of who sent it: the signatures of its signed cover letters
    proofs: tuple[Proof, ...] = field(default_factory=tuple)

    @property
    def report(self) -> FormReport | None:
        return self.forms[0] if self.forms else None

    @property
    def verdict(self) -> str | None:
        """The verdict the whole mail gets: the worst of its forms'."""
        return max((r.verdict for r in self.forms), key=RANK.__getitem__, default=None)


Reader = Callable[[bytes, str, Campaign], list[FormReport]]


def named_files(attachments: Sequence[Attachment]) -> list[tuple[str, Attachment]]:
    """The attachments that are read (forms, and the files a reply names), each with the
    name its reports carry."""
    candidates = [a for a in attachments if a.kind in MAYBE_FORM_KINDS | _OTHER_FILES]
    return [(a.filename or DEFAULT_NAME.format(n=n), a)
            for n, a in enumerate(candidates, start=1)]


def first_read(msg: email.message.Message, max_bytes: int) -> tuple[str, Attachment] | None:
    """The first attachment `decide` would give its reader, with the name it would give it:
    what the cycle may begin reading while it answers the mail before."""
    return next(((name, a) for name, a in named_files(find_attachments(msg))
                 if a.kind not in _OTHER_FILES and len(a.data) <= max_bytes), None)


def _read(att: Attachment, name: str, campaign: Campaign, max_bytes: int, reader: Reader,
          registry: Registry | None) -> list[FormReport]:
    if att.kind in _OTHER_FILES:  # a photo, a text: named in the reply, never parsed
        return [unreadable_report(name, FindingCode.FILE_TYPE_UNSUPPORTED, att.kind)]
    if len(att.data) > max_bytes:
        return [unreadable_report(name, FindingCode.FILE_TOO_LARGE, att.kind)]
    reports = reader(att.data, name, campaign)
    if registry is None:
        return reports
    return [add_registry_findings(r, registry, campaign.opened) for r in reports]


def _same_form(report: FormReport) -> str:
    """What two files of one form share, whatever their format."""
    return json.dumps([match_key(report.agency or ""), report.document_number, report.date,
                       report.quantities], sort_keys=True)


def distinct_forms(forms: Sequence[FormReport]) -> list[FormReport]:
    """One report per distinct form, in mail order: the same form sent as .docx and .xlsx is
    one form, named by both files, read from the better of them."""
    groups: dict[str, list[FormReport]] = {}
    for report in forms:
        groups.setdefault(_same_form(report), []).append(report)
    out = []
    for copies in groups.values():
        best = min(copies, key=lambda r: RANK[r.verdict])
        out.append(replace(best, file=", ".join(r.file for r in copies)) if len(copies) > 1
                   else best)
    return out


def _unreadable(tried: Sequence[FormReport]) -> FormReport:
    if not tried:
        return unreadable_report("", FindingCode.ATTACHMENT_MISSING)
    findings = [f for r in tried for f in r.findings]
    return FormReport(file=", ".join(r.file for r in tried), verdict="unreadable",
                      kind=tried[0].kind, findings=findings,
                      signatures=tuple(s for r in tried for s in r.signatures))


def _declared_parts(msg: email.message.Message) -> list[tuple[Attachment, int]]:
    """Names and types the parts declare, payloads left undecoded: a mail too large to take
    in is never unpacked. Each with its size as the skeleton tells it (-1: not told)."""
    found: list[tuple[Attachment, int]] = []
    try:
        for n, part in enumerate(msg.walk()):
            if n >= MAX_DECLARED_PARTS:
                break
            name, ctype = part.get_filename(), part.get_content_type()
            if name or ctype in FORM_TYPES:
                size = str(part.get_param("size", "", header="content-disposition"))
                found.append((Attachment(name, ctype, b"", FORM_TYPES.get(ctype, "declared")),
                              int(size) if size.isdigit() else -1))
    except Exception:  # noqa: BLE001, S110 - a malformed header: keep what was found so far
        pass
    return found


def _form_kind(att: Attachment) -> str | None:
    name = (att.filename or "").lower()
    by_name = next((kind for suffix, kind in FORM_SUFFIXES if name.endswith(suffix)), None)
    return by_name or (att.kind if att.kind in FORM_TYPES.values() else None)


def _too_large(sized: list[tuple[Attachment, int]], size: int, file_limit: int,
               mail_limit: int) -> list[str]:
    """The files to name in a "too large" answer: those over a file's limit; else the largest
    one without which the mail would fit; else none (the mail as a whole is too large)."""
    known = [(a.filename, n) for a, n in sized if a.filename and n >= 0]
    over = [name for name, n in known if n > file_limit]
    if over or not size:
        return over
    alone = [(n, name) for name, n in known if size - n <= mail_limit]
    return [max(alone)[1]] if alone else []


def _oversized(msg: email.message.Message, campaign: Campaign, own_addresses: set[str],
               marks: OwnMarks | None, size: int, limits: tuple[int, int]) -> Decision:
    sized = _declared_parts(msg)
    declared = [a for a, _ in sized]
    first = classify(msg, campaign, own_addresses, attachments=declared, marks=marks)
    if first.kind == "automatic":
        return Decision("automatic", first.reason)
    kinds = [k for k in map(_form_kind, declared) if k]
    if not kinds and not mentions_campaign(msg, campaign, attachments=declared):
        return Decision("other", "message-too-large")
    names = ", ".join(_too_large(sized, size, min(limits), limits[1]))
    report = unreadable_report(names, FindingCode.FILE_TOO_LARGE, kinds[0] if kinds else None)
    return Decision("submission", "message-too-large", (report,))


def decide(msg: email.message.Message, campaign: Campaign, own_addresses: set[str],
           max_attachment_bytes: int, *, size: int = 0,
           max_message_bytes: int | None = None, reader: Reader = read_attachment,
           registry: Registry | None = None, marks: OwnMarks | None = None,
           mail_limit: int | None = None) -> Decision:
    """`reader` reads one attachment; the daemon passes one that runs in a child process.
    A mail over `max_message_bytes` is answered naming the files that make it too large, by
    `max_attachment_bytes` and `mail_limit` (the configured limit of a whole mail, when
    `max_message_bytes` is 0 to decide a kept outline as too large).
    With the agency `registry`, the rules that need it are applied to each form read.
    `marks` tell our own mail coming back (a loop, or a bounce), never to be answered."""
    if max_message_bytes is not None and size > max_message_bytes:
        return _oversized(msg, campaign, own_addresses, marks, size,
                          (max_attachment_bytes, mail_limit or max_message_bytes))
    attachments = find_attachments(msg)
    first = classify(msg, campaign, own_addresses, attachments=attachments, marks=marks)
    if first.kind == "automatic":
        return Decision("automatic", first.reason)
    # Photos and other files are listed too, only so a reply can say what each one is.
    candidates = named_files(attachments)
    tried = tuple(report for name, a in candidates
                  for report in _read(a, name, campaign, max_attachment_bytes, reader, registry))
    mentioned = mentions_campaign(msg, campaign, attachments=attachments)
    # each form goes with the signed cover letters beside it in the mail
    forms = with_letters(distinct_forms([r for r in tried if r.quantities is not None]), tried)
    if forms:
        # a table of certificates by year in a file that never names the campaign, in a mail
        # that does not either (a usage report, say): for a person, not for an automatic reply
        ours = forms if mentioned else [r for r in forms if r.names_campaign or _complete(r)]
        if ours:
            return Decision("submission", "form-found", tuple(ours), tried,
                            _proofs(ours, campaign, registry))
        return Decision("other", "form-like-unnamed", (), tried)
    if not any(a.kind in MAYBE_FORM_KINDS for _, a in candidates) and _follows_up(msg, campaign):
        return Decision("other", "follow-up", (), tried)
    if mentioned:
        report = _unreadable(tried)
        return Decision("submission", "campaign-no-form", (report,), tried,
                        _proofs([report], campaign, registry))
    return Decision("other", first.reason if first.kind == "other" else "no-form", (), tried)


def _proofs(forms: Sequence[FormReport], campaign: Campaign, registry: Registry | None
            ) -> tuple[Proof, ...]:
    """What the signed cover letters of the mail prove of who sent it."""
    if registry is None:
        return ()
    return proofs_of(signature_records((s for r in forms for s in r.signatures), registry,
                                    campaign.opened))


def _complete(report: FormReport) -> bool:
    """Every row and every year of the campaign's table is there."""
    incomplete = (FindingCode.ROW_MISSING, FindingCode.YEAR_MISSING)
    return not any(f.code in incomplete for f in report.findings)


def _follows_up(msg: email.message.Message, campaign: Campaign) -> bool:
    """A reply to one of our replies (its subject carries our reference) with nothing attached
    is a person writing back: a question or thanks, answered by staff, not by the bot."""
    return f"[{campaign.reference_prefix}-".lower() in header_value(msg, "Subject").lower()
