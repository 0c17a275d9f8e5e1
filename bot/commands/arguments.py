"""Argument types more than one command takes, apart from any command so that taking one
loads nothing else."""

from __future__ import annotations

import argparse
import datetime as dt


def day_argument(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date like 2021-05-10: {text!r}") from None
