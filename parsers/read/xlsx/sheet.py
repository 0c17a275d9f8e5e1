"""One sheet's rows, streamed from its XML and read as openpyxl's sheet parser reads them with
data_only (a formula's cached value, a number in a date style a date, a shared string by its
index, an inline string, a boolean, an error's text), stopping after the corner a form needs.

A cell or row in the corner that openpyxl would read some other way (a coordinate that is not
plain A1, a non-cell inside a row, a number that is no number, a shared string out of range,
an ISO date cell) is Unfamiliar. A cell past the corner's MAX_COLS columns is neither read nor
judged: a row of 16,384 cells costs little more than one of 60.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from functools import lru_cache
from typing import IO

from lxml import etree

from parsers.read.xlsx.numbers import cast_number, from_excel
from parsers.read.xlsx.package import MAIN, Unfamiliar
from parsers.read.xlsx.rows import MAX_COLS, ParsedRow, Row, corner
from parsers.read.xlsx.strings import text_content
from parsers.read.xlsx.styles import Styles

_ROW, _C, _V, _IS, _SHEET_DATA = (MAIN + n for n in ("row", "c", "v", "is", "sheetData"))
_REF = re.compile(r"([A-Z]{1,3})[0-9]+")
_COLUMNS: dict[str, int] = {}  # "A" → 1 …, filled as letters are met


def _column(letters: str) -> int:
    number = _COLUMNS.get(letters)
    if number is None:
        number = 0
        for letter in letters:
            number = number * 26 + ord(letter) - 64
        _COLUMNS[letters] = number
    return number


def _child(c: etree._Element, tag: str) -> etree._Element | None:
    """`c.find(tag)` without lxml's path machinery (a third of a cell's cost)."""
    for child in c:
        if child.tag == tag:
            return child
    return None


def _value_text(c: etree._Element) -> str | None:
    """`c.findtext(_V) or None`."""
    found = _child(c, _V)
    return (found.text or None) if found is not None else None


@lru_cache(maxsize=65_536)
def _ref_column(ref: str) -> int | None:
    """The column number of a plain A1 reference, None for anything else."""
    found = _REF.fullmatch(ref)
    return None if found is None else _column(found.group(1))


class _Cells:
    """What one sheet's cells need: the shared strings, the styles, the date system."""

    def __init__(self, strings: list[str], styles: Styles, epoch: dt.datetime) -> None:
        self.strings, self.styles, self.epoch = strings, styles, epoch
        # a cell's `s` as written → its style and that style's font: a sheet uses a few
        self.by_style: dict[str | None, tuple[int | None, str | None]] = {}

    def style(self, text: str | None) -> tuple[int | None, str | None]:
        """The style a cell's `s` names (None for s=""), and its font; ValueError for a
        style that is no number."""
        style = 0 if text is None else None if text == "" else int(text)
        found = self.by_style[text] = (style, self.font(style))
        return found

    def value(self, c: etree._Element, style: int | None) -> object:
        kind = c.get("t", "n")
        if kind == "inlineStr":
            found = _child(c, _IS)
            return text_content(found) if found is not None else None
        text = _value_text(c)
        if text is None:
            return None
        try:
            if kind == "n":
                number = cast_number(text)
                if style is None or style not in self.styles.dates:
                    return number
                try:
                    return from_excel(number, self.epoch, style in self.styles.durations)
                except (OverflowError, ValueError):
                    return "#VALUE!"  # as openpyxl reads a date out of range
            if kind == "s":
                return self.strings[int(text)]
            if kind == "b":
                return bool(int(text))
        except (ValueError, IndexError):
            raise Unfamiliar(f"cell {c.get('r')}: {kind} {text[:20]!r}") from None
        if kind == "d":
            raise Unfamiliar("ISO date cell")
        return text  # "str" (a formula's text), "e" (an error), any other: the text as it is

    def font(self, style: int | None) -> str | None:
        try:
            return self.styles.fonts[style] if style is not None else None
        except IndexError:
            return None

    def row(self, row: etree._Element, number: int) -> ParsedRow:
        column = 0
        cells: list[tuple[int, object, str | None]] = []
        for c in row:
            if c.tag != _C:
                raise Unfamiliar("not a cell in a row")
            ref = c.get("r")
            if ref is None:
                column += 1
            else:
                found = _ref_column(ref)
                if found is None:
                    raise Unfamiliar(f"cell reference {ref[:20]!r}")
                column = found
            if column > MAX_COLS:
                continue  # past the corner: neither read nor judged, however wide the row
            style_text = c.get("s")
            style = self.by_style.get(style_text) or self.style(style_text)
            if not len(c):
                continue  # a style and nothing in it, the commonest: no value
            value = self.value(c, style[0])
            if value is not None:
                cells.append((column, value, style[1]))
        return number, cells


def _number(row: etree._Element, previous: int) -> int:
    text = row.get("r")
    if text is None:
        return previous + 1
    try:
        return int(text)
    except ValueError:
        real = float(text)  # ValueError: Unfamiliar, below
        if not real.is_integer():
            raise Unfamiliar(f"row {text[:20]!r}") from None
        return int(real)


def _parsed(source: object, cells: _Cells) -> Iterator[ParsedRow]:
    number = 0
    for _, element in etree.iterparse(source, events=("end",), tag=(_ROW, _SHEET_DATA),
                                      resolve_entities=False, no_network=True, load_dtd=False,
                                      huge_tree=False):
        if element.tag == _SHEET_DATA:
            return  # the rest of a sheet (merges, margins, drawings) tells the form nothing
        number = _number(element, number)
        yield cells.row(element, number)
        element.clear()
        while element.getprevious() is not None:  # rows read, not kept: flat memory
            del element.getparent()[0]


_WHOLE = 32 * 1024  # lxml's iterparse reads a file 32 KiB at a time


def _source(archive: zipfile.ZipFile, part: str) -> IO[bytes]:
    """The sheet's XML to stream: a small one read whole, as the first read of the stream
    would read it (and check it), without zipfile's reader in lxml's loop; a large one
    streamed, so a long sheet is never held whole."""
    if archive.getinfo(part).file_size <= _WHOLE:
        return io.BytesIO(archive.read(part))
    return archive.open(part)


def sheet_rows(archive: zipfile.ZipFile, part: str, strings: list[str], styles: Styles,
               epoch: dt.datetime) -> list[Row]:
    cells = _Cells(strings, styles, epoch)
    try:
        with _source(archive, part) as source:
            return corner(_parsed(source, cells))
    except ValueError as exc:  # a row number or style that is no number
        raise Unfamiliar(str(exc)[:80]) from None
