"""The rows of a Word table on its layout grid, computed in one pass over the XML.

python-docx resolves each vertically merged cell by walking up the table, and expands a
horizontal span into one object per grid column, so a hostile `gridSpan` or a long vertical merge
costs it time without bound. Here a span is clamped, a merge is looked up in the row above,
and rows and columns are capped.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from parsers.read.docx_package import w

MAX_TABLE_ROWS = 1_000
MAX_GRID_COLS = 64  # Word itself stops at 63

_TC, _TR = w("tc"), w("tr")
_SPAN = f"{w('tcPr')}/{w('gridSpan')}"
_VMERGE = f"{w('tcPr')}/{w('vMerge')}"
_BEFORE = f"{w('trPr')}/{w('gridBefore')}"
_VAL = w("val")


class Slot(NamedTuple):  # one per grid cell read: a tuple is cheaper to make than a dataclass
    tc: Any  # the w:tc element holding the content of this grid cell
    duplicate: bool  # a merged continuation: its content is counted at its first slot


def _value(element: Any, default: int) -> int:
    if element is None:
        return default
    try:
        return max(0, min(int(str(element.get(_VAL, default))), MAX_GRID_COLS))
    except ValueError:
        return default


def before_of(element: Any) -> int:
    """The grid columns a row skips, from its gridBefore element (or None), clamped."""
    return _value(element, 0)


def span_of(element: Any) -> int:
    """The grid columns a cell spans, from its gridSpan element (or None), clamped."""
    return max(1, _value(element, 1))


def merged(element: Any) -> bool:
    """Whether a cell continues the one above, from its vMerge element (or None)."""
    return element is not None and element.get(_VAL, "continue") == "continue"


# A cell of a row as the layout reads it: what holds its content (the w:tc), its span, and
# whether it continues the cell above.
CellMarks = tuple[Any, int, bool]


def row_slots(before: int, cells: Iterable[CellMarks], above: dict[int, Any]
              ) -> tuple[list[Slot], dict[int, Any]]:
    """Slots of one row (positions exclude gridBefore, as Word's cell list does) and the
    content cell at each grid offset, for the row below."""
    slots: list[Slot] = []
    roots: dict[int, Any] = {}
    offset = before
    for tc, span, continues in cells:
        root = above.get(offset) if continues else None
        for k in range(span):
            if len(slots) >= MAX_GRID_COLS:
                return slots, roots
            roots[offset + k] = root if root is not None else tc
            slots.append(Slot(root if root is not None else tc, root is not None or k > 0))
        offset += span
    return slots, roots


def grid_rows(tbl: Any) -> Iterator[list[Slot]]:
    """Rows of `tbl` (a w:tbl element) as grid slots, at most MAX_TABLE_ROWS of them."""
    above: dict[int, Any] = {}
    for r, tr in enumerate(tbl.iterchildren(_TR)):
        if r >= MAX_TABLE_ROWS:
            return
        cells = ((tc, span_of(tc.find(_SPAN)), merged(tc.find(_VMERGE)))
                 for tc in tr.iterchildren(_TC))
        slots, above = row_slots(before_of(tr.find(_BEFORE)), cells, above)
        yield slots
