"""The `bcy-intake` command line: global options, then one subcommand module per command."""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from importlib import metadata
from typing import Any, NoReturn

from bot.commands import COMMANDS, MODULES
from bot.config.settings import DEFAULT_CONFIG
from bot.errors import EX_USAGE, CommandError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        from bot.commands.usage import usage_line  # only a refused command line needs it
        self.exit(EX_USAGE, f"{self.prog}: {usage_line(self.prog, message)}\n")


class _CommandParser(_Parser):
    """A command's parser: takes the global options too, after the command (`bcy-intake
    digest --config F`). Their defaults are SUPPRESS so that, when not given here, the value
    given before the command (or the default) stays."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _global_options(self, argparse.SUPPRESS)


class _Unsure(Exception):
    pass


class _GlobalOptions(_Parser):
    def error(self, message: str) -> NoReturn:
        raise _Unsure(message)


def _global_options(parser: argparse.ArgumentParser,
                    default: Any = None) -> argparse.ArgumentParser:
    parser.add_argument("--config", default=default,
                        help=f"config file (else $BCY_INTAKE_CONFIG, else {DEFAULT_CONFIG})")
    parser.add_argument("--campaign", default=default,
                        help="campaign file (default: the built-in 2021-2025 one)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        default=False if default is None else default, help="debug logging")
    return parser


def version() -> str:
    try:
        return metadata.version("bcy-intake")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


def named_command(argv: Sequence[str]) -> str | None:
    """The command `argv` names, found without loading any command module; None when unsure
    (no command, a misspelt one, `--help` before it)."""
    try:
        _, rest = _global_options(_GlobalOptions(add_help=False)).parse_known_args(argv)
    except _Unsure:
        return None
    return rest[0] if rest and rest[0] in COMMANDS else None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line; with `argv`, only the command it names is loaded (when it
    names one), so `check` starts without the store, the mail and the workbook modules."""
    parser = _global_options(_Parser(prog="bcy-intake",
                                     description="BCY certificate-demand intake bot"))
    parser.add_argument("--version", action="version", version=f"bcy-intake {version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_CommandParser)
    sub.required = True
    wanted = named_command(argv) if argv is not None else None
    for name in COMMANDS if wanted is None else (wanted,):
        importlib.import_module(MODULES.get(name, f"bot.commands.{name}")).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("alembic").setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    try:
        return int(args.func(args))
    except CommandError as exc:
        print(f"bcy-intake: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head`: the reader has seen enough
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
