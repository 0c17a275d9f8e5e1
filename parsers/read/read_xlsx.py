"""XLSX/XLSM → Document: one grid per sheet, cached formula values, legacy fonts converted.
Macros and external links are never loaded.

Read-only mode keeps memory flat on huge sheets; only the top-left of a sheet is scanned
(a form never needs more), so a 100,000-row sheet costs no more than a small one. The rows come
from openpyxl's own sheet parser, as its read-only `iter_rows` gets them, without a cell object
per grid slot; each row is as wide as the widest used row of the sheet's corner (not the
corner's 60 columns: a blank slot past the last used column tells the form nothing).
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import openpyxl
import openpyxl.reader.excel
from lxml import etree
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import ROW_TAG, WorkSheetParser

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


_LETTERS = [get_column_letter(c + 1) for c in range(MAX_COLS)]
Parsed = dict[str, Any]  # a cell as openpyxl's sheet parser gives it: value, style_id…


def _font_name(wb: Any, style_id: int) -> str | None:
    """`ReadOnlyCell.font.name`: the font of the cell's style, None where that fails."""
    try:
        font = wb._fonts[wb._cell_styles[style_id].fontId]
        name = font.name if font is not None else None
    except (AttributeError, IndexError, KeyError, TypeError):  # s="": no style at all
        return None
    return str(name) if name else None


def _cell(wb: Any, sheet: str, r: int, c: int, raw: Parsed | None) -> Cell:
    value = raw["value"] if raw is not None else None
    loc = Location(sheet=sheet, cell=f"{_LETTERS[c]}{r + 1}")
    if value is None or raw is None:
        return Cell(None, "", loc)
    font = _font_name(wb, raw.get("style_id", 0))
    if isinstance(value, str):
        value = _to_unicode(value, font)
        text = "\n".join(clean(line) for line in value.splitlines())
        return Cell(value, text.strip("\n"), loc, font)
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return Cell(value, text, loc, font)


def _rows_of_sheet(ws: Any) -> Iterator[tuple[int, list[Parsed]]]:
    """(row number, cells) of each row, each parsed by openpyxl's own `parse_row` (so values,
    dates and shared strings are what openpyxl reads); the XML streamed by lxml, and the
    sheet's other elements (views, columns, margins…), which a form never needs, passed over
    rather than built into openpyxl objects. Each element is cleared once read, as openpyxl
    does, so memory stays flat."""
    wb = ws.parent
    parser = WorkSheetParser(None, ws._shared_strings, data_only=wb.data_only, epoch=wb.epoch,
                             date_formats=wb._date_formats,
                             timedelta_formats=wb._timedelta_formats)
    with ws._get_source() as src:
        for _, element in etree.iterparse(src, events=("end",), resolve_entities=False,
                                          no_network=True, load_dtd=False, huge_tree=False):
            if element.tag == ROW_TAG:
                row: tuple[int, list[Parsed]] = parser.parse_row(element)
                element.clear()
                while element.getprevious() is not None:  # rows read, not kept: flat memory
                    del element.getparent()[0]
                yield row
            else:
                parent = element.getparent()
                if parent is not None and parent.getparent() is None:
                    element.clear()


def _parsed_rows(ws: Any) -> list[list[Parsed | None]]:
    """The first MAX_ROWS rows, MAX_COLS wide, as `ws.iter_rows` (read-only) yields them:
    missing rows blank, a row out of order skipped, a repeated cell the last one."""
    rows: list[list[Parsed | None]] = []
    counter = 1
    for idx, row in _rows_of_sheet(ws):
        if idx > MAX_ROWS:
            break
        while counter < idx:
            counter += 1
            rows.append([])
        if counter <= idx:
            counter += 1
            slots: list[Parsed | None] = [None] * MAX_COLS
            for cell in row:
                if 1 <= cell["column"] <= MAX_COLS:
                    slots[cell["column"] - 1] = cell
            rows.append(slots)
    return rows


def _width(rows: list[list[Parsed | None]]) -> int:
    used = [c for row in rows for c, raw in enumerate(row)
            if raw is not None and raw["value"] is not None]
    return max(used) + 1 if used else 0


def _sheet_grid(ws: Any) -> Grid:
    grid = Grid(kind="sheet", name=str(ws.title))
    rows = _parsed_rows(ws)
    width = _width(rows)
    for r, row in enumerate(rows):
        grid.rows.append([_cell(ws.parent, grid.name, r, c, row[c] if c < len(row) else None)
                          for c in range(width)])
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
