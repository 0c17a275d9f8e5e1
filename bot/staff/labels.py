"""What staff-facing output shares: titles and verdict names kept as TOML templates, the
staff's wall-clock time, and an agency's display name. Light on purpose: a command that
prints a label does not load the workbook writer."""

from __future__ import annotations

import tomllib
from datetime import datetime, tzinfo
from functools import lru_cache
from typing import Any

from bot.store.records import StoredSubmission, SubmissionLine
from parsers.spec.registry import Registry
from replies.render import render


@lru_cache(maxsize=8)
def labels(template: str) -> dict[str, Any]:
    """A TOML table of titles, kept as a template so Python holds no prose."""
    return tomllib.loads(render(template))


def local(when: datetime, tz: tzinfo) -> datetime:
    """Excel has no time zones: the staff's wall-clock time, naive."""
    return when.astimezone(tz).replace(tzinfo=None)


def agency_name(sub: StoredSubmission | SubmissionLine, registry: Registry) -> str:
    return agency_name_of(sub.agency_key, sub.agency, registry)


def agency_name_of(key: str | None, written: str | None, registry: Registry) -> str:
    """The registry's name for `key`, else the name as the form wrote it."""
    try:
        return registry.get(key or "").name
    except KeyError:
        return written or key or ""
