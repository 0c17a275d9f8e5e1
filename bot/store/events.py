"""Queries on the service's own log: what happened that a person may want to know (a mail
set aside, a refused or possibly doubled reply, a mailbox reset) and what staff did (with the
login of who did it), which the daily digest and the console list. `store.events`; each method
is one transaction."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, tzinfo

from sqlalchemy import Connection, insert, select

from bot.store.engine import Queries, day_bounds, utc_now
from bot.store.records import Event, Level
from bot.store.schema import events


def insert_event(conn: Connection, kind: str, detail: str, *, level: Level = "warning",
                 message_id: int | None = None, actor: str | None = None) -> int:
    """Record an event inside the caller's transaction (with what it reports); `actor` is the
    login of the staff member who acted, if one did."""
    return int(conn.execute(insert(events).values(
        ts=utc_now(), level=level, kind=kind, detail=detail, message_id=message_id,
        actor=actor,
    ).returning(events.c.id)).scalar_one())


class Events(Queries):
    def record(self, kind: str, detail: str, *, level: Level = "warning",
               message_id: int | None = None, actor: str | None = None) -> int:
        with self._writing() as conn:
            return insert_event(conn, kind, detail, level=level, message_id=message_id,
                                actor=actor)

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

    def since(self, start: datetime, levels: Collection[Level], limit: int) -> list[Event]:
        """The newest `limit` events of these levels since `start`, newest first."""
        e = events.c
        stmt = (select(events).where(e.ts >= start, e.level.in_(tuple(levels)))
                .order_by(e.ts.desc(), e.id.desc()).limit(limit))
        with self._reading() as conn:
            return [Event(**row._mapping) for row in conn.execute(stmt)]

    def about(self, message_ids: Collection[int]) -> list[Event]:
        """Events about these mails, oldest first."""
        e = events.c
        stmt = select(events).where(e.message_id.in_(tuple(message_ids))).order_by(e.ts, e.id)
        with self._reading() as conn:
            return [Event(**row._mapping) for row in conn.execute(stmt)]
