"""What a resubmission changed: a form's numbers against the agency's previous counted form (the
latest one received before it that counts: accepted, from a trusted sender or confirmed), cell
by cell, with the totals before and after; and an agency's history of submissions, each with
what it changed. Pure functions over stored records, computed once here for the reply, for
`submissions show` and for whatever else shows a history (the web console)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.store.records import StoredSubmission
from parsers.spec.campaign import Campaign

Amounts = Mapping[str, Mapping[str, int]]  # row key → year → count; absent means 0


@dataclass(frozen=True)
class Change:
    row: str  # the campaign's row key
    label: str  # its short name
    year: str
    old: int
    new: int


@dataclass(frozen=True)
class Changes:
    """A form against the previous counted one of its agency."""

    previous: str  # that one's reference
    previous_received: datetime
    cells: tuple[Change, ...]  # in the campaign's row and year order
    old_total: int
    new_total: int
    row_totals: tuple[tuple[str, int, int], ...]  # (label, old, new) of each row that changed

    @property
    def unchanged(self) -> bool:
        return not self.cells

    def view(self, received: str) -> dict[str, Any]:
        """Plain data for a template; `received`: the previous one's date as the reader reads
        it."""
        return {"previous": self.previous, "received": received, "unchanged": self.unchanged,
                "cells": [vars(c) for c in self.cells], "old_total": self.old_total,
                "new_total": self.new_total,
                "row_totals": [{"label": label, "old": old, "new": new}
                               for label, old, new in self.row_totals]}


@dataclass(frozen=True)
class HistoryEntry:
    submission: StoredSubmission
    total: int
    changes: Changes | None  # None: not accepted, or no counted one before it


def _amount(amounts: Amounts, row: str, year: str) -> int:
    return int((amounts.get(row) or {}).get(year) or 0)


def total(amounts: Amounts, campaign: Campaign) -> int:
    return sum(_amount(amounts, s.key, y) for s in campaign.quantity_rows for y in campaign.years)


def compare(before: StoredSubmission, after: Amounts, campaign: Campaign) -> Changes:
    """`after` (a new form's numbers) against the counted submission `before`."""
    cells = tuple(
        Change(spec.key, spec.short, year, old, new)
        for spec in campaign.quantity_rows for year in campaign.years
        if (old := _amount(before.quantities, spec.key, year))
        != (new := _amount(after, spec.key, year)))
    changed_rows = dict.fromkeys(c.row for c in cells)
    rows = tuple(
        (spec.short, sum(_amount(before.quantities, spec.key, y) for y in campaign.years),
         sum(_amount(after, spec.key, y) for y in campaign.years))
        for spec in campaign.quantity_rows if spec.key in changed_rows)
    return Changes(before.reference, before.received_at, cells,
                   total(before.quantities, campaign), total(after, campaign), rows)


def previous_counted(subs: Sequence[StoredSubmission], received: datetime,
                     this: int | None = None) -> StoredSubmission | None:
    """Of one agency's submissions, the latest that counts received before the one compared:
    received at `received`, stored as `this` (None: not stored yet, so after all those)."""
    place = (received, float("inf") if this is None else this)
    earlier = [s for s in subs if s.counts and (s.received_at, s.id) < place]
    return max(earlier, key=lambda s: (s.received_at, s.id), default=None)


def agency_history(subs: Sequence[StoredSubmission], campaign: Campaign) -> list[HistoryEntry]:
    """One agency's submissions, oldest first, each accepted one with what it changed against
    the counted one before it."""
    ordered = sorted(subs, key=lambda s: (s.received_at, s.id))
    out = []
    for sub in ordered:
        before = previous_counted(ordered, sub.received_at, sub.id) \
            if sub.verdict == "accepted" else None
        out.append(HistoryEntry(sub, total(sub.quantities, campaign),
                                compare(before, sub.quantities, campaign) if before else None))
    return out
