"""How a number cell's style decides its value: a date, a time or a duration, as openpyxl
decides it (`openpyxl.styles.numbers`, `openpyxl.utils.datetime`, MIT licence; the rules are
copied, not imported, so reading a form does not load openpyxl's 70-100 ms of modules).
tests/test_xlsx_lean.py checks every rule here against openpyxl itself.
"""

from __future__ import annotations

import datetime as dt
import re

# The built-in formats (ECMA-376 18.8.30) that openpyxl knows and reads as dates and times:
# 14-22 (m-d-yy … m/d/yy h:mm), 45-47 (mm:ss, [h]:mm:ss, mmss.0); 46 is a duration.
BUILTIN_DATES = frozenset({14, 15, 16, 17, 18, 19, 20, 21, 22, 45, 46, 47})
BUILTIN_DURATIONS = frozenset({46})


_LITERAL_GROUP = r'".*?"'  # anything in quotes
_LOCALE_GROUP = r"\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]"  # in brackets, but for [h] [m] [s]
_STRIP_RE = re.compile(f"{_LITERAL_GROUP}|{_LOCALE_GROUP}")
_DATE_RE = re.compile(r"(?<![_\\])[dmhysDMHYS]")
_TIMEDELTA_RE = re.compile(
    r"\[hh?\](:mm(:ss(\.0*)?)?)?|\[mm?\](:ss(\.0*)?)?|\[ss?\](\.0*)?", re.I)

WINDOWS_EPOCH = dt.datetime(1899, 12, 30)
MAC_EPOCH = dt.datetime(1904, 1, 1)
_SECS_PER_DAY = 86400


def is_date_format(fmt: str) -> bool:
    first = _STRIP_RE.sub("", fmt.split(";")[0])  # the positive section decides
    return _DATE_RE.search(first) is not None


def is_timedelta_format(fmt: str) -> bool:
    return _TIMEDELTA_RE.search(fmt.split(";")[0]) is not None


def from_excel(value: float, epoch: dt.datetime, timedelta: bool) -> object:
    """An Excel serial as openpyxl's `from_excel` reads it; OverflowError or ValueError when
    it is out of range (openpyxl then reads the cell as the error #VALUE!)."""
    if timedelta:
        td = dt.timedelta(days=value)
        if td.microseconds:  # to the millisecond
            td = dt.timedelta(seconds=td.total_seconds() // 1,
                              microseconds=round(td.microseconds, -3))
        return td
    day, fraction = divmod(value, 1)
    diff = dt.timedelta(milliseconds=round(fraction * _SECS_PER_DAY * 1000))
    if 0 <= value < 1 and diff.days == 0:
        minutes, seconds = divmod(diff.seconds, 60)
        hours, minutes = divmod(minutes, 60)
        return dt.time(hours, minutes, seconds, diff.microseconds)
    if 0 < value < 60 and epoch == WINDOWS_EPOCH:
        day += 1  # Excel's 29 February 1900, which never was
    return epoch + dt.timedelta(days=day) + diff


def cast_number(text: str) -> int | float:
    """A number cell's text as openpyxl casts it; ValueError when it is no number."""
    if "." in text or "E" in text or "e" in text:
        return float(text)
    return int(text)
