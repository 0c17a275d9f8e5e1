"""The [web] section: how the staff console listens, whom it trusts, and how long a login lasts.

The console is meant to sit behind the agency's reverse proxy, which ends TLS: `cookie_secure`
marks the session cookie Secure, and the forwarded headers (client address, scheme, host, and
the proxy's login header when `trust_remote_user` is on) are believed only from
`trusted_proxies`. The key signing sessions comes from `secret_key`, else `secret_key_file`,
else a file made on first run in the state directory (see `bot.web.secret`).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from bot.config.passwords import Secret
from bot.config.reader import Section, said

DEFAULT_LISTEN = "127.0.0.1:8080"


@dataclass(frozen=True)
class WebConfig:
    listen: str = DEFAULT_LISTEN
    workers: int = 3
    request_timeout: int = 180  # seconds; reprocessing a mail reads its files again
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    cookie_secure: bool = False
    session_hours: int = 12
    trust_remote_user: bool = False
    remote_user_header: str = "X-Remote-User"
    secret_key: Secret | None = None
    secret_key_file: Path | None = None
    failures_per_login: int = 5  # failed logins allowed per account within the window
    failures_per_address: int = 20  # and per client address
    lockout_minutes: int = 15


def split_listen(text: str) -> tuple[str, int]:
    """HOST:PORT (IPv6 as [::1]:8080) as a host and a port; ValueError when it is not."""
    host, sep, port = text.strip().rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(said("not_listen", value=repr(text)))
    return host, int(port)


def _proxies(s: Section) -> tuple[str, ...]:
    listed = s.strings("trusted_proxies") if "trusted_proxies" in s.table \
        else WebConfig.trusted_proxies
    for item in listed:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError:
            s.problem("trusted_proxies", said("not_network", value=repr(item)))
    return listed


def parse_web(s: Section) -> WebConfig:
    listen = s.text("listen", DEFAULT_LISTEN)
    try:
        split_listen(listen)
    except ValueError as exc:
        s.problem("listen", str(exc))
    secret = s.optional_text("secret_key")
    if secret is not None and len(secret) < 32:
        s.problem("secret_key", said("secret_too_short"))
    trust = s.flag("trust_remote_user", False)
    proxies = _proxies(s)
    if trust and not proxies:
        s.problem("trust_remote_user", said("remote_user_needs_proxies"))
    return WebConfig(
        listen=listen, workers=s.integer("workers", 3, 1, 64),
        request_timeout=s.integer("request_timeout", 180, 10, 3600), trusted_proxies=proxies,
        cookie_secure=s.flag("cookie_secure", False),
        session_hours=s.integer("session_hours", 12, 1, 24 * 30),
        trust_remote_user=trust,
        remote_user_header=s.text("remote_user_header", WebConfig.remote_user_header),
        secret_key=Secret(secret) if secret else None,
        secret_key_file=s.path("secret_key_file"),
        failures_per_login=s.integer("failures_per_login", 5, 1, 1000),
        failures_per_address=s.integer("failures_per_address", 20, 1, 10000),
        lockout_minutes=s.integer("lockout_minutes", 15, 1, 24 * 60))
