"""Alembic environment: online migrations on the connection handed over in the Config."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine, text

from bot.store.schema import metadata

# Keeps two daemons starting at once from migrating the same PostgreSQL database twice.
_PG_MIGRATION_LOCK = 0x42435931


def _run(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = context.config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection and no sqlalchemy.url given to alembic")
    with create_engine(url).begin() as own:
        _run(own)


if context.is_offline_mode():
    raise RuntimeError("offline (SQL script) migrations are not supported")
run_migrations_online()
