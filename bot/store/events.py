"""Queries on the service's own log: what happened that a person may want to know (a mail
set aside, a refused or possibly doubled reply, a mailbox reset), which the daily digest
lists. `store.events`; each method is one transaction."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo

from sqlalchemy import insert, select

from bot.store.engine import Queries, day_bounds, utc_now
from bot.store.records import Event, Level
from bot.store.schema import events


class Events(Queries):
    def record(self, kind: str, detail: str, *, level: Level = "warning",
               message_id: int | None = None) -> int:
        with self._writing() as conn:
            return int(conn.execute(insert(events).values(
                ts=utc_now(), level=level, kind=kind, detail=detail, message_id=message_id,
            ).returning(events.c.id)).scalar_one())

    def find(self, day: date | None = None, tz: tzinfo = UTC,
             period: tuple[datetime, datetime] | None = None) -> list[Event]:
        """Events in the order they happened; only those of `day` (in `tz`) or of `period`
        when given."""
        e = events.c
        stmt = select(events).order_by(e.ts, e.id)
        if day is not None:
            period = day_bounds(day, tz)
        if period is not None:
            stmt = stmt.where(e.ts >= period[0], e.ts < period[1])
        with self._reading() as conn:
            return [Event(**row._mapping) for row in conn.execute(stmt)]
