"""Finding the demand table among a document's grids, by content, and reading it.

The table may start anywhere, carry title rows, extra columns (a total, notes), merged
headers, years as numbers or "Năm 2021", and rows in any order: rows are recognised by their
labels (the campaign's spellings) and the TT code, years by their headings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from parsers.form.quantity import Quantity, parse_quantity
from parsers.read.document import Cell, Grid, Location
from parsers.spec.campaign import Campaign, RowSpec
from parsers.text import match_key

MAX_HEADER_SCAN = 200
MAX_LABEL_CHARS = 100
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
_TT = re.compile(r"^(?:[0-9]{1,2}|[ivx]{1,4}|[a-e])$")
_COLUMN_WORDS = {  # heading words of the columns other than years (match keys)
    "tt": ("tt", "stt", "so tt", "thu tu"),
    "unit": ("dvt", "don vi tinh", "don vi", "dv tinh"),
    "notes": ("ghi chu",),
    "label": ("noi dung", "loai chung thu so", "danh muc", "ten"),
}
_END_OF_TABLE = ("ghi chu", "chu thich")
_TOTAL_ROW = ("tong", "tong cong", "cong", "tong so")


@dataclass
class CellReading:
    quantity: Quantity
    location: Location


@dataclass
class RowReading:
    key: str
    index: int  # row number in the grid, 0-based
    location: Location
    unit: str = ""
    note: str = ""
    cells: dict[str, CellReading] = field(default_factory=dict)


@dataclass
class TableReading:
    grid: Grid
    first_row: int
    last_row: int
    years: dict[str, int]  # year -> column
    rows: dict[str, RowReading]  # by row key, leaves and groups
    duplicates: list[RowReading]
    location: Location

    @property
    def score(self) -> int:
        return 10 * len(self.rows) + 3 * len(self.years)


def _year_of(cell: Cell, years: tuple[str, ...]) -> str | None:
    v = cell.value
    if isinstance(v, (int, float)) and not isinstance(v, bool) and float(v).is_integer():
        return str(int(v)) if str(int(v)) in years else None
    if not cell.text:  # most cells of a sheet: no year to find
        return None
    key = match_key(cell.text)
    if not key or len(key) > 25:
        return None
    found = _YEAR.findall(key)
    return found[0] if len(found) == 1 and found[0] in years else None


def _find_years(grid: Grid, years: tuple[str, ...]) -> tuple[int, dict[str, int]]:
    best_row, best = -1, dict[str, int]()
    for r, row in enumerate(grid.rows[:MAX_HEADER_SCAN]):
        found: dict[str, int] = {}
        for c, cell in enumerate(row):
            if cell.value is None and not cell.text:  # blank: no year
                continue
            year = _year_of(cell, years)
            if year and year not in found:
                found[year] = c
        if len(found) > len(best):
            best_row, best = r, found
    return best_row, best


def _heading_columns(grid: Grid, header_row: int) -> dict[str, int]:
    """Columns of TT, label, unit, notes from the headings in the rows around the years."""
    out: dict[str, int] = {}
    for r in range(max(0, header_row - 3), header_row + 1):
        for c, cell in enumerate(grid.rows[r] if 0 <= r < len(grid.rows) else []):
            key = match_key(cell.text)
            for name, words in _COLUMN_WORDS.items():
                if name not in out and key in words:
                    out[name] = c
    return out


_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6"}


def _tt_of(row: list[Cell], columns: dict[str, int]) -> str:
    cell = row[columns["tt"]] if "tt" in columns and columns["tt"] < len(row) else (
        row[0] if row else None)
    key = match_key(cell.text) if cell else ""
    if key.isdigit():
        return str(int(key))
    return _ROMAN.get(key, key) if _TT.match(key) else ""


def _label_of(row: list[Cell], columns: dict[str, int], stop: int) -> str:
    skip = {columns.get("tt"), columns.get("unit"), columns.get("notes")}
    if "label" in columns and columns["label"] < len(row) and row[columns["label"]].text:
        return row[columns["label"]].text
    parts = [c.text for i, c in enumerate(row[:stop]) if i not in skip and c.text
             and not isinstance(c.value, (int, float))]
    return " ".join(parts)


def _code_key(code: str) -> str:
    return str(int(code)) if code.isdigit() else match_key(code)


def _classify(label: str, tt: str, group: str | None, campaign: Campaign) -> RowSpec | None:
    """The row whose longest spelling found among the label's words is longest, a TT code or
    group that agrees adding to it; the first of equals."""
    words = frozenset(match_key(label).split())  # once per label, not once per spelling
    best, found = 0.0, None
    for spec, spellings in zip(campaign.rows, campaign.row_spellings, strict=True):
        base = max((n for spelling, n in spellings if spelling <= words), default=0)
        if not base:
            continue
        bonus = 0.0
        if spec.code and tt and tt == _code_key(spec.code):
            bonus += 0.5
        if spec.parent and group == spec.parent:
            bonus += 0.6
        score = base + bonus
        if score > best:
            best, found = score, spec
    return found


def _read_row(grid: Grid, r: int, spec: RowSpec, years: dict[str, int],
              columns: dict[str, int]) -> RowReading:
    row = grid.rows[r]
    reading = RowReading(spec.key, r, _row_location(grid, r, row, columns))
    if "unit" in columns and columns["unit"] < len(row):
        reading.unit = row[columns["unit"]].text
    if "notes" in columns and columns["notes"] < len(row):
        reading.note = row[columns["notes"]].text
    for year, c in years.items():
        cell = grid.cell(r, c)
        if cell is None:
            continue
        loc = _cell_location(grid, cell, year)
        reading.cells[year] = CellReading(parse_quantity(cell.value), loc)
    return reading


def _cell_location(grid: Grid, cell: Cell, year: str) -> Location:
    loc = cell.location
    if grid.kind == "table":
        index = int(loc.column) - 1 if loc.column and loc.column.isdigit() else None
        return Location(table=loc.table, row=loc.row, column=year, grid_column=index)
    return loc


def _row_location(grid: Grid, r: int, row: list[Cell], columns: dict[str, int]) -> Location:
    if grid.kind == "table":
        return Location(table=int(grid.name) if grid.name.isdigit() else None, row=r + 1)
    c = columns.get("label", 0)
    return row[min(c, len(row) - 1)].location if row else Location(sheet=grid.name)


def read_table(grid: Grid, campaign: Campaign) -> TableReading:
    header_row, years = _find_years(grid, campaign.years)
    columns = _heading_columns(grid, header_row) if header_row >= 0 else {}
    stop = min(years.values()) if years else 10_000
    rows: dict[str, RowReading] = {}
    duplicates: list[RowReading] = []
    group: str | None = None
    last = header_row
    for r in range(header_row + 1, len(grid.rows)):
        row = grid.rows[r]
        label = _label_of(row, columns, stop)
        key = match_key(label)
        if not key or len(label) > MAX_LABEL_CHARS or key in _TOTAL_ROW:
            continue
        if rows and (key.startswith(_END_OF_TABLE) or label.lstrip().startswith("*")):
            break
        spec = _classify(label, _tt_of(row, columns), group, campaign)
        if spec is None:
            continue
        group = spec.key if campaign.children(spec.key) else spec.parent
        reading = _read_row(grid, r, spec, years, columns)
        if spec.key in rows:
            duplicates.append(reading)
        else:
            rows[spec.key] = reading
        last = r
    first = max(0, header_row - 2) if header_row >= 0 else (
        min(x.index for x in rows.values()) if rows else 0)
    table_loc = (Location(table=int(grid.name)) if grid.kind == "table" and grid.name.isdigit()
                 else Location(sheet=grid.name))
    return TableReading(grid, first, last, years, rows, duplicates, table_loc)


def find_table(grids: list[Grid], campaign: Campaign) -> TableReading | None:
    """The grid that is most like the demand table, or None when none is like it enough."""
    best: TableReading | None = None
    for grid in grids:
        reading = read_table(grid, campaign)
        if not _plausible(reading):
            continue
        if best is None or reading.score > best.score:
            best = reading
    return best


def _plausible(reading: TableReading) -> bool:
    n = len(reading.rows)
    return (n >= 2 and bool(reading.years)) or n >= 3
