"""What a reader (DOCX, XLSX, XLS, ODT, ODS, DOC) hands on: paragraphs and grids of cells,
with places to point at.

Readers know file formats; they know nothing of the form. The interpretation step finds the form
in these blocks by content.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

CellValue = str | int | float | bool | dt.datetime | dt.date | dt.time | None


@dataclass(frozen=True)
class Location:
    """A place a clerk can find: a cell of a sheet, or a row/column of a Word table."""

    sheet: str | None = None  # Excel sheet title
    cell: str | None = None  # Excel reference, e.g. "F9"
    table: int | None = None  # Word table number, 1-based in reading order
    row: int | None = None  # Word table row, 1-based
    column: str | None = None  # a column's heading (a year, "Đvt") or its number
    paragraph: int | None = None  # Word paragraph number, 1-based
    # Word table column on the layout grid, 0-based, when `column` names a heading: where the
    # agency's own file is marked (replies.annotate); never shown
    grid_column: int | None = None


@dataclass(frozen=True)
class Cell:
    value: CellValue  # what the file holds: text, or a number for spreadsheet cells
    text: str  # the value as cleaned text ("" for blank)
    location: Location
    font: str | None = None  # font name, for legacy-encoding detection


# A sheet's places and blank cells are values that every form of a layout shares: made once,
# not once a slot and a parse (they were a fifth of a workbook's parse). Bounded.
@lru_cache(maxsize=4_096)
def sheet_location(sheet: str, ref: str) -> Location:
    """`Location(sheet=sheet, cell=ref)`."""
    return Location(sheet=sheet, cell=ref)


@lru_cache(maxsize=4_096)
def blank_sheet_cell(sheet: str, ref: str) -> Cell:
    """A blank cell at `ref` of `sheet`."""
    return Cell(None, "", sheet_location(sheet, ref))


@dataclass
class Grid:
    """A Word table or a spreadsheet: rows of cells, merged continuations left blank."""

    kind: Literal["table", "sheet"]
    name: str  # sheet title, or "1", "2"... for Word tables
    rows: list[list[Cell]] = field(default_factory=list)

    def cell(self, r: int, c: int) -> Cell | None:
        if 0 <= r < len(self.rows) and 0 <= c < len(self.rows[r]):
            return self.rows[r][c]
        return None

    def lines_outside(self, first: int, last: int) -> list[str]:
        """Texts of the cells in rows before `first` and after `last`, in reading order."""
        out: list[str] = []
        for i, row in enumerate(self.rows):
            if first <= i <= last:
                continue
            for c in row:
                if c.text:  # most cells of a sheet are blank
                    out.extend(line for line in c.text.split("\n") if line.strip())
        return out


@dataclass(frozen=True)
class Paragraph:
    text: str
    location: Location


Block = Paragraph | Grid


# The format a document was read from; text documents give tables, spreadsheets give sheets.
DocumentKind = Literal["docx", "xlsx", "xls", "ods", "odt", "doc", "rtf"]
SPREADSHEET_KINDS = frozenset({"xlsx", "xlsm", "xls", "ods"})


@dataclass
class Document:
    kind: DocumentKind
    blocks: list[Block] = field(default_factory=list)

    @property
    def grids(self) -> list[Grid]:
        return [b for b in self.blocks if isinstance(b, Grid)]
