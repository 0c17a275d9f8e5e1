"""What needs a person, as blocks of a to-do list: mail set aside, mail left for people,
corrections still open, replies the mail server would not take, recent warnings. The console's
home page shows every block of `BLOCKS` in order, each rendered by its own template
(`replies/templates/web/todo/<key>.html.j2`) with its actions; adding a block is one function
here, one template and one entry in `BLOCKS`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.intake.service import Service
from bot.staff.labels import agency_name
from bot.store.records import Event, OutboxItem, StoredMessage, SubmissionLine

WARNING_DAYS = 7
MAX_WARNINGS = 50


@dataclass(frozen=True)
class TodoBlock:
    key: str  # names the block's template
    items: tuple[Any, ...]


@dataclass(frozen=True)
class OpenCorrection:
    line: SubmissionLine
    agency: str


def mail_set_aside(service: Service) -> TodoBlock:
    """Quarantined or failed mail nobody has dealt with."""
    return TodoBlock("set_aside", tuple(service.store.messages.held()))


def mail_left_for_people(service: Service) -> TodoBlock:
    """Mail that is not a submission, left in the mailbox for people to answer."""
    found: list[StoredMessage] = service.store.messages.left_for_people()
    return TodoBlock("left_for_people", tuple(found))


def open_corrections(service: Service) -> TodoBlock:
    """Senders whose newest form was not accepted: each agency's (or, when no agency could be
    told, each sender's) newest submission, when it needs correction or could not be read."""
    newest: dict[str, SubmissionLine] = {}
    for line in service.store.submissions.lines():  # newest first
        newest.setdefault(line.agency_key or f"sender:{line.sender.lower()}", line)
    return TodoBlock("open_corrections", tuple(
        OpenCorrection(line, agency_name(line, service.registry))
        for line in sorted(newest.values(), key=lambda s: s.received_at)
        if line.verdict != "accepted"))


def unsent_mail(service: Service) -> TodoBlock:
    """Queued mail the mail server refused or could not take at least once."""
    found: list[OutboxItem] = service.store.outbox.stuck()
    return TodoBlock("unsent", tuple(found))


def recent_warnings(service: Service) -> TodoBlock:
    """Warnings and errors of the last days, newest first."""
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=WARNING_DAYS)
    found: list[Event] = service.store.events.since(since, ("warning", "error"), MAX_WARNINGS)
    return TodoBlock("warnings", tuple(found))


BLOCKS: tuple[Callable[[Service], TodoBlock], ...] = (
    mail_set_aside, open_corrections, unsent_mail, mail_left_for_people, recent_warnings)


def todo(service: Service) -> list[TodoBlock]:
    return [block(service) for block in BLOCKS]
