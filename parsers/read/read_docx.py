"""DOCX → Document: paragraphs and tables in reading order, nested tables and content controls
included, merged cells counted once, legacy-font text converted to Unicode.

The main part is walked with lxml as python-docx would read it (`Paragraph.text`,
`_Cell.paragraphs`, `_Cell.tables`), without building python-docx's package and objects: the
library load cost twice the rest of the parse, and the package is opened once, under the guards
of `check_zip`.
"""

from __future__ import annotations

import zipfile
from typing import Any

from parsers.codes import FindingCode
from parsers.read.document import Cell, Document, Grid, Location, Paragraph
from parsers.read.docx_package import w, word_parts
from parsers.read.docx_rows import grid_rows
from parsers.read.errors import UnreadableFile
from parsers.read.safe_zip import check_zip
from parsers.text import clean
from parsers.vietnamese.legacy import legacy_encoding_of_font
from parsers.vietnamese.legacy import to_unicode as _to_unicode

MAX_BLOCKS = 20_000
MAX_CELLS = 200_000
MAX_DEPTH = 20  # tables in tables, content controls in content controls
_P, _R, _T, _TBL, _TC = w("p"), w("r"), w("t"), w("tbl"), w("tc")
_HYPERLINK, _SDT, _SDT_CONTENT = w("hyperlink"), w("sdt"), w("sdtContent")
_WRAPPERS = (_SDT, w("customXml"))
_RUN_FONTS = f"{w('rPr')}/{w('rFonts')}"
_FONT_ATTRS = (w("hAnsi"), w("ascii"), w("cs"))
_BR, _BR_TYPE = w("br"), w("type")


def _run_font(r: Any) -> str | None:
    fonts = r.find(_RUN_FONTS)
    if fonts is None:
        return None
    # the accented bytes of a legacy font are drawn with the hAnsi font
    for attr in _FONT_ATTRS:
        name = fonts.get(attr)
        if name:
            return str(name)
    return None


# A run's text for legacy-font conversion: every break is a line.
_RUN_TEXT = {w("tab"): "\t", w("br"): "\n", w("cr"): "\n", w("softHyphen"): "\xad",
             w("noBreakHyphen"): "-"}
# A run's text as python-docx's `CT_R.text` gives it: a page or column break is no text,
# an absolute tab is a tab, a soft hyphen is nothing.
_DOCX_TEXT = {w("tab"): "\t", w("cr"): "\n", w("noBreakHyphen"): "-", w("ptab"): "\t"}


def _run_text(r: Any) -> str:
    out: list[str] = []
    for child in r.iterchildren():
        if child.tag == _T:
            out.append(child.text or "")
        else:
            out.append(_RUN_TEXT.get(child.tag, ""))
    return "".join(out)


def _docx_run_text(r: Any) -> str:
    out: list[str] = []
    for child in r.iterchildren():
        tag = child.tag
        if tag == _T:
            out.append(child.text or "")
        elif tag == _BR:
            out.append("\n" if child.get(_BR_TYPE, "textWrapping") == "textWrapping" else "")
        else:
            out.append(_DOCX_TEXT.get(tag, ""))
    return "".join(out)



def _plain_text(p: Any) -> str:
    """`Paragraph.text`: the runs of the paragraph and of its hyperlinks, nothing deeper."""
    out: list[str] = []
    for child in p.iterchildren(_R, _HYPERLINK):
        if child.tag == _R:
            out.append(_docx_run_text(child))
        else:
            out.extend(_docx_run_text(r) for r in child.iterchildren(_R))
    return "".join(out)


def _paragraph_text(p: Any, default_font: str | None) -> tuple[str, str | None]:
    """The paragraph's text, runs in a legacy font (.VnTime, VNI-Times) converted."""
    runs = list(p.iter(_R))  # every run below the paragraph, as python-docx's .//w:r
    fonts = [_run_font(r) or default_font for r in runs]
    first_font = next((f for f in fonts if f), None)
    if not any(legacy_encoding_of_font(f) for f in fonts):
        return _plain_text(p), first_font
    text = "".join(_to_unicode(_run_text(r), f) for r, f in zip(runs, fonts, strict=True))
    return text, first_font


class _Reader:
    def __init__(self, default_font: str | None) -> None:
        self.blocks: list[Paragraph | Grid] = []
        self.tables = 0
        self.table_elements: list[Any] = []  # w:tbl in reading order: table n is [n - 1]
        self.paragraphs = 0
        self.cells = 0
        self.default_font = default_font

    def _text(self, p: Any) -> tuple[str, str | None]:
        return _paragraph_text(p, self.default_font)

    def _full(self) -> bool:
        return len(self.blocks) > MAX_BLOCKS or self.cells > MAX_CELLS

    def body(self, element: Any, depth: int = 0) -> None:
        for child in element.iterchildren():
            if self._full():
                return
            if child.tag == _P:
                self.paragraphs += 1
                text, _ = self._text(child)
                loc = Location(paragraph=self.paragraphs)
                for line in text.splitlines() or [""]:
                    if clean(line):
                        self.blocks.append(Paragraph(clean(line), loc))
            elif child.tag == _TBL:
                self.tables_from(child)
            elif child.tag in _WRAPPERS and depth < MAX_DEPTH:
                content = child.find(_SDT_CONTENT) if child.tag == _SDT else child
                if content is not None:
                    self.body(content, depth + 1)

    def tables_from(self, outer: Any) -> None:
        """The table and the tables nested in its cells, depth first, without recursion."""
        stack: list[tuple[Any, int]] = [(outer, 0)]
        while stack and not self._full():
            table, depth = stack.pop()
            nested = self.table(table)
            if depth < MAX_DEPTH:
                stack.extend((inner, depth + 1) for inner in reversed(nested))

    def table(self, tbl: Any) -> list[Any]:
        self.tables += 1
        self.table_elements.append(tbl)
        number = self.tables
        grid = Grid(kind="table", name=str(number))
        self.blocks.append(grid)
        nested: list[Any] = []
        for r, slots in enumerate(grid_rows(tbl)):
            cells: list[Cell] = []
            for c, slot in enumerate(slots):
                cells.append(self._cell(slot.tc, number, r, c, slot.duplicate))
                if not slot.duplicate:
                    nested.extend(slot.tc.iterchildren(_TBL))
            self.cells += len(cells)
            grid.rows.append(cells)
            if self._full():
                break
        return nested

    def _cell(self, tc: Any, table: int, r: int, c: int, duplicate: bool) -> Cell:
        loc = Location(table=table, row=r + 1, column=str(c + 1))
        if duplicate:
            return Cell(None, "", loc)
        lines: list[str] = []
        font: str | None = None
        for p in tc.iterchildren(_P):
            text, f = self._text(p)
            font = font or f
            lines.extend(clean(line) for line in text.splitlines())
        text = "\n".join(line for line in lines if line)
        return Cell(text or None, text, loc, font)


def read_docx(data: bytes, archive: zipfile.ZipFile | None = None) -> Document:
    """`archive`: `data` as the sniffer opened it, when it did."""
    parts = word_parts(check_zip(data, archive))
    body = parts.root.find(w("body")) if parts.root.tag == w("document") else None
    if body is None:  # the main part may be any XML at all
        raise UnreadableFile(FindingCode.FILE_UNREADABLE, "no body")
    reader = _Reader(parts.default_font)
    try:
        reader.body(body)
    except (ValueError, KeyError, AttributeError, TypeError, IndexError) as exc:  # malformed parts
        raise UnreadableFile(FindingCode.FILE_UNREADABLE, type(exc).__name__) from exc
    return Document(kind="docx", blocks=reader.blocks)


class _TableWalk(_Reader):
    """The reader's walk without the text (half its time). No paragraph becomes a block, so
    the caps stop this walk no earlier than the reader's: every table the reader numbered is
    found, in the same order, with the same number."""

    def _text(self, p: Any) -> tuple[str, str | None]:
        return "", None


def table_elements(body: Any) -> list[Any]:
    """The w:tbl elements below a w:body, numbered as `read_docx` numbers them in locations
    (table n at index n - 1), nested ones included: how a finding's cell is found again in
    the file. The reader's own walk, so the numbers cannot drift apart."""
    walk = _TableWalk(None)
    walk.body(body)
    return walk.table_elements


def tables_in_reading_order(document: Any) -> list[Any]:
    """`table_elements` of a python-docx document, as python-docx tables."""
    from docx.table import Table  # only the annotator's fallback and the tests need it

    return [Table(tbl, document) for tbl in table_elements(document.element.body)]
