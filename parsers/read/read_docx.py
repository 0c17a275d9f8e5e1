"""DOCX → Document: paragraphs and tables in reading order, nested tables and content controls
included, merged cells counted once, legacy-font text converted to Unicode.

The main part is walked with lxml as python-docx would read it (`Paragraph.text`,
`_Cell.paragraphs`, `_Cell.tables`), without building python-docx's package and objects: the
library load cost twice the rest of the parse, and the package is opened once, under the guards
of `check_zip`. Each paragraph of the body, and each table, is read by one XPath query
(`parsers.read.word`), so the per-element work runs in C.
"""

from __future__ import annotations

import zipfile
from functools import lru_cache
from typing import Any

from parsers.codes import FindingCode
from parsers.read.document import Cell, Document, Grid, Location, Paragraph
from parsers.read.docx_package import w, word_parts
from parsers.read.docx_rows import MAX_GRID_COLS
from parsers.read.errors import UnreadableFile
from parsers.read.safe_zip import check_zip
from parsers.read.word.paragraphs import PARAGRAPH_TAGS, Gatherer
from parsers.read.word.tables import MAX_DEPTH, CellContent, Tables
from parsers.text import clean

MAX_BLOCKS = 20_000
MAX_CELLS = 200_000
__all__ = ["MAX_BLOCKS", "MAX_CELLS", "MAX_DEPTH", "read_docx", "table_elements"]
_P, _TBL, _SDT, _SDT_CONTENT = w("p"), w("tbl"), w("sdt"), w("sdtContent")
_WRAPPERS = (_SDT, w("customXml"))  # MAX_DEPTH deep at most, as tables in tables
_COLUMNS = [str(c + 1) for c in range(MAX_GRID_COLS)]


# A table's places and merged (blank) cells are values every form of a layout shares: made
# once, not once a cell and a parse.
@lru_cache(maxsize=4_096)
def _location(table: int, row: int, column: int) -> Location:
    return Location(table=table, row=row, column=_COLUMNS[column])


@lru_cache(maxsize=4_096)
def _blank(table: int, row: int, column: int) -> Cell:
    return Cell(None, "", _location(table, row, column))


@lru_cache(maxsize=4_096)
def _paragraph_location(paragraph: int) -> Location:
    return Location(paragraph=paragraph)


class _Reader:
    def __init__(self, default_font: str | None) -> None:
        self.blocks: list[Paragraph | Grid] = []
        self.tables = 0
        self.table_elements: list[Any] = []  # w:tbl in reading order: table n is [n - 1]
        self.paragraphs = 0
        self.cells = 0
        self.default_font = default_font
        self.with_text = True

    def _full(self) -> bool:
        return len(self.blocks) > MAX_BLOCKS or self.cells > MAX_CELLS

    def body(self, element: Any, depth: int = 0) -> None:
        for child in element.iterchildren():
            if self._full():
                return
            if child.tag == _P:
                self.paragraphs += 1
                self._paragraph(child)
            elif child.tag == _TBL:
                self.tables_from(child)
            elif child.tag in _WRAPPERS and depth < MAX_DEPTH:
                content = child.find(_SDT_CONTENT) if child.tag == _SDT else child
                if content is not None:
                    self.body(content, depth + 1)

    def _paragraph(self, p: Any) -> None:
        if not self.with_text:
            return
        gatherer = Gatherer()  # one a paragraph: a long body is never held in it
        gathered = gatherer.paragraph(p)
        for element in p.iter(*PARAGRAPH_TAGS):
            gatherer.take(element, element.tag)
        text, _ = gatherer.text(gathered, self.default_font)
        loc = _paragraph_location(self.paragraphs)
        for line in text.splitlines():
            line = clean(line)
            if line:
                self.blocks.append(Paragraph(line, loc))

    def tables_from(self, outer: Any) -> None:
        """The table and the tables nested in its cells, depth first, without recursion."""
        nest = Tables(outer, self.with_text)
        stack: list[tuple[Any, int]] = [(outer, 0)]
        while stack and not self._full():
            table, depth = stack.pop()
            nested = self.table(table, nest)
            if depth < MAX_DEPTH:
                stack.extend((inner, depth + 1) for inner in reversed(nested))

    def table(self, tbl: Any, nest: Tables) -> list[Any]:
        self.tables += 1
        self.table_elements.append(tbl)
        number = self.tables
        grid = Grid(kind="table", name=str(number))
        self.blocks.append(grid)
        nested: list[Any] = []
        rows = nest.rows(tbl)
        for r, slots in enumerate(rows):
            cells: list[Cell] = []
            for c, slot in enumerate(slots):
                if slot.duplicate:
                    cells.append(_blank(number, r + 1, c))
                    continue
                content: CellContent = slot.tc
                cells.append(self._cell(content, _location(number, r + 1, c), nest.gatherer))
                nested.extend(content.tables)
            self.cells += len(cells)
            grid.rows.append(cells)
            if self._full():
                break
        return nested

    def _cell(self, content: CellContent, loc: Location, gatherer: Gatherer) -> Cell:
        if not self.with_text:
            return Cell(None, "", loc)
        lines: list[str] = []
        font: str | None = None
        for paragraph in content.paragraphs:
            text, f = gatherer.text(paragraph, self.default_font)
            font = font or f
            for line in text.splitlines() if text else ():
                line = clean(line)
                if line:
                    lines.append(line)
        text = "\n".join(lines)
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


def table_elements(body: Any) -> list[Any]:
    """The w:tbl elements below a w:body, numbered as `read_docx` numbers them in locations
    (table n at index n - 1), nested ones included: how a finding's cell is found again in
    the file. The reader's own walk without the text (no paragraph becomes a block, so the
    caps stop it no earlier than the reader's), so the numbers cannot drift apart."""
    walk = _Reader(None)
    walk.with_text = False
    walk.body(body)
    return walk.table_elements


def tables_in_reading_order(document: Any) -> list[Any]:
    """`table_elements` of a python-docx document, as python-docx tables."""
    from docx.table import Table  # only the annotator's fallback and the tests need it

    return [Table(tbl, document) for tbl in table_elements(document.element.body)]
