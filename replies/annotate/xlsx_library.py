"""A workbook marked through openpyxl: the way every workbook was marked before the lean
marker, kept for the packages the lean marker does not know (and as its reference in tests).
openpyxl rewrites the whole workbook and leaves out what it does not model."""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence

import openpyxl
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from replies.annotate.cell_marks import (
    AUTHOR,
    COMMENT_HEIGHT,
    COMMENT_WIDTH,
    cell_fill,
    comment_text,
    marks_by_cell,
)
from replies.annotate.marks import Mark


def library_marked(data: bytes, marks: Sequence[Mark]) -> bytes:
    """`data` (a checked workbook) marked and saved as a plain .xlsx: macros never kept, a
    template saved as a workbook; raises where openpyxl does."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(io.BytesIO(data), keep_vba=False, keep_links=False,
                                    rich_text=True)
    wb.template = False
    for (sheet, ref), found in marks_by_cell(marks, wb.sheetnames).items():
        cell = _writable(wb[sheet], ref)
        fill = cell_fill(found)
        cell.fill = PatternFill("solid", start_color=fill, end_color=fill)
        cell.comment = Comment(comment_text(found), AUTHOR, width=COMMENT_WIDTH,
                               height=COMMENT_HEIGHT)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _writable(ws: Worksheet, ref: str) -> Cell:
    """The cell at `ref`, or the top-left cell of the merged range it lies in (only that one
    holds a value, a fill and a comment)."""
    for merged in ws.merged_cells.ranges:
        if ref in merged:
            return ws.cell(row=merged.min_row, column=merged.min_col)
    cell: Cell = ws[ref]
    return cell
