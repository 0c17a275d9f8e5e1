"""`bcy-intake export -o FILE.xlsx`: the consolidated workbook staff keep."""

from __future__ import annotations

import argparse
import logging
from typing import Any
from zoneinfo import ZoneInfo

from bot.commands import HELP
from bot.commands.output import writable_target, write_output
from bot.config.settings import config_path
from bot.errors import UsageError
from bot.intake.service import open_service
from bot.staff.workbook.export import build_workbook, workbook_bytes
from replies.render import staff_message

log = logging.getLogger(__name__)


def register(sub: Any) -> None:
    p = sub.add_parser("export", help=HELP["export"])
    p.add_argument("-o", "--output", required=True, metavar="FILE.xlsx", help="where to write it")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    target = writable_target(args.output)
    if target.suffix.lower() != ".xlsx":
        raise UsageError(staff_message("export_needs_xlsx", name_given=target.name))
    service = open_service(config_path(args.config), args.campaign)
    try:
        wb = build_workbook(service.store, service.campaign, service.registry,
                            ZoneInfo(service.cfg.digest.timezone), progress=True)
        write_output(target, workbook_bytes(wb))
    finally:
        service.store.close()
    log.info("workbook written to %s", target)
    return 0
