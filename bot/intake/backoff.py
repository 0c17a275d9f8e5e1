"""How long the daemon waits after an outage, and how long the outage has lasted.

A server that is down must not be hammered in a hot loop, and one that comes back should be
used again soon; a doubling delay capped at a few minutes does both. The outage's length is
kept so its end can be logged and recorded for the digest in one line.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

MAX_BACKOFF = 300.0


@dataclass
class Backoff:
    """A doubling delay for one kind of outage, and how long the outage has lasted."""

    first: float = 1.0
    delay: float = 0.0
    failures: int = 0
    since: float = 0.0

    def failed(self) -> float:
        if not self.failures:
            self.since = time.monotonic()
        self.failures += 1
        self.delay = min(max(self.delay * 2, self.first), MAX_BACKOFF)
        return self.delay

    def recovered(self) -> str | None:
        """What the outage was, once it is over; None when there was none."""
        if not self.failures:
            return None
        text = f"{self.failures} failed attempt(s) over {time.monotonic() - self.since:.0f} s"
        self.delay, self.failures = 0.0, 0
        return text
