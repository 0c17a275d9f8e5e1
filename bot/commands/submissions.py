"""`bcy-intake submissions list|show|confirm|reject`: what the store holds, as tables for a
terminal, and staff settling a submission that waits for their confirmation."""

from __future__ import annotations

import argparse
import sys
from typing import Any
from zoneinfo import ZoneInfo

from bot.commands import HELP
from bot.commands.arguments import actor, day_argument
from bot.config.settings import config_path
from bot.errors import CommandError
from bot.intake.service import Service, open_service
from bot.staff.dossier import dossier, dossier_text
from bot.staff.labels import agency_name, labels, local
from bot.staff.settle import settle
from bot.store.records import STANDINGS, StoredSubmission
from parsers.text import match_key
from replies.render import render, staff_message

VERDICTS = ("accepted", "needs_correction", "unreadable")
TIME = "%d/%m/%Y %H:%M"


def register(sub: Any) -> None:
    p = sub.add_parser("submissions", help=HELP["submissions"])
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    ls = actions.add_parser("list", help="a table of submissions, oldest first")
    ls.add_argument("--agency", metavar="TEXT", help="agency name or key contains TEXT")
    ls.add_argument("--verdict", choices=VERDICTS)
    ls.add_argument("--date", type=day_argument, metavar="YYYY-MM-DD", help="received that day")
    ls.add_argument("--standing", choices=STANDINGS, help="counted, awaiting or rejected ones")
    ls.set_defaults(func=run_list)
    show = actions.add_parser("show", help="one submission: header, quantities, findings")
    show.add_argument("reference", metavar="REF")
    show.set_defaults(func=run_show)
    confirm = actions.add_parser("confirm", help="count a submission awaiting confirmation")
    confirm.add_argument("reference", metavar="REF")
    confirm.add_argument("--add-address", action="store_true",
                         help="also trust its sender's address for the agency from now on")
    confirm.add_argument("--agency", metavar="KEY",
                         help="count it for this agency of the registry (else the one recorded)")
    confirm.set_defaults(func=run_settle, standing="counted")
    reject = actions.add_parser("reject", help="never count a submission's numbers")
    reject.add_argument("reference", metavar="REF")
    reject.set_defaults(func=run_settle, standing="rejected", add_address=False, agency=None)


def _matches(sub: StoredSubmission, name: str, wanted: str) -> bool:
    return any(wanted in match_key(text) for text in (name, sub.agency or "", sub.agency_key or ""))


def run_list(args: argparse.Namespace) -> int:
    service = open_service(config_path(args.config), args.campaign)
    try:
        tz = ZoneInfo(service.cfg.digest.timezone)
        found = service.store.submissions.find(day=args.date, verdict=args.verdict, tz=tz,
                                               standing=args.standing)
        wanted = match_key(args.agency or "")
        rows = []
        for sub in found:
            name = agency_name(sub, service.registry)
            if wanted and not _matches(sub, name, wanted):
                continue
            rows.append({"reference": sub.reference, "received": local(sub.received_at, tz)
                         .strftime(TIME), "agency": name, "verdict": sub.verdict,
                         "sender": sub.sender, "superseded": sub.superseded_by is not None,
                         "standing": sub.standing})
    finally:
        service.store.close()
    words = labels("staff/labels.toml.j2")
    sys.stdout.write(render("staff/submissions.txt.j2", subs=rows, verdicts=words["verdict"],
                            standings=words["standing"]))
    return 0


def find_submission(service: Service, reference: str) -> StoredSubmission:
    sub = service.store.submissions.by_reference(reference.strip())
    if sub is None:  # not a usage mistake: exit 1, as confirm and reject (CONTRACT.md)
        raise CommandError(staff_message("no_submission", reference=reference.strip()))
    return sub


def run_show(args: argparse.Namespace) -> int:
    service = open_service(config_path(args.config), args.campaign)
    try:
        found = dossier(service, args.reference)
        if found is None:
            raise CommandError(staff_message("no_submission", reference=args.reference.strip()))
        text = dossier_text(service, found)
    finally:
        service.store.close()
    sys.stdout.write(text)
    return 0


def run_settle(args: argparse.Namespace) -> int:
    service = open_service(config_path(args.config), args.campaign)
    try:
        done = settle(service, args.reference, args.standing, actor(),
                      agency_key=args.agency, add_address=args.add_address)
        agency = agency_name(done.after, service.registry) or done.after.agency_key
    finally:
        service.store.close()
    sys.stdout.write(render("staff/settled.txt.j2", done=done, agency=agency,
                            verdicts=labels("staff/labels.toml.j2")["verdict"]))
    return 0
