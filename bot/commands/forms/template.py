"""`bcy-intake template [--format docx|xlsx] -o PATH`: write the official blank form; the
format is the file's extension unless --format says it. With --format, the name is written as
given (none, or "Mau v1.2"), unless its extension names another document format."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot.commands import HELP
from bot.commands.output import writable_target, write_output
from bot.config.specs import checked_campaign
from bot.errors import UsageError
from replies.render import staff_message

FORMATS = ("docx", "xlsx")
# extensions that say a file is some other document: written as docx/xlsx, it would mislead
OTHER_DOCUMENTS = frozenset({"doc", "docm", "dotx", "dotm", "xls", "xlsm", "xltx", "xltm", "xlsb",
                             "odt", "ods", "rtf", "pdf", "csv", "txt", "htm", "html", "zip"})


def register(sub: Any) -> None:
    p = sub.add_parser("template", help=HELP["template"])
    p.add_argument("--format", choices=FORMATS,
                   help="docx or xlsx (default: from the extension of PATH)")
    p.add_argument("-o", "--output", required=True, metavar="PATH")
    p.set_defaults(func=run)


def chosen_format(path: Path, given: str | None) -> str:
    """The format to write: the extension's; --format must agree with it when both are there."""
    suffix = path.suffix.lower().lstrip(".")
    if given is None:
        if suffix not in FORMATS:
            raise UsageError(staff_message("template_unknown_format", name_given=path.name))
        return suffix
    if suffix != given and (suffix in FORMATS or suffix in OTHER_DOCUMENTS):
        raise UsageError(staff_message("template_format_mismatch", format=given,
                                       name_given=path.name, suffix=suffix,
                                       other=suffix if suffix in FORMATS else None))
    return given


def run(args: argparse.Namespace) -> int:
    target = writable_target(args.output)
    kind = chosen_format(target, args.format)
    campaign = checked_campaign(args.campaign)
    if kind == "docx":
        from replies.forms.blank_docx import blank_form_docx as make
    else:
        from replies.forms.blank_xlsx import blank_form_xlsx as make
    write_output(target, make(campaign))
    return 0
