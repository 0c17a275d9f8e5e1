"""`bcy-intake export -o FILE.xlsx`: the consolidated workbook of the latest valid submissions."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.config.settings import config_path
from bot.errors import CommandError, UsageError
from bot.intake.service import open_service
from bot.staff.export import build_workbook, workbook_bytes, write_atomically

log = logging.getLogger(__name__)


def register(sub: Any) -> None:
    p = sub.add_parser("export", help="write the consolidated workbook (.xlsx)")
    p.add_argument("-o", "--output", required=True, metavar="FILE.xlsx", help="where to write it")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    target = Path(args.output)
    if target.suffix.lower() != ".xlsx":
        raise UsageError(f"export writes an .xlsx workbook, not {target.name!r}")
    if not target.resolve().parent.is_dir():
        raise UsageError(f"no such folder: {target.resolve().parent}")
    service = open_service(config_path(args.config), args.campaign)
    try:
        wb = build_workbook(service.store, service.campaign, service.registry,
                            ZoneInfo(service.cfg.digest.timezone))
        try:
            write_atomically(target, workbook_bytes(wb))
        except OSError as exc:
            raise CommandError(f"cannot write {target}: {exc.strerror}") from exc
    finally:
        service.store.close()
    log.info("workbook written to %s", target)
    return 0
