"""The jinja2 environment every user-visible text comes from, and the one place values are
formatted for a Vietnamese reader: counts grouped by dots (1.234.567), dates dd/mm/yyyy, times
dd/mm/yyyy hh:mm in the staff's time zone.

Data reach templates raw (a finding's count as an int, its date as a date, a moment as an
aware datetime); templates format them with the filters `number`, `date` and `datetime`
defined here, and nowhere else.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any, Final

import jinja2
from markupsafe import Markup

EMPTY = "—"  # what a missing value reads as in a table or a sentence
# What a terminal or a reader obeys instead of showing: C0/C1 controls (ESC sequences retitle a
# window, clear the screen, recolour the text), DEL, and the marks that reorder or hide text.
# Line breaks and tabs stay: a template may insert a block it rendered before.
_UNSHOWABLE: Final = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c\ufeff]")


@lru_cache(maxsize=2)
def environment(html: bool = False) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("replies", "templates"),
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=showable,
        auto_reload=False,  # the templates ship with the code: no stat of the file per render
    )
    env.filters["number"] = format_number
    env.filters["date"] = format_date
    env.filters["datetime"] = format_datetime
    return env


def showable(value: Any) -> Any:
    """Every value a template prints, with what a terminal would obey instead of show taken
    out: text from mail and forms reaches staff and agencies as text, never as control."""
    if isinstance(value, str) and _UNSHOWABLE.search(value):
        cleaned = _UNSHOWABLE.sub("", value)
        return Markup(cleaned) if isinstance(value, Markup) else cleaned
    return value


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
