"""Connecting to the intake store, and the transactions every store query runs in.

SQLite (WAL, foreign keys, busy timeout) by default, PostgreSQL by URL. Write transactions
on SQLite start with BEGIN IMMEDIATE so two writers queue on the busy timeout instead of
failing when a read lock cannot be upgraded; read transactions start with a plain BEGIN so
readers never queue behind writers.

A write on SQLite is durable at its commit (synchronous=FULL: the WAL is synced) unless the
caller says it may wait (`lazy`, synchronous=NORMAL): what such a transaction wrote survives a
crash of the process at once, and a power cut from the next durable commit on, which syncs the
WAL with all that came before it. Lazy writes are those no mail or reply leaves the machine
on: the raw mail kept (it is still in the INBOX until an outcome is stored, durably), a reading
mark, a mail marked filed (its UID gone from the folder says so again).

Inside `deferred` every write is lazy, and what they wrote is made durable at once when it
ends, or earlier by `sync` (the WAL synced): the cycle decides a batch
of mail so and syncs before the mail is moved and before any reply leaves. PostgreSQL
commits each write durably, deferred or not.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

SQLITE_BUSY_TIMEOUT_MS = 30_000
_READ_ONLY = "bcy_read_only"  # execution option: this transaction only reads
_LAZY = "bcy_lazy"  # execution option: this write may wait for the next durable commit


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # the driver must not BEGIN behind our back
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()


def _sqlite_on_begin(connection: Connection) -> None:
    options = connection.get_execution_options()
    if options.get(_READ_ONLY, False):
        connection.exec_driver_sql("BEGIN")
        return
    synchronous = "NORMAL" if options.get(_LAZY, False) else "FULL"
    if connection.info.get("synchronous") != synchronous:  # a PRAGMA only when it changes
        connection.exec_driver_sql(f"PRAGMA synchronous={synchronous}")
        connection.info["synchronous"] = synchronous
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _private_file(path: Path) -> None:
    """The database readable by the service user only. SQLite gives its -wal and -shm files
    the mode of the database file, so creating that one 0600 covers all three. Opened only
    to be made: closing a descriptor of a database this process has open would drop its
    SQLite locks (see `sync`)."""
    try:
        if not path.exists():
            with contextlib.suppress(FileExistsError):  # made meanwhile by another process
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY | os.O_NOFOLLOW,
                                 0o600))
        for found in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm"))):
            if found.exists() and found.stat().st_mode & 0o077:
                found.chmod(0o600)
    except OSError:
        pass  # not ours to change (or a read-only place): SQLite reports what matters


def _no_nul(value: Any) -> Any:
    return value.replace("\x00", "\ufffd") if isinstance(value, str) else value


def _postgres_text(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any,
                   _many: bool) -> tuple[str, Any]:
    """PostgreSQL refuses a NUL character in text, and mail headers may carry one (a hostile
    subject, a broken sender name): it is kept as U+FFFD, never the reason a mail is lost."""
    if isinstance(parameters, dict):
        parameters = {k: _no_nul(v) for k, v in parameters.items()}
    elif isinstance(parameters, (list, tuple)):
        parameters = type(parameters)(
            {k: _no_nul(v) for k, v in p.items()} if isinstance(p, dict) else _no_nul(p)
            for p in parameters)
    return statement, parameters


def _sqlite_file(url: URL) -> Path | None:
    """The database file of a SQLite URL; None for another store, an in-memory database or
    a URI (what files it names, SQLite decides)."""
    if (url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:"
            or url.query.get("uri")):
        return None
    return Path(url.database)


def _beside(file: Path, suffix: str) -> Path:
    return file.with_name(file.name + suffix)


def create_store_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        engine = create_engine(url, pool_pre_ping=True)
        if parsed.get_backend_name() == "postgresql":
            event.listen(engine, "before_cursor_execute", _postgres_text, retval=True)
        return engine
    if (file := _sqlite_file(parsed)) is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        _private_file(file)
    engine = create_engine(url)
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


class AnotherDaemon(RuntimeError):
    """A daemon already runs on this SQLite file (`lock` is its lock file, `holder` what it
    wrote there: its process id)."""

    def __init__(self, lock: Path, holder: str) -> None:
        super().__init__(f"{lock}: {holder}")
        self.lock, self.holder = lock, holder


@contextmanager
def only_daemon(url: str) -> Iterator[None]:
    """SQLite serves one daemon: while it runs it holds an exclusive lock on a file beside
    the database (`intake.db.daemon-lock`), and a second one on the same file is refused
    (AnotherDaemon). The kernel drops the lock when the process ends, however it ends.
    PostgreSQL serves several, each taking its work by claims (bot.store.claims): no lock."""
    if (file := _sqlite_file(make_url(url))) is None:
        yield
        return
    lock = _beside(file, ".daemon-lock")
    lock.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise AnotherDaemon(lock, os.pread(fd, 64, 0).decode(errors="replace").strip()
                                ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _daemon_lock.add(fd)
        yield
    finally:
        _daemon_lock.discard(fd)
        os.close(fd)  # also releases the lock


# The daemon's lock file, open while it runs: a process forked from it (a reader, a marker)
# shares the open file and with it the lock, and would keep a restarted daemon out while it
# finishes its work after the daemon died; each closes its copy at once (the lock stays the
# daemon's, held by the daemon's own copy).
_daemon_lock: set[int] = set()


def _let_go_of_daemon_lock() -> None:
    for fd in _daemon_lock:
        with contextlib.suppress(OSError):
            os.close(fd)
    _daemon_lock.clear()


os.register_at_fork(after_in_child=_let_go_of_daemon_lock)


class _PerThread(threading.local):
    """How deep each engine's `deferred` goes, in this thread only: the outbox's sender
    thread writes durably while the cycle beside it defers."""

    def __init__(self) -> None:
        self.deferring: weakref.WeakKeyDictionary[Engine, int] = weakref.WeakKeyDictionary()


_here = _PerThread()


class _Writer:
    """One writer at a time on a SQLite file. Threads of this process (the cycle and the
    outbox's sender) queue on an RLock, processes (the workers sharing a backlog, a staff
    command beside the daemon) on an flock of a file beside the database
    (`intake.db.write-lock`): both wake the moment the lock is free, where SQLite's busy
    handler sleeps 1, 2, 5 ms… between tries. Where that file cannot be had (a read-only
    place), the busy handler alone queues the processes, as before."""

    def __init__(self, path: Path | None) -> None:
        self._thread = threading.RLock()
        self._path = path
        self._fd: int | None = None
        self._pid = 0
        self._depth = 0

    def __enter__(self) -> None:
        self._thread.acquire()
        try:
            if self._depth == 0 and (fd := self._file()) is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            self._thread.release()
            raise
        self._depth += 1

    def __exit__(self, *_exc: object) -> None:
        self._depth -= 1
        if self._depth == 0 and self._fd is not None and self._pid == os.getpid():
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._thread.release()

    def _file(self) -> int | None:
        """The lock file, opened by this process: a forked child shares its parent's open
        file, and with it the parent's lock, so it opens one of its own."""
        if self._path is None:
            return None
        if self._fd is None or self._pid != os.getpid():
            try:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW
                                   | os.O_CLOEXEC, 0o600)
            except OSError:
                self._path = None
                return None
            self._pid = os.getpid()
        return self._fd


_writers: weakref.WeakKeyDictionary[Engine, _Writer] = weakref.WeakKeyDictionary()
_writers_made = threading.Lock()


def _lock_file(engine: Engine) -> Path | None:
    file = _sqlite_file(engine.url)
    return None if file is None else _beside(file, ".write-lock")


def _writer_lock(engine: Engine) -> AbstractContextManager[Any]:
    if engine.url.get_backend_name() != "sqlite":
        return nullcontext()
    with _writers_made:
        if (writer := _writers.get(engine)) is None:
            writer = _writers[engine] = _Writer(_lock_file(engine))
        return writer


@contextmanager
def deferred(engine: Engine) -> Iterator[None]:
    """Every write inside (in this thread) is lazy; all of them are durable when it ends
    (`sync`)."""
    _here.deferring[engine] = _here.deferring.get(engine, 0) + 1
    try:
        yield
    finally:
        _here.deferring[engine] -= 1
        sync(engine)


def sync(engine: Engine) -> None:
    """Make every lazy write so far durable: the SQLite WAL synced, where every commit not
    yet copied into the database file is (SQLite syncs that file itself after each copy).

    Never the database file itself: SQLite's locks on it are POSIX locks, the process's, and
    closing any descriptor of the file drops them all. A process closing its last connection
    beside one that did would find the store unused, checkpoint it and delete the WAL under
    that one's feet (sqlite.org/howtocorrupt.html, 2.2): its next writes fail with a disk
    I/O error, or go to the deleted file. SQLite takes no lock on the WAL."""
    if (file := _sqlite_file(engine.url)) is None:
        return
    try:
        fd = os.open(_beside(file, "-wal"), os.O_RDONLY)
    except FileNotFoundError:
        return  # no WAL (yet): nothing waits in it
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def write_transaction(engine: Engine, lazy: bool = False) -> Iterator[Connection]:
    """A transaction that may write (BEGIN IMMEDIATE on SQLite); commits unless it raises.
    `lazy`: durable at the next durable commit rather than at its own (SQLite only)."""
    with _writer_lock(engine):
        if not lazy and not _here.deferring.get(engine):
            with engine.begin() as conn:
                yield conn
            return
        with engine.connect() as conn:
            conn = conn.execution_options(**{_LAZY: True})
            with conn.begin():
                yield conn


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that only reads (plain BEGIN on SQLite)."""
    with engine.connect() as conn:
        conn = conn.execution_options(**{_READ_ONLY: True})
        with conn.begin():
            yield conn


class Queries:
    """The queries on one table, each method one transaction of its own: a reading one
    (`_reading`) or one that may write (`_writing`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _reading(self) -> AbstractContextManager[Connection]:
        return read_transaction(self.engine)

    def _writing(self, lazy: bool = False) -> AbstractContextManager[Connection]:
        return write_transaction(self.engine, lazy)


def utc_now() -> datetime:
    return datetime.now(UTC)


def day_bounds(day: date, tz: tzinfo) -> tuple[datetime, datetime]:
    """The calendar day `day` in `tz` as a half-open range of aware datetimes."""
    start = datetime.combine(day, time(), tzinfo=tz)
    return start, start + timedelta(days=1)
