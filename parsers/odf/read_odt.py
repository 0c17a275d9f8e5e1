"""ODT (OpenDocument text, LibreOffice Writer) → Document, read like a DOCX: paragraphs and
tables in reading order, nested tables after the table that holds them, the same table, row
and column numbers (a merged cell's covered continuations left blank), legacy-font text
converted.

content.xml is parsed whole, as python-docx parses document.xml, under the same zip caps.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator

from lxml import etree

from parsers.codes import FindingCode
from parsers.odf.package import CONTENT, STYLES, open_odf, q, repeat
from parsers.odf.styles import OdfFonts
from parsers.odf.text_runs import paragraph_text
from parsers.read.document import Block, Cell, Document, Grid, Location, Paragraph
from parsers.read.docx_rows import MAX_GRID_COLS, MAX_TABLE_ROWS
from parsers.read.errors import UnreadableFile
from parsers.read.read_docx import MAX_BLOCKS, MAX_CELLS, MAX_DEPTH
from parsers.text import clean

_PARAGRAPHS = frozenset({q("text", "p"), q("text", "h")})
_TABLE = q("table", "table")
_ROW = q("table", "table-row")
_ROW_GROUPS = frozenset({q("table", "table-header-rows"), q("table", "table-rows"),
                         q("table", "table-row-group")})
_CELL = q("table", "table-cell")
_COVERED = q("table", "covered-table-cell")
# Not running text: the document's settings, declarations and tracked deletions.
_SKIPPED = frozenset({q("text", "tracked-changes"), q("text", "variable-decls"),
                      q("text", "sequence-decls"), q("text", "user-field-decls"),
                      q("office", "forms"), q("table", "table-columns"),
                      q("table", "table-column"), q("table", "table-header-columns")})


class _Reader:
    def __init__(self, fonts: OdfFonts) -> None:
        self.fonts = fonts
        self.blocks: list[Block] = []
        self.tables = 0
        self.paragraphs = 0
        self.cells = 0

    def _full(self) -> bool:
        return len(self.blocks) > MAX_BLOCKS or self.cells > MAX_CELLS

    def body(self, element: etree._Element, depth: int = 0) -> None:
        for child in element:
            if self._full():
                return
            if child.tag in _PARAGRAPHS:
                self.paragraphs += 1
                text, _ = paragraph_text(child, None, self.fonts)
                loc = Location(paragraph=self.paragraphs)
                self.blocks.extend(Paragraph(clean(line), loc)
                                   for line in text.splitlines() if clean(line))
            elif child.tag == _TABLE:
                self.tables_from(child)
            elif isinstance(child.tag, str) and child.tag not in _SKIPPED and depth < MAX_DEPTH:
                self.body(child, depth + 1)  # sections, lists, list items, indexes

    def tables_from(self, outer: etree._Element) -> None:
        """The table and the tables nested in its cells, depth first, without recursion."""
        stack: list[tuple[etree._Element, int]] = [(outer, 0)]
        while stack and not self._full():
            table, depth = stack.pop()
            nested = self.table(table)
            if depth < MAX_DEPTH:
                stack.extend((inner, depth + 1) for inner in reversed(nested))

    def table(self, table: etree._Element) -> list[etree._Element]:
        self.tables += 1
        number = self.tables
        grid = Grid(kind="table", name=str(number))
        self.blocks.append(grid)
        nested: list[etree._Element] = []
        for row in _rows(table):
            r = len(grid.rows)
            if r >= MAX_TABLE_ROWS or self._full():
                break
            copies = repeat(row, q("table", "number-rows-repeated"), MAX_TABLE_ROWS - r)
            for k in range(copies):  # nested tables of a repeated row are read once
                cells = self._cells(row, number, len(grid.rows), nested if k == 0 else [])
                self.cells += len(cells)
                grid.rows.append(cells)
        return nested

    def _cells(self, row: etree._Element, table: int, r: int,
               nested: list[etree._Element]) -> list[Cell]:
        cells: list[Cell] = []
        for child in row:
            if child.tag not in (_CELL, _COVERED) or len(cells) >= MAX_GRID_COLS:
                continue
            count = repeat(child, q("table", "number-columns-repeated"),
                           MAX_GRID_COLS - len(cells))
            text, font = ("", None) if child.tag == _COVERED else self._cell_text(child, nested)
            for _ in range(count):
                loc = Location(table=table, row=r + 1, column=str(len(cells) + 1))
                cells.append(Cell(text or None, text, loc, font))
        return cells

    def _cell_text(self, cell: etree._Element, nested: list[etree._Element]
                   ) -> tuple[str, str | None]:
        lines: list[str] = []
        font: str | None = None
        for p in _cell_paragraphs(cell, nested):
            text, own = paragraph_text(p, None, self.fonts)
            font = font or own
            lines.extend(clean(line) for line in text.splitlines())
        return "\n".join(line for line in lines if line), font


def _rows(table: etree._Element, depth: int = 0) -> Iterator[etree._Element]:
    for child in table:
        if child.tag == _ROW:
            yield child
        elif child.tag in _ROW_GROUPS and depth < MAX_DEPTH:
            yield from _rows(child, depth + 1)


def _cell_paragraphs(element: etree._Element, nested: list[etree._Element],
                     depth: int = 0) -> Iterator[etree._Element]:
    """Paragraphs of a cell (in lists and sections too); its tables go to `nested`."""
    for child in element:
        if child.tag in _PARAGRAPHS:
            yield child
        elif child.tag == _TABLE:
            nested.append(child)
        elif isinstance(child.tag, str) and child.tag not in _SKIPPED and depth < MAX_DEPTH:
            yield from _cell_paragraphs(child, nested, depth + 1)


def read_odt(data: bytes, archive: zipfile.ZipFile | None = None) -> Document:
    """`archive`: `data` as the sniffer opened it, when it did."""
    package = open_odf(data, archive)
    fonts = OdfFonts()
    if package.has(STYLES):
        fonts.add_all(package.parse(STYLES))
    root = package.parse(CONTENT)
    fonts.add_all(root)
    body = root.find(f"{q('office', 'body')}/{q('office', 'text')}")
    if body is None:
        raise UnreadableFile(FindingCode.FILE_UNREADABLE, "no text body")
    reader = _Reader(fonts)
    try:
        reader.body(body)
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise UnreadableFile(FindingCode.FILE_UNREADABLE, type(exc).__name__) from exc
    return Document(kind="odt", blocks=reader.blocks)
