"""Reminders: agencies expected to answer that have no counted form yet are written to on the
campaign's schedule (`[reminders] days_before`), each at most once per step, at the addresses
`write_to` gives (the one answer to "where do we write to agency X", which the console's agency
page shows too). The letter cites the
campaign's letter and the deadline in force, carries the blank form, and goes through the
outbox, so an SMTP outage delays reminders but never loses them.

A step is due from its day until the next step's day; a step before the deadline ends with the
deadline (no "three days left" letter after it), a step after it (a negative number) stays due.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from bot.intake.service import Service
from bot.staff.standing import AgencyStanding, standings
from bot.store.database import Store
from bot.store.schema import NewOutbox
from parsers.spec.agency import Agency
from replies.mail.reminder import ReminderLetter, compose_reminder

Status = Literal["due", "reminded", "no_address", "capped", "not_due"]
Whence = Literal["contacts", "trusted", "last_sender", "none"]


@dataclass(frozen=True)
class Step:
    days_before: int
    day: dt.date


@dataclass(frozen=True)
class Planned:
    standing: AgencyStanding
    addresses: tuple[str, ...]
    status: Status


@dataclass(frozen=True)
class Plan:
    step: Step | None  # the step due today, if any
    next_step: Step | None
    lines: list[Planned]

    @property
    def due(self) -> list[Planned]:
        return [p for p in self.lines if p.status == "due"]


def steps(service: Service) -> list[Step]:
    deadline = service.campaign.deadline_in_force
    return sorted((Step(d, deadline - dt.timedelta(days=d))
                   for d in service.campaign.reminders.days_before), key=lambda s: s.day)


def due_step(service: Service, today: dt.date) -> Step | None:
    passed = [s for s in steps(service) if s.day <= today]
    if not passed:
        return None
    step = passed[-1]
    return None if step.days_before >= 0 and today > service.campaign.deadline_in_force \
        else step


@dataclass(frozen=True)
class WriteTo:
    addresses: tuple[str, ...]
    whence: Whence  # the contacts named for it, its trusted addresses, the last trusted
    # sender, or nobody


def staff_contacts(store: Store) -> dict[str, tuple[str, ...]]:
    """Agency key → the contact addresses staff added in the console (one query for all)."""
    found: dict[str, tuple[str, ...]] = {}
    for contact in store.contacts.find():
        found[contact.agency_key] = (*found.get(contact.agency_key, ()), contact.address)
    return found


def trusted_addresses(store: Store) -> dict[str, tuple[str, ...]]:
    """Agency key → the addresses (not domains) trusted to speak for it: the registry's, the
    config's and those staff confirmed (one query for all)."""
    found: dict[str, tuple[str, ...]] = {}
    for entry in store.senders.find():
        if "@" in entry.sender and entry.sender not in found.get(entry.agency_key, ()):
            found[entry.agency_key] = (*found.get(entry.agency_key, ()), entry.sender)
    return found


def write_to(agency: Agency, contacts: Mapping[str, Sequence[str]],
             last_sender: str | None, trusted: Mapping[str, Sequence[str]] | None = None
             ) -> WriteTo:
    """Where letters to `agency` go: the registry's `contacts` and those staff added (from
    `staff_contacts`), each once; without any, the addresses `trusted` for it (from
    `trusted_addresses`); else the address it last wrote from as a trusted sender (never a
    stranger's whose form waits for confirmation)."""
    named = dict.fromkeys(a.lower() for a in (*agency.contacts, *contacts.get(agency.key, ())))
    if named:
        return WriteTo(tuple(named), "contacts")
    if trusted and trusted.get(agency.key):
        return WriteTo(tuple(trusted[agency.key]), "trusted")
    address = email.utils.parseaddr(last_sender or "")[1]
    return WriteTo((address,), "last_sender") if "@" in address else WriteTo((), "none")


def plan(service: Service, today: dt.date, tz: dt.tzinfo) -> Plan:
    """Who would be written to today, and why not the others."""
    step = due_step(service, today)
    later = [s for s in steps(service) if s.day > today]
    store, cfg = service.store, service.cfg
    done = (store.reminders.reminded(service.campaign.id, service.campaign.deadline_in_force,
                                     step.days_before) if step else set())
    budget = cfg.limits.reminders_per_run
    contacts, trusted = staff_contacts(store), trusted_addresses(store)
    lines = []
    for standing in standings(store, service.registry, service.campaign):
        if standing.state == "counted":
            continue
        found = write_to(standing.agency, contacts, standing.last_sender, trusted).addresses
        status: Status = "not_due" if step is None else "due"
        if step is not None and standing.agency.key in done:
            status = "reminded"
        elif not found:
            status = "no_address"
        elif status == "due" and (budget <= 0 or any(
                store.outbox.replies_queued(a, today, tz, ("reply", "reminder"))
                >= cfg.limits.replies_per_sender_per_day for a in found)):
            status = "capped"
        budget -= status == "due"
        lines.append(Planned(standing, found, status))
    return Plan(step, later[0] if later else None, lines)


def send_reminders(service: Service, found: Plan, today: dt.date, tz: dt.tzinfo) -> int:
    """Queue the letter of every agency due; returns how many were queued."""
    assert found.step is not None
    campaign, smtp = service.campaign, service.cfg.smtp
    queued = 0
    for line in found.due:
        latest = line.standing.latest
        letter = ReminderLetter(
            agency=line.standing.agency.name, today=today, days_before=found.step.days_before,
            correction_reference=latest.reference if latest and line.standing.state
            == "needs_correction" else None,
            correction_received=latest.received_at.astimezone(tz).date() if latest else None)
        mail = compose_reminder(letter, campaign, to=line.addresses,
                                from_address=smtp.from_address, from_name=smtp.from_name)
        raw = mail.as_bytes()
        items = [NewOutbox(kind="reminder", recipient=a, raw=raw, mail_id=mail.message_id)
                 for a in line.addresses]
        queued += service.store.reminders.queue(
            campaign.id, line.standing.agency.key, campaign.deadline_in_force,
            found.step.days_before, items)
    return queued
