"""`bcy-intake run`: the daemon (IDLE where the server has it, polling otherwise)."""

from __future__ import annotations

import argparse
from typing import Any

from bot.commands import HELP
from bot.config.settings import config_path
from bot.errors import EX_CONFIG, CommandError
from bot.intake.daemon import run_forever
from bot.intake.service import open_service
from bot.store.engine import AnotherDaemon, only_daemon
from replies.render import staff_message


def register(sub: Any) -> None:
    p = sub.add_parser("run", help=HELP["run"])
    p.add_argument("--max-cycles", type=int, default=None, help=argparse.SUPPRESS)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    service = open_service(config_path(args.config), args.campaign)
    try:
        with only_daemon(service.cfg.store.url):
            return run_forever(service, args.max_cycles)
    except AnotherDaemon as exc:
        raise CommandError(staff_message("another_daemon", lock=exc.lock, holder=exc.holder),
                           EX_CONFIG) from exc
    finally:
        service.store.close()
