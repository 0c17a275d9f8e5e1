"""What staff must do, as blocks of the digest's first section: one block per kind of work, each
fed by one store query. A new kind (mail awaiting confirmation, bounced replies) is one function
and one row of `SOURCES`, plus its title in `staff/labels.toml.j2` [todo]; the web console can
call the same functions.

A block is shown only when it has items, and "nothing to do" only when every block is empty,
so the digest can never say there is nothing to do while something waits for a person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from bot.staff.labels import agency_name, labels
from bot.staff.period import Period
from bot.store.database import Store
from parsers.spec.registry import Registry

WHEN = "%H:%M %d/%m/%Y"
OWN_BLOCK = {"quarantined"}  # events whose mail has a block of its own


@dataclass(frozen=True)
class TodoItem:
    when: str  # staff's wall-clock time
    who: str  # the sender, the agency, the recipient
    what: str  # the subject, the reference
    detail: str = ""


@dataclass(frozen=True)
class TodoBlock:
    kind: str  # key of its title in staff/labels.toml.j2 [todo]
    items: list[TodoItem]


@dataclass(frozen=True)
class TodoContext:
    store: Store
    registry: Registry
    period: Period
    tz: dt.tzinfo

    def when(self, moment: dt.datetime | None) -> str:
        return moment.astimezone(self.tz).strftime(WHEN) if moment else ""


def awaiting_confirmation(c: TodoContext) -> list[TodoItem]:
    """Accepted forms whose numbers wait for staff to confirm the sender, whenever they came,
    oldest first, with why they wait."""
    reasons = labels("staff/labels.toml.j2")["standing_reason"]
    return [TodoItem(c.when(s.received_at), s.author or s.sender, s.reference,
                     " — ".join(filter(None, (agency_name(s, c.registry),
                                              reasons.get(s.standing_reason or "", "")))))
            for s in c.store.submissions.find(verdict="accepted",
                                              standing="awaiting-confirmation")]


def open_corrections(c: TodoContext) -> list[TodoItem]:
    """Agencies whose latest form was not accepted and who have not sent a better one."""
    return [TodoItem(c.when(s.received_at), s.sender, s.reference,
                     agency_name(s, c.registry) or "")
            for s in c.store.submissions.open_corrections()]


def unsent_replies(c: TodoContext) -> list[TodoItem]:
    """Queued mail the SMTP server refused or could not take."""
    return [TodoItem(c.when(o.created_at), o.recipient, f"#{o.id}",
                     f"{o.attempts}× {o.last_error or ''}".strip())
            for o in c.store.outbox.stuck()]


def left_for_people(c: TodoContext) -> list[TodoItem]:
    """Mail of the period that is not a form: it waits in the INBOX for a person."""
    return [TodoItem(c.when(m.created_at), m.from_addr or "", m.subject or "")
            for m in c.store.messages.left_for_people(*c.period.bounds)]


def quarantined(c: TodoContext) -> list[TodoItem]:
    """Mail set aside because it could not be processed."""
    return [TodoItem(c.when(m["created_at"]), m["from_addr"] or "", m["subject"] or "",
                     m["last_error"] or "")
            for m in c.store.messages.held()]


def problems(c: TodoContext) -> list[TodoItem]:
    """Warnings and errors the service recorded during the period."""
    levels = labels("staff/labels.toml.j2")["level"]
    return [TodoItem(c.when(e.ts), levels.get(e.level, e.level), f"{e.kind}: {e.detail}")
            for e in c.store.events.find(period=c.period.bounds)
            if e.level != "info" and e.kind not in OWN_BLOCK]


Source = Callable[[TodoContext], list[TodoItem]]
SOURCES: tuple[tuple[str, Source], ...] = (
    ("awaiting_confirmation", awaiting_confirmation),
    ("open_corrections", open_corrections),
    ("unsent_replies", unsent_replies),
    ("left_for_people", left_for_people),
    ("quarantined", quarantined),
    ("problems", problems),
)


def todo_blocks(context: TodoContext) -> list[TodoBlock]:
    """Every block that has something to do, in the order of SOURCES."""
    blocks = [TodoBlock(kind, source(context)) for kind, source in SOURCES]
    return [b for b in blocks if b.items]
