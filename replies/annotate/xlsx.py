"""A workbook with the cells of its marks filled (light red for an error, light yellow for a
warning) and commented with the messages; nothing else changed. Saved as .xlsx: macros are
never kept, a template is saved as a workbook."""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence

import openpyxl
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from parsers.read.safe_zip import check_zip
from parsers.read.xlsx_guard import check_workbook_parts
from replies.annotate.marks import Mark

AUTHOR = "Ban Cơ yếu Chính phủ"
COMMENT_CHARS = 2_000


def annotate_xlsx(data: bytes, marks: Sequence[Mark]) -> bytes:
    """Raises on a file it cannot open or write: the caller sends the blank form instead."""
    check_workbook_parts(check_zip(data))  # the same limits the reader applied
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(io.BytesIO(data), keep_vba=False, keep_links=False,
                                    rich_text=True)
    wb.template = False
    by_cell: dict[tuple[str, str], list[Mark]] = {}
    for mark in marks:
        loc = mark.location
        if loc.sheet is not None and loc.sheet in wb.sheetnames and loc.cell:
            by_cell.setdefault((loc.sheet, loc.cell), []).append(mark)
    for (sheet, ref), found in by_cell.items():
        cell = _writable(wb[sheet], ref)
        worst = min(found, key=lambda m: m.severity != "error")
        cell.fill = PatternFill("solid", start_color=worst.fill, end_color=worst.fill)
        text = "\n".join(dict.fromkeys(m.message for m in found))[:COMMENT_CHARS]
        cell.comment = Comment(text, AUTHOR, width=320, height=120)
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
