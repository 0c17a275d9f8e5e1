"""One attachment in, its form reports out: a form file gives one report; an archive (or a
winmail.dat) gives one per form found inside it, nested archives opened down to MAX_DEPTH.

When a container holds forms, its other files (a scanned cover letter, a photo) are not
reported: they are not what the sender asks about. When it holds none, each file says why.
A file inside is named "archive.zip/form.xlsx", so the sender can tell which one is meant.
"""

from __future__ import annotations

from parsers.archive.containers import CONTAINER_KINDS, MAX_DEPTH, Budget, members
from parsers.codes import FindingCode
from parsers.form.parse import FormReport, read_form, sniff_kind, unreadable_report
from parsers.read.errors import UnreadableFile
from parsers.spec.campaign import Campaign


def read_attachment(data: bytes, name: str, campaign: Campaign) -> list[FormReport]:
    """Never raises on bad input; at least one report."""
    return _read(data, name, campaign, 0, Budget())


def _read(data: bytes, name: str, campaign: Campaign, depth: int, budget: Budget
          ) -> list[FormReport]:
    kind = sniff_kind(data)
    if kind not in CONTAINER_KINDS:
        return [read_form(data, name, campaign)]
    if depth >= MAX_DEPTH:
        return [unreadable_report(name, FindingCode.FILE_TOO_COMPLEX, kind)]
    try:
        found = members(data, kind, budget)
    except UnreadableFile as exc:
        return [unreadable_report(name, exc.code, kind)]
    except RecursionError:  # a TNEF message embedded in itself, say
        return [unreadable_report(name, FindingCode.FILE_TOO_COMPLEX, kind)]
    reports: list[FormReport] = []
    for member in found:
        inner = f"{name}/{member.name}"
        if member.data is None:
            reports.append(unreadable_report(inner, member.problem or FindingCode.FILE_UNREADABLE))
        else:
            reports.extend(_read(member.data, inner, campaign, depth + 1, budget))
    forms = [r for r in reports if r.quantities is not None]
    if forms:
        return forms
    return reports or [unreadable_report(name, FindingCode.FORM_NOT_FOUND, kind)]
