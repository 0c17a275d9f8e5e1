"""The sender beside a long cycle is a process of its own, started fresh ("spawn", never a fork
of the daemon holding the store): it claims rows under its own pid, its log lines read as the
daemon's, it loads no parser, it dies with a SIGKILLed daemon without sending on, and when it
cannot be had or dies a thread sends instead, every reply once."""

from __future__ import annotations

import errno
import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.config.settings import load_config
from bot.intake.sending.spawned import DONE, settings_for
from bot.store.database import Store
from tests.pipeline_kit import SUBJECT, plain, poll, received, soak_module, write_config
from tests.sender_kit import gone, holder_pid, serve_and_list, spawned_children
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink
from tests.store_kit import query, rows, store_url

REPO = Path(__file__).resolve().parents[1]
COUNT = 60
FROM = 40  # [limits] sender_process_from in these tests: COUNT mails take a process
DEADLINE = 120.0  # seconds for a backlog of COUNT to be answered on a loaded machine
NEVER_LOADED = ("parsers", "replies", "docx", "openpyxl", "lxml", "jinja2", "imap_tools",
                "alembic", "pyhanko", "bot.intake.cycle", "bot.intake.judge")

pytestmark = pytest.mark.filterwarnings(
    "ignore:Requiring AUTH while not requiring TLS:UserWarning")


def _backlog(box: MailboxAccount, count: int = COUNT) -> None:
    """`count` submissions without a form, each from its own agency: quick to decide, each
    answered."""
    for i in range(count):
        box.append(plain(f"Văn thư {i} <vt{i}@so{i}.gov.vn>", SUBJECT,
                         "Gửi Ban Cơ yếu mẫu đăng ký.", message_id=f"<p{i}@so{i}.gov.vn>"))


def _config(tmp_path: Path, box: MailboxAccount, sink: SmtpSink, spawn_from: int = FROM
            ) -> Path:
    return write_config(tmp_path, box, sink, limits={"sender_process_from": spawn_from})


def _answered_once(tmp_path: Path, sink: SmtpSink, count: int = COUNT) -> None:
    """Every submission answered, a second reply only where the store says it may have gone
    twice; nothing left to send or claimed."""
    to = Counter(str(m["In-Reply-To"]) for m in received(sink))
    assert sorted(to) == sorted(f"<p{i}@so{i}.gov.vn>" for i in range(count))
    doubles = sum(n - 1 for n in to.values())
    assert doubles <= query(tmp_path, "SELECT count(*) FROM events "
                                      "WHERE kind = 'reply-maybe-doubled'")
    assert query(tmp_path, "SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0
    assert query(tmp_path, "SELECT count(*) FROM outbox WHERE claimed_by IS NOT NULL") == 0


def _holders(tmp_path: Path) -> set[str]:
    return {str(h) for (h,) in rows(tmp_path, "SELECT DISTINCT claimed_by FROM outbox "
                                              "WHERE claimed_by IS NOT NULL")}


def test_a_long_cycle_sends_from_a_process_of_its_own_with_its_own_claims(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    _backlog(mailbox)
    smtp_sink.delay = 0.02  # still at work when looked at
    config = _config(tmp_path, mailbox, smtp_sink)
    err = (tmp_path / "stderr").open("w+b")
    daemon = subprocess.Popen([sys.executable, "-m", "bot", "-v", "--config", str(config),
                               "poll", "--once"], cwd=REPO, stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=err)
    senders: set[int] = set()
    holders: set[str] = set()
    deadline = time.monotonic() + DEADLINE
    while daemon.poll() is None and time.monotonic() < deadline:
        senders |= set(spawned_children(daemon.pid))
        if senders:  # the store is there by then: the cycle found the backlog
            holders |= _holders(tmp_path)
        time.sleep(0.02)
    assert daemon.wait(timeout=10) == 0
    [sender] = senders  # one process, started fresh: no fork carries the daemon's store
    assert sender in {holder_pid(h) for h in holders}  # it claimed rows under its own pid
    assert {holder_pid(h) for h in holders} <= {sender, daemon.pid}
    err.seek(0)
    log = err.read().decode("utf-8", "replace")
    # -v and the daemon's log format reach it: its lines are on the daemon's stderr
    assert f"DEBUG bot.intake.sending.spawned: sender beside the cycle: process {sender} " \
           "ready" in log
    assert f"sent={COUNT} unsent=0" in log
    _answered_once(tmp_path, smtp_sink)


def test_a_sigkilled_daemon_leaves_no_sender_behind(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    """The daemon killed while its sender sends: the sender stops after the mail in hand and
    is gone within seconds, before a restarted daemon sends; every reply goes once."""
    _backlog(mailbox)
    smtp_sink.delay = 0.05
    daemon = soak_module().Daemon(_config(tmp_path, mailbox, smtp_sink), tmp_path)
    try:
        assert daemon.start()
        assert daemon.proc is not None
        deadline = time.monotonic() + DEADLINE
        senders: list[int] = []
        while time.monotonic() < deadline and not (senders and len(smtp_sink.messages) >= 5):
            senders = senders or spawned_children(daemon.proc.pid)
            time.sleep(0.02)
        [sender] = senders
        assert not gone(sender)  # sending when the daemon dies
        daemon.kill()
        at_kill = len(smtp_sink.messages)
        ends = time.monotonic() + 10.0
        while not gone(sender) and time.monotonic() < ends:
            time.sleep(0.02)
        assert gone(sender)
        assert len(smtp_sink.messages) - at_kill <= 1  # the mail in hand, then nothing
        assert len(smtp_sink.messages) < COUNT  # the daemon died with replies still to go
        assert daemon.start()  # the restarted daemon sends the rest
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline and (
                len(smtp_sink.messages) < COUNT
                or query(tmp_path, "SELECT count(*) FROM outbox WHERE sent_at IS NULL")):
            time.sleep(0.1)
        assert daemon.stop() == 0
    finally:
        daemon.close()
    _answered_once(tmp_path, smtp_sink)


def test_the_sender_process_loads_no_parser(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    """Its imports are the store's, SMTP's and the settings' types: no form reader, no
    template, no IMAP (sys.modules of the real sender, once it has answered)."""
    Store.open(store_url(tmp_path)).close()  # migrated, as the daemon leaves it
    cfg = load_config(_config(tmp_path, mailbox, smtp_sink))
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    listing = tmp_path / "modules.txt"
    child = context.Process(target=serve_and_list, daemon=True, args=(
        theirs, settings_for(cfg.smtp, cfg.store.url, 300), str(listing)))
    child.start()
    theirs.close()
    ours.send_bytes(DONE)
    assert ours.poll(60)
    assert ours.recv_bytes() == b"0"
    child.join(30)
    assert child.exitcode == 0
    loaded = listing.read_text(encoding="utf-8").split()
    assert "bot.intake.sending.spawned" in loaded and "bot.mail.smtp" in loaded
    assert [m for m in loaded if m.startswith(NEVER_LOADED)] == []


@pytest.fixture
def no_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """No process to be had: the spawn fails as fork() does when the user has too many."""
    def refuse(process_obj: Any) -> Any:
        raise OSError(errno.EAGAIN, os.strerror(errno.EAGAIN))

    monkeypatch.setattr(multiprocessing.get_context("spawn").Process, "_Popen",
                        staticmethod(refuse))


def test_without_a_process_a_thread_sends_beside_the_cycle(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink, no_process: None,
        caplog: pytest.LogCaptureFixture) -> None:
    _backlog(mailbox)
    smtp_sink.delay = 0.01
    caplog.set_level(logging.WARNING)
    assert poll(_config(tmp_path, mailbox, smtp_sink)) == 0
    assert "no sender process beside the cycle (BlockingIOError: [Errno 11]" in caplog.text
    assert "a thread sends instead" in caplog.text
    _answered_once(tmp_path, smtp_sink)
    # the thread sent while the cycle ran: a reply went out before the last mail was kept
    [[last_kept]] = rows(tmp_path, "SELECT max(created_at) FROM messages")
    kept = last_kept if isinstance(last_kept, datetime) else datetime.fromisoformat(last_kept)
    kept = kept if kept.tzinfo else kept.replace(tzinfo=UTC)
    assert datetime.fromtimestamp(min(m.at for m in smtp_sink.messages), UTC) < kept


@pytest.fixture
def sender_killed(smtp_sink: SmtpSink) -> Iterator[list[int]]:
    """The sender process of a cycle run here is SIGKILLed once it sent a few replies."""
    killed: list[int] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set() and not killed:
            children = spawned_children(os.getpid())
            if children and len(smtp_sink.messages) >= 5:
                os.kill(children[0], signal.SIGKILL)
                killed.append(children[0])
            time.sleep(0.01)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    yield killed
    done.set()
    watcher.join(5)


def test_a_sender_process_that_dies_is_replaced_and_no_reply_is_lost(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        sender_killed: list[int], caplog: pytest.LogCaptureFixture) -> None:
    _backlog(mailbox)
    smtp_sink.delay = 0.02
    caplog.set_level(logging.WARNING)
    assert poll(_config(tmp_path, mailbox, smtp_sink)) == 0
    assert len(sender_killed) == 1
    assert "ended without a word" in caplog.text or "has ended; a thread" in caplog.text
    _answered_once(tmp_path, smtp_sink)
