"""`bcy-intake reprocess REF|--all [--reply]`: read and check stored mail again after a rule
change, and rewrite the submission in place (same reference). No reply unless --reply."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.commands import HELP
from bot.commands.arguments import actor
from bot.commands.submissions import find_submission
from bot.config.settings import config_path
from bot.errors import UsageError
from bot.intake.redo import reprocess, send_queued
from bot.intake.service import open_service
from bot.staff.labels import labels
from bot.staff.progress import with_progress
from replies.render import render, staff_message


def register(sub: Any) -> None:
    p = sub.add_parser("reprocess", help=HELP["reprocess"])
    p.add_argument("reference", nargs="?", metavar="REF", help="the submission to redo")
    p.add_argument("--all", action="store_true", help="every submission")
    p.add_argument("--reply", action="store_true", help="queue and send a new reply")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if bool(args.reference) == bool(args.all):
        raise UsageError(staff_message("reprocess_needs_one"))
    service = open_service(config_path(args.config), args.campaign)
    unsent = 0
    try:
        targets = (service.store.submissions.find() if args.all
                   else [find_submission(service, args.reference)])
        who = actor()
        results = [reprocess(service, sub, args.reply, who)
                   for sub in with_progress(targets, len(targets))]
        if args.reply:
            unsent = send_queued(service)
    finally:
        service.store.close()
    words = labels("staff/labels.toml.j2")
    sys.stdout.write(render("staff/reprocess.txt.j2", results=results, unsent=unsent,
                            verdicts=words["verdict"], standings=words["standing"]))
    return 0
