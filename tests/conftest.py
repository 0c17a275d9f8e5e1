"""Fixtures for real-server tests: a private Dovecot (IMAP/LMTP), an SMTP sink and a private
PostgreSQL cluster (for the store tests; BCY_TEST_PG_URL, if set, is used instead).

Without Dovecot or PostgreSQL the `servers` tests are skipped with a loud reason, except when
CI=true or BCY_REQUIRE_SERVERS=1: then they FAIL, so a CI machine that lost a server cannot
pass green.
"""

from __future__ import annotations

import itertools
import re
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # plain `pytest` puts tests/, not the repo root, on sys.path
    sys.path.insert(0, str(REPO_ROOT))

from tests.servers import SINK_PASSWORD, SINK_USER  # noqa: E402 - after the sys.path line above
from tests.servers.dovecot import Dovecot, DovecotUnavailable, MailboxAccount  # noqa: E402 - after the sys.path line above
from tests.servers.postgres import PostgresUnavailable  # noqa: E402 - after the sys.path line above
from tests.store_kit import (  # noqa: E402 - after the sys.path line above
    NOT_RUN,
    ON_POSTGRES,
    created,
    drop_created,
    postgres_base_url,
    servers_required,
    unavailable,
)

if TYPE_CHECKING:
    from tests.servers.smtp import SmtpSink

SERVER_FIXTURES = {"dovecot_server", "mailbox", "smtp_sink", "smtp_sink_open", "postgres_url"}
__all__ = ["REPO_ROOT", "servers_required", "unavailable"]  # what test modules import from here
# The sink is loopback-only; aiosmtpd warns about AUTH without TLS at every connection.
AUTH_WITHOUT_TLS_WARNING = "ignore:Requiring AUTH while not requiring TLS:UserWarning"
_user_numbers = itertools.count(1)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "servers: needs real Dovecot/SMTP/PostgreSQL servers")


# A test module that names none of these never opens a store: the PostgreSQL pass
# (BCY_TEST_STORE=postgresql, scripts/test.sh) leaves it to the SQLite pass.
STORE_WORDS = re.compile(r"store_kit|pipeline_kit|staff_data|web_kit|\bStore\b|demo\.run|"
                         r"open_service|postgres_url|bot\.store|write_config")


def _touches_store(path: Path, seen: dict[Path, bool]) -> bool:
    if path not in seen:
        seen[path] = bool(STORE_WORDS.search(path.read_text(encoding="utf-8")))
    return seen[path]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if ON_POSTGRES:
        seen: dict[Path, bool] = {}
        # and a test made for SQLite by name ([sqlite]) ran in the SQLite pass
        kept = [item for item in items
                if _touches_store(item.path, seen) and "[sqlite" not in item.nodeid]
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept
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
        unavailable(str(error))
    try:
        server.start()
    except DovecotUnavailable as error:
        server.cleanup()
        unavailable(str(error))
    try:
        yield server
    finally:
        server.cleanup()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """A PostgreSQL URL for the whole session: BCY_TEST_PG_URL if set, else the worker's
    private cluster on 127.0.0.1 (tests/store_kit.py), stopped and deleted at the end."""
    try:
        return postgres_base_url()
    except PostgresUnavailable as error:
        unavailable(str(error))


@pytest.fixture(autouse=ON_POSTGRES)
def _drop_test_databases() -> Iterator[None]:
    """Under BCY_TEST_STORE=postgresql: the databases a test made are dropped after it."""
    mark = created()
    yield
    drop_created(mark)


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
        unavailable(f"aiosmtpd is not importable ({error}); pip install -e '.[test]'")
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
