"""Queries on the contact addresses staff add to an agency in the console: where letters to it
go (reminders), beside the registry's `contacts`. A removed address is kept, marked with who
removed it and when, so each change stays on record. Who may *speak* for an agency is another
table (`store.senders`). `store.contacts`; each method is one transaction."""

from __future__ import annotations

from sqlalchemy import func, insert, select, update

from bot.store.engine import Queries, utc_now
from bot.store.records import AgencyContact
from bot.store.schema import agency_contacts


class Contacts(Queries):
    def add(self, agency_key: str, address: str, by: str) -> AgencyContact | None:
        """Add a current address; None when the agency already has it."""
        a = agency_contacts.c
        with self._writing() as conn:
            same = conn.execute(select(a.id).where(
                a.agency_key == agency_key, func.lower(a.address) == address.lower(),
                a.removed_at.is_(None))).first()
            if same is not None:
                return None
            new_id = conn.execute(insert(agency_contacts).values(
                agency_key=agency_key, address=address, added_by=by[:64],
                added_at=utc_now()).returning(a.id)).scalar_one()
            row = conn.execute(select(agency_contacts).where(a.id == new_id)).one()
        return AgencyContact(**row._mapping)

    def remove(self, agency_key: str, contact_id: int, by: str) -> AgencyContact | None:
        """Mark a current address removed; None when there is no such current address."""
        a = agency_contacts.c
        with self._writing() as conn:
            done = conn.execute(update(agency_contacts).where(
                a.id == contact_id, a.agency_key == agency_key, a.removed_at.is_(None))
                .values(removed_by=by[:64], removed_at=utc_now()))
            if done.rowcount == 0:
                return None
            row = conn.execute(select(agency_contacts).where(a.id == contact_id)).one()
        return AgencyContact(**row._mapping)

    def find(self, agency_key: str | None = None,
             with_removed: bool = False) -> list[AgencyContact]:
        """The addresses of one agency (of all when None), in the order they were added."""
        a = agency_contacts.c
        stmt = select(agency_contacts).order_by(a.added_at, a.id)
        if agency_key is not None:
            stmt = stmt.where(a.agency_key == agency_key)
        if not with_removed:
            stmt = stmt.where(a.removed_at.is_(None))
        with self._reading() as conn:
            return [AgencyContact(**row._mapping) for row in conn.execute(stmt)]
