"""The campaign file as written: its keys, their types, and the checks that need more than a
type (years that are years, rows whose parent exists). `parsers.spec.campaign` turns it into
the Campaign the code uses."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from parsers.spec.form_texts import Contact, FormTexts
from parsers.text import match_key

_YEAR = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class ReferenceLetter:
    number: str
    date: dt.date


@dataclass(frozen=True, kw_only=True)
class RowEntry:
    """One `[[rows]]` table."""

    key: str
    label: str
    short: str | None = None  # the label, when not given
    code: str | None = None  # the TT printed in the table ("01"); sub-rows have none
    parent: str | None = None
    spellings: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class MailWords:
    keywords: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class ReminderSchedule:
    """`[reminders]`: when agencies without a counted form are written to, as days before
    the deadline in force (a negative number: days after it). Empty: no reminders."""

    days_before: tuple[int, ...] = ()


@dataclass(frozen=True, kw_only=True)
class CampaignKeys:
    """The keys a Campaign keeps as the file writes them."""

    id: str
    name: str
    unit: str
    years: tuple[str, ...]
    opened: dt.date
    deadline: dt.date
    extended_deadline: dt.date | None = None  # a later deadline announced after the letter
    reference_prefix: str
    large_quantity_threshold: int
    addressee: str
    mailbox: str = ""
    reference_letters: tuple[ReferenceLetter, ...] = ()
    form: FormTexts
    contact: Contact = field(default_factory=Contact)
    reminders: ReminderSchedule = field(default_factory=ReminderSchedule)

    @property
    def deadline_in_force(self) -> dt.date:
        """The deadline agencies are held to: the extended one when there is one."""
        return self.extended_deadline or self.deadline

    def open_deadline(self, today: dt.date) -> dt.date | None:
        """The deadline still ahead on `today` (inclusive), or None once it has passed: no text
        may ask for something "before" a past date."""
        return self.deadline_in_force if today <= self.deadline_in_force else None


@dataclass(frozen=True, kw_only=True)
class CampaignFile(CampaignKeys):
    """The whole file: those keys, and the ones the Campaign reads differently."""

    unit_name: str | None = None  # the unit spelt out; the unit itself when not given
    rows: tuple[RowEntry, ...]
    mail: MailWords


def file_problems(f: CampaignFile) -> Iterator[str]:
    """What a well-typed file can still get wrong, as `key.path: problem` lines."""
    for key in ("id", "unit", "reference_prefix"):
        if not getattr(f, key).strip():
            yield f"{key}: must not be empty"
    if not f.years:
        yield "years: must name at least one year"
    yield from (f"years: {y!r} is not a year like \"2021\"" for y in f.years if not _YEAR.match(y))
    yield from (f"years: {y!r} is given twice" for y, n in Counter(f.years).items() if n > 1)
    if f.deadline < f.opened:
        yield f"deadline: {f.deadline} is before opened ({f.opened})"
    if f.extended_deadline is not None and f.extended_deadline < f.deadline:
        yield f"extended_deadline: {f.extended_deadline} is before deadline ({f.deadline})"
    steps = f.reminders.days_before
    yield from (f"reminders.days_before: {d} is given twice"
                for d, n in Counter(steps).items() if n > 1)
    if f.large_quantity_threshold < 1:
        yield "large_quantity_threshold: must be a positive number"
    yield from _row_problems(f.rows)


def _row_problems(rows: tuple[RowEntry, ...]) -> Iterator[str]:
    if not rows:
        yield "rows: the table needs at least one [[rows]]"
    tops: set[str] = set()
    seen: set[str] = set()
    for n, row in enumerate(rows, start=1):
        where = f"rows[{n}]"
        if not row.key.strip():
            yield f"{where}.key: must not be empty"
        elif row.key in seen:
            yield f"{where}.key: {row.key!r} is already the key of a row above"
        if not match_key(row.label):
            yield f"{where}.label: must have letters or digits"
        if row.parent is not None and row.parent not in tops:
            yield f"{where}.parent: no top-level row {row.parent!r} above this one"
        seen.add(row.key)
        if row.parent is None:
            tops.add(row.key)
