"""Durability on SQLite: a write is synced at its commit unless it is lazy; inside
`Store.deferred` every write is lazy and all are synced when it ends (the cycle syncs a
batch's decisions before its mail is filed and before any reply leaves)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from bot.store.database import Store
from bot.store.engine import write_transaction


def _synchronous(store: Store, lazy: bool = False) -> int:
    with write_transaction(store.engine, lazy) as conn:
        return int(conn.execute(text("PRAGMA synchronous")).scalar_one())


FULL, NORMAL = 2, 1


def test_a_write_is_synced_at_its_commit_unless_lazy_or_deferred(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'intake.db'}")
    try:
        assert [_synchronous(store), _synchronous(store, lazy=True), _synchronous(store)] == [
            FULL, NORMAL, FULL]
        with store.deferred():
            assert _synchronous(store) == NORMAL
            with store.deferred():
                assert _synchronous(store) == NORMAL
            assert _synchronous(store) == NORMAL  # still inside the outer one
        assert _synchronous(store) == FULL
    finally:
        store.close()


def test_what_a_deferred_batch_wrote_is_there_after_it_and_after_a_reopen(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'intake.db'}"
    store = Store.open(url)
    with store.deferred():
        row = store.messages.save_raw(folder="INBOX", uidvalidity=1, uid=7,
                                      raw=b"Subject: x\r\n\r\n", message_id="<a@b>",
                                      from_addr="a@b", subject="x")
        store.sync()  # durable at once, still inside
    store.close()
    again = Store.open(url)
    try:
        assert again.messages.get(row).uid == 7
    finally:
        again.close()
