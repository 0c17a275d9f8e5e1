"""What more than one command takes, apart from any command so that taking it loads nothing
else: argument types, and who runs the command (for the event log)."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import os

from replies.render import staff_message


def day_argument(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(staff_message("bad_day", text=text)) from None


def moment_argument(text: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(staff_message("bad_moment", text=text)) from None


def clock_argument(parser: argparse.ArgumentParser) -> None:
    """`--now`, hidden from --help: run as if it were that moment (the staff's wall-clock time
    unless an offset is given). For tests and for replaying a missed morning; nothing else
    reads a faked clock, and the store still records real times."""
    parser.add_argument("--now", type=moment_argument, default=None, help=argparse.SUPPRESS)


def actor() -> str:
    """Who ran the command, as the event log names staff actions: 'cli:<user>', the person
    behind sudo when there is one."""
    try:
        return f"cli:{os.environ.get('SUDO_USER') or getpass.getuser()}"
    except (KeyError, OSError):  # no name for this uid
        return f"cli:uid {os.getuid()}"
