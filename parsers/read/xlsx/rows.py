"""The top-left corner of a sheet that a form is read from, whichever reader parsed it: rows as
openpyxl's read-only `iter_rows` gives them (missing rows blank, a row out of order passed
over, a repeated cell the last one), each MAX_COLS slots wide."""

from __future__ import annotations

from collections.abc import Iterable

MAX_ROWS = 1_000
MAX_COLS = 60
MAX_SHEETS = 50



def _letters(index: int) -> str:
    out, number = "", index + 1
    while number:
        number, rest = divmod(number - 1, 26)
        out = chr(65 + rest) + out
    return out


LETTERS = [_letters(c) for c in range(MAX_COLS)]  # "A" … "BH", by column index
RawCell = tuple[object, str | None]  # a cell's value (never None) and its font's name
Row = list[RawCell | None]
ParsedRow = tuple[int, Iterable[tuple[int, object, str | None]]]  # number, (column, value, font)


def corner(parsed: Iterable[ParsedRow]) -> list[Row]:
    """The first MAX_ROWS rows of `parsed` (consumed no further than row MAX_ROWS + 1)."""
    rows: list[Row] = []
    counter = 1
    for number, cells in parsed:
        if number > MAX_ROWS:
            break
        while counter < number:
            counter += 1
            rows.append([])
        if counter <= number:
            counter += 1
            slots: Row = [None] * MAX_COLS
            for column, value, font in cells:
                if 1 <= column <= MAX_COLS:
                    slots[column - 1] = (value, font) if value is not None else None
            rows.append(slots)
    return rows
