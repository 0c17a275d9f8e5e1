"""A workbook with the cells of its marks filled (light red for an error, light yellow for a
warning) and commented with the messages; nothing else changed. Saved as .xlsx: macros are
never kept, a template is saved as a workbook.

The lean marker works on the package's XML; a package it does not know (a sheet with comments
already among them) is marked through openpyxl, as every workbook was before (openpyxl loads
only then)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence

from parsers.read.ooxml_parts import needs_plain_workbook, plain_copy
from parsers.read.safe_zip import check_zip
from parsers.read.xlsx_guard import check_workbook_parts
from replies.annotate.marks import Mark
from replies.annotate.xlsx_lean import lean_marked


def annotate_xlsx(data: bytes, marks: Sequence[Mark]) -> bytes:
    """Raises on a file it cannot open or write: the caller sends the blank form instead."""
    archive = check_zip(data)  # the same limits the reader applied
    check_workbook_parts(archive)
    if needs_plain_workbook(archive):  # macros and their links left out, a template a workbook
        data = plain_copy(archive)
        archive = zipfile.ZipFile(io.BytesIO(data))
    try:
        return lean_marked(data, archive, marks)
    except Exception:  # noqa: BLE001  # Unfamiliar, or anything the lean marker did not foresee
        from replies.annotate.xlsx_library import library_marked

        return library_marked(data, marks)
