"""Queries on staff accounts of the web console and on login attempts (kept here, not in a
worker's memory, so throttling holds across workers and restarts). `store.accounts`; each
method is one transaction. Hashing passwords is the staff side's (`bot.staff.accounts`): this
module only keeps what it is given."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from bot.store.engine import Queries, utc_now
from bot.store.records import StaffAccount
from bot.store.schema import login_attempts, staff_accounts


class AccountExists(Exception):
    """There is already a staff account with that login."""


class Accounts(Queries):
    def add(self, login: str, password_hash: str, session_stamp: str) -> StaffAccount:
        now = utc_now()
        try:
            with self._writing() as conn:
                conn.execute(insert(staff_accounts).values(
                    login=login, password_hash=password_hash, session_stamp=session_stamp,
                    created_at=now, password_changed_at=now))
        except IntegrityError as exc:
            raise AccountExists(login) from exc
        found = self.get(login)
        assert found is not None
        return found

    def get(self, login: str) -> StaffAccount | None:
        with self._reading() as conn:
            row = conn.execute(select(staff_accounts)
                               .where(staff_accounts.c.login == login)).first()
        return StaffAccount(**row._mapping) if row else None

    def all(self) -> list[StaffAccount]:
        with self._reading() as conn:
            rows = conn.execute(select(staff_accounts).order_by(staff_accounts.c.login))
            return [StaffAccount(**row._mapping) for row in rows]

    def remove(self, login: str) -> bool:
        """Delete the account; False when there was none."""
        with self._writing() as conn:
            return conn.execute(delete(staff_accounts)
                                .where(staff_accounts.c.login == login)).rowcount > 0

    def set_password(self, login: str, password_hash: str, session_stamp: str | None) -> bool:
        """Store a new hash; a new `session_stamp` ends every session of the account, None
        keeps them (the same password hashed again with newer parameters)."""
        values: dict[str, object] = {"password_hash": password_hash}
        if session_stamp is not None:
            values.update(session_stamp=session_stamp, password_changed_at=utc_now())
        with self._writing() as conn:
            return conn.execute(update(staff_accounts).where(staff_accounts.c.login == login)
                                .values(values)).rowcount > 0

    def logged_in(self, login: str) -> None:
        with self._writing() as conn:
            conn.execute(update(staff_accounts).where(staff_accounts.c.login == login)
                         .values(last_login_at=utc_now()))

    def record_attempt(self, login: str, address: str, succeeded: bool) -> None:
        with self._writing() as conn:
            conn.execute(insert(login_attempts).values(
                ts=utc_now(), login=login[:64], address=address[:64], succeeded=succeeded))

    def failures_of_login(self, login: str, since: datetime) -> int:
        """Failed attempts at `login` since `since` and since its last success."""
        a = login_attempts.c
        last_ok = (select(func.max(a.ts))
                   .where(a.login == login[:64], a.succeeded.is_(True)).scalar_subquery())
        stmt = select(func.count()).where(
            a.login == login[:64], a.succeeded.is_(False), a.ts >= since,
            (last_ok.is_(None)) | (a.ts > last_ok))
        with self._reading() as conn:
            return int(conn.execute(stmt).scalar_one())

    def failures_from(self, address: str, since: datetime) -> int:
        """Failed attempts from one client address since `since`, whatever the login."""
        a = login_attempts.c
        with self._reading() as conn:
            return int(conn.execute(select(func.count()).where(
                a.address == address[:64], a.succeeded.is_(False), a.ts >= since)).scalar_one())

    def forget_attempts(self, before: datetime) -> int:
        """Drop attempts older than `before` (they no longer count); returns how many."""
        with self._writing() as conn:
            return conn.execute(delete(login_attempts)
                                .where(login_attempts.c.ts < before)).rowcount
