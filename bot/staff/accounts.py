"""Staff accounts of the web console: logins, passwords hashed with argon2id (argon2-cffi,
RFC 9106 low-memory profile), and the stamp that ties sessions to the current password.

A hash made with older parameters is made again at the next successful login, so raising the
parameters in a new release needs no reset. A login that does not exist costs the same time as
a wrong password, so timing does not tell which logins exist. The commands (`staff add`, …)
and the console both come here; every change is recorded as an event with who made it.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from bot.store.accounts import AccountExists
from bot.store.database import Store
from bot.store.records import StaffAccount

__all__ = ["AccountExists", "BadLogin", "change_password", "create_account", "hash_password",
           "normal_login", "remove_account", "verify_login"]

HASHER = PasswordHasher()  # argon2id, t=3, m=64 MiB, p=4 (argon2-cffi's default profile)
_LOGIN = re.compile(r"[a-z0-9][a-z0-9._@-]{0,63}")


class BadLogin(ValueError):
    """Not a login: 1-64 of a-z, 0-9, '.', '_', '@', '-', starting with a letter or digit."""


def normal_login(text: str) -> str:
    """The login as stored: trimmed and lower case (logins are not case-sensitive)."""
    login = unicodedata.normalize("NFC", text.strip()).lower()
    if not _LOGIN.fullmatch(login):
        raise BadLogin(text)
    return login


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def _new_stamp() -> str:
    return secrets.token_urlsafe(24)


@lru_cache(maxsize=1)
def _decoy_hash() -> str:
    return HASHER.hash(secrets.token_urlsafe(16))


def create_account(store: Store, login: str, password: str, actor: str) -> StaffAccount:
    """AccountExists when the login is taken."""
    account = store.accounts.add(login, hash_password(password), _new_stamp())
    store.events.record("staff-added", login, level="info", actor=actor)
    return account


def change_password(store: Store, login: str, password: str, actor: str) -> bool:
    """Set a new password and end the account's sessions; False without such an account."""
    if not store.accounts.set_password(login, hash_password(password), _new_stamp()):
        return False
    store.events.record("staff-password-changed", login, level="info", actor=actor)
    return True


def remove_account(store: Store, login: str, actor: str) -> bool:
    if not store.accounts.remove(login):
        return False
    store.events.record("staff-removed", login, level="info", actor=actor)
    return True


def verify_login(store: Store, login: str, password: str) -> StaffAccount | None:
    """The account when the password is right (its hash renewed if the parameters changed);
    None otherwise, after the same work either way."""
    account = store.accounts.get(login)
    try:
        HASHER.verify(account.password_hash if account else _decoy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if account is None:
        return None
    if HASHER.check_needs_rehash(account.password_hash):
        store.accounts.set_password(login, hash_password(password), None)
    return account
