"""Queries on the service's own log: what happened that a person may want to know (a mail
set aside, a refused or possibly doubled reply, a mailbox reset), which the daily digest
lists. Each function runs inside the caller's transaction."""

from __future__ import annotations

from datetime import date, tzinfo

from sqlalchemy import Connection, insert, select

from bot.store.engine import day_bounds, utc_now
from bot.store.records import Event, Level
from bot.store.schema import events


def record_event(conn: Connection, kind: str, detail: str, level: Level,
                 message_id: int | None) -> int:
    return int(conn.execute(insert(events).values(
        ts=utc_now(), level=level, kind=kind, detail=detail, message_id=message_id,
    ).returning(events.c.id)).scalar_one())


def find_events(conn: Connection, day: date | None, tz: tzinfo) -> list[Event]:
    """Events in the order they happened; only those of `day` (in `tz`) when given."""
    e = events.c
    stmt = select(events).order_by(e.ts, e.id)
    if day is not None:
        start, end = day_bounds(day, tz)
        stmt = stmt.where(e.ts >= start, e.ts < end)
    return [Event(**row._mapping) for row in conn.execute(stmt)]
