"""What needs a person: ONE to-do list, read by the digest (text and HTML) and by the console's
home page `/`. Each row of `BLOCKS` is one kind of work: its key (its title and hints in
`staff/labels.toml.j2` [todo.<key>]), one store query that finds its items, and what the
console offers on them (`actions` on each item, `block_action` on the block as a whole; each a
template `web/todo/<action>.html.j2` posting to its route in `bot.web`). A new kind of work is
one function and one row here, plus its title.

A block is shown only when it has items, and "nothing to do" only when every block is empty.
The digest asks with its period: mail left for people and the warnings of that period. The
console asks without one: all mail still waiting, warnings of the last `WARNING_DAYS` days.

Replies that bounced are the replies a bounce was linked to (`bot.intake.safety.bounces`, by
Message-ID, embedded headers or reference), until a later reply about the same submission is
queued (`resend`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from bot.intake.safety.bounces import own_header
from bot.staff.digest.period import Period
from bot.staff.labels import agency_name, labels, readable
from bot.store.database import Store
from bot.store.records import OutboxItem
from parsers.spec.registry import Registry

WARNING_DAYS = 7
MAX_WARNINGS = 50
OWN_BLOCK = {"quarantined", "reply-undelivered"}  # events whose mail has a block of its own
LABELS = "staff/labels.toml.j2"


@dataclass(frozen=True)
class TodoItem:
    when: dt.datetime | None  # aware; the digest and the console show it in the staff's zone
    who: str  # the sender, the recipient
    what: str  # the reference, the subject
    detail: str = ""
    reference: str | None = None  # a submission: the console links to its page
    message_id: int | None = None  # a kept mail: the console offers the raw message


@dataclass(frozen=True)
class TodoBlock:
    kind: str  # key of its title in staff/labels.toml.j2 [todo]
    items: list[TodoItem]
    actions: tuple[str, ...] = ()  # the console's, on each item
    block_action: str | None = None  # the console's, on the block


@dataclass(frozen=True)
class TodoContext:
    store: Store
    registry: Registry
    period: Period | None = None  # the digest's; None: the console, everything still open


def awaiting_confirmation(c: TodoContext) -> list[TodoItem]:
    """Accepted forms whose numbers wait for staff to confirm the sender, whenever they came,
    oldest first, with why they wait."""
    reasons = labels(LABELS)["standing_reason"]
    return [TodoItem(s.received_at, s.author or s.sender, s.reference,
                     " — ".join(filter(None, (agency_name(s, c.registry),
                                              reasons.get(s.standing_reason or "", "")))),
                     reference=s.reference, message_id=s.message_id)
            for s in c.store.submissions.find(verdict="accepted",
                                              standing="awaiting-confirmation")]


def open_corrections(c: TodoContext) -> list[TodoItem]:
    """Agencies (senders, when no agency could be told) whose latest form was not accepted and
    who have not sent a better one."""
    verdicts = labels(LABELS)["verdict"]
    return [TodoItem(s.received_at, s.sender, s.reference,
                     " — ".join(filter(None, (agency_name(s, c.registry),
                                              verdicts.get(s.verdict, s.verdict)))),
                     reference=s.reference, message_id=s.message_id)
            for s in c.store.submissions.open_corrections()]


def _bounced(o: OutboxItem) -> TodoItem:
    reference = own_header(o.raw, "X-BCY-Intake-Reference") or None
    return TodoItem(o.undelivered_at, o.recipient, reference or f"#{o.id}",
                    own_header(o.raw, "Subject"), reference=reference, message_id=o.bounce_id)


def bounced_replies(c: TodoContext) -> list[TodoItem]:
    """Replies a bounce said never reached the agency, not sent again since."""
    return [_bounced(o) for o in c.store.outbox.bounced()]


def left_for_people(c: TodoContext) -> list[TodoItem]:
    """Mail that is not a form, waiting in the INBOX for a person (not yet marked handled)."""
    return [TodoItem(m.created_at, m.from_addr or "", m.subject or "", message_id=m.id)
            for m in c.store.messages.left_for_people(c.period.bounds if c.period else None)]


def quarantined(c: TodoContext) -> list[TodoItem]:
    """Mail set aside because it could not be processed (not yet marked handled)."""
    return [TodoItem(m["created_at"], m["from_addr"] or "", m["subject"] or "",
                     m["last_error"] or "", message_id=m["id"])
            for m in c.store.messages.held()]


def unsent_mail(c: TodoContext) -> list[TodoItem]:
    """Queued mail the mail server refused or could not take at least once."""
    kinds = labels(LABELS)["outbox"]
    return [TodoItem(o.created_at, o.recipient, f"{kinds.get(o.kind, o.kind)} #{o.id}",
                     f"{o.attempts}× {readable(o.last_error)}".strip(),
                     message_id=o.message_id)
            for o in c.store.outbox.stuck()]


def problems(c: TodoContext) -> list[TodoItem]:
    """Warnings and errors the service recorded: the digest's period, or the last days."""
    levels, kinds = labels(LABELS)["level"], labels(LABELS)["event"]
    if c.period is not None:
        found = c.store.events.find(period=c.period.bounds)
    else:
        since = dt.datetime.now(dt.UTC) - dt.timedelta(days=WARNING_DAYS)
        found = sorted(c.store.events.since(since, ("warning", "error"), MAX_WARNINGS),
                       key=lambda e: (e.ts, e.id))
    return [TodoItem(e.ts, levels.get(e.level, e.level),
                     f"{kinds.get(e.kind, e.kind)}: {readable(e.detail)}",
                     message_id=e.message_id)
            for e in found if e.level != "info" and e.kind not in OWN_BLOCK]


Source = Callable[[TodoContext], list[TodoItem]]


@dataclass(frozen=True)
class Block:
    kind: str
    source: Source
    actions: tuple[str, ...] = ()
    block_action: str | None = None


BLOCKS: tuple[Block, ...] = (
    Block("awaiting_confirmation", awaiting_confirmation, ("settle",)),
    Block("open_corrections", open_corrections, ("resend",)),
    Block("bounced_replies", bounced_replies, ("resend", "raw_mail")),
    Block("left_for_people", left_for_people, ("raw_mail", "handled")),
    Block("quarantined", quarantined, ("raw_mail", "handled")),
    Block("unsent_mail", unsent_mail, block_action="send_outbox"),
    Block("problems", problems, ("raw_mail",)),
)


def todo_blocks(context: TodoContext) -> list[TodoBlock]:
    """Every block that has something to do, in the order of BLOCKS."""
    blocks = [TodoBlock(b.kind, b.source(context), b.actions, b.block_action) for b in BLOCKS]
    return [b for b in blocks if b.items]
