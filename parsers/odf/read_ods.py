"""ODS (OpenDocument spreadsheet, LibreOffice Calc) → Document: one grid per sheet with the same
cell references as an XLSX ("F9").

content.xml is streamed row by row and each row is dropped once read, so a huge sheet costs
what its first rows cost. ODF compresses a sheet with repeat counts (a cell repeated across
16,384 columns, an empty row repeated a million times); they are expanded only up to the
corner a form can occupy, and empty rows only when content follows them. A merged area's
covered cells are blank, as in the XLSX reader; numbers come from `office:value`, not from
the displayed text.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field

from lxml import etree

from parsers.codes import FindingCode
from parsers.odf.cells import cell_reading
from parsers.odf.package import CONTENT, STYLES, OdfPackage, open_odf, q, repeat
from parsers.odf.styles import STYLE_TAGS, OdfFonts
from parsers.read.document import Cell, Document, Grid, blank_sheet_cell, sheet_location
from parsers.read.errors import UnreadableFile
from parsers.read.xlsx.rows import LETTERS, MAX_COLS, MAX_ROWS, MAX_SHEETS

_TABLE = q("table", "table")
_ROW = q("table", "table-row")
_COLUMN = q("table", "table-column")
_CELL = q("table", "table-cell")
_COVERED = q("table", "covered-table-cell")
_BODY = q("office", "body")
_NAME = q("table", "name")
_DEFAULT_STYLE = q("table", "default-cell-style-name")
_ROWS_REPEATED = q("table", "number-rows-repeated")
_COLUMNS_REPEATED = q("table", "number-columns-repeated")


@dataclass
class _Sheet:
    name: str
    fonts: OdfFonts
    column_styles: list[str | None] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    pending_blank_rows: int = 0

    def add_column(self, element: etree._Element) -> None:
        count = repeat(element, _COLUMNS_REPEATED, MAX_COLS - len(self.column_styles))
        self.column_styles.extend([element.get(_DEFAULT_STYLE)] * count)

    def _cells(self, element: etree._Element, r: int) -> list[Cell]:
        cells: list[Cell] = []
        row_style = element.get(_DEFAULT_STYLE)
        for child in element:
            if child.tag not in (_CELL, _COVERED) or len(cells) >= MAX_COLS:
                continue
            count = repeat(child, _COLUMNS_REPEATED, MAX_COLS - len(cells))
            c = len(cells)
            style = row_style or (self.column_styles[c] if c < len(self.column_styles) else None)
            value, text, font = (None, "", None) if child.tag == _COVERED else \
                cell_reading(child, style, self.fonts)
            number = str(r + 1)
            for k in range(count):
                ref = LETTERS[c + k] + number
                cells.append(Cell(value, text, sheet_location(self.name, ref), font) if text
                             else blank_sheet_cell(self.name, ref))
        return cells

    def add_row(self, element: etree._Element) -> None:
        first = len(self.rows) + self.pending_blank_rows
        if first >= MAX_ROWS:
            return
        count = repeat(element, _ROWS_REPEATED, MAX_ROWS - first)
        cells = self._cells(element, first)
        if not any(c.text for c in cells):
            self.pending_blank_rows += count
            return
        self.rows.extend([] for _ in range(self.pending_blank_rows))
        self.pending_blank_rows = 0
        self.rows.append(cells)
        for k in range(1, count):  # a repeated row with content: the same cells further down
            self.rows.append(self._cells(element, first + k))

    def grid(self) -> Grid:
        width = max((max((i + 1 for i, c in enumerate(row) if c.text), default=0)
                     for row in self.rows), default=0)
        grid = Grid(kind="sheet", name=self.name)
        for r, row in enumerate(self.rows):
            padded = row[:width] + [blank_sheet_cell(self.name, f"{LETTERS[c]}{r + 1}")
                                    for c in range(len(row), width)]
            grid.rows.append(padded)
        return grid


def _sheets(package: OdfPackage, fonts: OdfFonts) -> list[Grid]:
    grids: list[Grid] = []
    sheet: _Sheet | None = None
    depth = 0  # tables within tables (a cell may hold one): only the outer one is a sheet
    in_body = False
    for event, element in package.iterparse(CONTENT):
        tag = element.tag
        if event == "start":
            if tag == _BODY:
                in_body = True
            elif tag == _TABLE:
                depth += 1
                if depth == 1 and len(grids) < MAX_SHEETS:
                    sheet = _Sheet(str(element.get(_NAME, f"Sheet{len(grids) + 1}")), fonts)
            continue
        if not in_body and tag in STYLE_TAGS:
            fonts.add(element)
        elif tag == _TABLE:
            depth -= 1
            if depth == 0 and sheet is not None:
                grids.append(sheet.grid())
                sheet = None
        elif depth == 1 and tag in (_COLUMN, _ROW):
            if sheet is not None:  # else a sheet past MAX_SHEETS: only dropped
                (sheet.add_column if tag == _COLUMN else sheet.add_row)(element)
        else:
            continue
        _drop(element)
    return grids


def _drop(element: etree._Element) -> None:
    """Free a read element and the siblings before it: memory stays flat while streaming."""
    element.clear(keep_tail=True)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def read_ods(data: bytes, archive: zipfile.ZipFile | None = None) -> Document:
    """`archive`: `data` as the sniffer opened it, when it did."""
    package = open_odf(data, archive)
    fonts = OdfFonts()
    if package.has(STYLES):
        fonts.add_all(package.parse(STYLES))
    try:
        grids = _sheets(package, fonts)
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise UnreadableFile(FindingCode.FILE_UNREADABLE, type(exc).__name__) from exc
    return Document(kind="ods", blocks=list(grids))
