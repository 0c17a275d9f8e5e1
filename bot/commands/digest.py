"""`bcy-intake digest [--date YYYY-MM-DD] [--send] [--force]`: the staff digest of the period
since the last one sent (or of one calendar day with --date)."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any
from zoneinfo import ZoneInfo

from bot.commands import HELP
from bot.commands.arguments import clock_argument, day_argument
from bot.config.settings import config_path
from bot.errors import EX_CONFIG, CommandError, UsageError
from bot.intake.service import open_service
from bot.staff.digest.mail import send_digest
from bot.staff.digest.period import digest_period, staff_now
from bot.staff.digest.report import build_digest, digest_text
from replies.render import staff_message

log = logging.getLogger(__name__)


def register(sub: Any) -> None:
    p = sub.add_parser("digest", help=HELP["digest"])
    p.add_argument("--date", type=day_argument, metavar="YYYY-MM-DD",
                   help="that calendar day in [digest] timezone (default: everything since "
                        "the last digest sent, or the last 24 hours)")
    p.add_argument("--send", action="store_true", help="mail it to [digest] recipients")
    p.add_argument("--force", action="store_true", help="with --send: send even if already sent")
    clock_argument(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.force and not args.send:
        raise UsageError(staff_message("force_without_send"))
    service = open_service(config_path(args.config), args.campaign)
    try:
        tz = ZoneInfo(service.cfg.digest.timezone)
        now = staff_now(tz, args.now)
        period = digest_period(service.store, tz, now, args.date)
        if not args.send:
            sys.stdout.write(digest_text(build_digest(service, period, now), service))
            return 0
        if not service.cfg.digest.recipients:
            raise CommandError(staff_message("no_digest_recipients"), EX_CONFIG)
        result = send_digest(service, period, now, force=args.force)
    finally:
        service.store.close()
    if result is None:
        log.info("the digest of %s was already sent; --force sends it again", period.day)
    elif result[1]:
        log.warning("digest of %s queued; %s message(s) wait for the SMTP server", period.day,
                    result[1])
    else:
        log.info("digest of %s sent to %s recipient(s)", period.day,
                 len(service.cfg.digest.recipients))
    return 0
