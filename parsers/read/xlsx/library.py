"""A workbook's sheets as openpyxl's read-only, data-only load reads them: the path for a
package the lean reader does not know (Strict OOXML, a workbook part elsewhere, chart sheets,
no styles…). Macros and external links are never loaded.

Only the top-left of a sheet is scanned, so a 100,000-row sheet costs no more than a small
one; the rows come from openpyxl's own sheet parser, as its read-only `iter_rows` gets them,
without a cell object per grid slot.
"""

from __future__ import annotations

import io
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import openpyxl
import openpyxl.reader.excel
from lxml import etree
from openpyxl.worksheet._read_only import ReadOnlyWorksheet
from openpyxl.worksheet._reader import ROW_TAG, WorkSheetParser

from parsers.read.xlsx.rows import MAX_SHEETS, ParsedRow, Row, corner
from parsers.read.xlsx_guard import check_workbook_parts


class _UnsizedWorksheet(ReadOnlyWorksheet):  # type: ignore[misc]
    """openpyxl sizes every read-only sheet when the workbook opens, parsing the whole sheet
    when it has no <dimension> (streaming writers omit it); the corner is read anyway, so the
    scan is skipped and a 100,000-row sheet costs what its first rows cost."""

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


def _font_name(wb: Any, style_id: int) -> str | None:
    """`ReadOnlyCell.font.name`: the font of the cell's style, None where that fails."""
    try:
        font = wb._fonts[wb._cell_styles[style_id].fontId]
        name = font.name if font is not None else None
    except (AttributeError, IndexError, KeyError, TypeError):  # s="": no style at all
        return None
    return str(name) if name else None


def _rows_of_sheet(ws: Any) -> Iterator[ParsedRow]:
    """(row number, cells) of each row, each parsed by openpyxl's own `parse_row`; the XML
    streamed by lxml, and the sheet's other elements (views, columns, margins…) passed over
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
                number, cells = parser.parse_row(element)
                element.clear()
                while element.getprevious() is not None:  # rows read, not kept: flat memory
                    del element.getparent()[0]
                yield number, [(cell["column"], cell["value"],
                                _font_name(wb, cell.get("style_id", 0))) for cell in cells]
            else:
                parent = element.getparent()
                if parent is not None and parent.getparent() is None:
                    element.clear()


def library_sheets(archive: zipfile.ZipFile, data: bytes) -> list[tuple[str, list[Row]]]:
    """(title, corner rows) of each worksheet by openpyxl; any exception it raises on a broken
    package goes up to the caller."""
    check_workbook_parts(archive)
    with warnings.catch_warnings(), _unsized_sheets():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True,
                                    keep_vba=False, keep_links=False)
        try:
            return [(str(ws.title), corner(_rows_of_sheet(ws)))
                    for ws in wb.worksheets[:MAX_SHEETS]]
        finally:
            wb.close()
