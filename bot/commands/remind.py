"""`bcy-intake remind [--send]`: remind the agencies without a counted form, on the campaign's
schedule. Without --send, print who would be written to and at which address (exit 0)."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any
from zoneinfo import ZoneInfo

from bot.commands import HELP
from bot.commands.arguments import clock_argument
from bot.config.settings import config_path
from bot.intake.sending.outbox import send_pending
from bot.intake.service import open_service
from bot.staff.digest.period import staff_now
from bot.staff.labels import labels
from bot.staff.reminders import plan, send_reminders
from replies.render import format_date, render

log = logging.getLogger(__name__)


def register(sub: Any) -> None:
    p = sub.add_parser("remind", help=HELP["remind"])
    p.add_argument("--send", action="store_true",
                   help="queue and send the letters of the step due today")
    clock_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    service = open_service(config_path(args.config), args.campaign)
    queued = unsent = 0
    try:
        tz = ZoneInfo(service.cfg.digest.timezone)
        today = staff_now(tz, args.now).date()
        found = plan(service, today, tz)
        if args.send and found.step is not None and found.due:
            queued = send_reminders(service, found, today, tz)
            unsent = send_pending(service.cfg.smtp, service.store)[1]
    finally:
        service.store.close()
    sys.stdout.write(render(
        "staff/remind.txt.j2", plan=found, sent=args.send, queued=queued, unsent=unsent,
        deadline=format_date(service.campaign.deadline_in_force),
        states=labels("staff/labels.toml.j2")["state"],
        step_day=format_date(found.step.day) if found.step else None,
        next_day=format_date(found.next_step.day) if found.next_step else None))
    if queued:
        log.info("%s reminder(s) queued; %s wait for the SMTP server", queued, unsent)
    return 0
