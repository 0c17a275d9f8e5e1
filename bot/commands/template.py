"""`bcy-intake template --format docx|xlsx -o PATH`: write the official blank form."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

from bot.config.specs import checked_campaign


def register(sub: Any) -> None:
    p = sub.add_parser("template", help="write the official blank form")
    p.add_argument("--format", required=True, choices=("docx", "xlsx"))
    p.add_argument("-o", "--output", required=True, metavar="PATH")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    campaign = checked_campaign(args.campaign)
    if args.format == "docx":
        from replies.forms.blank_docx import blank_form_docx as make
    else:
        from replies.forms.blank_xlsx import blank_form_xlsx as make
    write_atomically(Path(args.output), make(campaign))
    return 0


def write_atomically(path: Path, data: bytes) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
