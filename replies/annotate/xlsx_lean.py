"""A workbook marked on its own XML: the sheets found as the lean reader finds them, each
marked cell given a copy of its cell style with the mark's fill, the comments written as new
parts, and every other member copied as it is stored.

openpyxl's load and save were most of the 20 ms a marking took, and its save rewrites the
whole workbook, leaving out what it does not model (images, charts, some extensions). Whatever
this marker does not know raises `Unfamiliar`, and the workbook is marked through openpyxl."""

from __future__ import annotations

import zipfile
from collections.abc import Sequence

from parsers.read.ooxml_parts import CONTENT_TYPES
from parsers.read.xlsx.package import STYLES, Unfamiliar, read_part, workbook
from replies.annotate.cell_marks import cell_fill, comment_text, marks_by_cell
from replies.annotate.marks import Mark
from replies.annotate.xlsx_comments import NewParts, Note, serialized
from replies.annotate.xlsx_fills import Fills
from replies.annotate.xlsx_sheet import SheetCells
from replies.annotate.zip_copy import rewritten


def lean_marked(data: bytes, archive: zipfile.ZipFile, marks: Sequence[Mark]) -> bytes:
    """`data` (a checked, macro-free workbook, opened as `archive`) marked; Unfamiliar."""
    parts = {sheet.title: sheet.part for sheet in workbook(archive).sheets}
    by_cell = marks_by_cell(marks, parts)
    if not by_cell:
        return data
    sheets: dict[str, SheetCells] = {}
    # the marks of each sheet by the cell they land on; a later mark on a merged range's
    # top-left cell replaces an earlier one, as each openpyxl assignment does
    notes: dict[str, dict[tuple[int, int], tuple[str, str]]] = {}
    for (title, ref), found in by_cell.items():
        if title not in sheets:
            sheets[title] = SheetCells(read_part(archive, parts[title]))
        at = sheets[title].writable(ref)
        notes.setdefault(title, {})[at] = (cell_fill(found), comment_text(found))
    fills = Fills(read_part(archive, STYLES))
    new = NewParts(archive)
    changed: dict[str, bytes] = {}
    for title, marked in notes.items():
        sheet, listed = sheets[title], list[Note]()
        for (row, column), (fill, text) in sorted(marked.items()):
            cell, style = sheet.cell(row, column)
            cell.set("s", str(fills.style(style, fill)))
            listed.append((row, column, str(cell.get("r")), text))
        sheet.add_legacy_drawing(new.comments(parts[title], listed))
        changed[parts[title]] = serialized(sheet.root)
    changed[STYLES] = serialized(fills.root)
    changed.update(new.changed)
    changed[CONTENT_TYPES] = new.content_types()
    try:
        return rewritten(data, archive, changed, new.added)
    except ValueError as exc:
        raise Unfamiliar(str(exc)) from exc

