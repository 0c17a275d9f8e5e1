"""`bcy-intake digest [--date YYYY-MM-DD] [--send] [--force]`: the staff digest of one day."""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from bot.commands.arguments import day_argument
from bot.config.settings import config_path
from bot.errors import EX_CONFIG, CommandError, UsageError
from bot.intake.service import open_service
from bot.staff.digest import build_digest, digest_text, send_digest, today

log = logging.getLogger(__name__)


def register(sub: Any) -> None:
    p = sub.add_parser("digest", help="the staff digest of a day: print it, or send it")
    p.add_argument("--date", type=day_argument, metavar="YYYY-MM-DD",
                   help="the day (default: today in [digest] timezone)")
    p.add_argument("--send", action="store_true", help="mail it to [digest] recipients")
    p.add_argument("--force", action="store_true", help="with --send: send even if already sent")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.force and not args.send:
        raise UsageError("--force only makes sense with --send")
    service = open_service(config_path(args.config), args.campaign)
    try:
        day = args.date or today(service)
        if not args.send:
            sys.stdout.write(digest_text(build_digest(service, day), service))
            return 0
        if not service.cfg.digest.recipients:
            raise CommandError("[digest] recipients is empty: nobody to send the digest to",
                               EX_CONFIG)
        result = send_digest(service, day, force=args.force)
    finally:
        service.store.close()
    if result is None:
        log.info("the digest of %s was already sent; --force sends it again", day)
    elif result[1]:
        log.warning("digest of %s queued; %s message(s) wait for the SMTP server", day, result[1])
    else:
        log.info("digest of %s sent to %s recipient(s)", day, len(service.cfg.digest.recipients))
    return 0
