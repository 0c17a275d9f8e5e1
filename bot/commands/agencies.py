"""`bcy-intake agencies missing`: expected agencies with no counted submission, by group, each
with where it stands."""

from __future__ import annotations

import argparse
import sys
from typing import Any
from zoneinfo import ZoneInfo

from bot.commands import HELP
from bot.config.settings import config_path
from bot.intake.service import open_service
from bot.staff.labels import labels
from bot.staff.standing import group_order, standings
from replies.render import render

ORDER = ("needs_correction", "awaiting_confirmation", "never_wrote")


def register(sub: Any) -> None:
    p = sub.add_parser("agencies", help=HELP["agencies"])
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    missing = actions.add_parser("missing", help="expected agencies without a valid submission")
    missing.set_defaults(func=run_missing)


def run_missing(args: argparse.Namespace) -> int:
    service = open_service(config_path(args.config), args.campaign)
    try:
        found = standings(service.store, service.registry, service.campaign)
    finally:
        service.store.close()
    missing = [s for s in found if s.state != "counted"]
    names = labels("staff/labels.toml.j2")["group"]
    groups = [{"label": names.get(g, g),
               "agencies": sorted((s for s in missing if s.agency.group == g),
                                  key=lambda s: ORDER.index(s.state))}
              for g in group_order({s.agency.group for s in missing})]
    tz = ZoneInfo(service.cfg.digest.timezone)
    sys.stdout.write(render("staff/missing.txt.j2", groups=groups, missing=len(missing),
                            expected=len(found), tz=tz,
                            states=labels("staff/labels.toml.j2")["state"]))
    return 0
