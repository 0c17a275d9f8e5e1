"""`bcy-intake resend REF`: queue the latest reply of a submission again and send it."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.commands import HELP
from bot.commands.arguments import actor
from bot.commands.submissions import find_submission
from bot.config.settings import config_path
from bot.errors import CommandError
from bot.intake.redo import NothingToResend, resend, send_queued
from bot.intake.service import open_service
from replies.render import render, staff_message


def register(sub: Any) -> None:
    p = sub.add_parser("resend", help=HELP["resend"])
    p.add_argument("reference", metavar="REF")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    service = open_service(config_path(args.config), args.campaign)
    try:
        sub = find_submission(service, args.reference)
        try:
            done = resend(service, sub, actor())
        except NothingToResend:
            raise CommandError(staff_message("no_reply_to_resend",
                                             reference=sub.reference)) from None
        unsent = send_queued(service)
    finally:
        service.store.close()
    sys.stdout.write(render("staff/resend.txt.j2", reference=done.reference,
                            recipient=done.recipient, unsent=unsent))
    return 0
