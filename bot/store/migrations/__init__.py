"""Alembic migrations for the intake store, run from code: no alembic.ini needed."""

from __future__ import annotations

import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

SCRIPT_LOCATION = str(Path(__file__).resolve().parent)
# Alembic keeps the running migration context in module globals: one migration per process
# at a time. Across processes the database itself serialises them (see env.py).
_ONE_AT_A_TIME = threading.Lock()


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An alembic Config pointing at this package; env.py uses `connection` when given."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Bring the schema to `revision` inside the caller's transaction on `connection`."""
    config = alembic_config(connection)
    if revision == "head":
        heads = set(ScriptDirectory.from_config(config).get_heads())
        if set(MigrationContext.configure(connection).get_current_heads()) == heads:
            return  # already current: skip env.py and its log lines
    with _ONE_AT_A_TIME:
        command.upgrade(config, revision)
