"""`bcy-intake codes`: the staff catalogue of finding codes, with an example message each."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.commands import HELP
from replies.catalogue import catalogue
from replies.render import render


def register(sub: Any) -> None:
    p = sub.add_parser("codes", help=HELP["codes"])
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    sys.stdout.write(render("staff/codes.txt.j2", entries=catalogue()))
    return 0
