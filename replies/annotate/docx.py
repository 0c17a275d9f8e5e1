"""A Word document with the cells of its marks shaded (light red for an error, light yellow for
a warning) and, after each table, the messages in red italics naming their cells; nothing else
changed. Macros are never kept (a .docm is written back as a plain .docx)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import RGBColor
from docx.text.paragraph import Paragraph

from parsers.read.docx_rows import grid_rows
from parsers.read.ooxml_parts import needs_plain_word, plain_word_copy
from parsers.read.read_docx import tables_in_reading_order
from parsers.read.safe_zip import check_zip
from replies.annotate.marks import Mark

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


def _cells(table: Any, mark: Mark) -> list[Any]:
    """The w:tc elements a mark names: its cell, or every cell of its row without a column."""
    loc = mark.location
    if loc.row is None:
        return []
    rows = list(grid_rows(table._tbl))
    if not 0 < loc.row <= len(rows):
        return []
    slots = rows[loc.row - 1]
    if loc.grid_column is None:
        return list(dict.fromkeys(s.tc for s in slots))
    return [slots[loc.grid_column].tc] if 0 <= loc.grid_column < len(slots) else []


def _note_after(table: Any, marks: Sequence[Mark]) -> None:
    """Red italic lines right after the table, one per message, naming the cell."""
    anchor = table._tbl
    for mark in marks:
        element = OxmlElement("w:p")
        anchor.addnext(element)
        anchor = element
        run = Paragraph(element, table._parent).add_run(
            f"{mark.where}: {mark.message}" if mark.where else mark.message)
        run.italic = True
        run.font.color.rgb = RED


def annotate_docx(data: bytes, marks: Sequence[Mark]) -> bytes:
    """Raises on a file it cannot open or write: the caller sends the blank form instead."""
    archive = check_zip(data)  # the same limits the reader applied
    if needs_plain_word(archive):  # macros and their links left out
        data = plain_word_copy(archive)
    document = docx.Document(io.BytesIO(data))
    tables = tables_in_reading_order(document)
    by_table: dict[int, list[Mark]] = {}
    for mark in marks:
        number = mark.location.table
        if number is not None and 0 < number <= len(tables):
            by_table.setdefault(number, []).append(mark)
    for number, found in by_table.items():
        table = tables[number - 1]
        for mark in sorted(found, key=lambda m: m.severity != "warning"):  # errors shade last
            for tc in _cells(table, mark):
                _shade(tc, mark.fill)
        _note_after(table, found)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
