"""Durability on SQLite: a write is synced at its commit unless it is lazy; inside
`Store.deferred` every write is lazy and all are synced when it ends (the cycle syncs a
batch's decisions before its mail is filed and before any reply leaves)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

from sqlalchemy import text

from bot.store.database import Store
from bot.store.engine import create_store_engine, read_transaction, write_transaction
from tests.store_kit import sqlite_only


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


def _read_and_close(url: str) -> None:
    """Another process beside the daemon (a staff command, the web console, the sender beside
    a cycle): opens the store, reads, closes its last connection."""
    engine = create_store_engine(url)
    with read_transaction(engine) as conn:
        conn.execute(text("SELECT count(*) FROM events")).scalar_one()
    engine.dispose()


@sqlite_only
def test_a_sync_keeps_the_store_locked_for_a_process_that_closes_beside_it(
        tmp_path: Path) -> None:
    """SQLite's locks on the database file are the process's (POSIX locks), and closing any
    descriptor of that file lets go of all of them. Were `sync` to open and close the file,
    a process closing its last connection beside the daemon would find the store unused,
    checkpoint it and delete its WAL, and what the daemon wrote next would go to a deleted
    file: a disk I/O error, or a write lost (a reply marked sent, then sent again unseen)."""
    url = f"sqlite:///{tmp_path / 'intake.db'}"
    store = Store.open(url)
    try:
        for n in range(3):
            with store.deferred():  # lazy writes, synced at its end
                store.events.record("lazy", f"round {n}")
            other = multiprocessing.get_context("spawn").Process(target=_read_and_close,
                                                                 args=(url,))
            other.start()
            other.join(60)
            assert other.exitcode == 0
            store.events.record("after", f"round {n}")
            assert (tmp_path / "intake.db-wal").exists()  # nobody deleted it under us
    finally:
        store.close()
    again = Store.open(url)
    try:
        assert [e.detail for e in again.events.find() if e.kind == "after"] == [
            "round 0", "round 1", "round 2"]
    finally:
        again.close()
