"""What to mark in a file: one `Mark` per finding that points into the table, as plain data (it
crosses into the isolated process), with the message the agency reads."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from parsers.form.findings import Finding
from parsers.read.document import Location

# The file kinds written back; the others (xls, ods, odt, doc, rtf) get the blank form only.
WRITABLE = frozenset({"docx", "xlsx"})
ERROR_FILL = "FFC7CE"  # light red
WARNING_FILL = "FFEB9C"  # light yellow


@dataclass(frozen=True)
class Mark:
    severity: str  # error | warning
    message: str
    where: str  # the place in words ("bảng 2, dòng 5, cột 2023"), for the note beside a table
    location: Location

    @property
    def fill(self) -> str:
        return ERROR_FILL if self.severity == "error" else WARNING_FILL


def marks_of(findings: Sequence[Finding], message: Callable[[Finding], str],
             where: Callable[[Location | None], str | None]) -> list[Mark]:
    """The findings that name a cell, a table row or a table, as marks."""
    out = []
    for f in findings:
        loc = f.location
        if loc is None or not (loc.cell or loc.table):
            continue
        out.append(Mark(f.severity, message(f), where(loc) or "", loc))
    return out
