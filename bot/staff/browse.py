"""Finding submissions the way a clerk asks: text anywhere in the reference, the agency or the
sender (accents and case ignored: "bo tai chinh" finds "Bộ Tài chính"), an agency, a verdict,
a standing (counted, awaiting confirmation, rejected), a range of days; newest first, a page
at a time."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.intake.service import Service
from bot.staff.labels import agency_name
from bot.store.records import Standing, SubmissionLine, Verdict
from parsers.text import match_key

PAGE_SIZE = 50


@dataclass(frozen=True)
class Query:
    text: str = ""
    agency_key: str | None = None
    verdict: Verdict | None = None
    standing: Standing | None = None
    first_day: dt.date | None = None  # received on or after, in the staff's time zone
    last_day: dt.date | None = None  # received on or before
    page: int = 1


@dataclass(frozen=True)
class Found:
    line: SubmissionLine
    agency: str


@dataclass(frozen=True)
class Page:
    items: list[Found]
    total: int
    number: int
    pages: int


def _start(day: dt.date | None, tz: dt.tzinfo) -> dt.datetime | None:
    return None if day is None else dt.datetime.combine(day, dt.time(), tzinfo=tz)


def search(service: Service, query: Query, page_size: int = PAGE_SIZE) -> Page:
    tz = ZoneInfo(service.cfg.digest.timezone)
    after_last = query.last_day + dt.timedelta(days=1) if query.last_day else None
    lines = service.store.submissions.lines(
        agency_key=query.agency_key, verdict=query.verdict, standing=query.standing,
        since=_start(query.first_day, tz), until=_start(after_last, tz))
    wanted = match_key(query.text)
    found = [Found(line, agency_name(line, service.registry)) for line in lines]
    if wanted:
        found = [f for f in found if any(wanted in match_key(text) for text in (
            f.line.reference, f.agency, f.line.agency or "", f.line.sender))]
    pages = max(1, -(-len(found) // page_size))
    number = min(max(query.page, 1), pages)
    start = (number - 1) * page_size
    return Page(found[start:start + page_size], len(found), number, pages)
