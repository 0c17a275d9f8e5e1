"""What more than one command takes, apart from any command so that taking it loads nothing
else: argument types, and who runs the command (for the event log)."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass


def day_argument(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date like 2021-05-10: {text!r}") from None


def actor() -> str:
    """Who ran the command, as the event log names staff actions: 'cli:<user>'."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"
