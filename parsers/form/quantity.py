"""Reading a quantity the way people write it: "1.000", "05", "50 CTS", "-", a number cell.

Blank means 0. Anything that is not a whole number >= 0 is a problem named by a finding code,
never silently rounded or guessed.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from parsers.codes import FindingCode
from parsers.read.document import CellValue
from parsers.text import clean, fold

# Written to mean "none".
_NONE_MARKS = {"-", "–", "—", "/", "0", "khong", "không", "ko", "k"}
# Written as a tick: a mark, not a count.
_TICKS = {"x", "v", "✓", "✔", "√", "+", "*"}

_UNIT = r"(?:\s*(?:cts|chung thu so|chung thu|cai|chiec|bo))?"
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^\d+" + _UNIT + "$"), ""),
    (re.compile(r"^\d{1,3}(?:\.\d{3})+" + _UNIT + "$"), "."),
    (re.compile(r"^\d{1,3}(?:,\d{3})+" + _UNIT + "$"), ","),
    (re.compile(r"^\d{1,3}(?: \d{3})+" + _UNIT + "$"), " "),
)
_DECIMAL = re.compile(r"^\d+[.,]\d+" + _UNIT + "$")
_NEGATIVE = re.compile(r"^[-−–]\s*\d[\d.,\s]*" + _UNIT + "$")


@dataclass(frozen=True)
class Quantity:
    value: int | None  # None when what was written is not a usable count
    written: str  # what the cell shows, for messages
    blank: bool = False
    problem: FindingCode | None = None


def _digits(text: str) -> int | None:
    for pattern, sep in _PATTERNS:
        if pattern.match(text):
            number = re.match(r"^[\d., ]+", text)
            assert number is not None
            return int(number.group(0).strip().replace(sep, "") if sep else number.group(0).strip())
    return None


def _from_number(value: float, written: str) -> Quantity:
    if math.isnan(value) or math.isinf(value) or not float(value).is_integer():
        return Quantity(None, written, problem=FindingCode.QUANTITY_NOT_INTEGER)
    if value < 0:
        return Quantity(None, written, problem=FindingCode.QUANTITY_NEGATIVE)
    return Quantity(int(value), written)


def _from_text(raw: str) -> Quantity:
    if raw.isascii() and raw.isdigit():  # most cells: what the general path reads the same
        return Quantity(int(raw), raw)
    text = clean(raw)
    if not text:
        return Quantity(0, "", blank=True)
    key = fold(text).strip().rstrip(".")
    if key in _NONE_MARKS or text in _NONE_MARKS:
        return Quantity(0, text)
    if key in _TICKS:
        return Quantity(None, text, problem=FindingCode.QUANTITY_AMBIGUOUS_MARK)
    whole = _digits(key)
    if whole is not None:
        return Quantity(whole, text)
    if _NEGATIVE.match(key):
        return Quantity(None, text, problem=FindingCode.QUANTITY_NEGATIVE)
    if _DECIMAL.match(key):
        number = float(re.sub(r"[^\d.,]", "", key).replace(",", "."))
        return _from_number(number, text)
    return Quantity(None, text, problem=FindingCode.QUANTITY_NOT_INTEGER)


def parse_quantity(value: CellValue, shown: str | None = None) -> Quantity:
    """Read one cell. `shown` is the cell as displayed, when the reader knows it."""
    if value is None:
        return Quantity(0, "", blank=True)
    if isinstance(value, bool):
        return Quantity(None, shown or str(value), problem=FindingCode.QUANTITY_NOT_INTEGER)
    if isinstance(value, (int, float)):
        written = shown if shown is not None else (
            str(int(value)) if float(value).is_integer() else str(value)
        )
        return _from_number(float(value), written)
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        # Excel turned "1/5" or "1.5" into a date: it was not a count.
        return Quantity(None, shown or value.isoformat(), problem=FindingCode.QUANTITY_NOT_INTEGER)
    return _from_text(str(value))
