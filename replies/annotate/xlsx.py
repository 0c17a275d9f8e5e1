"""A workbook with the cells of its marks filled (light red for an error, light yellow for a
warning) and commented with the messages; nothing else changed. Saved as .xlsx: macros are
never kept, a template is saved as a workbook.

The lean marker works on the package's XML; a package it does not know (a sheet with comments
already among them) is marked through openpyxl, as every workbook was before (openpyxl loads
only then)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from parsers.read.ooxml_parts import needs_plain_workbook
from parsers.read.safe_zip import check_zip
from parsers.read.xlsx_guard import check_workbook_parts
from replies.annotate.marks import Mark
from replies.annotate.xlsx_lean import lean_marked
from replies.annotate.zip_copy import lean_or_library, no_library


def annotate_xlsx(data: bytes, marks: Sequence[Mark], library: bool = True) -> bytes:
    """Raises on a file it cannot open or write: the caller sends the blank form instead.
    Without `library`, also where the lean marker would hand over to openpyxl."""
    archive = check_zip(data)  # the same limits the reader applied
    check_workbook_parts(archive)
    # macros and their links left out, a template a workbook
    return lean_or_library(data, archive, needs_plain_workbook(archive), lean_marked,
                           _library if library else no_library, marks)


def _library() -> Callable[[bytes, Sequence[Mark]], bytes]:
    from replies.annotate.xlsx_library import library_marked

    return library_marked
