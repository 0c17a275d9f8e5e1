"""Queries on reminders: which agencies were reminded at which step of the campaign's schedule,
so that each is written to at most once per step. `store.reminders`; each method is one
transaction, and a reminder is recorded in the same transaction as the mail that carries it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from bot.store.engine import Queries, utc_now
from bot.store.outbox import insert_outbox
from bot.store.records import NewOutbox, Reminder
from bot.store.schema import reminders


class Reminders(Queries):
    def reminded(self, campaign: str, deadline: date, days_before: int) -> set[str]:
        """Agency keys already reminded at this step."""
        r = reminders.c
        with self._reading() as conn:
            return set(conn.execute(select(r.agency_key).where(
                r.campaign == campaign, r.deadline == deadline,
                r.days_before == days_before)).scalars())

    def queue(self, campaign: str, agency_key: str, deadline: date, days_before: int,
              mail: Sequence[NewOutbox]) -> bool:
        """Queue the reminder mail of one agency and record the step, together; False (and
        nothing queued) when the agency already had this step."""
        try:
            with self._writing() as conn:
                first = None
                for item in mail:
                    outbox_id = insert_outbox(conn, item, None)
                    first = first or outbox_id
                conn.execute(insert(reminders).values(
                    campaign=campaign, agency_key=agency_key, deadline=deadline,
                    days_before=days_before, outbox_id=first, created_at=utc_now(),
                    recipients=", ".join(item.recipient for item in mail)))
        except IntegrityError:
            return False  # another run recorded it first; its transaction carried the mail
        return True

    def last_sent(self, campaign: str) -> dict[str, datetime]:
        """Agency key → when it was last reminded in the campaign."""
        r = reminders.c
        with self._reading() as conn:
            rows = conn.execute(select(r.agency_key, func.max(r.created_at))
                                .where(r.campaign == campaign).group_by(r.agency_key))
            return {str(key): when for key, when in rows.all()}  # max() keeps the type: aware

    def between(self, start: datetime, end: datetime) -> list[Reminder]:
        """Reminders queued in [start, end), oldest first."""
        r = reminders.c
        with self._reading() as conn:
            rows = conn.execute(select(reminders).where(r.created_at >= start,
                                                        r.created_at < end)
                                .order_by(r.created_at, r.id))
            return [Reminder(**row._mapping) for row in rows]
