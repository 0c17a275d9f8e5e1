"""Where marks land in a workbook: the cells they name, grouped by (sheet, cell) in mark order,
the colour each cell is filled with and the comment it carries. Shared by the lean marker and
openpyxl's, so that both mark the same cells alike."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from replies.annotate.marks import Mark

AUTHOR = "Ban Cơ yếu Chính phủ"
COMMENT_CHARS = 2_000
COMMENT_WIDTH, COMMENT_HEIGHT = 320, 120  # openpyxl's Comment(width=, height=), in px


def marks_by_cell(marks: Sequence[Mark], sheets: Collection[str]
                  ) -> dict[tuple[str, str], list[Mark]]:
    """The marks naming a cell of one of `sheets` (by title), by (title, cell reference)."""
    by_cell: dict[tuple[str, str], list[Mark]] = {}
    for mark in marks:
        loc = mark.location
        if loc.sheet is not None and loc.sheet in sheets and loc.cell:
            by_cell.setdefault((loc.sheet, loc.cell), []).append(mark)
    return by_cell


def cell_fill(found: Sequence[Mark]) -> str:
    """The colour of the worst mark: an error's when there is one."""
    return min(found, key=lambda m: m.severity != "error").fill


def comment_text(found: Sequence[Mark]) -> str:
    """The distinct messages, one a line, cut to what a comment box can show."""
    return "\n".join(dict.fromkeys(m.message for m in found))[:COMMENT_CHARS]
