"""Where each agency stands in the campaign, the ONE answer read by the digest's progress, the
workbook's "Chưa gửi" sheet and charts, `agencies missing`, the reminders and the console's
agency pages:

- counted: its latest accepted form from a sender trusted for it is live (what the export
  shows);
- needs correction: a sender trusted for it wrote, but nothing valid counts yet;
- awaiting confirmation: its only forms come from senders nobody has confirmed yet;
- never wrote: nothing, or only forms staff rejected.

Each with when it was last reminded in the campaign. Not to be confused with a submission's
standing (counted / awaiting-confirmation / rejected, `bot.intake.trust.standing`), from which this
is derived.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.store.database import Store
from bot.store.records import StoredSubmission
from parsers.spec.agency import GROUPS, Agency
from parsers.spec.campaign import Campaign
from parsers.spec.registry import Registry

State = Literal["counted", "awaiting_confirmation", "needs_correction", "never_wrote"]
STATES: tuple[State, ...] = ("counted", "awaiting_confirmation", "needs_correction",
                             "never_wrote")


@dataclass(frozen=True)
class Whereabouts:
    """What decides an agency's state, from its submissions (oldest first)."""

    state: State
    latest: StoredSubmission | None  # the newest one staff did not reject
    trusted: StoredSubmission | None  # the newest one from a sender trusted for the agency
    counted: StoredSubmission | None  # the live form that counts
    submissions: int  # every one, rejected too


def whereabouts(subs: Sequence[StoredSubmission],
                counted: StoredSubmission | None) -> Whereabouts:
    kept = [s for s in subs if s.standing != "rejected"]
    trusted = next((s for s in reversed(kept) if s.standing == "counted"), None)
    state: State = ("counted" if counted is not None else "needs_correction" if trusted
                    else "awaiting_confirmation" if kept else "never_wrote")
    return Whereabouts(state, kept[-1] if kept else None, trusted, counted, len(subs))


@dataclass(frozen=True)
class AgencyStanding:
    agency: Agency
    where: Whereabouts
    reminded: dt.datetime | None  # when it was last reminded in this campaign

    @property
    def state(self) -> State:
        return self.where.state

    @property
    def latest(self) -> StoredSubmission | None:
        return self.where.latest

    @property
    def last_sender(self) -> str | None:
        """Who last wrote for it as a trusted sender (never a stranger awaiting confirmation)."""
        trusted = self.where.trusted
        return (trusted.author or trusted.sender) if trusted else None


@dataclass(frozen=True)
class Ledger:
    """Every submission by agency, the live counted ones and the last reminders: one read."""

    by_agency: dict[str, list[StoredSubmission]]
    counted: dict[str, StoredSubmission]
    reminded: dict[str, dt.datetime]

    def where(self, key: str) -> Whereabouts:
        return whereabouts(self.by_agency.get(key, []), self.counted.get(key))


def ledger(store: Store, campaign: Campaign) -> Ledger:
    by_agency: dict[str, list[StoredSubmission]] = {}
    for sub in store.submissions.find():  # oldest first
        if sub.agency_key:
            by_agency.setdefault(sub.agency_key, []).append(sub)
    counted = {str(s.agency_key): s for s in store.submissions.latest_valid()}
    return Ledger(by_agency, counted, store.reminders.last_sent(campaign.id))


def standings(store: Store, registry: Registry, campaign: Campaign) -> list[AgencyStanding]:
    """Every agency the campaign expects, in registry order, with its state."""
    found = ledger(store, campaign)
    return [AgencyStanding(a, found.where(a.key), found.reminded.get(a.key))
            for a in registry.expected(campaign.opened)]


def group_order(groups: set[str]) -> list[str]:
    """The registry's groups in their official order, unknown ones last."""
    return [g for g in GROUPS if g in groups] + sorted(groups - set(GROUPS))
