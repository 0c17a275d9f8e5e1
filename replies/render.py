"""The jinja2 environment every user-visible text comes from, and the one place values are
formatted for a Vietnamese reader: counts grouped by dots (1.234.567), dates dd/mm/yyyy, times
dd/mm/yyyy hh:mm in the staff's time zone.

Data reach templates raw (a finding's count as an int, its date as a date, a moment as an
aware datetime); templates format them with the filters `number`, `date` and `datetime`
defined here, and nowhere else.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

import jinja2

EMPTY = "—"  # what a missing value reads as in a table or a sentence


@lru_cache(maxsize=2)
def environment(html: bool = False) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("replies", "templates"),
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["number"] = format_number
    env.filters["date"] = format_date
    env.filters["datetime"] = format_datetime
    return env


def format_number(value: Any) -> str:
    """Vietnamese grouping: 1.234.567 (a dot every three digits)."""
    if value is None:
        return EMPTY
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    return str(value)


def format_date(value: dt.date | None) -> str:
    """A date as Vietnamese documents write it: 05/04/2021."""
    if value is None:
        return EMPTY
    return value.strftime("%d/%m/%Y")


def format_datetime(value: dt.datetime | None, tz: dt.tzinfo | None = None) -> str:
    """A moment as staff read it: 10/05/2021 09:30, in `tz` when given (aware values)."""
    if value is None:
        return EMPTY
    if tz is not None and value.tzinfo is not None:
        value = value.astimezone(tz)
    return value.strftime("%d/%m/%Y %H:%M")


def render(template: str, /, **context: Any) -> str:
    html = template.endswith(".html.j2")
    return environment(html).get_template(template).render(**context)


STAFF_MESSAGES = "staff/messages.txt.j2"


def staff_message(name: str, template: str = STAFF_MESSAGES, **context: Any) -> str:
    """One message for staff or the operator (a refused command, a bad path, a wrong config
    value), by name, from `template`: one line, Vietnamese, with the values given."""
    text = " ".join(render(template, name=name, **context).split())
    if not text:
        raise KeyError(f"no staff message named {name!r}")
    return text
