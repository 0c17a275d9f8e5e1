"""The `bcy-intake` command line: global options, then one subcommand module per command."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from bot.commands import COMMANDS, HELP, MODULES
from bot.config import DEFAULT_CONFIG
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


class _OutlineParser(_GlobalOptions):
    """A command's stand-in in the outline: any error sends the line to the whole parser."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _global_options(self, argparse.SUPPRESS)


def version() -> str:
    from importlib import metadata  # 40 ms: only for --version

    try:
        return metadata.version("bcy-intake")
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "0+unknown"


class _Version(argparse.Action):
    """argparse's "version" action, the version looked up only when asked for."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS,
                 default: Any = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=default,
                         help=help or "show program's version number and exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        print(f"bcy-intake {version()}")
        parser.exit()


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
    parser, sub = _top(_Parser, _CommandParser)
    wanted = named_command(argv) if argv is not None else None
    for name in COMMANDS if wanted is None else (wanted,):
        importlib.import_module(MODULES.get(name, f"bot.commands.{name}")).register(sub)
    return parser


def _top(top: type[_Parser], command: type[_Parser]) -> tuple[argparse.ArgumentParser, Any]:
    parser = _global_options(top(prog="bcy-intake",
                                 description="BCY certificate-demand intake bot"))
    parser.add_argument("--version", action=_Version)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=command)
    sub.required = True
    return parser, sub


def _outline() -> argparse.ArgumentParser:
    """The command line with every command named but none loaded: enough for `--help` and
    `--version`; anything else it cannot parse is parsed again by the whole parser."""
    parser, sub = _top(_GlobalOptions, _OutlineParser)
    for name in COMMANDS:
        sub.add_parser(name, help=HELP[name])
    return parser


def parse(argv: Sequence[str]) -> argparse.Namespace:
    """`argv` parsed, loading the module of the command it names and, when it names none
    (`--help`, `--version`, a mistake), no command module unless argparse needs them all to
    say what is wrong."""
    if named_command(argv) is None:
        with contextlib.suppress(_Unsure):
            _outline().parse_args(argv)  # exits on --help and --version
    return build_parser(argv).parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse(argv)
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
