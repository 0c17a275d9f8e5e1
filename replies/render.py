"""The jinja2 environment every user-visible text comes from."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import jinja2


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
    return env


def format_number(value: Any) -> str:
    """Vietnamese grouping: 1.234.567 (a dot every three digits)."""
    if value is None:
        return "—"
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    return str(value)


def render(name: str, **context: Any) -> str:
    html = name.endswith(".html.j2")
    return environment(html).get_template(name).render(**context)
