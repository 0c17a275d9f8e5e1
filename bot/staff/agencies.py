"""Where each agency stands in the campaign, for the console's agency pages: counted (a valid
form holds), needing correction (it wrote, nothing valid yet), or never wrote; and an agency's
submissions one after the other, each with the numbers that changed since the form it
follows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.store.database import Store
from bot.store.records import StoredSubmission, SubmissionLine
from parsers.spec.campaign import Campaign
from parsers.spec.registry import GROUPS, Agency, Registry

AgencyState = Literal["counted", "needs_correction", "never_wrote"]
STATES: tuple[AgencyState, ...] = ("counted", "needs_correction", "never_wrote")
OUTSIDE = "ngoai-danh-sach"  # the group of agencies a form named that the registry lacks


@dataclass(frozen=True)
class AgencyRow:
    key: str
    name: str
    group: str
    state: AgencyState
    agency: Agency | None  # None: named by a form, not in the registry
    newest: SubmissionLine | None
    counted: SubmissionLine | None
    submissions: int


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


def _row(key: str, name: str, group: str, agency: Agency | None,
         lines: Sequence[SubmissionLine]) -> AgencyRow:
    counted = next((s for s in lines if s.verdict == "accepted" and s.superseded_by is None),
                   None)
    state: AgencyState = ("counted" if counted else "needs_correction" if lines
                          else "never_wrote")
    return AgencyRow(key, name, group, state, agency, lines[0] if lines else None, counted,
                     len(lines))


def agency_rows(store: Store, registry: Registry, campaign: Campaign) -> list[AgencyRow]:
    """The agencies the campaign expects, by group in registry order, then those a form named
    that the registry lacks (and any registry agency that wrote though not expected)."""
    by_key: dict[str, list[SubmissionLine]] = {}
    for line in store.submissions.lines():  # newest first, kept so per agency
        if line.agency_key:
            by_key.setdefault(line.agency_key, []).append(line)
    expected = registry.expected(campaign.opened)
    order = {g: n for n, g in enumerate(GROUPS)}
    rows = [_row(a.key, a.name, a.group, a, by_key.get(a.key, []))
            for a in sorted(expected, key=lambda a: order.get(a.group, len(order)))]
    known = {a.key for a in expected}
    for key, lines in sorted(by_key.items()):
        if key in known:
            continue
        try:
            agency: Agency | None = registry.get(key)
        except KeyError:
            agency = None
        rows.append(_row(key, agency.name if agency else (lines[0].agency or key),
                         agency.group if agency else OUTSIDE, agency, lines))
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
