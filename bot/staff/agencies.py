"""Each agency in the campaign for the console's agency pages: its state as the digest and the
workbook tell it (`bot.staff.standing`), for the agencies the campaign expects and for those a
form named that the registry lacks; and the sum of the forms that count. An agency's history,
each form with what it changed, is `bot.intake.changes.agency_history`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from bot.staff.standing import STATES, Ledger, State, ledger
from bot.store.database import Store
from bot.store.records import StoredSubmission
from parsers.spec.campaign import Campaign
from parsers.spec.registry import GROUPS, Agency, Registry

__all__ = ["STATES", "AgencyRow", "agency_rows", "counted_totals"]
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
