"""The store being away, as one exception the service loop can wait out.

SQLAlchemy raises OperationalError for a database locked past the busy timeout, a full disk,
or a PostgreSQL server gone; none of these is the fault of the mail being processed. Both the
intake cycle and the daemon's outbox and event writes turn it into StoreUnavailable, so the
daemon backs off and retries instead of counting a failed attempt against a message.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import OperationalError


class StoreUnavailable(Exception):
    """The store refused a read or a write (locked past the busy timeout, disk full): the cycle
    stops where it is; unprocessed mail stays in the folder for the next cycle."""


def store_error_text(exc: OperationalError) -> str:
    return str(exc.orig or exc).splitlines()[0][:200]


@contextmanager
def store_guard() -> Iterator[None]:
    try:
        yield
    except OperationalError as exc:
        raise StoreUnavailable(store_error_text(exc)) from exc
