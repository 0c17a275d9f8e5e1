"""The real-server fixtures work the way the bot will use them (imap-tools, smtplib)."""

from __future__ import annotations

import smtplib
import threading
import time

import pytest
from imap_tools import AND

from tests.servers import SINK_PASSWORD, SINK_USER
from tests.servers.dovecot import Dovecot, MailboxAccount
from tests.servers.smtp import SmtpSink

RAW = (
    b"From: Sender <sender@example.org>\r\nTo: intake@example.gov.vn\r\n"
    b"Subject: =?utf-8?b?xJDEg25nIGvDvQ==?=\r\nMessage-ID: <t1@example.org>\r\n\r\nHello\r\n"
)


def test_append_and_fetch_without_marking_seen(mailbox: MailboxAccount) -> None:
    uid = mailbox.append(RAW, flags=["\\Flagged"])
    with mailbox.login() as client:
        fetched = list(client.fetch(AND(all=True), mark_seen=False, bulk=False))
    assert [m.uid for m in fetched] == [str(uid)]
    assert fetched[0].subject == "Đăng ký"
    [stored] = mailbox.list()
    assert stored.raw == RAW
    assert "\\Flagged" in stored.flags and "\\Seen" not in stored.flags


def test_each_test_gets_an_empty_mailbox(mailbox: MailboxAccount, dovecot_server: Dovecot) -> None:
    assert mailbox.list() == []
    mailbox.deliver(RAW)  # LMTP, as an MTA would deliver
    [stored] = mailbox.list()
    assert stored.raw.endswith(RAW) and b"Delivered-To:" in stored.raw


def test_idle_wakes_up_after_another_clients_append(mailbox: MailboxAccount) -> None:
    appended_at: list[float] = []

    def append_later() -> None:
        time.sleep(0.3)
        mailbox.append(RAW)
        appended_at.append(time.monotonic())

    with mailbox.login() as client:
        client.idle.start()  # type: ignore[no-untyped-call]
        writer = threading.Thread(target=append_later)
        writer.start()
        try:
            responses = client.idle.poll(timeout=5)
            woke_at = time.monotonic()
        finally:
            client.idle.stop()  # type: ignore[no-untyped-call]
            writer.join(timeout=10)
    assert any(b"EXISTS" in r for r in responses), responses
    assert appended_at and woke_at - appended_at[0] < 5


def test_move_is_advertised_after_login_and_works(mailbox: MailboxAccount) -> None:
    mailbox.create_folder("Đã xử lý")
    uid = mailbox.append(RAW)
    with mailbox.login() as client:
        _, data = client.client.capability()
        assert b"MOVE" in data[0].split()
        client.move(str(uid), "Đã xử lý")
    assert mailbox.list() == []
    assert [m.raw for m in mailbox.list("Đã xử lý")] == [RAW]


def test_restart_keeps_mail_and_port(mailbox: MailboxAccount, dovecot_server: Dovecot) -> None:
    mailbox.append(RAW)
    port = dovecot_server.imap_port
    dovecot_server.restart()
    assert dovecot_server.imap_port == port
    assert len(mailbox.list()) == 1


def test_smtp_sink_receives_with_auth(smtp_sink: SmtpSink) -> None:
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=10) as client:
        client.login(SINK_USER, SINK_PASSWORD)
        client.sendmail("intake@example.gov.vn", ["sender@example.org"], RAW)
    [message] = smtp_sink.wait_for(1)
    assert message.mail_from == "intake@example.gov.vn"
    assert message.rcpt_tos == ("sender@example.org",)
    assert message.raw == RAW and message.auth_login == SINK_USER


def test_smtp_sink_rejects_bad_auth_and_refuses_on_demand(smtp_sink: SmtpSink) -> None:
    with (
        smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=10) as client,
        pytest.raises(smtplib.SMTPAuthenticationError),
    ):
        client.login(SINK_USER, "wrong")
    smtp_sink.refusing = True
    with smtplib.SMTP(smtp_sink.host, smtp_sink.port, timeout=10) as client:
        client.login(SINK_USER, SINK_PASSWORD)
        with pytest.raises(smtplib.SMTPDataError) as refused:
            client.sendmail("intake@example.gov.vn", ["sender@example.org"], RAW)
    assert refused.value.smtp_code == 451
    assert smtp_sink.messages == []


def test_smtp_sink_open_needs_no_auth(smtp_sink_open: SmtpSink) -> None:
    with smtplib.SMTP(smtp_sink_open.host, smtp_sink_open.port, timeout=10) as client:
        client.sendmail("a@example.org", ["b@example.org"], RAW)
    assert len(smtp_sink_open.wait_for(1)) == 1
