"""The staff digest: first what staff must do, then where the campaign stands (by group, with a
chart), then the totals by type × year, then who is still missing; and what came in during the
period, each submission by its reference (those with a signed cover letter with a line for
each signature). Built from the store alone, rendered from `replies/templates/digest/` (text
and HTML with the same content); `bot.staff.digest.mail` sends it."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from bot.intake.service import Service
from bot.staff.agencies import counted_totals
from bot.staff.digest.chart import COLOURS, Bar, progress_png
from bot.staff.digest.period import Period
from bot.staff.labels import agency_name, labels
from bot.staff.signed import signature_lines
from bot.staff.standing import STATES, AgencyStanding, State, group_order, standings
from bot.staff.todo import TodoBlock, TodoContext, todo_blocks
from bot.store.schema import StoredSubmission
from replies.mail.compose import quantity_table
from replies.render import format_date, format_datetime, render

NAMES_SHOWN = 5  # missing agencies named per group before "and N others"


@dataclass(frozen=True)
class DigestLine:
    reference: str
    time: str
    agency: str
    verdict: str
    late: bool


@dataclass(frozen=True)
class SignedLine:
    """A submission of the period that came with a signed cover letter: one line a signature."""

    reference: str
    agency: str
    signatures: list[str]


@dataclass(frozen=True)
class Missing:
    name: str
    state: State
    reminded: dt.date | None  # the day it was last reminded, in the staff's zone


@dataclass(frozen=True)
class GroupProgress:
    label: str
    expected: int
    counts: dict[str, int]  # agencies in each state of STATES
    missing: list[Missing]  # those that must correct first, then those awaiting, then silent

    @property
    def counted(self) -> int:
        return self.counts["counted"]

    @property
    def shown(self) -> list[Missing]:
        return self.missing[:NAMES_SHOWN]

    @property
    def more(self) -> int:
        return max(len(self.missing) - NAMES_SHOWN, 0)


@dataclass
class Digest:
    period: Period
    generated: str
    lines: list[DigestLine]
    signed: list[SignedLine]
    counts: dict[str, int]
    todo: list[TodoBlock]
    groups: list[GroupProgress]
    reminded: list[dict[str, Any]]
    table: dict[str, Any]
    done: int
    expected: int
    chart: bytes
    now: dt.datetime

    @property
    def needs_attention(self) -> bool:
        return any(block.items for block in self.todo)

    def total(self, state: str) -> int:
        return sum(g.counts[state] for g in self.groups)

    @property
    def todo_count(self) -> int:
        return sum(len(block.items) for block in self.todo)


def is_late(sub: StoredSubmission, deadline: dt.date, tz: dt.tzinfo) -> bool:
    received = sub.received_at.astimezone(tz).date()
    return received > deadline or (sub.document_date is not None and sub.document_date > deadline)


def _groups(found: list[AgencyStanding], tz: dt.tzinfo) -> list[GroupProgress]:
    names = labels("staff/labels.toml.j2")["group"]
    order = ("needs_correction", "awaiting_confirmation", "never_wrote")
    out = []
    for group in group_order({s.agency.group for s in found}):
        members = [s for s in found if s.agency.group == group]
        missing = sorted((s for s in members if s.state != "counted"),
                         key=lambda s: order.index(s.state))
        out.append(GroupProgress(
            label=names.get(group, group), expected=len(members),
            counts={state: sum(1 for s in members if s.state == state) for state in STATES},
            missing=[Missing(s.agency.name, s.state,
                             s.reminded.astimezone(tz).date() if s.reminded else None)
                     for s in missing]))
    return out


def _chart(groups: list[GroupProgress]) -> bytes:
    total = labels("staff/labels.toml.j2")["progress"]["total"]
    bars = [Bar(g.label, tuple(g.counts[state] for state in STATES)) for g in groups]
    bars.append(Bar(total, tuple(sum(g.counts[state] for g in groups) for state in STATES)))
    return progress_png(bars)


def build_digest(service: Service, period: Period, now: dt.datetime) -> Digest:
    tz, campaign, registry = (ZoneInfo(service.cfg.digest.timezone), service.campaign,
                              service.registry)
    store = service.store
    received = store.submissions.find(period=period.bounds)
    deadline = campaign.deadline_in_force
    lines = [DigestLine(s.reference, format_datetime(s.received_at, tz),
                        agency_name(s, registry), s.verdict, is_late(s, deadline, tz))
             for s in received]
    signed = [SignedLine(s.reference, agency_name(s, registry), signature_lines(s, registry))
              for s in received if s.signatures]
    counts = Counter(s.verdict for s in received) + store.messages.kinds(period=period.bounds)
    found = standings(store, registry, campaign)
    groups = _groups(found, tz)
    reminded = [{"agency": _registry_name(registry, r.agency_key), "to": r.recipients,
                 "days_before": r.days_before, "when": format_datetime(r.created_at, tz)}
                for r in store.reminders.between(*period.bounds)]
    return Digest(
        period=period, generated=format_datetime(now, tz), lines=lines, signed=signed,
        counts=dict(counts), todo=todo_blocks(TodoContext(store, registry, period)),
        groups=groups, reminded=reminded,
        table=quantity_table(counted_totals(store.submissions.latest_valid()), campaign),
        done=sum(g.counted for g in groups), expected=sum(g.expected for g in groups),
        chart=_chart(groups), now=now)


def _registry_name(registry: Any, key: str) -> str:
    try:
        return str(registry.get(key).name)
    except KeyError:
        return key


def digest_context(digest: Digest, service: Service) -> dict[str, Any]:
    tz = ZoneInfo(service.cfg.digest.timezone)
    period = digest.period
    return {"d": digest, "campaign": service.campaign, "years": service.campaign.years,
            "table": digest.table, "day": format_date(period.day),
            "start": format_datetime(period.start, tz),
            "end": format_datetime(period.end, tz),
            "calendar_day": period.calendar_day,
            "verdicts": labels("staff/labels.toml.j2")["verdict"],
            "todo_titles": labels("staff/labels.toml.j2")["todo"], "tz": tz,
            "colours": COLOURS, "chart_cid": None, "states": STATES,
            "progress_words": labels("staff/labels.toml.j2")["progress"],
            "deadline": format_date(service.campaign.deadline_in_force)}


def digest_text(digest: Digest, service: Service) -> str:
    return render("digest/digest.txt.j2", **digest_context(digest, service))
