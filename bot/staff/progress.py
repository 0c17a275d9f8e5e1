"""A plain progress bar on stderr for long staff commands; silent when stderr is not a terminal
(cron, systemd, pipes), so logs never fill up with carriage returns."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

T = TypeVar("T")
WIDTH = 30


class Progress:
    def __init__(self, total: int, stream: TextIO | None = None) -> None:
        self.total = max(total, 0)
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self.active = self.stream.isatty() and self.total > 0

    def step(self, n: int = 1) -> None:
        self.done = min(self.done + n, self.total)
        if self.active:
            filled = WIDTH * self.done // self.total
            bar = "#" * filled + "." * (WIDTH - filled)
            self.stream.write(f"\r[{bar}] {self.done}/{self.total}")
            self.stream.flush()

    def close(self) -> None:
        if self.active:
            self.stream.write("\n")
            self.stream.flush()
            self.active = False


def with_progress(items: Iterable[T], total: int, stream: TextIO | None = None) -> Iterator[T]:
    """Yield `items`, advancing the bar after each one."""
    bar = Progress(total, stream)
    try:
        for item in items:
            yield item
            bar.step()
    finally:
        bar.close()
