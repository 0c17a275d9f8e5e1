"""The two things a cell's style tells the form reader, read from xl/styles.xml as openpyxl's
stylesheet reads them: whether a number is a date (or a duration), and the font's name (a
legacy Vietnamese font means legacy-encoded text). Fills, borders, alignments, named styles,
colours and themes are never built.

openpyxl finds each part by its local name and keeps the last of a repeated one; a stylesheet
that repeats a list, holds something else in its font list, numbers a style or format with
something that is no integer is Unfamiliar.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass

from lxml import etree

from parsers.read.xlsx.numbers import (
    BUILTIN_DATES,
    BUILTIN_DURATIONS,
    is_date_format,
    is_timedelta_format,
)
from parsers.read.xlsx.package import MAIN, STYLES, Unfamiliar, read_part
from parsers.read.xlsx_guard import check_number_format


@dataclass(frozen=True)
class Styles:
    fonts: list[str | None]  # by cell style (xf) index: its font's name
    dates: frozenset[int]  # cell styles whose numbers are dates or times
    durations: frozenset[int]  # … or durations ([h]:mm:ss)


def local(tag: object) -> str:
    if not isinstance(tag, str):  # a comment or processing instruction
        raise Unfamiliar("comment")
    return tag.rpartition("}")[2]


_OTHER_IDS = ("fillId", "borderId", "xfId")


def _integer(element: etree._Element, name: str) -> int:
    text = element.get(name)
    try:
        number = 0 if text is None else int(text)
    except ValueError:
        raise Unfamiliar(f"{name}={text!r}") from None
    if not -2**31 <= number < 2**31:  # openpyxl keeps a cell style in a C int array
        raise Unfamiliar(f"{name}={text!r}")
    return number


def _lists(root: etree._Element) -> dict[str, etree._Element]:
    found: dict[str, etree._Element] = {}
    for child in root:
        if not isinstance(child.tag, str):
            continue  # openpyxl passes over a comment between the lists
        name = local(child.tag)
        if name in found:
            raise Unfamiliar(f"{name} twice")
        found[name] = child
    return found


def _font_name(font: etree._Element) -> str | None:
    if local(font.tag) != "font":
        raise Unfamiliar("not a font")
    name = None
    for child in font:
        if local(child.tag) == "name":
            name = child.get("val")
    return name or None


def _formats(numbers: etree._Element | None) -> dict[int, str]:
    custom: dict[int, str] = {}
    for element in numbers if numbers is not None else ():
        if local(element.tag) != "numFmt":
            continue
        code = element.get("formatCode")
        if code is None or element.get("numFmtId") is None:
            raise Unfamiliar("numFmt without id or code")
        custom[_integer(element, "numFmtId")] = code
    return custom


def _is(test: str, number: int, custom: dict[int, str], builtin: frozenset[int]) -> bool:
    code = custom.get(number)
    if code is None:
        return number in builtin
    return is_date_format(code) if test == "date" else is_timedelta_format(code)


# openpyxl's own styles for a workbook that brings none (no styles part, or no cell styles in
# it, as some generators write): one cell style, in Calibri, no dates
_DEFAULTS = Styles(["Calibri"], frozenset(), frozenset())


def read_styles(archive: zipfile.ZipFile) -> Styles:
    if STYLES not in archive.NameToInfo:
        return _DEFAULTS
    root = read_part(archive, STYLES)
    if root.tag != MAIN + "styleSheet":
        raise Unfamiliar(f"styles root {root.tag}")
    for element in root.iter(MAIN + "numFmt"):  # what openpyxl's regexes cannot take
        check_number_format(str(element.get("formatCode", "")))
    lists = _lists(root)
    custom = _formats(lists.get("numFmts"))
    fonts = [_font_name(font) for font in lists.get("fonts", ())]
    styles = [xf for xf in lists.get("cellXfs", ()) if local(xf.tag) == "xf"]
    if not styles:
        return _DEFAULTS
    by_font: list[str | None] = []
    dates: set[int] = set()
    durations: set[int] = set()
    for index, xf in enumerate(styles):
        font, number = _integer(xf, "fontId"), _integer(xf, "numFmtId")
        for name in _OTHER_IDS:  # read by openpyxl, so a broken one is its to refuse
            _integer(xf, name)
        by_font.append(fonts[font] if -len(fonts) <= font < len(fonts) else None)
        if _is("date", number, custom, BUILTIN_DATES):
            dates.add(index)
        if _is("duration", number, custom, BUILTIN_DURATIONS):
            durations.add(index)
    return Styles(by_font, frozenset(dates), frozenset(durations))
