"""Where marks land in a Word document: the tables they name (numbered as the reader numbers
them), the cells of each mark in the order they are shaded, and the note each leaves after its
table. Shared by the lean marker and python-docx's, so that both mark the same cells."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from parsers.read.docx_rows import Slot, grid_rows
from replies.annotate.marks import Mark


def marks_by_table(marks: Sequence[Mark], tables: int) -> dict[int, list[Mark]]:
    """The marks on each of a document's `tables` tables, by table number, in mark order."""
    by_table: dict[int, list[Mark]] = {}
    for mark in marks:
        number = mark.location.table
        if number is not None and 0 < number <= tables:
            by_table.setdefault(number, []).append(mark)
    return by_table


def shading_order(marks: Sequence[Mark]) -> list[Mark]:
    """Warnings first: an error shades last, so a cell with both shows the error."""
    return sorted(marks, key=lambda m: m.severity != "warning")


def table_rows(tbl: Any) -> list[list[Slot]]:
    """The grid rows of `tbl` (a w:tbl element), read once for all the marks of the table:
    shading a cell changes no span or merge."""
    return list(grid_rows(tbl))


def cells_of(rows: Sequence[Sequence[Slot]], mark: Mark) -> list[Any]:
    """The w:tc elements of a table (its `table_rows`) a mark names: its cell, or every cell
    of its row when it names no column."""
    loc = mark.location
    if loc.row is None or not 0 < loc.row <= len(rows):
        return []
    slots = rows[loc.row - 1]
    if loc.grid_column is None:
        return list(dict.fromkeys(s.tc for s in slots))
    return [slots[loc.grid_column].tc] if 0 <= loc.grid_column < len(slots) else []


def note_text(mark: Mark) -> str:
    """The line after the table: the cell in words, then the message."""
    return f"{mark.where}: {mark.message}" if mark.where else mark.message
