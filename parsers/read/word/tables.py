"""A Word table and the tables nested in its cells, gathered in one pass of lxml's `iter` over
the outer table: rows and cells as `docx_rows.grid_rows` reads them (the same caps), their span
and merge marks, each cell's paragraphs (what `paragraphs.Gatherer` takes) and nested tables.

Every element is placed by its parent's identity, so a nested table's rows are never taken for
the outer table's, and the whole nest costs one pass instead of one per level.
"""

from __future__ import annotations

from typing import Any

from parsers.read.docx_package import w
from parsers.read.docx_rows import MAX_GRID_COLS, MAX_TABLE_ROWS, CellMarks, Slot, row_slots
from parsers.read.word.paragraphs import (
    PARAGRAPH_TAGS,
    PIECE_TAGS,
    RFONTS,
    Gathered,
    Gatherer,
    R,
    T,
)

MAX_DEPTH = 20  # tables in tables: the reader reads no deeper
_TBL, _TR, _TC, _P = w("tbl"), w("tr"), w("tc"), w("p")
_TR_PR, _TC_PR = w("trPr"), w("tcPr")
_BEFORE, _SPAN, _VMERGE = w("gridBefore"), w("gridSpan"), w("vMerge")
_LAYOUT_TAGS = (_TBL, _TR, _TC, _BEFORE, _SPAN, _VMERGE)
_ALL_TAGS = (*_LAYOUT_TAGS, *PARAGRAPH_TAGS)


class CellContent:
    """One w:tc as the pass found it."""

    __slots__ = ("depth", "marks", "paragraphs", "tables")

    def __init__(self, depth: int) -> None:
        self.depth = depth  # of its table: 0 for the outer one
        self.marks: list[Any] = [None, None]  # its first gridSpan and vMerge elements
        self.paragraphs: list[Gathered] = []
        self.tables: list[Any] = []  # the w:tbl elements in it: nested tables


class _Row:
    __slots__ = ("before", "cells", "depth")

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.before: Any = None  # its first gridBefore element
        self.cells: list[Any] = []


class Tables:
    """The tables of one nest, gathered; read one by one with `rows`."""

    def __init__(self, outer: Any, with_text: bool) -> None:
        self.gatherer = Gatherer()
        self._tables: dict[Any, tuple[int, list[_Row]]] = {outer: (0, [])}
        self._rows: dict[Any, _Row] = {}
        self._cells: dict[Any, CellContent] = {}
        self.gatherer.stops.add(outer)
        gatherer, place = self.gatherer, self._place
        if not with_text:
            for element in outer.iter(*_LAYOUT_TAGS):
                place(element, element.tag)
            return
        for element in outer.iter(*_ALL_TAGS):  # the commonest first
            tag = element.tag
            if tag == R:
                gatherer.run(element)
            elif tag == T:
                gatherer.piece(element, tag)
            elif tag == RFONTS:
                gatherer.run_fonts(element)
            elif tag in PIECE_TAGS:
                gatherer.piece(element, tag)
            else:
                place(element, tag)

    def _place(self, element: Any, tag: str) -> None:
        parent = element.getparent()
        if tag == _P:
            cell = self._cells.get(parent)
            if cell is not None:
                cell.paragraphs.append(self.gatherer.paragraph(element))
        elif tag == _TC:
            row = self._rows.get(parent)
            if row is not None and len(row.cells) < MAX_GRID_COLS:
                row.cells.append(element)
                self._cells[element] = CellContent(row.depth)
                self.gatherer.stops.add(element)
        elif tag == _TR:
            table = self._tables.get(parent)
            if table is not None and len(table[1]) < MAX_TABLE_ROWS:
                table[1].append(row := _Row(table[0]))
                self._rows[element] = row
                self.gatherer.stops.add(element)
        elif tag in (_SPAN, _VMERGE):
            cell = self._cells.get(parent.getparent()) if parent.tag == _TC_PR else None
            at = 0 if tag == _SPAN else 1
            if cell is not None and cell.marks[at] is None:  # the first, as tc.find() finds
                cell.marks[at] = element
        elif tag == _BEFORE:
            row = self._rows.get(parent.getparent()) if parent.tag == _TR_PR else None
            if row is not None and row.before is None:
                row.before = element
        elif tag == _TBL:
            self._nested(element, parent)

    def _nested(self, tbl: Any, parent: Any) -> None:
        cell = self._cells.get(parent)
        if cell is None:
            return
        cell.tables.append(tbl)
        if cell.depth < MAX_DEPTH:  # deeper tables are never read: nor gathered
            self._tables[tbl] = (cell.depth + 1, [])
            self.gatherer.stops.add(tbl)

    def rows(self, tbl: Any) -> tuple[list[list[Slot]], dict[Any, CellContent]]:
        """The rows of a table of the nest as grid slots (as `grid_rows` gives them) and
        what is in each of its cells."""
        grid: list[list[Slot]] = []
        above: dict[int, Any] = {}
        for row in self._tables[tbl][1]:
            marks: list[CellMarks] = [(tc, *_marks(self._cells[tc])) for tc in row.cells]
            slots, above = row_slots(row.before, marks, above)
            grid.append(slots)
        return grid, self._cells


def _marks(content: CellContent) -> tuple[Any, Any]:
    return content.marks[0], content.marks[1]
