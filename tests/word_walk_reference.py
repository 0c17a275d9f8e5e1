"""The DOCX reader's walk as it was first written, one Python step per element (python-docx's
`Paragraph.text`, `_Cell.paragraphs`, `_Cell.tables`, its merged cells): the oracle that
`parsers.read.read_docx`'s one-pass walk (parsers/read/word) is checked against in
tests/test_word_walk.py. Not product code: kept as it was, for its plainness."""

from __future__ import annotations

from typing import Any

from parsers.read.document import Cell, Grid, Location, Paragraph
from parsers.read.docx_package import w
from parsers.read.docx_rows import MAX_GRID_COLS, MAX_TABLE_ROWS
from parsers.text import clean
from parsers.vietnamese.legacy import legacy_encoding_of_font, to_unicode

MAX_BLOCKS, MAX_CELLS, MAX_DEPTH = 20_000, 200_000, 20
_P, _R, _T, _TBL, _TC, _TR = w("p"), w("r"), w("t"), w("tbl"), w("tc"), w("tr")
_HYPERLINK, _SDT, _SDT_CONTENT = w("hyperlink"), w("sdt"), w("sdtContent")
_WRAPPERS = (_SDT, w("customXml"))
_RUN_FONTS = f"{w('rPr')}/{w('rFonts')}"
_FONT_ATTRS = (w("hAnsi"), w("ascii"), w("cs"))
_BR, _BR_TYPE, _VAL = w("br"), w("type"), w("val")
_RUN_TEXT = {w("tab"): "\t", w("br"): "\n", w("cr"): "\n", w("softHyphen"): "\xad",
             w("noBreakHyphen"): "-"}
_DOCX_TEXT = {w("tab"): "\t", w("cr"): "\n", w("noBreakHyphen"): "-", w("ptab"): "\t"}
_SPAN = f"{w('tcPr')}/{w('gridSpan')}"
_VMERGE = f"{w('tcPr')}/{w('vMerge')}"
_BEFORE = f"{w('trPr')}/{w('gridBefore')}"


def _run_font(r: Any) -> str | None:
    fonts = r.find(_RUN_FONTS)
    if fonts is None:
        return None
    for attr in _FONT_ATTRS:
        if fonts.get(attr):
            return str(fonts.get(attr))
    return None


def _run_text(r: Any) -> str:
    return "".join(child.text or "" if child.tag == _T else _RUN_TEXT.get(child.tag, "")
                   for child in r.iterchildren())


def _docx_run_text(r: Any) -> str:
    out: list[str] = []
    for child in r.iterchildren():
        if child.tag == _T:
            out.append(child.text or "")
        elif child.tag == _BR:
            out.append("\n" if child.get(_BR_TYPE, "textWrapping") == "textWrapping" else "")
        else:
            out.append(_DOCX_TEXT.get(child.tag, ""))
    return "".join(out)


def _plain_text(p: Any) -> str:
    out: list[str] = []
    for child in p.iterchildren(_R, _HYPERLINK):
        if child.tag == _R:
            out.append(_docx_run_text(child))
        else:
            out.extend(_docx_run_text(r) for r in child.iterchildren(_R))
    return "".join(out)


def paragraph_text(p: Any, default_font: str | None) -> tuple[str, str | None]:
    runs = list(p.iter(_R))
    fonts = [_run_font(r) or default_font for r in runs]
    first_font = next((f for f in fonts if f), None)
    if not any(legacy_encoding_of_font(f) for f in fonts):
        return _plain_text(p), first_font
    return "".join(to_unicode(_run_text(r), f) for r, f in zip(runs, fonts, strict=True)), \
        first_font


def _number(element: Any, path: str, default: int) -> int:
    found = element.find(path)
    if found is None:
        return default
    try:
        return max(0, min(int(str(found.get(_VAL, default))), MAX_GRID_COLS))
    except ValueError:
        return default


def grid_rows(tbl: Any) -> list[list[tuple[Any, bool]]]:
    rows: list[list[tuple[Any, bool]]] = []
    above: dict[int, Any] = {}
    for r, tr in enumerate(tbl.iterchildren(_TR)):
        if r >= MAX_TABLE_ROWS:
            break
        slots: list[tuple[Any, bool]] = []
        roots: dict[int, Any] = {}
        offset = _number(tr, _BEFORE, 0)
        for tc in tr.iterchildren(_TC):
            span = max(1, _number(tc, _SPAN, 1))
            merge = tc.find(_VMERGE)
            root = above.get(offset) if merge is not None and merge.get(
                _VAL, "continue") == "continue" else None
            full = False
            for k in range(span):
                if len(slots) >= MAX_GRID_COLS:
                    full = True
                    break
                roots[offset + k] = root if root is not None else tc
                slots.append((root if root is not None else tc, root is not None or k > 0))
            if full:
                break
            offset += span
        rows.append(slots)
        above = roots
    return rows


class Reader:
    def __init__(self, default_font: str | None) -> None:
        self.blocks: list[Paragraph | Grid] = []
        self.tables = self.paragraphs = self.cells = 0
        self.default_font = default_font

    def _full(self) -> bool:
        return len(self.blocks) > MAX_BLOCKS or self.cells > MAX_CELLS

    def body(self, element: Any, depth: int = 0) -> None:
        for child in element.iterchildren():
            if self._full():
                return
            if child.tag == _P:
                self.paragraphs += 1
                text, _ = paragraph_text(child, self.default_font)
                for line in text.splitlines():
                    if clean(line):
                        self.blocks.append(Paragraph(clean(line),
                                                     Location(paragraph=self.paragraphs)))
            elif child.tag == _TBL:
                stack: list[tuple[Any, int]] = [(child, 0)]
                while stack and not self._full():
                    table, level = stack.pop()
                    nested = self.table(table)
                    if level < MAX_DEPTH:
                        stack.extend((inner, level + 1) for inner in reversed(nested))
            elif child.tag in _WRAPPERS and depth < MAX_DEPTH:
                content = child.find(_SDT_CONTENT) if child.tag == _SDT else child
                if content is not None:
                    self.body(content, depth + 1)

    def table(self, tbl: Any) -> list[Any]:
        self.tables += 1
        grid = Grid(kind="table", name=str(self.tables))
        self.blocks.append(grid)
        nested: list[Any] = []
        for r, slots in enumerate(grid_rows(tbl)):
            cells: list[Cell] = []
            for c, (tc, duplicate) in enumerate(slots):
                loc = Location(table=self.tables, row=r + 1, column=str(c + 1))
                if duplicate:
                    cells.append(Cell(None, "", loc))
                    continue
                lines: list[str] = []
                font: str | None = None
                for p in tc.iterchildren(_P):
                    text, f = paragraph_text(p, self.default_font)
                    font = font or f
                    lines.extend(clean(line) for line in text.splitlines())
                text = "\n".join(line for line in lines if line)
                cells.append(Cell(text or None, text, loc, font))
                nested.extend(tc.iterchildren(_TBL))
            self.cells += len(cells)
            grid.rows.append(cells)
            if self._full():
                break
        return nested
