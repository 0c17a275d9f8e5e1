"""Where each expected agency stands: counted (its latest accepted form is live), needs
correction (its latest form was not accepted), or never wrote. The digest, the workbook's
"Chưa gửi" sheet, `agencies missing` and the reminders all read it from here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from bot.store.database import Store
from bot.store.records import StoredSubmission
from parsers.spec.agency import GROUPS, Agency
from parsers.spec.registry import Registry

State = Literal["counted", "needs_correction", "never_wrote"]
STATES: tuple[State, ...] = ("counted", "needs_correction", "never_wrote")


@dataclass(frozen=True)
class AgencyStanding:
    agency: Agency
    state: State
    latest: StoredSubmission | None  # the submission received last, whatever its verdict

    @property
    def last_sender(self) -> str | None:
        return self.latest.sender if self.latest else None


def standings(store: Store, registry: Registry, on: dt.date) -> list[AgencyStanding]:
    """Every agency expected on `on`, in registry order, with its state."""
    counted = {s.agency_key for s in store.submissions.latest_valid()}
    latest = {s.agency_key: s for s in store.submissions.latest_per_agency()}
    found: list[AgencyStanding] = []
    for agency in registry.expected(on):
        last = latest.get(agency.key)
        state: State = ("counted" if agency.key in counted
                        else "never_wrote" if last is None else "needs_correction")
        found.append(AgencyStanding(agency, state, last))
    return found


def group_order(groups: set[str]) -> list[str]:
    """The registry's groups in their official order, unknown ones last."""
    return [g for g in GROUPS if g in groups] + sorted(groups - set(GROUPS))
