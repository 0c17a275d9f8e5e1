"""One attachment in, its form reports out: a form file gives one report; an archive (or a
winmail.dat) gives one per form found inside it, nested archives opened down to MAX_DEPTH.

When a container holds forms, its other files (a scanned cover letter, a photo) are not
reported: they are not what the sender asks about. When it holds none, each file says why.
A file inside is named "archive.zip/form.xlsx", so the sender can tell which one is meant.

A PDF is no form, but a signed one is the cover letter (công văn): its report carries the
facts of every signature (`parsers.signature`), checked against `roots`; inside an archive
with forms, those signatures go with each form of that archive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from parsers.archive.containers import CONTAINER_KINDS, MAX_DEPTH, Budget, members
from parsers.codes import FindingCode
from parsers.form.parse import (
    FormReport,
    preload_readers,
    read_form,
    sniff_kind,
    unreadable_report,
)
from parsers.read.errors import UnreadableFile
from parsers.signature.facts import SignatureFacts
from parsers.signature.read_pdf import read_signatures
from parsers.spec.campaign import Campaign

OFFICE_SUFFIXES = (".docx", ".docm", ".dotx", ".dotm", ".xlsx", ".xlsm", ".xltx", ".xltm",
                   ".xlsb", ".pptx")


def preload() -> None:
    """Import every reader and container opener now, once, in a process that forks a child
    per attachment (`parsers.form.parse.preload_readers`)."""
    preload_readers()
    import parsers.archive.other_members  # noqa: F401 - loaded, not used here


def read_attachment(data: bytes, name: str, campaign: Campaign, roots: Sequence[bytes] = ()
                    ) -> list[FormReport]:
    """Never raises on bad input; at least one report. `roots`: DER certificates a signed
    PDF's chain must lead to for its signatures to be trusted."""
    return _read(data, name, campaign, 0, Budget(), tuple(roots))


def with_letters(forms: Sequence[FormReport], others: Sequence[FormReport]
                 ) -> list[FormReport]:
    """`forms`, each with the signatures of the signed PDFs among `others` added."""
    letters: tuple[SignatureFacts, ...] = tuple(
        s for r in others if r.quantities is None for s in r.signatures)
    if not letters:
        return list(forms)
    return [replace(f, signatures=(*f.signatures, *letters)) for f in forms]


def _read(data: bytes, name: str, campaign: Campaign, depth: int, budget: Budget,
          roots: tuple[bytes, ...]) -> list[FormReport]:
    kind = sniff_kind(data)
    if kind == "pdf":
        return [replace(read_form(data, name, campaign),
                        signatures=read_signatures(data, name, roots))]
    if kind not in CONTAINER_KINDS:
        return [read_form(data, name, campaign)]
    if kind == "zip" and name.lower().endswith(OFFICE_SUFFIXES):
        # a zip named as an Office file but declaring no content types: a damaged document,
        # one verdict for the one file the sender sent, never a folder of its parts
        return [unreadable_report(name, FindingCode.FILE_UNREADABLE, kind)]
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
            reports.extend(_read(member.data, inner, campaign, depth + 1, budget, roots))
    forms = [r for r in reports if r.quantities is not None]
    if forms:
        return with_letters(forms, reports)
    return reports or [unreadable_report(name, FindingCode.FORM_NOT_FOUND, kind)]
