"""Outages in the middle of the work: the IMAP server restarted, SMTP refusing or gone, the
store locked or its disk full. The daemon (or `poll --once`) waits, says so, and catches up
afterwards with nothing lost and nothing doubled."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import ProgrammingError

import bot.store.engine
from bot.commands.cli import main
from bot.intake.daemon import one_cycle, run_forever
from bot.store.database import Store
from demo.sample_mail import DOCX_TYPE
from tests.conftest import servers_required
from tests.pipeline_kit import BTC, CAMPAIGN, docx_mail, poll, received, write_config
from tests.servers import free_port
from tests.servers.dovecot import Dovecot, MailboxAccount
from tests.servers.smtp import SmtpSink
from tests.store_kit import ON_POSTGRES, query, sqlite_only, store_url

REPO = Path(__file__).resolve().parents[1]
PROCESSED = "BCY-Intake/Processed"


def _mails(n: int) -> list[bytes]:
    return [docx_mail(f"Văn thư {i} <vt{i}@agency{i}.gov.vn>", message_id=f"<o-{i}@a{i}.vn>")
            for i in range(n)]


def _store(db: Path) -> Store:
    if ON_POSTGRES:
        return Store.open(store_url(db.parent))
    return Store.open(f"sqlite:///{db.as_posix()}")


def _until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s: {what}")


def _count(db: Path, sql: str) -> int:
    if ON_POSTGRES:
        try:
            return int(query(db.parent, sql))
        except ProgrammingError:  # created, schema not yet there
            return 0
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
            return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:  # created, schema not yet there
        return 0


def _replied_once_each(sink: SmtpSink, n: int) -> None:
    to = Counter(str(m["In-Reply-To"]) for m in received(sink))
    assert len(to) == n and set(to.values()) == {1}, to


@contextmanager
def daemon(config: Path, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with open(log, "wb") as err:
        proc = subprocess.Popen([sys.executable, "-m", "bot", "--config", str(config), "run"],
                                cwd=REPO, stdin=subprocess.DEVNULL, stderr=err)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _stop(proc: subprocess.Popen[bytes]) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=20)


# --- IMAP ------------------------------------------------------------------------------------

def _sessions(master: int) -> list[int]:
    """The `imap` processes (one per client session) under this Dovecot master."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            comm = (stat.parent / "comm").read_text().strip()
        except OSError:
            continue
        if int(fields[1]) == master and comm == "imap":
            found.append(int(stat.parent.name))
    return found


def restart_dropping_sessions(server: Dovecot) -> int:
    """Stop and start the server, with its client sessions gone as after a host restart
    (a stopped `dovecot -F` master leaves running sessions alive)."""
    assert server._process is not None
    sessions = _sessions(server._process.pid)
    server.stop()
    for pid in sessions:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    server.start()
    return len(sessions)


def test_imap_server_restarted_mid_cycle_daemon_catches_up_without_doubles(
        tmp_path: Path, dovecot_server: Dovecot, mailbox: MailboxAccount,
        smtp_sink: SmtpSink) -> None:
    for raw in _mails(16):
        mailbox.append(raw)
    config = write_config(tmp_path, mailbox, smtp_sink, batch_size=2)
    db, log = tmp_path / "intake.db", tmp_path / "daemon.log"
    with daemon(config, log) as proc:
        _until(lambda: _count(db, "SELECT count(*) FROM messages") >= 3, 30, "work started")
        assert restart_dropping_sessions(dovecot_server) >= 1
        smtp_sink.wait_for(16, timeout=120)
        _until(lambda: mailbox.list("INBOX") == [], 30, "INBOX emptied")
        time.sleep(1)  # a double would arrive now
        assert _stop(proc) == 0
    _replied_once_each(smtp_sink, 16)
    assert len({m.raw for m in mailbox.list(PROCESSED)}) == 16
    assert _count(db, "SELECT count(*) FROM submissions") == 16
    assert "mailbox unavailable" in log.read_text()
    assert _count(db, "SELECT count(*) FROM events WHERE kind = 'imap-unavailable'") >= 1


# --- SMTP ------------------------------------------------------------------------------------

def test_smtp_refusing_daemon_retries_with_backoff_and_sends_once(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    for raw in _mails(2):
        mailbox.append(raw)
    config = write_config(tmp_path, mailbox, smtp_sink, idle_renew_seconds=600)
    db, log = tmp_path / "intake.db", tmp_path / "daemon.log"
    smtp_sink.refusing = True
    with daemon(config, log) as proc:
        _until(lambda: _count(db, "SELECT count(*) FROM events WHERE kind = 'smtp-unavailable'")
               >= 2, 40, "two refused rounds")
        assert smtp_sink.messages == [] and mailbox.list("INBOX") == []
        smtp_sink.refusing = False
        smtp_sink.wait_for(2, timeout=40)  # well before idle_renew_seconds
        time.sleep(1)
        assert _stop(proc) == 0
    _replied_once_each(smtp_sink, 2)
    assert "wait for SMTP; retrying in" in log.read_text()
    assert _count(db, "SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0


def test_smtp_down_poll_keeps_the_reply_until_it_is_back(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    mailbox.append(_mails(1)[0])
    config = write_config(tmp_path, mailbox, smtp_sink)
    up = config.read_text()
    config.write_text(up.replace(f"port = {smtp_sink.port}", f"port = {free_port()}"))
    assert poll(config) == 0
    assert mailbox.list("INBOX") == []  # decided and stored: filed even without SMTP
    db = tmp_path / "intake.db"
    assert _count(db, "SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 1
    assert _count(db, "SELECT count(*) FROM events WHERE kind = 'smtp-unavailable'") == 1
    config.write_text(up)
    assert poll(config) == 0
    assert poll(config) == 0
    _replied_once_each(smtp_sink, 1)


# --- the store: locked ----------------------------------------------------------------------

@contextmanager
def exclusive_lock(db: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    conn.execute("BEGIN EXCLUSIVE")
    try:
        yield conn
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.close()


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Locked 'past the busy timeout' in a fraction of a second instead of 30 s."""
    monkeypatch.setattr(bot.store.engine, "SQLITE_BUSY_TIMEOUT_MS", 200)


@pytest.fixture
def own_signal_handlers() -> Iterator[None]:
    """The in-process daemon installs SIGTERM/SIGINT handlers; put pytest's back after."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@sqlite_only
def test_store_locked_poll_exits_tempfail_and_loses_nothing(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        monkeypatch: pytest.MonkeyPatch, short_busy_timeout: None,
        capsys: pytest.CaptureFixture[str]) -> None:
    mailbox.append(_mails(1)[0])
    config = write_config(tmp_path, mailbox, smtp_sink)
    db = tmp_path / "intake.db"
    real = one_cycle

    def locked_cycle(service: Any) -> Any:  # the lock comes after the store is opened
        with exclusive_lock(db):
            return real(service)

    monkeypatch.setattr("bot.commands.poll.one_cycle", locked_cycle)
    assert poll(config) == 75
    err = capsys.readouterr().err
    assert "Không ghi được vào cơ sở dữ liệu" in err and "database is locked" in err
    assert "Traceback" not in err
    [left] = mailbox.list("INBOX")
    assert "\\Seen" not in left.flags and smtp_sink.messages == []
    monkeypatch.setattr("bot.commands.poll.one_cycle", real)
    assert poll(config) == 0
    assert poll(config) == 0
    _replied_once_each(smtp_sink, 1)
    assert mailbox.list("INBOX") == [] and len(mailbox.list(PROCESSED)) == 1


@sqlite_only
def test_store_locked_daemon_backs_off_and_catches_up(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        monkeypatch: pytest.MonkeyPatch, short_busy_timeout: None,
        own_signal_handlers: None, caplog: pytest.LogCaptureFixture) -> None:
    mailbox.append(_mails(1)[0])
    config = write_config(tmp_path, mailbox, smtp_sink)
    db = tmp_path / "intake.db"
    real = run_forever

    def locked_for_a_while(service: Any, max_cycles: int | None) -> int:
        with exclusive_lock(db) as conn:
            threading.Timer(2.5, lambda: conn.execute("ROLLBACK")).start()
            return real(service, max_cycles)

    monkeypatch.setattr("bot.commands.run.run_forever", locked_for_a_while)
    began = time.monotonic()
    assert main(["--config", str(config), "run", "--max-cycles", "1"]) == 0
    assert time.monotonic() - began < 30
    assert "store unavailable (database is locked); retrying in" in caplog.text
    assert "store back after" in caplog.text
    _replied_once_each(smtp_sink, 1)
    events = [e for e in _store(db).events.find() if e.kind == "store-unavailable"]
    assert len(events) == 1 and "recovered after" in events[0].detail


# --- the store: disk full -------------------------------------------------------------------

@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs (root only); skipped where mounting is not allowed, except on CI."""
    where = tmp_path / "tiny"
    where.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs",
                           str(where)], check=False, capture_output=True, text=True,
                          timeout=30)
    if done.returncode != 0:
        reason = f"cannot mount a tmpfs here: {done.stderr.strip()}"
        if servers_required():
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False, capture_output=True,
                       timeout=30)


def _fill(where: Path, leave: int) -> Path:
    filler = where / "filler"
    free = os.statvfs(where).f_bavail * os.statvfs(where).f_frsize
    with open(filler, "wb") as out:
        out.write(b"\0" * max(0, free - leave))
    return filler


@sqlite_only
def test_disk_full_poll_exits_tempfail_and_catches_up_once_there_is_room(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink, tiny_disk: Path) -> None:
    config = write_config(tmp_path, mailbox, smtp_sink)
    db = tiny_disk / "intake.db"
    config.write_text(config.read_text().replace(
        (tmp_path / "intake.db").as_posix(), db.as_posix()))
    assert poll(config) == 0  # the store exists, empty
    from demo.forms import fill_docx
    from demo.sample_mail import build_mail

    photo = os.urandom(300_000)  # a scanned page along with the form: too big for what is left
    mailbox.append(build_mail(
        sender="Văn thư <vt@mof.gov.vn>", to="ca@bcy.gov.vn", subject="Mẫu đăng ký",
        body="Kính gửi.", attachments=[("mau.docx", fill_docx(CAMPAIGN, BTC), DOCX_TYPE),
                                       ("scan.jpg", photo, "image/jpeg")]))
    filler = _fill(tiny_disk, leave=128 * 1024)
    cmd = [sys.executable, "-m", "bot", "--config", str(config), "poll", "--once"]
    full = subprocess.run(cmd, cwd=REPO, check=False, capture_output=True, text=True, timeout=120)
    assert full.returncode == 75, full.stderr[-3000:]
    assert "cơ sở dữ liệu" in full.stderr and "full" in full.stderr
    assert "Traceback" not in full.stderr
    [left] = mailbox.list("INBOX")
    assert "\\Seen" not in left.flags and smtp_sink.messages == []
    filler.unlink()
    again = subprocess.run(cmd, cwd=REPO, check=False, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr[-3000:]
    _replied_once_each(smtp_sink, 1)
    assert mailbox.list("INBOX") == []
