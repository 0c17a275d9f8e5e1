"""Alembic migrations for the intake store, run from code: no alembic.ini needed.

Alembic (with Mako and Pygments behind it) costs a tenth of a second to import, and every
command opens the store: a store already at the newest revision is told by reading the
revision lines of the scripts here and the `alembic_version` table, and Alembic is imported
only when there is something to migrate (or the question is not that simple)."""

from __future__ import annotations

import ast
import threading
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

SCRIPT_LOCATION = str(Path(__file__).resolve().parent)
# Alembic keeps the running migration context in module globals: one migration per process
# at a time. Across processes the database itself serialises them (see env.py).
_ONE_AT_A_TIME = threading.Lock()


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An alembic Config pointing at this package; env.py uses `connection` when given."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


@cache
def script_heads() -> frozenset[str] | None:
    """The head revisions of the scripts in versions/, read as text (each script's
    `revision` and `down_revision` assignments); None when a script says more than this
    reading understands (a merge point, branch labels, dependencies): Alembic then decides."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in sorted(Path(SCRIPT_LOCATION, "versions").glob("*.py")):
        found = _assignments(script)
        revision, down = found.get("revision"), found.get("down_revision")
        if not isinstance(revision, str) or not (down is None or isinstance(down, str)) \
                or found.get("branch_labels") is not None \
                or found.get("depends_on") is not None:
            return None
        revisions.add(revision)
        if down is not None:
            parents.add(down)
    return frozenset(revisions - parents) or None


def _assignments(script: Path) -> dict[str, object]:
    """The module-level constants a migration script assigns (`revision: str = "0009"`)."""
    found: dict[str, object] = {}
    for node in ast.parse(script.read_text(encoding="utf-8")).body:
        target = node.target if isinstance(node, ast.AnnAssign) else (
            node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else None)
        value = node.value if isinstance(node, ast.AnnAssign | ast.Assign) else None
        if isinstance(target, ast.Name) and value is not None:
            try:
                found[target.id] = ast.literal_eval(value)
            except ValueError:
                found[target.id] = value  # not a constant: not understood
    return found


def _is_current(connection: Connection) -> bool:
    heads = script_heads()
    if heads is None or not inspect(connection).has_table("alembic_version"):
        return False
    stamped = connection.execute(text("SELECT version_num FROM alembic_version")).scalars()
    return set(stamped) == heads


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Bring the schema to `revision` inside the caller's transaction on `connection`."""
    if revision == "head" and _is_current(connection):
        return  # already current: no Alembic, no env.py and its log lines
    from alembic import command
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory

    config = alembic_config(connection)
    if revision == "head":
        heads = set(ScriptDirectory.from_config(config).get_heads())
        if set(MigrationContext.configure(connection).get_current_heads()) == heads:
            return
    with _ONE_AT_A_TIME:
        command.upgrade(config, revision)
