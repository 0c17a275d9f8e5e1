"""`bcy-intake agencies missing`: expected agencies with no valid submission, by group."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.config.settings import config_path
from bot.intake.service import open_service
from bot.staff.labels import labels
from parsers.spec.registry import GROUPS
from replies.render import render


def register(sub: Any) -> None:
    p = sub.add_parser("agencies", help="the agencies expected to answer the campaign")
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    missing = actions.add_parser("missing", help="expected agencies without a valid submission")
    missing.set_defaults(func=run_missing)


def run_missing(args: argparse.Namespace) -> int:
    service = open_service(config_path(args.config), args.campaign)
    try:
        valid = {s.agency_key for s in service.store.submissions.latest_valid()}
    finally:
        service.store.close()
    expected = service.registry.expected(service.campaign.opened)
    missing = [a for a in expected if a.key not in valid]
    names = labels("staff/labels.toml.j2")["group"]
    groups = [{"label": names.get(g, g), "agencies": [a for a in missing if a.group == g]}
              for g in (*GROUPS, *sorted({a.group for a in missing} - set(GROUPS)))]
    sys.stdout.write(render("staff/missing.txt.j2", groups=[g for g in groups if g["agencies"]],
                            missing=len(missing), expected=len(expected)))
    return 0
