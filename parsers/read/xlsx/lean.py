"""A workbook's sheets read from its XML with lxml, as openpyxl's read-only, data-only load
would read them: `Unfamiliar` wherever the package holds something read another way."""

from __future__ import annotations

import zipfile

from parsers.read.xlsx.package import workbook
from parsers.read.xlsx.rows import MAX_SHEETS, Row
from parsers.read.xlsx.sheet import sheet_rows
from parsers.read.xlsx.strings import shared_strings
from parsers.read.xlsx.styles import read_styles


def lean_sheets(archive: zipfile.ZipFile) -> list[tuple[str, list[Row]]]:
    """(title, corner rows) of each worksheet, in workbook order, at most MAX_SHEETS."""
    book = workbook(archive)
    styles = read_styles(archive)
    strings = shared_strings(archive, book.strings) if book.strings is not None else []
    return [(sheet.title, sheet_rows(archive, sheet.part, strings, styles, book.epoch))
            for sheet in book.sheets[:MAX_SHEETS]]
