"""XLSX/XLSM → Document: one grid per sheet, cached formula values, legacy fonts converted.
Macros and external links are never loaded.

The lean reader (`parsers.read.xlsx.lean`) reads the package's XML as openpyxl's read-only,
data-only load would, in a fraction of its time: openpyxl's load built the whole workbook
(styles, theme, properties, defined names) and cost more than the rest of the parse. Where the
package holds something the lean reader does not know, openpyxl reads it as before
(`parsers.read.xlsx.library`). Damage where a form never looks (document properties, defined
names, fills and borders, cells past the corner), for which openpyxl refused the whole workbook,
no longer refuses it.

Only the top-left corner of a sheet is read (a form never needs more), so a 100,000-row sheet
costs no more than a small one; each row is as wide as the widest used row of the corner (a
blank slot past the last used column tells the form nothing).
"""

from __future__ import annotations

import zipfile

from parsers.codes import FindingCode
from parsers.read.document import (
    Cell,
    Document,
    Grid,
    Location,
    blank_sheet_cell,
    sheet_location,
)
from parsers.read.errors import UnreadableFile
from parsers.read.safe_zip import check_zip
from parsers.read.xlsx.lean import lean_sheets
from parsers.read.xlsx.rows import LETTERS, RawCell, Row
from parsers.text import clean
from parsers.vietnamese.legacy import to_unicode as _to_unicode


def _cell(raw: RawCell, loc: Location) -> Cell:
    value, font = raw
    if isinstance(value, str):
        value = _to_unicode(value, font)
        text = "\n".join(clean(line) for line in value.splitlines())
        return Cell(value, text.strip("\n"), loc, font)
    text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
    return Cell(value, text, loc, font)  # type: ignore[arg-type]  # as openpyxl typed it


def _width(rows: list[Row]) -> int:
    """One past the last column any row uses."""
    width = 0
    for row in rows:
        rest = row[width:]  # only what could widen it, counted in C
        if rest.count(None) < len(rest):
            width = len(row) - next(i for i, raw in enumerate(reversed(row)) if raw is not None)
    return width


def _grid(title: str, rows: list[Row]) -> Grid:
    grid = Grid(kind="sheet", name=title)
    width = _width(rows)
    for r, row in enumerate(rows):
        number = str(r + 1)
        cells: list[Cell] = []
        for c in range(width):
            raw = row[c] if c < len(row) else None
            ref = LETTERS[c] + number
            cells.append(blank_sheet_cell(title, ref) if raw is None
                         else _cell(raw, sheet_location(title, ref)))
        grid.rows.append(cells)
    while grid.rows and not any(c.text for c in grid.rows[-1]):
        grid.rows.pop()
    return grid


def read_xlsx(data: bytes, archive: zipfile.ZipFile | None = None) -> Document:
    """`archive`: `data` as the sniffer opened it, when it did."""
    archive = check_zip(data, archive)
    try:
        sheets = lean_sheets(archive)
    except UnreadableFile:
        raise  # a length openpyxl's regexes cannot take (xlsx_guard): its path says the same
    except Exception:  # noqa: BLE001  # Unfamiliar, or anything the lean reader did not foresee
        sheets = _library_sheets(archive, data)
    return Document(kind="xlsx", blocks=[_grid(title, rows) for title, rows in sheets])


def _library_sheets(archive: object, data: bytes) -> list[tuple[str, list[Row]]]:
    from parsers.read.xlsx.library import library_sheets  # openpyxl: only when it is needed

    try:
        return library_sheets(archive, data)  # type: ignore[arg-type]
    except UnreadableFile:
        raise
    except Exception as exc:  # openpyxl raises many kinds on a broken package
        raise UnreadableFile(FindingCode.FILE_UNREADABLE, type(exc).__name__) from exc
