"""A Word table and the tables nested in its cells, gathered in one pass of lxml's `iter` over
the outer table: rows and cells as `docx_rows.grid_rows` reads them (the same caps), their span
and merge marks, each cell's paragraphs (what `paragraphs.Gatherer` takes) and nested tables.

Every element is placed by its parent's identity, so a nested table's rows are never taken for
the outer table's, and the whole nest costs one pass instead of one per level.
"""

from __future__ import annotations

from typing import Any

from parsers.read.docx_package import w
from parsers.read.docx_rows import (
    MAX_GRID_COLS,
    MAX_TABLE_ROWS,
    CellMarks,
    Slot,
    before_of,
    merged,
    row_slots,
    span_of,
)
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
    """One w:tc as the pass found it (slots, and no element kept that reading it does not
    need: a table may hold thousands of cells, each kept until its table is read)."""

    __slots__ = ("depth", "merged", "paragraphs", "span", "tables")

    def __init__(self, depth: int) -> None:
        self.depth = depth  # of its table: 0 for the outer one
        self.span: int | None = None  # from its first gridSpan element
        self.merged: bool | None = None  # from its first vMerge element
        self.paragraphs: list[Gathered] = []
        self.tables: tuple[Any, ...] = ()  # the w:tbl elements in it: nested tables


class _Row:
    __slots__ = ("before", "cells", "depth")

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self.before: int | None = None  # from its first gridBefore element
        self.cells: list[CellContent] = []


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
        else:
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
        self._rows.clear()
        self._cells.clear()
        gatherer.done()

    def _place(self, element: Any, tag: str) -> None:
        parent = element.getparent()
        if tag == _P:
            cell = self._cells.get(parent)
            if cell is not None:
                cell.paragraphs.append(self.gatherer.paragraph(element))
        elif tag == _TC:
            row = self._rows.get(parent)
            if row is not None and len(row.cells) < MAX_GRID_COLS:
                row.cells.append(cell := CellContent(row.depth))
                self._cells[element] = cell
                self.gatherer.stops.add(element)
        elif tag == _TR:
            table = self._tables.get(parent)
            if table is not None and len(table[1]) < MAX_TABLE_ROWS:
                table[1].append(row := _Row(table[0]))
                self._rows[element] = row
                self.gatherer.stops.add(element)
        elif tag in (_SPAN, _VMERGE):  # the first of each, as tc.find() finds it
            cell = self._cells.get(parent.getparent()) if parent.tag == _TC_PR else None
            if cell is not None and tag == _SPAN and cell.span is None:
                cell.span = span_of(element)
            elif cell is not None and tag == _VMERGE and cell.merged is None:
                cell.merged = merged(element)
        elif tag == _BEFORE:
            row = self._rows.get(parent.getparent()) if parent.tag == _TR_PR else None
            if row is not None and row.before is None:
                row.before = before_of(element)
        elif tag == _TBL:
            self._nested(element, parent)

    def _nested(self, tbl: Any, parent: Any) -> None:
        cell = self._cells.get(parent)
        if cell is None:
            return
        cell.tables += (tbl,)
        if cell.depth < MAX_DEPTH:  # deeper tables are never read: nor gathered
            self._tables[tbl] = (cell.depth + 1, [])
            self.gatherer.stops.add(tbl)

    def rows(self, tbl: Any) -> list[list[Slot]]:
        """The rows of a table of the nest as grid slots (as `grid_rows` gives them), each
        slot's `tc` the content of its cell."""
        grid: list[list[Slot]] = []
        above: dict[int, Any] = {}
        for row in self._tables[tbl][1]:
            marks: list[CellMarks] = [(cell, 1 if cell.span is None else cell.span,
                                       bool(cell.merged)) for cell in row.cells]
            slots, above = row_slots(0 if row.before is None else row.before, marks, above)
            grid.append(slots)
        return grid
