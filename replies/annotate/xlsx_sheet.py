"""One worksheet's XML, as the lean marker changes it: the cell a mark lands on (the top-left
cell of a merged range), found or created in its row in column order (the row in row order),
its current cell style, and the <legacyDrawing> that ties the sheet to its comments' shapes.

A sheet whose layout this module cannot be sure of (a row or cell without its reference, a
repeated row, an element it cannot place the drawing among, comments already there) is
Unfamiliar: openpyxl marks it instead."""

from __future__ import annotations

import bisect
import re
from typing import Any

from parsers.read.xlsx.package import MAIN, Unfamiliar

R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_ROW, _C, _COL = MAIN + "row", MAIN + "c", MAIN + "col"
_REF = re.compile(r"([A-Z]{1,3})([1-9][0-9]{0,6})")
_RANGE = re.compile(r"([A-Z]{1,3}[1-9][0-9]{0,6})(?::([A-Z]{1,3}[1-9][0-9]{0,6}))?")
# CT_Worksheet's children in schema order (ECMA-376 18.3.1.99); legacyDrawing goes after the
# ones before it, before the ones after it
_ORDER = ("sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData",
          "sheetCalcPr", "sheetProtection", "protectedRanges", "scenarios", "autoFilter",
          "sortState", "dataConsolidate", "customSheetViews", "mergeCells", "phoneticPr",
          "conditionalFormatting", "dataValidations", "hyperlinks", "printOptions",
          "pageMargins", "pageSetup", "headerFooter", "rowBreaks", "colBreaks",
          "customProperties", "cellWatches", "ignoredErrors", "smartTags", "drawing",
          "legacyDrawing", "legacyDrawingHF", "drawingHF", "picture", "oleObjects", "controls",
          "webPublishItems", "tableParts", "extLst")
_RANK = {MAIN + name: rank for rank, name in enumerate(_ORDER)}


def column_number(letters: str) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def coordinates(ref: str) -> tuple[int, int]:
    """(row, column) of an A1 reference; Unfamiliar for anything else."""
    found = _REF.fullmatch(ref)
    if found is None:
        raise Unfamiliar(f"cell reference {ref[:20]!r}")
    return int(found.group(2)), column_number(found.group(1))


def _integer(text: str | None, default: int) -> int:
    if text is None:
        return default
    try:
        return int(text)
    except ValueError:
        raise Unfamiliar(f"not a number: {text[:20]!r}") from None


class SheetCells:
    def __init__(self, root: Any) -> None:
        if root.tag != MAIN + "worksheet" or any(child.tag not in _RANK for child in root):
            raise Unfamiliar("a worksheet with elements out of the schema")
        if root.find(MAIN + "legacyDrawing") is not None:  # comments (or controls) already:
            raise Unfamiliar("a legacy drawing there already")  # openpyxl merges them
        data = root.findall(MAIN + "sheetData")
        if len(data) != 1:
            raise Unfamiliar("sheetData")
        self.root, self.data = root, data[0]
        self.rows: dict[int, Any] = {}
        for row in self.data:
            number = _integer(row.get("r"), 0) if row.tag == _ROW else 0
            if number <= 0 or number in self.rows:
                raise Unfamiliar("a row without its number, or twice")
            self.rows[number] = row
        self.numbers = sorted(self.rows)
        self.merged = [self._range(m.get("ref", "")) for m in root.iter(MAIN + "mergeCell")]

    @staticmethod
    def _range(ref: str) -> tuple[int, int, int, int]:
        found = _RANGE.fullmatch(ref)
        if found is None:
            raise Unfamiliar(f"merged range {ref[:20]!r}")
        top, left = coordinates(found.group(1))
        bottom, right = coordinates(found.group(2) or found.group(1))
        return min(top, bottom), min(left, right), max(top, bottom), max(left, right)

    def writable(self, ref: str) -> tuple[int, int]:
        """(row, column) of `ref`, or of the top-left cell of the merged range it lies in."""
        row, column = coordinates(ref)
        for top, left, bottom, right in self.merged:
            if top <= row <= bottom and left <= column <= right:
                return top, left
        return row, column

    def _row(self, number: int) -> Any:
        row = self.rows.get(number)
        if row is None:
            row = self.data.makeelement(_ROW, {"r": str(number)})
            at = bisect.bisect(self.numbers, number)
            if at < len(self.numbers):
                self.rows[self.numbers[at]].addprevious(row)
            else:
                self.data.append(row)
            self.numbers.insert(at, number)
            self.rows[number] = row
        return row

    def _column_style(self, column: int) -> int:
        for col in self.root.iter(_COL):
            if _integer(col.get("min"), 0) <= column <= _integer(col.get("max"), 0):
                return _integer(col.get("style"), 0)
        return 0

    def cell(self, number: int, column: int) -> tuple[Any, int]:
        """The <c> at (row, column), created when missing, and its cell style (a new cell's:
        its row's, else its column's, as Excel shows an empty cell)."""
        row = self._row(number)
        for c in row:
            found = _REF.fullmatch(c.get("r") or "") if c.tag == _C else None
            if found is None or int(found.group(2)) != number:
                raise Unfamiliar("a cell without its reference")
            at = column_number(found.group(1))
            if at == column:
                return c, _integer(c.get("s"), 0)
            if at > column:
                break
        else:
            c = None
        if row.get("customFormat") in ("1", "true"):
            style = _integer(row.get("s"), 0)
        else:
            style = self._column_style(column)
        letters = ""
        n = column
        while n:
            n, rest = divmod(n - 1, 26)
            letters = chr(65 + rest) + letters
        new = row.makeelement(_C, {"r": f"{letters}{number}"})
        if c is None:
            row.append(new)
        else:
            c.addprevious(new)
        row.attrib.pop("spans", None)  # a hint of the row's extent, no longer true
        return new, style

    def add_legacy_drawing(self, rid: str) -> None:
        element = self.root.makeelement(MAIN + "legacyDrawing", {f"{{{R_NS}}}id": rid},
                                        nsmap={"r": R_NS})
        rank = _RANK[MAIN + "legacyDrawing"]
        later = next((child for child in self.root if _RANK[child.tag] > rank), None)
        if later is None:
            self.root.append(element)
        else:
            later.addprevious(element)
