"""The one way a value reaches a cell of any workbook we write (the export, the one attached to
the digest, the blank form): text stays text.

openpyxl makes a formula of any `str` that starts with `=` (and an error value of "#N/A" and
its kind) on assignment, and a spreadsheet runs what a cell holds as a formula. An agency name,
a document number, a sender or a subject comes from outside: written as a formula, it could
open a link or start a program on the staff's computer (OWASP "CSV injection"). So every string
is typed as a string after it is assigned, whatever it starts with (`=`, `+`, `-`, `@`, a tab,
a carriage return); the value itself is not changed. Characters XML cannot carry (NUL and other
C0 controls but tab and line ends) are dropped: openpyxl refuses them, and one such byte in a
form must not cost staff the whole workbook.
"""

from __future__ import annotations

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["write_cell"]


def write_cell(ws: Worksheet, row: int, column: int, value: object) -> Cell:
    """Put `value` at (row, column) of `ws`; a `str` is written as text, never as a formula."""
    if not isinstance(value, str):
        cell: Cell = ws.cell(row=row, column=column, value=value)
        return cell
    cell = ws.cell(row=row, column=column, value=ILLEGAL_CHARACTERS_RE.sub("", value))
    cell.data_type = "s"
    return cell
