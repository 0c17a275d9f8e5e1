"""The daemon against real servers: IDLE wakes it for new mail; SIGTERM ends it with 0."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

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
