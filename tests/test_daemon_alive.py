"""A daemon that stays alive: the watchdog hears from work that moves (every message, every
mail sent, every second a child spends reading a file), so a long cycle never goes quiet for
systemd's WatchdogSec, and a stuck one does; no write transaction is open while a reply is
composed, so staff commands never find the store locked; a 100,000-character subject costs
milliseconds."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from multiprocessing import Pipe
from pathlib import Path
from typing import Any

import pytest

import bot.intake.isolated
import bot.intake.notify
import bot.intake.outcome
from bot.intake.daemon import one_cycle
from bot.intake.isolated import wait_for
from bot.intake.service import open_service
from tests.pipeline_kit import SUBJECT, docx_mail, plain, poll, received, write_config
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink
from tests.store_kit import sqlite_only


@pytest.fixture
def pings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """WATCHDOG=1 datagrams as they arrive (every ping: HEARTBEAT_EVERY set to 0)."""
    path = tmp_path / "notify.sock"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(path))
    sock.settimeout(0.2)
    monkeypatch.setenv("NOTIFY_SOCKET", str(path))
    monkeypatch.setattr(bot.intake.notify, "HEARTBEAT_EVERY", 0.0)
    heard: list[float] = []
    done = threading.Event()

    def listen() -> None:
        while not done.is_set():
            try:
                if sock.recv(64) == b"WATCHDOG=1":
                    heard.append(time.monotonic())
            except TimeoutError:
                continue

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    yield heard
    done.set()
    listener.join(2)
    sock.close()


def test_a_cycle_pings_for_every_message_and_every_mail_sent(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        pings: list[float]) -> None:
    for n in range(12):
        mailbox.append(plain(f"Văn thư <vt@agency{n}.gov.vn>", SUBJECT, message_id=f"<w{n}@x>"))
    service = open_service(str(write_config(tmp_path, mailbox, smtp_sink)))
    try:
        stats = one_cycle(service)
    finally:
        service.store.close()
    time.sleep(0.3)
    assert stats.fetched == 12 and stats.sent == 12
    assert len(pings) >= 24  # a ping per message decided and per reply sent


def test_waiting_for_a_reader_pings(monkeypatch: pytest.MonkeyPatch,
                                    pings: list[float]) -> None:
    monkeypatch.setattr(bot.intake.isolated, "WAIT_SLICE", 0.1)
    receiver, sender = Pipe(duplex=False)
    threading.Timer(1.0, lambda: sender.send("done")).start()
    assert wait_for(receiver, 5.0)
    time.sleep(0.3)
    assert len(pings) >= 8


def test_the_heartbeat_is_rate_limited(monkeypatch: pytest.MonkeyPatch,
                                       pings: list[float]) -> None:
    monkeypatch.setattr(bot.intake.notify, "HEARTBEAT_EVERY", 60.0)
    monkeypatch.setattr(bot.intake.notify, "_last_ping", -1e9)
    for _ in range(1000):
        bot.intake.notify.heartbeat()
    time.sleep(0.3)
    assert len(pings) == 1


@sqlite_only
def test_no_write_transaction_is_open_while_a_reply_is_composed(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        monkeypatch: pytest.MonkeyPatch) -> None:
    real = bot.intake.replying.compose_reply
    seen: list[str] = []

    def compose(*args: Any, **kw: Any) -> Any:
        other = sqlite3.connect(tmp_path / "intake.db", timeout=0)
        try:
            other.execute("BEGIN IMMEDIATE")  # another writer (digest --send) gets in now
            other.execute("ROLLBACK")
            seen.append("free")
        except sqlite3.OperationalError as exc:
            seen.append(str(exc))
        finally:
            other.close()
        return real(*args, **kw)

    monkeypatch.setattr(bot.intake.replying, "compose_reply", compose)
    mailbox.append(docx_mail("Văn thư <vt@mof.gov.vn>"))
    mailbox.append(plain("Văn thư <vt@moh.gov.vn>", SUBJECT))
    assert poll(write_config(tmp_path, mailbox, smtp_sink)) == 0
    assert seen == ["free", "free"] and len(smtp_sink.messages) == 2


def test_a_huge_subject_costs_milliseconds_and_is_capped(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    subject = ("Đề xuất nhu cầu cấp mới chứng thư số \x1b[2J nhân số " * 2_000)[:100_000]
    mailbox.append(plain("Văn thư <vt@mof.gov.vn>", subject))
    began = time.monotonic()
    assert poll(write_config(tmp_path, mailbox, smtp_sink)) == 0
    took = time.monotonic() - began
    [reply] = received(smtp_sink)
    shown = str(reply["Subject"])
    assert shown.startswith("Re: Đề xuất nhu cầu cấp mới chứng thư số [2J nhân số")
    assert len(shown) < 300 and "\x1b" not in shown
    head = smtp_sink.messages[0].raw.split(b"\r\n\r\n", 1)[0]
    assert max(len(line) for line in head.split(b"\r\n")) <= 998
    print(f"poll with a 100,000-character subject: {took:.2f} s")
    assert took < 60  # was 150-175 s; about a second here
