"""The daemon against real servers: IDLE wakes it for new mail; SIGTERM ends it with 0."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from bot.config.settings import ImapConfig, Secret, Security
from bot.mail.mailbox import Mailbox
from tests.pipeline_kit import docx_mail, write_config
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink


def test_run_answers_new_mail_through_idle_and_stops_on_sigterm(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    config = write_config(tmp_path, mailbox, smtp_sink, poll_interval=600)
    daemon = subprocess.Popen([sys.executable, "-m", "bot", "--config", str(config), "run"],
                              stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.5)  # the first cycle finds an empty INBOX and goes into IDLE
        mailbox.append(docx_mail("Văn thư <vt@mof.gov.vn>"))
        started = time.monotonic()
        smtp_sink.wait_for(1, timeout=45)
        woke_in = time.monotonic() - started
        mailbox.append(docx_mail("Văn thư <vt@moh.gov.vn>"))
        smtp_sink.wait_for(2, timeout=45)
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=40) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
    assert woke_in < 60  # the poll interval is 600 s: only IDLE can have woken it so soon
    assert len(smtp_sink.messages) == 2


def _watching(mailbox: MailboxAccount) -> Mailbox:
    return Mailbox(ImapConfig(host=mailbox.host, port=mailbox.port, security=Security.NONE,
                              username=mailbox.user, password=Secret(mailbox.password),
                              timeout=10))


def test_mail_that_arrives_between_two_idle_waits_wakes_the_next_one(
        mailbox: MailboxAccount) -> None:
    """The server announces it as the next IDLE begins, before its "+ idling": imaplib keeps
    that aside, and the wait must hear it there (else the mail waits for the poll interval)."""
    with _watching(mailbox) as box:
        box.uids()
        assert not box.idle_wait(0.3)
        mailbox.append(docx_mail("Văn thư <vt@mof.gov.vn>"))  # between two waits
        assert box.idle_wait(2.0)
        assert not box.idle_wait(0.3)  # heard once


def test_mail_that_arrives_while_a_cycle_runs_is_found_before_waiting(
        mailbox: MailboxAccount) -> None:
    mailbox.append(docx_mail("Văn thư <vt@mof.gov.vn>"))
    with _watching(mailbox) as box:
        assert len(box.uids()) == 1
        assert not box.newer_than_listed()
        mailbox.append(docx_mail("Văn thư <vt@moh.gov.vn>"))  # after the cycle listed the folder
        assert box.newer_than_listed()
        box.uids()
        assert not box.newer_than_listed()
