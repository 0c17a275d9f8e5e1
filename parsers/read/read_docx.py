"""DOCX → Document: paragraphs and tables in reading order, nested tables and content controls
included, merged cells counted once, legacy-font text converted to Unicode."""

from __future__ import annotations

import io
from typing import Any

import docx
from docx.oxml.ns import qn
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

from parsers.codes import FindingCode
from parsers.read.document import Cell, Document, Grid, Location, Paragraph
from parsers.read.docx_rows import grid_rows
from parsers.read.errors import UnreadableFile
from parsers.read.ooxml_parts import needs_plain_word, plain_word_copy
from parsers.read.safe_zip import check_zip
from parsers.text import clean
from parsers.vietnamese.legacy import legacy_encoding_of_font
from parsers.vietnamese.legacy import to_unicode as _to_unicode

MAX_BLOCKS = 20_000
MAX_CELLS = 200_000
MAX_DEPTH = 20  # tables in tables, content controls in content controls
_WRAPPERS = (qn("w:sdt"), qn("w:customXml"))


def _run_font(r: Any) -> str | None:
    fonts = r.find(f"{qn('w:rPr')}/{qn('w:rFonts')}")
    if fonts is None:
        return None
    # the accented bytes of a legacy font are drawn with the hAnsi font
    for attr in ("w:hAnsi", "w:ascii", "w:cs"):
        name = fonts.get(qn(attr))
        if name:
            return str(name)
    return None


_RUN_TEXT = {qn("w:tab"): "\t", qn("w:br"): "\n", qn("w:cr"): "\n", qn("w:softHyphen"): "\xad",
             qn("w:noBreakHyphen"): "-"}


def _run_text(r: Any) -> str:
    out: list[str] = []
    for child in r.iterchildren():
        if child.tag == qn("w:t"):
            out.append(child.text or "")
        else:
            out.append(_RUN_TEXT.get(child.tag, ""))
    return "".join(out)


def _paragraph_text(p: DocxParagraph, default_font: str | None) -> tuple[str, str | None]:
    """The paragraph's text, runs in a legacy font (.VnTime, VNI-Times) converted."""
    runs = p._p.xpath(".//w:r")
    fonts = [_run_font(r) or default_font for r in runs]
    first_font = next((f for f in fonts if f), None)
    if not any(legacy_encoding_of_font(f) for f in fonts):
        return p.text, first_font
    text = "".join(_to_unicode(_run_text(r), f) for r, f in zip(runs, fonts, strict=True))
    return text, first_font


class _Reader:
    def __init__(self, document: Any) -> None:
        self.document = document
        self.blocks: list[Paragraph | Grid] = []
        self.tables = 0
        self.table_objects: list[Table] = []  # in reading order: table n is [n - 1]
        self.paragraphs = 0
        self.cells = 0
        self.default_font = self._default_font()

    def _default_font(self) -> str | None:
        try:
            name = self.document.styles["Normal"].font.name
        except (KeyError, AttributeError, ValueError):
            return None
        return str(name) if name else None

    def _text(self, p: DocxParagraph) -> tuple[str, str | None]:
        return _paragraph_text(p, self.default_font)

    def _full(self) -> bool:
        return len(self.blocks) > MAX_BLOCKS or self.cells > MAX_CELLS

    def body(self, parent: Any, element: Any, depth: int = 0) -> None:
        for child in element.iterchildren():
            if self._full():
                return
            if child.tag == qn("w:p"):
                self.paragraphs += 1
                text, _ = self._text(DocxParagraph(child, parent))
                loc = Location(paragraph=self.paragraphs)
                for line in text.splitlines() or [""]:
                    if clean(line):
                        self.blocks.append(Paragraph(clean(line), loc))
            elif child.tag == qn("w:tbl"):
                self.tables_from(Table(child, parent))
            elif child.tag in _WRAPPERS and depth < MAX_DEPTH:
                content = child.find(qn("w:sdtContent")) if child.tag == qn("w:sdt") else child
                if content is not None:
                    self.body(parent, content, depth + 1)

    def tables_from(self, outer: Table) -> None:
        """The table and the tables nested in its cells, depth first, without recursion."""
        stack: list[tuple[Table, int]] = [(outer, 0)]
        while stack and not self._full():
            table, depth = stack.pop()
            nested = self.table(table)
            if depth < MAX_DEPTH:
                stack.extend((inner, depth + 1) for inner in reversed(nested))

    def table(self, table: Table) -> list[Table]:
        self.tables += 1
        self.table_objects.append(table)
        number = self.tables
        grid = Grid(kind="table", name=str(number))
        self.blocks.append(grid)
        nested: list[Table] = []
        for r, slots in enumerate(grid_rows(table._tbl)):
            cells: list[Cell] = []
            for c, slot in enumerate(slots):
                cell = _Cell(slot.tc, table)
                cells.append(self._cell(cell, number, r, c, slot.duplicate))
                if not slot.duplicate:
                    nested.extend(cell.tables)
            self.cells += len(cells)
            grid.rows.append(cells)
            if self._full():
                break
        return nested

    def _cell(self, cell: _Cell, table: int, r: int, c: int, duplicate: bool) -> Cell:
        loc = Location(table=table, row=r + 1, column=str(c + 1))
        if duplicate:
            return Cell(None, "", loc)
        lines: list[str] = []
        font: str | None = None
        for p in cell.paragraphs:
            text, f = self._text(p)
            font = font or f
            lines.extend(clean(line) for line in text.splitlines())
        text = "\n".join(line for line in lines if line)
        return Cell(text or None, text, loc, font)


def read_docx(data: bytes) -> Document:
    archive = check_zip(data)
    if needs_plain_word(archive):
        data = plain_word_copy(archive)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds on a broken package
        raise UnreadableFile(FindingCode.FILE_UNREADABLE, type(exc).__name__) from exc
    body = getattr(document.element, "body", None)  # the main part may be any XML at all
    if body is None:
        raise UnreadableFile(FindingCode.FILE_UNREADABLE, "no body")
    reader = _Reader(document)
    try:
        reader.body(document, body)
    except (ValueError, KeyError, AttributeError, TypeError, IndexError) as exc:  # malformed parts
        raise UnreadableFile(FindingCode.FILE_UNREADABLE, type(exc).__name__) from exc
    return Document(kind="docx", blocks=reader.blocks)


def tables_in_reading_order(document: Any) -> list[Table]:
    """The tables of a python-docx document, numbered as `read_docx` numbers them in
    locations (table n at index n - 1), nested ones included: how a finding's cell is found
    again in the file."""
    reader = _Reader(document)
    reader.body(document, document.element.body)
    return reader.table_objects
