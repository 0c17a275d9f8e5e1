"""Each agency in the campaign for the console's agency pages: its state as the digest and the
workbook tell it (`bot.staff.standing`), for the agencies the campaign expects and for those a
form named that the registry lacks; and an agency's submissions one after the other, each with
the numbers that changed since the form it follows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.staff.standing import STATES, Ledger, State, ledger
from bot.store.database import Store
from bot.store.records import StoredSubmission
from parsers.spec.campaign import Campaign
from parsers.spec.registry import GROUPS, Agency, Registry

__all__ = ["STATES", "AgencyRow", "Change", "Step", "agency_rows", "changes", "counted_totals",
           "history"]
OUTSIDE = "ngoai-danh-sach"  # the group of agencies a form named that the registry lacks


@dataclass(frozen=True)
class AgencyRow:
    key: str
    name: str
    group: str
    state: State
    agency: Agency | None  # None: named by a form, not in the registry
    newest: StoredSubmission | None  # the newest one staff did not reject
    counted: StoredSubmission | None
    trusted: StoredSubmission | None  # the newest one from a sender trusted for it
    submissions: int
    reminded: dt.datetime | None

    @property
    def last_sender(self) -> str | None:
        return (self.trusted.author or self.trusted.sender) if self.trusted else None


@dataclass(frozen=True)
class Change:
    """The numbers of one row that changed, year by year."""

    row: str  # the row's short label
    cells: tuple[tuple[str, int, int], ...]  # (year, before, after)


@dataclass(frozen=True)
class Step:
    """One submission of an agency's history, with what changed since the form it follows
    (the newest accepted one before it)."""

    sub: StoredSubmission
    follows: str | None  # that form's reference
    changes: tuple[Change, ...]


def _row(found: Ledger, key: str, name: str, group: str, agency: Agency | None) -> AgencyRow:
    where = found.where(key)
    return AgencyRow(key, name, group, where.state, agency, where.latest, where.counted,
                     where.trusted, where.submissions, found.reminded.get(key))


def agency_rows(store: Store, registry: Registry, campaign: Campaign) -> list[AgencyRow]:
    """The agencies the campaign expects, by group in registry order, then those a form named
    that the registry lacks (and any registry agency that wrote though not expected)."""
    found = ledger(store, campaign)
    expected = registry.expected(campaign.opened)
    order = {g: n for n, g in enumerate(GROUPS)}
    rows = [_row(found, a.key, a.name, a.group, a)
            for a in sorted(expected, key=lambda a: order.get(a.group, len(order)))]
    known = {a.key for a in expected}
    for key, subs in sorted(found.by_agency.items()):
        if key in known:
            continue
        try:
            agency: Agency | None = registry.get(key)
        except KeyError:
            agency = None
        rows.append(_row(found, key, agency.name if agency else (subs[-1].agency or key),
                         agency.group if agency else OUTSIDE, agency))
    return rows


def counted_totals(subs: Iterable[StoredSubmission]) -> dict[str, dict[str, int]]:
    """Row → year → the sum over `subs` (the forms that count: each agency's latest valid)."""
    totals: dict[str, dict[str, int]] = {}
    for sub in subs:
        for row, years in sub.quantities.items():
            for year, value in years.items():
                totals.setdefault(row, {})[year] = totals.get(row, {}).get(year, 0) + value
    return totals


def changes(before: dict[str, dict[str, int]], after: dict[str, dict[str, int]],
            campaign: Campaign) -> tuple[Change, ...]:
    """The rows with a number that differs, each with its changed years, in the form's
    order."""
    found = []
    for spec in campaign.quantity_rows:
        old, new = before.get(spec.key, {}), after.get(spec.key, {})
        cells = tuple((year, old.get(year, 0), new.get(year, 0)) for year in campaign.years
                      if old.get(year, 0) != new.get(year, 0))
        if cells:
            found.append(Change(spec.short, cells))
    return tuple(found)


def history(subs: Sequence[StoredSubmission], campaign: Campaign) -> list[Step]:
    """An agency's submissions oldest first, each compared with the newest accepted form
    received before it."""
    steps: list[Step] = []
    last: StoredSubmission | None = None
    for sub in sorted(subs, key=lambda s: (s.received_at, s.id)):
        steps.append(Step(sub, last.reference if last else None,
                          changes(last.quantities, sub.quantities, campaign) if last else ()))
        if sub.verdict == "accepted":
            last = sub
    return steps
