"""What staff-facing output shares: titles and verdict names kept as TOML templates, the
staff's wall-clock time, and an agency's display name. Light on purpose: a command that
prints a label does not load the workbook writer."""

from __future__ import annotations

import re
import tomllib
from datetime import datetime, tzinfo
from functools import lru_cache
from typing import Any

from bot.store.records import StoredSubmission, SubmissionLine
from parsers.spec.registry import Registry
from replies.render import render

LABELS = "staff/labels.toml.j2"


@lru_cache(maxsize=8)
def labels(template: str) -> dict[str, Any]:
    """A TOML table of titles, kept as a template so Python holds no prose."""
    return tomllib.loads(render(template))


def readable(text: str | None) -> str:
    """A stored text (why a mail was not sent, a warning's detail) as staff read it: each code
    the service wrote in it (labels [send_error]) in its words; the rest as it was."""
    if not text:
        return ""
    return _code_pattern().sub(lambda m: m.group(1) + _words()[m.group(2)], text)


@lru_cache(maxsize=1)
def _words() -> dict[str, str]:
    return {str(k): str(v) for k, v in labels(LABELS)["send_error"].items()}


@lru_cache(maxsize=1)
def _code_pattern() -> re.Pattern[str]:
    codes = "|".join(re.escape(c) for c in sorted(_words(), key=len, reverse=True))
    return re.compile(rf"(^|[\s(,])({codes})(?=$|[\s):,])")


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
