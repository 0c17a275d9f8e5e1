"""Queries on the addresses staff add to an agency (a contact to write to, or a sender whose
forms speak for it) beside the registry's domains. A removed address is kept, marked with who
removed it and when, so each change stays on record. `store.agencies`; each method is one
transaction."""

from __future__ import annotations

from sqlalchemy import func, insert, select, update

from bot.store.engine import Queries, utc_now
from bot.store.records import AddressRole, AgencyAddress
from bot.store.schema import agency_addresses


class Agencies(Queries):
    def add_address(self, agency_key: str, address: str, role: AddressRole,
                    by: str) -> AgencyAddress | None:
        """Add a current address; None when the agency already has it in that role."""
        a = agency_addresses.c
        with self._writing() as conn:
            same = conn.execute(select(a.id).where(
                a.agency_key == agency_key, func.lower(a.address) == address.lower(),
                a.role == role, a.removed_at.is_(None))).first()
            if same is not None:
                return None
            new_id = conn.execute(insert(agency_addresses).values(
                agency_key=agency_key, address=address, role=role, added_by=by,
                added_at=utc_now()).returning(a.id)).scalar_one()
            row = conn.execute(select(agency_addresses).where(a.id == new_id)).one()
        return AgencyAddress(**row._mapping)

    def remove_address(self, agency_key: str, address_id: int, by: str) -> AgencyAddress | None:
        """Mark a current address removed; None when there is no such current address."""
        a = agency_addresses.c
        with self._writing() as conn:
            done = conn.execute(update(agency_addresses).where(
                a.id == address_id, a.agency_key == agency_key, a.removed_at.is_(None))
                .values(removed_by=by, removed_at=utc_now()))
            if done.rowcount == 0:
                return None
            row = conn.execute(select(agency_addresses).where(a.id == address_id)).one()
        return AgencyAddress(**row._mapping)

    def addresses(self, agency_key: str | None = None,
                  with_removed: bool = False) -> list[AgencyAddress]:
        """The addresses of one agency (of all when None), in the order they were added."""
        a = agency_addresses.c
        stmt = select(agency_addresses).order_by(a.added_at, a.id)
        if agency_key is not None:
            stmt = stmt.where(a.agency_key == agency_key)
        if not with_removed:
            stmt = stmt.where(a.removed_at.is_(None))
        with self._reading() as conn:
            return [AgencyAddress(**row._mapping) for row in conn.execute(stmt)]
