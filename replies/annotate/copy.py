"""The agency's own file, marked: the one entry (`annotated_copy`) the reply side calls, in the
isolated process. The copy is named `<name>-can-sua.<docx|xlsx>`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath

from replies.annotate.marks import WRITABLE, Mark

SUFFIX = "-can-sua"


def copy_name(original: str, kind: str) -> str:
    stem = PurePath(original.replace("\\", "/")).stem or "mau-dang-ky"
    return f"{stem}{SUFFIX}.{kind}"


def annotated_copy(data: bytes, kind: str, marks: Sequence[Mark], library: bool = True
                   ) -> bytes:
    """`data` (a `kind` file the readers read) with `marks`; raises when it cannot be done.
    Without `library`, also when only python-docx or openpyxl could do it."""
    if kind not in WRITABLE:
        raise ValueError(f"cannot write {kind} files")
    # python-docx and openpyxl load here, in the reader process, never in the service
    if kind == "docx":
        from replies.annotate.docx import annotate_docx

        return annotate_docx(data, marks, library)
    from replies.annotate.xlsx import annotate_xlsx

    return annotate_xlsx(data, marks, library)


def lean_copy(data: bytes, kind: str, marks: Sequence[Mark]) -> bytes:
    """`annotated_copy` by the lean markers alone: raises where a library would be needed."""
    return annotated_copy(data, kind, marks, library=False)
