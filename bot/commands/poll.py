"""`bcy-intake poll [--once]`: one full intake cycle, then exit (`run` is the daemon)."""

from __future__ import annotations

import argparse
import logging
from typing import Any

from bot.commands import HELP
from bot.config.settings import config_path
from bot.errors import EX_CONFIG, EX_TEMPFAIL, CommandError
from bot.intake.daemon import one_cycle
from bot.intake.service import open_service
from bot.mail.mailbox import MailboxLoginRefused, MailboxUnavailable
from replies.render import staff_message

log = logging.getLogger(__name__)


def register(sub: Any) -> None:
    p = sub.add_parser("poll", help=HELP["poll"])
    # kept for the contract's `poll --once`: one cycle is all poll ever runs
    p.add_argument("--once", action="store_true",
                   help="accepted for scripts; poll always runs exactly one cycle")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    service = open_service(config_path(args.config), args.campaign)
    try:
        stats = one_cycle(service)
    except MailboxLoginRefused as exc:  # the configuration's to fix, not the network's
        raise CommandError(staff_message("mailbox_login_refused", username=exc.username,
                                         host=exc.host, said=exc.said), EX_CONFIG) from exc
    except MailboxUnavailable as exc:
        raise CommandError(staff_message("mailbox_unavailable", reason=exc), EX_TEMPFAIL) \
            from exc
    finally:
        service.store.close()
    log.info("cycle done: %s", stats.summary())
    return 0
