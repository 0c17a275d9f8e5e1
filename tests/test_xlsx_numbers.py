"""The rules the lean XLSX reader copied from openpyxl (which built-in and custom number formats
make a number a date or a duration, how a serial becomes a date, how a number's text is cast)
give what openpyxl's own give."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import openpyxl.styles.numbers as opx_numbers
import openpyxl.utils.datetime as opx_datetime
import pytest
from openpyxl.worksheet._reader import _cast_number

from parsers.read.xlsx import numbers


def test_built_in_date_formats_are_openpyxls() -> None:
    for number in range(200):
        code = opx_numbers.BUILTIN_FORMATS.get(number)
        assert (number in numbers.BUILTIN_DATES) == opx_numbers.is_date_format(code), number
        assert (number in numbers.BUILTIN_DURATIONS) == opx_numbers.is_timedelta_format(code)


@pytest.mark.parametrize("code", [
    "dd/mm/yyyy", "[$-42A]d mmmm yyyy;@", '"ngày" 0', "0%", "@", "General", "#,##0_);(#,##0)",
    "[h]:mm", "[mm]:ss", "mm:ss.0", r"0\d", "_d0", '[Red]0;"d"', "yyyy;0", "0;yyyy",
    "[hh]:mm:ss", "h:mm AM/PM", "[$€-2] #,##0.00", "B2yyyy", "0.00E+00"])
def test_custom_format_rules_are_openpyxls(code: str) -> None:
    assert numbers.is_date_format(code) == opx_numbers.is_date_format(code)
    assert numbers.is_timedelta_format(code) == opx_numbers.is_timedelta_format(code)


def _outcome(convert: Callable[..., object], *args: object) -> object:
    try:
        return convert(*args)
    except (OverflowError, ValueError) as exc:
        return type(exc)


@pytest.mark.parametrize("epoch", [numbers.WINDOWS_EPOCH, numbers.MAC_EPOCH])
def test_serials_convert_as_openpyxl_converts_them(epoch: dt.datetime) -> None:
    serials = [0, 0.25, 0.9999999, 1, 59, 59.5, 60, 61, 45000.5, 2958465.99999, 0.000011574,
               -1, -1e9, 1e9]
    for serial in serials:
        for duration in (False, True):
            assert _outcome(numbers.from_excel, serial, epoch, duration) == _outcome(
                opx_datetime.from_excel, serial, epoch, duration), (serial, duration)
    for text in ("12", "-3", "1.5", "1E3", "2e-2", "007", "1_000"):
        ours, theirs = numbers.cast_number(text), _cast_number(text)
        assert (type(ours), ours) == (type(theirs), theirs)
