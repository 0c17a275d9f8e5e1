"""Fixtures for real-server tests: a private Dovecot (IMAP/LMTP), an SMTP sink and a private
PostgreSQL cluster (for the store tests; BCY_TEST_PG_URL, if set, is used instead).

Without Dovecot or PostgreSQL the `servers` tests are skipped with a loud reason, except when
CI=true or BCY_REQUIRE_SERVERS=1: then they FAIL, so a CI machine that lost a server cannot
pass green.
"""

from __future__ import annotations

import itertools
import os
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # plain `pytest` puts tests/, not the repo root, on sys.path
    sys.path.insert(0, str(REPO_ROOT))

from tests.servers import SINK_PASSWORD, SINK_USER  # noqa: E402 - after the sys.path line above
from tests.servers.dovecot import Dovecot, DovecotUnavailable, MailboxAccount  # noqa: E402 - after the sys.path line above
from tests.servers.postgres import Postgres, PostgresUnavailable  # noqa: E402 - after the sys.path line above

if TYPE_CHECKING:
    from tests.servers.smtp import SmtpSink

SERVER_FIXTURES = {"dovecot_server", "mailbox", "smtp_sink", "smtp_sink_open", "postgres_url"}
# The sink is loopback-only; aiosmtpd warns about AUTH without TLS at every connection.
AUTH_WITHOUT_TLS_WARNING = "ignore:Requiring AUTH while not requiring TLS:UserWarning"
NOT_RUN = "NO REAL SERVER, integration test NOT RUN: "
_user_numbers = itertools.count(1)


def servers_required() -> bool:
    return (
        os.environ.get("CI", "").lower() in ("true", "1", "yes")
        or os.environ.get("BCY_REQUIRE_SERVERS") == "1"
    )


def _unavailable(reason: str) -> NoReturn:
    if servers_required():
        pytest.fail(
            f"REQUIRED TEST SERVER MISSING (CI / BCY_REQUIRE_SERVERS=1): {reason}", pytrace=False
        )
    pytest.skip(f"{NOT_RUN}{reason}")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "servers: needs real Dovecot/SMTP/PostgreSQL servers")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.servers)
            item.add_marker(pytest.mark.filterwarnings(AUTH_WITHOUT_TLS_WARNING))


def _missing_servers(terminalreporter: pytest.TerminalReporter) -> list[str]:
    """Why server tests were skipped, read from the skip reports: with pytest-xdist they
    were skipped in the workers and only their reports reach this process."""
    reasons = []
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = getattr(report, "longrepr", None)
        reason = str(longrepr[2]) if isinstance(longrepr, tuple) else str(longrepr)
        if NOT_RUN in reason:
            reasons.append(reason.split(NOT_RUN, 1)[1])
    return list(dict.fromkeys(reasons))  # each distinct reason once, in order


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    missing = _missing_servers(terminalreporter)
    if missing:
        terminalreporter.section("REAL TEST SERVERS MISSING", sep="!", red=True, bold=True)
        for reason in missing:
            terminalreporter.line(f"Integration tests were SKIPPED: {reason}", red=True)
        terminalreporter.line(
            "Run scripts/test.sh as root to install Dovecot and PostgreSQL, or set "
            "BCY_REQUIRE_SERVERS=1 to make this a failure.",
            red=True,
        )


@pytest.fixture(scope="session")
def dovecot_server() -> Iterator[Dovecot]:
    try:
        server = Dovecot()
    except DovecotUnavailable as error:
        _unavailable(str(error))
    try:
        server.start()
    except DovecotUnavailable as error:
        server.cleanup()
        _unavailable(str(error))
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL for the whole session: BCY_TEST_PG_URL if set, else a private cluster
    on 127.0.0.1 (tests/servers/postgres.py), stopped and deleted at the end."""
    explicit = os.environ.get("BCY_TEST_PG_URL")
    if explicit:
        yield explicit
        return
    try:
        server = Postgres()
    except PostgresUnavailable as error:
        _unavailable(str(error))
    try:
        server.start()
    except PostgresUnavailable as error:
        server.cleanup()
        _unavailable(str(error))
    try:
        yield server.url
    finally:
        server.cleanup()


@pytest.fixture
def mailbox(dovecot_server: Dovecot) -> MailboxAccount:
    user = f"user{next(_user_numbers)}-{secrets.token_hex(3)}"
    password = secrets.token_urlsafe(12)
    dovecot_server.add_user(user, password)
    return MailboxAccount(
        dovecot_server, dovecot_server.host, dovecot_server.imap_port, user, password
    )


def _smtp_sink(user: str | None, password: str | None) -> Iterator[SmtpSink]:
    try:
        from tests.servers.smtp import SmtpSink  # aiosmtpd may be missing off CI
    except ImportError as error:
        _unavailable(f"aiosmtpd is not importable ({error}); pip install -e '.[test]'")
    sink = SmtpSink(user, password)
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """SMTP sink on 127.0.0.1 that requires AUTH as SINK_USER / SINK_PASSWORD."""
    yield from _smtp_sink(SINK_USER, SINK_PASSWORD)


@pytest.fixture
def smtp_sink_open() -> Iterator[SmtpSink]:
    """SMTP sink on 127.0.0.1 without AUTH."""
    yield from _smtp_sink(None, None)
