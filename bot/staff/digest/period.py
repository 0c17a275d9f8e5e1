"""The period a digest covers, and the staff's clock.

Without a day, a digest covers everything since the last digest that was sent, so the 07:30
run reports the whole working day before it (the previous 24 hours when none was ever sent);
with a day, that calendar day in the staff's time zone. The clock is a value passed in, so a
test (or a staff member replaying a missed morning with the hidden `--now`) can set it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.store.database import Store
from bot.store.engine import day_bounds

FIRST_PERIOD = dt.timedelta(hours=24)  # when no digest was ever sent


@dataclass(frozen=True)
class Period:
    start: dt.datetime  # aware, inclusive
    end: dt.datetime  # aware, exclusive
    day: dt.date  # the local day the digest is filed under (one sent digest per day)
    calendar_day: bool  # True for `--date`: the whole day, not "since the last digest"

    @property
    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        return self.start, self.end


def staff_now(tz: dt.tzinfo, now: dt.datetime | None = None) -> dt.datetime:
    """The current time in the staff's zone; `now` when the caller set the clock (a naive
    one is read as the staff's wall-clock time)."""
    if now is None:
        return dt.datetime.now(tz)
    return now.replace(tzinfo=tz) if now.tzinfo is None else now.astimezone(tz)


def digest_period(store: Store, tz: dt.tzinfo, now: dt.datetime,
                  day: dt.date | None = None) -> Period:
    if day is not None:
        start, end = day_bounds(day, tz)
        return Period(start, end, day, True)
    last = store.outbox.last_digest_end()
    start = last.astimezone(tz) if last is not None and last < now else now - FIRST_PERIOD
    return Period(start, now, now.date(), False)
