"""How the staff workbook looks: one font (Times New Roman), a title block on every sheet,
bold shaded headers repeated on each printed page, A4 landscape fitted to the page width, page
numbers in the footer. And the one rule for outside text: it is written as a string, never as a
formula (NOTES-trust.md: openpyxl turns any str starting with "=" into a formula)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from replies.cells import write_cell

FONT = "Times New Roman"
SIZE = 12
NUMBER = "#,##0"
DATE = "dd/mm/yyyy"
DATETIME = "dd/mm/yyyy hh:mm"
BOLD = Font(name=FONT, size=SIZE, bold=True)
PLAIN = Font(name=FONT, size=SIZE)
TITLE = Font(name=FONT, size=14, bold=True)
SUBTITLE = Font(name=FONT, size=SIZE, italic=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(vertical="top", wrap_text=True)
RIGHT = Alignment(horizontal="right", vertical="top")
FILL = PatternFill("solid", start_color="DDEBF7")
TOTAL_FILL = PatternFill("solid", start_color="F2F2F2")
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CHARS_PER_WIDTH = 1.3  # characters of 12pt Times New Roman per unit of column width
LINE_POINTS = 15.0
ROW_POINTS = 17.0
A4_LANDSCAPE_INCHES = 297 / 25.4
SIDE_MARGIN = 0.5  # inches  # a one-line body row: a little air between the lines of numbers


@dataclass(frozen=True)
class Column:
    key: str  # its title in export/columns.toml.j2
    width: float


def new_workbook() -> Workbook:
    """A workbook whose default font is Times New Roman, so empty and typed-in cells match."""
    wb = Workbook()
    wb._fonts = IndexedList([Font(name=FONT, size=SIZE, family=1)])  # the default, index 0
    return wb


def text(ws: Worksheet, row: int, col: int, value: str | None) -> Cell:
    """A cell holding text from outside (a form, a mail): always a string, never a formula
    (replies.cells, the one writer of every workbook's cells)."""
    cell = write_cell(ws, row, col, value)
    cell.font = PLAIN
    return cell


def header_height(ws: Worksheet, row: int, titles: Sequence[tuple[str, float]]) -> None:
    """A header row tall enough for its longest title, bold text being a little wider."""
    fit_height(ws, row, [(title, width * 0.9) for title, width in titles])


def number(ws: Worksheet, row: int, col: int, value: int | None, bold: bool = False) -> Cell:
    cell = write_cell(ws, row, col, value)
    cell.number_format, cell.alignment, cell.border = NUMBER, RIGHT, BOX
    cell.font = BOLD if bold else PLAIN
    return cell


def title_block(ws: Worksheet, lines: Sequence[str], last_col: int) -> int:
    """The sheet's title lines over all its columns; returns the first row after them."""
    for n, line in enumerate(lines, start=1):
        ws.merge_cells(start_row=n, start_column=1, end_row=n, end_column=last_col)
        cell = text(ws, n, 1, line)
        cell.font = TITLE if n == 1 else SUBTITLE
        cell.alignment = Alignment(horizontal="left", vertical="center")
        ws.row_dimensions[n].height = 20 if n == 1 else 16
    return len(lines) + 2


def header(ws: Worksheet, row: int, col: int, value: object, span: tuple[int, int] = (1, 1)
           ) -> None:
    """A header cell, merged over `span` (rows, columns) when larger than one cell."""
    rows, cols = span
    for r in range(row, row + rows):
        for c in range(col, col + cols):
            cell = write_cell(ws, r, c, value if (r, c) == (row, col) else None)
            cell.font, cell.alignment, cell.fill, cell.border = BOLD, CENTER, FILL, BOX
    if rows > 1 or cols > 1:
        ws.merge_cells(start_row=row, start_column=col, end_row=row + rows - 1,
                       end_column=col + cols - 1)


def widths(ws: Worksheet, columns: Iterable[float], first: int = 1) -> None:
    for n, width in enumerate(columns, start=first):
        ws.column_dimensions[get_column_letter(n)].width = width


def fit_height(ws: Worksheet, row: int, texts: Sequence[tuple[str, float]]) -> None:
    """Tall enough for the longest wrapped text of the row: (text, column width) pairs.
    Excel does not grow a row to wrapped text written by a program; LibreOffice does."""
    lines = max((sum(max(1, math.ceil(len(part) / (width * CHARS_PER_WIDTH)))
                     for part in (value or "").split("\n")) for value, width in texts), default=1)
    ws.row_dimensions[row].height = max(max(lines, 1) * LINE_POINTS + 3, ROW_POINTS)


def fitting_scale(widths: Sequence[float]) -> int:
    """The print scale (percent) at which columns of these widths fit across A4 landscape
    within print_setup's margins. A column of width w is about 7w + 5 pixels at 96 dpi."""
    pixels = sum(7 * w + 5 for w in widths) * 1.08  # spreadsheet programs round widths up
    printable = (A4_LANDSCAPE_INCHES - 2 * SIDE_MARGIN) * 96
    return max(10, min(100, int(100 * printable / pixels)))


def print_setup(ws: Worksheet, header_rows: tuple[int, int] | None, pages_wide: int = 1,
                title_columns: str | None = None) -> None:
    """A4 landscape, `pages_wide` pages across, as many down as needed, the header rows (and
    `title_columns`) on every page, "Trang N/M" at the foot."""
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = pages_wide
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    if header_rows is not None:
        ws.print_title_rows = f"{header_rows[0]}:{header_rows[1]}"
    if title_columns:
        ws.print_title_cols = title_columns
    ws.page_margins.left = ws.page_margins.right = SIDE_MARGIN
    ws.page_margins.top, ws.page_margins.bottom = 0.6, 0.8
    ws.page_margins.footer = 0.35
    ws.oddFooter.center.text = "Trang &P/&N"
    ws.oddFooter.center.font = FONT
    ws.oddFooter.right.text = "&A"
    ws.oddFooter.right.font = FONT
    ws.print_options.horizontalCentered = True
