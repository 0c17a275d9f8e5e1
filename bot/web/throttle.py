"""Login throttling: after `[web] failures_per_login` failed attempts at one login (since its
last success) or `failures_per_address` from one client address, within `lockout_minutes`,
further attempts are refused without looking at the password until the window has passed.
Attempts are rows in the store, so the count holds across workers and restarts. A refused
attempt is not counted, so a locked account frees itself `lockout_minutes` after the last
real try."""

from __future__ import annotations

import datetime as dt

from bot.config.web import WebConfig
from bot.store.database import Store
from bot.store.engine import utc_now

KEEP = dt.timedelta(days=1)  # attempts older than this (and than the window) are dropped


def locked_for(store: Store, web: WebConfig, login: str, address: str) -> int | None:
    """Minutes to wait before trying again, or None when an attempt may be made."""
    window = dt.timedelta(minutes=web.lockout_minutes)
    since = utc_now() - window
    if (store.accounts.failures_of_login(login, since) >= web.failures_per_login
            or store.accounts.failures_from(address, since) >= web.failures_per_address):
        return web.lockout_minutes
    return None


def record(store: Store, web: WebConfig, login: str, address: str, succeeded: bool) -> None:
    store.accounts.record_attempt(login, address, succeeded)
    if succeeded:  # now and then, not on every failure: an attacker's tries stay cheap to count
        keep = max(KEEP, dt.timedelta(minutes=web.lockout_minutes))
        store.accounts.forget_attempts(utc_now() - keep)
