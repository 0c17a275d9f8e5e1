"""The fills of marked cells, written into xl/styles.xml as openpyxl writes
`PatternFill("solid", start_color=X, end_color=X)`: one new <fill> per colour, and one new cell
style (<xf> in cellXfs) per (style a marked cell had, colour) — a copy of the old style with the
new fill, so the cell keeps its font, border, alignment and number format."""

from __future__ import annotations

import copy
from typing import Any

from parsers.read.xlsx.package import MAIN, Unfamiliar

_FILL, _PATTERN, _FG, _BG, _XF = (MAIN + n for n in ("fill", "patternFill", "fgColor", "bgColor",
                                                       "xf"))
_MAX_STYLES = 64_000  # Excel's limit on cell styles in a workbook


def _list(root: Any, name: str) -> Any:
    found = root.findall(MAIN + name)
    if len(found) != 1:
        raise Unfamiliar(f"{len(found)} {name} lists")
    return found[0]


class Fills:
    """The stylesheet of a workbook, taking new fills and cell styles as marks need them."""

    def __init__(self, root: Any) -> None:
        if root.tag != MAIN + "styleSheet":
            raise Unfamiliar(f"styles root {root.tag}")
        self.root = root
        self.fills, self.cell_xfs = _list(root, "fills"), _list(root, "cellXfs")
        if any(child.tag != _FILL for child in self.fills) \
                or any(child.tag != _XF for child in self.cell_xfs):
            raise Unfamiliar("something else among the fills or cell styles")
        self.xfs = list(self.cell_xfs)
        self._fill_ids: dict[str, int] = {}
        self._styles: dict[tuple[int, str], int] = {}

    def _fill_id(self, colour: str) -> int:
        if colour not in self._fill_ids:
            fill = self._element(self.fills, _FILL)
            pattern = self._element(fill, _PATTERN, patternType="solid")
            argb = "00" + colour  # what openpyxl's Color makes of a six-digit colour
            self._element(pattern, _FG, rgb=argb)
            self._element(pattern, _BG, rgb=argb)
            self.fills.set("count", str(len(self.fills)))
            self._fill_ids[colour] = len(self.fills) - 1
        return self._fill_ids[colour]

    def _element(self, parent: Any, tag: str, **attributes: str) -> Any:
        element = parent.makeelement(tag, attributes)
        parent.append(element)
        return element

    def style(self, old: int, colour: str) -> int:
        """The cell style to give a cell of style `old` filled with `colour`."""
        key = (old, colour)
        if key not in self._styles:
            if not 0 <= old < len(self.xfs):
                raise Unfamiliar(f"cell style {old} of {len(self.xfs)}")
            if len(self.xfs) >= _MAX_STYLES:
                raise Unfamiliar("too many cell styles")
            xf = copy.deepcopy(self.xfs[old])
            xf.set("fillId", str(self._fill_id(colour)))
            xf.set("applyFill", "1")
            self.cell_xfs.append(xf)
            self.xfs.append(xf)
            self.cell_xfs.set("count", str(len(self.xfs)))
            self._styles[key] = len(self.xfs) - 1
        return self._styles[key]
