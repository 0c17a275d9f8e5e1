"""A Word document marked through python-docx: the way every file was marked before the lean
marker, kept for the packages the lean marker does not know (and as its reference in tests)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import RGBColor
from docx.text.paragraph import Paragraph

from parsers.read.read_docx import tables_in_reading_order
from replies.annotate.marks import Mark
from replies.annotate.word_marks import (
    cells_of,
    marks_by_table,
    note_text,
    shading_order,
    table_rows,
)

RED = RGBColor(0xC0, 0x00, 0x00)


def _shade(tc: Any, fill: str) -> None:
    properties = tc.get_or_add_tcPr()
    for old in properties.findall(qn("w:shd")):
        properties.remove(old)
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    properties.append(shading)


def _note_after(table: Any, marks: Sequence[Mark]) -> None:
    """Red italic lines right after the table, one per message, naming the cell."""
    anchor = table._tbl
    for mark in marks:
        element = OxmlElement("w:p")
        anchor.addnext(element)
        anchor = element
        run = Paragraph(element, table._parent).add_run(note_text(mark))
        run.italic = True
        run.font.color.rgb = RED


def library_marked(data: bytes, marks: Sequence[Mark]) -> bytes:
    """`data` (a checked, macro-free Word file) marked; raises where python-docx does."""
    document = docx.Document(io.BytesIO(data))
    tables = tables_in_reading_order(document)
    for number, found in marks_by_table(marks, len(tables)).items():
        table = tables[number - 1]
        rows = table_rows(table._tbl)
        for mark in shading_order(found):
            for tc in cells_of(rows, mark):
                _shade(tc, mark.fill)
        _note_after(table, found)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
