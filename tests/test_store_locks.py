"""SQLite takes one writer at a time: the processes writing one store file (the daemon, the
web console, a staff command) queue on a lock file beside it, woken the moment it
is free, not on SQLite's busy handler that sleeps between tries."""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import time
from multiprocessing.connection import Connection
from pathlib import Path

from sqlalchemy import text

from bot.store.database import Store
from bot.store.engine import create_store_engine, only_daemon, write_transaction
from bot.store.events import insert_event
from tests.store_kit import sqlite_only

HOLD = 0.6  # seconds the other process keeps its write transaction open


def _hold_a_write(url: str, said: Connection) -> None:
    store = Store(create_store_engine(url))  # a process of its own (spawned), its own store
    with write_transaction(store.engine) as conn:
        insert_event(conn, "held", "by the child")
        said.send_bytes(b"holding")
        time.sleep(HOLD)
    store.engine.dispose()


def _lock_is_free(path: Path) -> bool:
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # also lets go of the lock, if it was taken
    return True


@sqlite_only
def test_a_second_process_waits_for_the_writer_on_the_lock_file(tmp_path: Path) -> None:
    db = tmp_path / "intake.db"
    store = Store.open(f"sqlite:///{db.as_posix()}")
    try:
        store.events.record("first", "by the parent")  # opens the lock file
        lock = tmp_path / "intake.db.write-lock"
        assert lock.exists() and lock.stat().st_mode & 0o777 == 0o600
        ours, theirs = multiprocessing.Pipe()
        child = multiprocessing.get_context("spawn").Process(
            target=_hold_a_write, args=(f"sqlite:///{db.as_posix()}", theirs))
        child.start()
        assert ours.poll(10) and ours.recv_bytes() == b"holding"
        assert not _lock_is_free(lock)  # the child's write holds it
        began = time.monotonic()
        store.events.record("second", "by the parent, after the child")
        waited = time.monotonic() - began
        child.join(10)
        assert child.exitcode == 0
        assert waited > HOLD / 2  # it queued behind the child's transaction
        assert _lock_is_free(lock)
        with store.engine.connect() as conn:
            kinds = conn.execute(text("SELECT kind FROM events ORDER BY id")).scalars().all()
        assert kinds == ["first", "held", "second"]
    finally:
        store.close()


def _linger(said: Connection) -> None:
    said.send_bytes(b"forked")
    time.sleep(HOLD * 5)


@sqlite_only
def test_a_process_forked_by_the_daemon_does_not_keep_its_lock(tmp_path: Path) -> None:
    """A reader still finishing its file after the daemon died must not keep the restarted
    daemon out."""
    db = tmp_path / "intake.db"
    ours, theirs = multiprocessing.Pipe()
    with only_daemon(f"sqlite:///{db.as_posix()}"):
        child = multiprocessing.get_context("fork").Process(target=_linger, args=(theirs,))
        child.start()
        assert ours.poll(10) and ours.recv_bytes() == b"forked"
        assert not _lock_is_free(tmp_path / "intake.db.daemon-lock")
    try:
        assert child.is_alive()
        assert _lock_is_free(tmp_path / "intake.db.daemon-lock")
        with only_daemon(f"sqlite:///{db.as_posix()}"):
            pass  # a daemon starting now is let in
    finally:
        child.terminate()
        child.join(10)
