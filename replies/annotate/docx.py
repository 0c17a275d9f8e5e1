"""A Word document with the cells of its marks shaded (light red for an error, light yellow for
a warning) and, after each table, the messages in red italics naming their cells; nothing else
changed. Macros are never kept (a .docm is written back as a plain .docx).

The lean marker works on the package's XML; a package it does not know is marked through
python-docx, as every file was before (python-docx loads only then)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from parsers.read.ooxml_parts import needs_plain_word
from parsers.read.safe_zip import check_zip
from replies.annotate.docx_lean import lean_marked
from replies.annotate.marks import Mark
from replies.annotate.zip_copy import lean_or_library, no_library


def annotate_docx(data: bytes, marks: Sequence[Mark], library: bool = True) -> bytes:
    """Raises on a file it cannot open or write: the caller sends the blank form instead.
    Without `library`, also where the lean marker would hand over to python-docx."""
    archive = check_zip(data)  # the same limits the reader applied
    return lean_or_library(data, archive, needs_plain_word(archive), lean_marked,
                           _library if library else no_library, marks)


def _library() -> Callable[[bytes, Sequence[Mark]], bytes]:
    from replies.annotate.docx_library import library_marked

    return library_marked
