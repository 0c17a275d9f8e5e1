"""Which database a test's store lives in: `BCY_TEST_STORE=postgresql` runs every store a test
makes (the configs of `pipeline_kit.write_config`, `staff_data`, the web tests, the demo kit,
`open_store`) in a fresh PostgreSQL database of its own instead of a SQLite file.

`store_url(tmp_path)` is the one place a test asks for its store: a SQLite file in the test's
folder by default; under PostgreSQL a database created for that folder on the worker's private
cluster (tests/servers/postgres.py, started at the first use; `BCY_TEST_PG_URL` names an
existing server instead). The same folder always gives the same URL, so a test that writes a
config and later opens the store meets the same data. `query` reads one value from the store
whichever database it is, for the tests that look at rows directly.

Tests that are about SQLite itself (file modes, its lock, a full disk) take `sqlite_only`.
"""

from __future__ import annotations

import atexit
import os
import re
import secrets
from pathlib import Path
from typing import Any, NoReturn

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.servers.postgres import Postgres, PostgresUnavailable

BACKEND = os.environ.get("BCY_TEST_STORE", "sqlite").strip().lower() or "sqlite"
if BACKEND not in ("sqlite", "postgresql"):
    raise RuntimeError(f"BCY_TEST_STORE={BACKEND!r}: use sqlite or postgresql")
ON_POSTGRES = BACKEND == "postgresql"
sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="about SQLite itself (its file, its lock)")

NOT_RUN = "NO REAL SERVER, integration test NOT RUN: "


def servers_required() -> bool:
    return (
        os.environ.get("CI", "").lower() in ("true", "1", "yes")
        or os.environ.get("BCY_REQUIRE_SERVERS") == "1"
    )


def unavailable(reason: str) -> NoReturn:
    """A server the test needs is missing: a failure on CI (or BCY_REQUIRE_SERVERS=1), else
    a skip that the summary lists in red."""
    if servers_required():
        pytest.fail(
            f"REQUIRED TEST SERVER MISSING (CI / BCY_REQUIRE_SERVERS=1): {reason}", pytrace=False
        )
    pytest.skip(f"{NOT_RUN}{reason}")


_server: Postgres | None = None
_base_url: str | None = None
_urls: dict[Path, str] = {}
_created: list[str] = []


def postgres_base_url() -> str:
    """The worker's PostgreSQL server (one per process, stopped at exit; its guard stops it
    if the process is killed); PostgresUnavailable when it cannot be had."""
    global _server, _base_url
    if _base_url is None:
        explicit = os.environ.get("BCY_TEST_PG_URL")
        if explicit:
            _base_url = explicit
        else:
            server = Postgres()
            try:
                server.start()
            except BaseException:
                server.cleanup()
                raise
            _server, _base_url = server, server.url
            atexit.register(server.cleanup)
    return _base_url


def _admin(sql: str) -> None:
    engine = create_engine(make_url(postgres_base_url()).set(database="postgres"),
                           isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(sql))
    finally:
        engine.dispose()


def new_postgres_url() -> str:
    """A fresh, empty database on the worker's server; dropped by `drop_created`."""
    name = f"t_{secrets.token_hex(6)}"
    _admin(f'CREATE DATABASE "{name}"')
    _created.append(name)
    return make_url(postgres_base_url()).set(database=name).render_as_string(
        hide_password=False)


def store_url(folder: Path) -> str:
    """The store of the test working in `folder`: the same URL for the same folder."""
    folder = Path(folder).resolve()
    if not ON_POSTGRES:
        return f"sqlite:///{(folder / 'intake.db').as_posix()}"
    if folder not in _urls:
        try:
            _urls[folder] = new_postgres_url()
        except PostgresUnavailable as error:
            unavailable(str(error))
    return _urls[folder]


def created() -> int:
    """How many databases this process has made so far (a mark for `drop_created`)."""
    return len(_created)


def drop_created(since: int = 0) -> None:
    """Drop the databases made after mark `since` (those of one test, not of a module's
    fixture set up before it); FORCE: a pooled connection a test left open must not keep
    them."""
    while len(_created) > since:
        name = _created.pop()
        for folder in [f for f, url in _urls.items() if make_url(url).database == name]:
            del _urls[folder]
        if re.fullmatch(r"t_[0-9a-f]{12}", name):
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def query(folder: Path, sql: str, **params: Any) -> Any:
    """The first column of the first row of `sql` in the store of `folder`."""
    return query_url(store_url(folder), sql, **params)


def query_url(url: str, sql: str, **params: Any) -> Any:
    """The first column of the first row of `sql` in the store at `url`."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()
    finally:
        engine.dispose()


def rows(folder: Path, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    engine = create_engine(store_url(folder))
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql), params)]
    finally:
        engine.dispose()
