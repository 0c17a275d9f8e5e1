"""What every sheet of the consolidated workbook reads: the data, read from the store once, and
the words of the title block each sheet opens with."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.staff.labels import agency_name
from bot.staff.standing import AgencyStanding
from bot.store.database import Store
from bot.store.schema import StoredSubmission
from parsers.spec.campaign import Campaign
from parsers.spec.registry import Registry
from replies.render import render

COLUMNS = "export/columns.toml.j2"


@dataclass(frozen=True)
class Sheets:
    """What every sheet needs: the data, read once, and the title block's words."""

    campaign: Campaign
    registry: Registry
    tz: dt.tzinfo
    counted: list[StoredSubmission]  # latest valid per agency, registry order
    standing: list[AgencyStanding]
    contacts: dict[str, tuple[str, ...]]  # agency key → contacts staff added (reminders)
    generated: str
    progress: bool

    def title(self, subtitle: str) -> list[str]:
        done = sum(1 for s in self.standing if s.state == "counted")
        return render("export/title.txt.j2", campaign=self.campaign,
                      letters=self.campaign.reference_letters,
                      deadline=self.campaign.deadline_in_force, generated=self.generated,
                      done=done, expected=len(self.standing), subtitle=subtitle).splitlines()


def ordered_latest(store: Store, registry: Registry) -> list[StoredSubmission]:
    """Latest valid submissions in registry order, unknown agencies last by name."""
    order = {a.key: n for n, a in enumerate(registry.agencies)}
    return sorted(store.submissions.latest_valid(),
                  key=lambda s: (order.get(s.agency_key or "", len(order)),
                                 agency_name(s, registry)))
