"""One ODS cell's value, text and font: numbers, dates, times and booleans from their
`office:*-value` attributes (what the cell holds, whatever its display format), text from its
paragraphs, legacy-font text converted."""

from __future__ import annotations

import datetime as dt
import math
import re

from lxml import etree

from parsers.odf.package import q
from parsers.odf.styles import OdfFonts
from parsers.odf.text_runs import paragraph_text
from parsers.read.document import CellValue
from parsers.text import clean
from parsers.vietnamese.legacy import to_unicode

MAX_PARAGRAPHS = 200
_VALUE_TYPE = q("office", "value-type")
_STYLE = q("table", "style-name")
_PARAGRAPHS = (q("text", "p"), q("text", "h"))
_NUMBER_TYPES = frozenset({"float", "percentage", "currency"})
_DURATION = re.compile(r"^-?P(?:\d+D)?T?(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?$")

Reading = tuple[CellValue, str, str | None]  # value, text ("" for blank), font


def _number(raw: str | None) -> CellValue:
    try:
        number = float(raw or "")
    except ValueError:
        return None
    if math.isfinite(number) and number.is_integer() and abs(number) < 2 ** 53:
        return int(number)
    return number


def _date(raw: str | None) -> CellValue:
    try:
        return dt.datetime.fromisoformat((raw or "").strip())
    except ValueError:
        return None


def _time(raw: str | None) -> CellValue:
    found = _DURATION.match((raw or "").strip())
    if not found:
        return None
    hours, minutes, seconds = (float(g) if g else 0.0 for g in found.groups())
    try:
        return dt.time(int(hours) % 24, int(minutes), min(int(seconds), 59))
    except ValueError:
        return None


def _typed(cell: etree._Element, kind: str) -> CellValue:
    if kind in _NUMBER_TYPES:
        return _number(cell.get(q("office", "value")))
    if kind == "date":
        return _date(cell.get(q("office", "date-value")))
    if kind == "time":
        return _time(cell.get(q("office", "time-value")))
    if kind == "boolean":
        return str(cell.get(q("office", "boolean-value"), "")).strip().lower() == "true"
    return None


def _text(cell: etree._Element, font: str | None, fonts: OdfFonts) -> tuple[str, str | None]:
    lines: list[str] = []
    first: str | None = None
    for p in cell.iterchildren(*_PARAGRAPHS):
        if len(lines) >= MAX_PARAGRAPHS:
            break
        text, own = paragraph_text(p, font, fonts)
        first = first or own
        lines.append(text)
    return "\n".join(lines), first


def cell_reading(cell: etree._Element, fallback_style: str | None, fonts: OdfFonts) -> Reading:
    """The cell's value, its text as the grid shows it, and its font."""
    font = fonts.font("table-cell", cell.get(_STYLE) or fallback_style)
    kind = cell.get(_VALUE_TYPE, "")
    value = _typed(cell, kind) if kind and kind != "string" else None
    if value is not None:
        text = str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        return value, text, font
    written, text_font = _text(cell, font, fonts)
    string_value = cell.get(q("office", "string-value"))
    if string_value is not None:
        written = to_unicode(string_value, text_font or font)
    text = "\n".join(clean(line) for line in written.splitlines()).strip("\n")
    return (written if text else None), text, text_font or font
