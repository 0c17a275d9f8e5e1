"""A wrong IMAP password is the configuration's fault: `poll` tries once (again would only earn
the account the server's penalty), exits 78 and says in one Vietnamese line which account the
server refused (a server that cannot be reached is still retried: tests/test_cli.py)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from tests.pipeline_kit import poll, write_config
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink


def test_a_refused_login_is_a_configuration_error_tried_once(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> None:
    config = write_config(tmp_path, mailbox, smtp_sink)
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace(f'password = "{mailbox.password}"',
                                   'password = "not-the-password"', 1), encoding="utf-8")
    capsys.readouterr()
    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        assert poll(config) == 78
    elapsed = time.monotonic() - started
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and mailbox.user in err[0] and "từ chối đăng nhập" in err[0]
    assert "Traceback" not in err[0]
    assert not [r for r in caplog.records if "attempt" in r.getMessage()]  # no retry
    assert elapsed < 15
