"""DOCX → Document: paragraphs and tables in reading order, nested tables and content controls
included, merged cells counted once, legacy-font text converted to Unicode."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import docx
from docx.oxml.ns import qn
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph as DocxParagraph

from parsers.document import Cell, Document, Grid, Location, Paragraph
from parsers.errors import UnreadableFile
from parsers.safe_zip import check_zip
from parsers.text import clean

MAX_BLOCKS = 20_000

from parsers.legacy import legacy_encoding_of_font
from parsers.legacy import to_unicode as _to_unicode


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
    return "".join(_to_unicode(_run_text(r), f) for r, f in zip(runs, fonts)), first_font


class _Reader:
    def __init__(self, document: Any) -> None:
        self.document = document
        self.blocks: list[Paragraph | Grid] = []
        self.tables = 0
        self.paragraphs = 0
        self.default_font = self._default_font()

    def _default_font(self) -> str | None:
        try:
            name = self.document.styles["Normal"].font.name
        except (KeyError, AttributeError):
            return None
        return str(name) if name else None

    def _text(self, p: DocxParagraph) -> tuple[str, str | None]:
        return _paragraph_text(p, self.default_font)

    def body(self, parent: Any, element: Any) -> None:
        for child in element.iterchildren():
            if len(self.blocks) > MAX_BLOCKS:
                return
            if child.tag == qn("w:p"):
                self.paragraphs += 1
                text, _ = self._text(DocxParagraph(child, parent))
                loc = Location(paragraph=self.paragraphs)
                for line in text.splitlines() or [""]:
                    if clean(line):
                        self.blocks.append(Paragraph(clean(line), loc))
            elif child.tag == qn("w:tbl"):
                self.table(Table(child, parent))
            elif child.tag == qn("w:sdt"):
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    self.body(parent, content)
            elif child.tag == qn("w:customXml"):
                self.body(parent, child)

    def table(self, table: Table) -> None:
        self.tables += 1
        number = self.tables
        grid = Grid(kind="table", name=str(number))
        self.blocks.append(grid)
        above: list[Any] = []
        nested: list[Table] = []
        for r, row in enumerate(table.rows):
            cells: list[Cell] = []
            seen_tcs: list[Any] = []
            for c, cell in enumerate(_row_cells(row)):
                duplicate = (seen_tcs and seen_tcs[-1] is cell._tc) or (
                    c < len(above) and above[c] is cell._tc
                )
                seen_tcs.append(cell._tc)
                cells.append(self._cell(cell, number, r, c, bool(duplicate)))
                if not duplicate:
                    nested.extend(cell.tables)
            above = seen_tcs
            grid.rows.append(cells)
        for inner in nested:
            self.table(inner)

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


def _row_cells(row: Any) -> Iterator[_Cell]:
    try:
        yield from row.cells
    except (ValueError, IndexError, AttributeError):  # malformed grid: fall back to raw cells
        for tc in row._tr.tc_lst:
            yield _Cell(tc, row._parent)


def read_docx(data: bytes) -> Document:
    check_zip(data)
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds on a broken package
        raise UnreadableFile("file-unreadable", type(exc).__name__) from exc
    reader = _Reader(document)
    reader.body(document, document.element.body)
    return Document(kind="docx", blocks=reader.blocks)
