"""`bcy-intake poll --once`: one full intake cycle, then exit."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from bot.config.settings import config_path
from bot.errors import EX_TEMPFAIL, CommandError, UsageError
from bot.intake.daemon import one_cycle
from bot.intake.service import open_service
from bot.mail.mailbox import MailboxUnavailable

log = logging.getLogger(__name__)


def register(sub: Any) -> None:
    p = sub.add_parser("poll", help="one intake cycle (fetch, process, reply, file), then exit")
    p.add_argument("--once", action="store_true", help="run one cycle and exit (the default)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.once:
        raise UsageError("poll needs --once (use `run` for the daemon)")
    service = open_service(config_path(args.config), args.campaign)
    try:
        stats = one_cycle(service)
    except MailboxUnavailable as exc:
        raise CommandError(f"mailbox unavailable: {exc}", EX_TEMPFAIL) from exc
    finally:
        service.store.close()
    log.info("cycle done: %s", stats.summary())
    return 0
