"""XLSX/XLSM → Document: one grid per sheet, cached formula values, legacy fonts converted.
Macros and external links are never loaded.

Read-only mode keeps memory flat on huge sheets; only the top-left of a sheet is scanned
(a form never needs more), so a 100,000-row sheet costs no more than a small one.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import openpyxl
import openpyxl.reader.excel
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from parsers.codes import FindingCode
from parsers.read.document import Cell, Document, Grid, Location
from parsers.read.errors import UnreadableFile
from parsers.read.safe_zip import check_zip
from parsers.read.xlsx_guard import check_workbook_parts
from parsers.text import clean
from parsers.vietnamese.legacy import to_unicode as _to_unicode

MAX_ROWS = 1_000
MAX_COLS = 60
MAX_SHEETS = 50



class _UnsizedWorksheet(ReadOnlyWorksheet):  # type: ignore[misc]
    """openpyxl sizes every read-only sheet when the workbook opens, parsing the whole sheet
    when it has no <dimension> (streaming writers omit it); `_sheet_grid` resets the size
    anyway, so the scan is skipped and a 100,000-row sheet costs what its first rows cost."""

    def _get_size(self) -> None:
        return None


@contextmanager
def _unsized_sheets() -> Iterator[None]:
    """openpyxl builds read-only sheets from a module-level name: swap it only while this
    reader opens a workbook, so no other openpyxl user in the process sees the change."""
    original = openpyxl.reader.excel.ReadOnlyWorksheet
    openpyxl.reader.excel.ReadOnlyWorksheet = _UnsizedWorksheet
    try:
        yield
    finally:
        openpyxl.reader.excel.ReadOnlyWorksheet = original


def _font_name(cell: Any) -> str | None:
    try:
        name = cell.font.name if cell.font is not None else None
    except (AttributeError, IndexError, KeyError, TypeError):  # s="": no style at all
        return None
    return str(name) if name else None


def _cell(sheet: str, r: int, c: int, raw: Any) -> Cell:
    value = getattr(raw, "value", None)
    loc = Location(sheet=sheet, cell=f"{get_column_letter(c + 1)}{r + 1}")
    if value is None:
        return Cell(None, "", loc)
    font = _font_name(raw)
    if isinstance(value, str):
        value = _to_unicode(value, font)
        text = "\n".join(clean(line) for line in value.splitlines())
        return Cell(value, text.strip("\n"), loc, font)
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return Cell(value, text, loc, font)


def _sheet_grid(ws: Any) -> Grid:
    grid = Grid(kind="sheet", name=str(ws.title))
    if hasattr(ws, "reset_dimensions"):
        ws.reset_dimensions()  # some writers record a wrong dimension; scan for real
    rows = ws.iter_rows(min_row=1, max_row=MAX_ROWS, min_col=1, max_col=MAX_COLS)
    for r, row in enumerate(rows):
        grid.rows.append([_cell(grid.name, r, c, raw) for c, raw in enumerate(row)])
    while grid.rows and not any(c.text for c in grid.rows[-1]):
        grid.rows.pop()
    return grid


def read_xlsx(data: bytes) -> Document:
    check_workbook_parts(check_zip(data))
    try:
        with warnings.catch_warnings(), _unsized_sheets():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True,
                                        keep_vba=False, keep_links=False)
            grids = [_sheet_grid(ws) for ws in wb.worksheets[:MAX_SHEETS]]
            wb.close()
    except UnreadableFile:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a broken package
        raise UnreadableFile(FindingCode.FILE_UNREADABLE, type(exc).__name__) from exc
    return Document(kind="xlsx", blocks=list(grids))
