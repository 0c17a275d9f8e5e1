"""A form's own file marked where the reader found it wrong, in the reader process, right after
reading it: the reader works a mail ahead of the parent, so the marked copy a correction request
carries is there when the reply is composed, where the marking process would begin it only
then and keep the parent waiting (bench/backlog.py: ≈ 0.8 ms a mail on a backlog of a third
broken forms, and the marking process's work beside the reader's on the second core).

Only the lean markers run here, on files up to `PREMARK_BYTES` read in under `QUICK_READ`: a
package they do not know, a bigger or slower file, a mark they fail on, is marked as before by
the marking process, with the libraries (bot.intake.extras), never at the cost of the reading.
A copy is used only for the very call the parent would make (same bytes, kind and marks: the
registry's findings, added in the parent, may change them), and is handed out once."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from typing import Final, NamedTuple

from parsers.form.parse import FormReport
from replies.annotate.copy import lean_copy
from replies.annotate.marks import WRITABLE, Mark, marks_of
from replies.findings import finding_message, location_text

PREMARK_BYTES: Final = 1024 * 1024  # a bigger file is marked by the marking process
# ... and so is a file that took longer than this to read: the marking must not cost the
# reading its time limit (a form reads in milliseconds)
QUICK_READ: Final = 0.5  # seconds
KEPT: Final = 8  # copies waiting in the parent (a mail's broken forms), oldest dropped first
Premarked = tuple[str, tuple[Mark, ...], bytes]  # kind, marks, the marked file


class _Copy(NamedTuple):
    data: bytes  # the file as read
    kind: str
    marks: tuple[Mark, ...]
    marked: bytes


_kept: deque[_Copy] = deque(maxlen=KEPT)


def form_marks(report: FormReport) -> list[Mark]:
    """The marks a correction request puts in the form's file: one per finding that points
    into its table (none for a form that needs no correction)."""
    if report.verdict != "needs_correction":
        return []
    return marks_of(report.findings, finding_message, location_text)


def own_file(report: FormReport) -> bool:
    """Is the form's file one we write back marked: a DOCX or XLSX, not inside an archive?"""
    return report.kind in WRITABLE and "/" not in report.file


def premark(data: bytes, reports: Sequence[FormReport], read_seconds: float = 0.0
            ) -> list[Premarked]:
    """In the reader: the file `data` marked for each report of it that needs correction (an
    archive's forms are not: they are not the file read); `read_seconds`: how long reading
    it took."""
    if len(data) > PREMARK_BYTES or read_seconds > QUICK_READ:
        return []
    out: list[Premarked] = []
    for report in reports:
        marks = tuple(form_marks(report))
        if not marks or not own_file(report) or report.kind is None:
            continue
        try:
            out.append((report.kind, marks, lean_copy(data, report.kind, marks)))
        except Exception:  # noqa: BLE001 - the marking process tries again, with the libraries
            continue
    return out


def keep(data: bytes, copies: Sequence[Premarked]) -> None:
    """In the parent: the copies the reader made of `data`, until they are taken."""
    for kind, marks, marked in copies:
        _kept.append(_Copy(data, kind, marks, marked))


def _find(data: bytes, kind: str, marks: Sequence[Mark]) -> _Copy | None:
    wanted = tuple(marks)
    return next((c for c in _kept if c.kind == kind and c.marks == wanted and c.data == data),
                None)


def take(data: bytes, kind: str, marks: Sequence[Mark]) -> bytes | None:
    """The copy of `data` marked with `marks`, if the reader made it (and once only)."""
    found = _find(data, kind, marks)
    if found is None:
        return None
    _kept.remove(found)
    return found.marked


def waiting(data: bytes, kind: str, marks: Sequence[Mark]) -> bool:
    """Has the reader made that copy (`take` would give it)?"""
    return _find(data, kind, marks) is not None
