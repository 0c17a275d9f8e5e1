"""Queries on trusted senders: the ONE place that says who may speak for an agency. Entries
come from the registry (`domains`, `addresses`) and the config's `[trust.senders]`, copied at
each start, and from staff (`submissions confirm REF --add-address`, or a "trusted" address
added on the console's agency page), each with who added it and when; staff remove theirs by
marking them, so the record stays. `store.senders`; each method is one transaction. An
address matches itself only; a domain matches itself and its sub-domains. Whether a match
earns trust (not for a free-mail domain, not when authentication failed) is decided in
`bot.intake.trust.standing`."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, Executable, bindparam, delete, insert, select, update

from bot.store.engine import Queries, utc_now
from bot.store.records import Source, TrustedSender
from bot.store.schema import trusted_senders

Entry = tuple[str, str]  # (agency key, address or domain), lower case

# asked for every mail's sender, and for every trusted one: built once
_t = trusted_senders.c
_MATCHING: dict[int, Executable] = {}  # by how many keys: an expanding IN list would be
# rendered to SQL anew at each mail


def _matching(keys: int) -> Executable:
    if keys not in _MATCHING:
        _MATCHING[keys] = select(trusted_senders).where(
            _t.sender.in_([bindparam(f"k{n}") for n in range(keys)]),
            _t.removed_at.is_(None)).order_by(_t.id)
    return _MATCHING[keys]


_KNOWN = select(_t.id, _t.removed_at).where(
    _t.agency_key == bindparam("agency"), _t.sender == bindparam("who"),
    _t.source == bindparam("origin"))
_TRUST = insert(trusted_senders)


def sender_keys(address: str) -> list[str]:
    """What an entry must say to match `address`: the address, its domain and each parent
    domain of that (mail.mof.gov.vn, mof.gov.vn, gov.vn, vn)."""
    address = address.strip().lower()
    labels = address.rpartition("@")[2].split(".")
    return [address, *(".".join(labels[i:]) for i in range(len(labels)))]


def insert_trusted(conn: Connection, entry: Entry, source: Source, by: str) -> bool:
    """Trust `entry` inside the caller's transaction; False when it was trusted already. One
    staff had removed is trusted again, as added by `by` now."""
    t = trusted_senders.c
    agency_key, sender = entry
    known = conn.execute(_KNOWN, {"agency": agency_key, "who": sender,
                                  "origin": source}).first()
    if known is not None and known.removed_at is None:
        return False
    if known is not None:
        conn.execute(update(trusted_senders).where(t.id == known.id).values(
            added_by=by[:255], added_at=utc_now(), removed_by=None, removed_at=None))
        return True
    conn.execute(_TRUST, {"agency_key": agency_key, "sender": sender, "source": source,
                          "added_by": by[:255], "added_at": utc_now()})
    return True


def remove_trusted(conn: Connection, sender_id: int, by: str) -> str | None:
    """Mark the staff entry `sender_id` removed inside the caller's transaction; the address
    or domain it named, None when there was no such current entry."""
    t = trusted_senders.c
    row = conn.execute(select(t.sender).where(t.id == sender_id, t.source == "staff",
                                              t.removed_at.is_(None))).first()
    if row is None:
        return None
    conn.execute(update(trusted_senders).where(t.id == sender_id).values(
        removed_by=by[:255], removed_at=utc_now()))
    return str(row.sender)


class Senders(Queries):
    def matching(self, address: str) -> list[TrustedSender]:
        """Every entry naming `address` or a domain it is at."""
        with self._reading() as conn:
            keys = sender_keys(address)
            rows = conn.execute(_matching(len(keys)),
                                {f"k{n}": key for n, key in enumerate(keys)}).all()
        return [TrustedSender(**row._mapping) for row in rows]

    def find(self, agency_key: str | None = None,
             with_removed: bool = False) -> list[TrustedSender]:
        """Who may speak for one agency (for all when None); those staff removed too when
        asked."""
        t = trusted_senders.c
        stmt = select(trusted_senders).order_by(t.agency_key, t.sender, t.id)
        if agency_key is not None:
            stmt = stmt.where(t.agency_key == agency_key)
        if not with_removed:
            stmt = stmt.where(t.removed_at.is_(None))
        with self._reading() as conn:
            return [TrustedSender(**row._mapping) for row in conn.execute(stmt)]

    def add(self, entry: Entry, by: str, source: Source = "staff") -> bool:
        with self._writing() as conn:
            return insert_trusted(conn, entry, source, by)

    def remove(self, agency_key: str, sender_id: int, by: str) -> TrustedSender | None:
        """Mark an entry staff added removed; None when there is no such current entry (the
        registry's and the config's change only in their files)."""
        t = trusted_senders.c
        with self._writing() as conn:
            done = conn.execute(update(trusted_senders).where(
                t.id == sender_id, t.agency_key == agency_key, t.source == "staff",
                t.removed_at.is_(None)).values(removed_by=by[:255], removed_at=utc_now()))
            if done.rowcount == 0:
                return None
            row = conn.execute(select(trusted_senders).where(t.id == sender_id)).one()
        return TrustedSender(**row._mapping)

    def sync(self, source: Source, entries: Iterable[Entry], by: str) -> int:
        """Make the entries of `source` exactly `entries` (those of the registry or the config
        as they are now), keeping when each was first seen; the number of rows changed. Writes
        only when something changed, so that every start need not take the write lock."""
        wanted = set(entries)
        t = trusted_senders.c
        with self._reading() as conn:
            have = {(r.agency_key, r.sender) for r in conn.execute(
                select(t.agency_key, t.sender).where(t.source == source))}
        if have == wanted:
            return 0
        with self._writing() as conn:
            for agency_key, sender in have - wanted:
                conn.execute(delete(trusted_senders).where(
                    t.source == source, t.agency_key == agency_key, t.sender == sender))
            added = sum(insert_trusted(conn, entry, source, by) for entry in wanted - have)
        return len(have - wanted) + added
