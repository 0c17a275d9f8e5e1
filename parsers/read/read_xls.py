"""XLS (Excel 97-2003, BIFF) → Document, read directly by xlrd: one grid per sheet, the same
cell references as an XLSX ("F9"), legacy-font text converted by the font of each cell's XF
record (fonts are only loaded with `formatting_info=True`).

Sheets are loaded one at a time (`on_demand`) and only their top-left corner is looked at,
as in the XLSX reader.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import xlrd
import xlrd.formatting
from xlrd.biffh import XLRDError

from parsers.codes import FindingCode
from parsers.read.document import (
    Cell,
    CellValue,
    Document,
    Grid,
    blank_sheet_cell,
    sheet_location,
)
from parsers.read.errors import UnreadableFile
from parsers.read.xlsx.rows import LETTERS, MAX_COLS, MAX_ROWS, MAX_SHEETS
from parsers.text import clean
from parsers.vietnamese.legacy import to_unicode

_ENCRYPTED = "encrypted"


def _font(book: Any, xf_index: int) -> str | None:
    try:
        name = book.font_list[book.xf_list[xf_index].font_index].name
    except (AttributeError, IndexError, TypeError):
        return None
    return str(name) if name else None


_BLANK = (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK)


def _value(book: Any, kind: int, value: Any) -> CellValue:
    if kind in _BLANK:
        return None
    if kind == xlrd.XL_CELL_NUMBER:
        number = float(value)
        return int(number) if number.is_integer() and abs(number) < 2 ** 53 else number
    if kind == xlrd.XL_CELL_DATE:
        try:
            when: dt.datetime = xlrd.xldate.xldate_as_datetime(value, book.datemode)
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return float(value)
        return when
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(value)
    if kind == xlrd.XL_CELL_ERROR:
        return str(xlrd.error_text_from_code.get(value, "#N/A"))
    return str(value)


def _decoded(book: Any, text: str, font: str | None, runs: list[tuple[int, int]]) -> str:
    """The cell's text with each rich-text run decoded in its own font (a cell may mix a
    .VnTime run with a Times New Roman one); the text before the first run is in the cell's."""
    if not runs:
        return to_unicode(text, font)
    parts, start, current = [], 0, font
    for offset, font_index in runs:
        parts.append(to_unicode(text[start:offset], current))
        start = offset
        current = book.font_list[font_index].name if font_index < len(book.font_list) else None
    parts.append(to_unicode(text[start:], current))
    return "".join(parts)


def _cell(book: Any, sheet: Any, r: int, c: int, kind: int, raw: Any) -> Cell:
    ref = f"{LETTERS[c]}{r + 1}"
    value = _value(book, kind, raw)
    if value is None:
        return blank_sheet_cell(str(sheet.name), ref)
    loc = sheet_location(str(sheet.name), ref)
    font = _font(book, sheet.cell_xf_index(r, c))  # the cell's, else its row's or column's
    if isinstance(value, str):
        value = _decoded(book, value, font, sheet.rich_text_runlist_map.get((r, c), []))
        text = "\n".join(clean(line) for line in value.splitlines())
        return Cell(value, text.strip("\n"), loc, font)
    return Cell(value, str(value), loc, font)


def _sheet_grid(book: Any, index: int) -> Grid:
    sheet = book.sheet_by_index(index)
    grid = Grid(kind="sheet", name=str(sheet.name))
    columns = min(sheet.ncols, MAX_COLS)
    for r in range(min(sheet.nrows, MAX_ROWS)):
        width = min(columns, sheet.row_len(r))
        kinds, values = sheet.row_types(r, 0, width), sheet.row_values(r, 0, width)
        row = [_cell(book, sheet, r, c, kinds[c], values[c]) for c in range(width)]
        row += [blank_sheet_cell(grid.name, f"{LETTERS[c]}{r + 1}") for c in range(width, columns)]
        grid.rows.append(row)
    while grid.rows and not any(c.text for c in grid.rows[-1]):
        grid.rows.pop()
    book.unload_sheet(index)
    return grid


@contextmanager
def _without_colour_audit() -> Iterator[None]:
    """xlrd walks every attribute of every XF record to note which colours are used, for its
    verbose log only: a third of its load of a form. The walk is skipped only while this
    reader opens a workbook, so no other xlrd user in the process sees the change."""
    original = xlrd.formatting.check_colour_indexes_in_obj
    xlrd.formatting.check_colour_indexes_in_obj = _no_audit
    try:
        yield
    finally:
        xlrd.formatting.check_colour_indexes_in_obj = original


def _no_audit(book: Any, obj: Any, orig_index: int) -> None:
    return None


def read_xls(data: bytes) -> Document:
    try:
        with _without_colour_audit():
            book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True,
                                      logfile=_Quiet(), verbosity=0)
    except XLRDError as exc:
        protected = _ENCRYPTED in str(exc).lower()
        code = FindingCode.FILE_PROTECTED if protected else FindingCode.FILE_UNREADABLE
        raise UnreadableFile(code, str(exc)) from exc
    except Exception as exc:  # xlrd raises many kinds (struct, index, assertion) on bad BIFF
        raise UnreadableFile(FindingCode.FILE_UNREADABLE, type(exc).__name__) from exc
    try:
        grids = [_sheet_grid(book, i) for i in range(min(book.nsheets, MAX_SHEETS))]
    except Exception as exc:  # a broken sheet stream
        raise UnreadableFile(FindingCode.FILE_UNREADABLE, type(exc).__name__) from exc
    finally:
        book.release_resources()
    return Document(kind="xls", blocks=list(grids))


class _Quiet:
    """xlrd writes warnings about odd records to a log file (stdout by default)."""

    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        return None
