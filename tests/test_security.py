"""The store is private to the service user, passwords never reach the log, TLS is checked
unless someone says otherwise (and then the log says so)."""

from __future__ import annotations

import logging
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config.settings import parse_config
from tests.pipeline_kit import docx_mail, write_config
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink
from tests.store_kit import ON_POSTGRES, sqlite_only

REPO = Path(__file__).resolve().parents[1]
MINIMAL = {"imap": {"host": "imap.example.gov.vn", "username": "ca", "password": "pw-imap"},
           "smtp": {"host": "smtp.example.gov.vn", "from_address": "ca@bcy.gov.vn"},
           "store": {"url": "sqlite:////var/lib/bcy-intake/intake.db"}}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _poll_verbose(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "--config", str(config), "-v", "poll",
                           "--once"], check=False, cwd=REPO, capture_output=True, text=True,
                          timeout=120)


def test_store_files_are_private_and_passwords_stay_out_of_the_log(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    mailbox.append(docx_mail("Văn thư <vt@mof.gov.vn>"))
    config = write_config(tmp_path, mailbox, smtp_sink)
    done = _poll_verbose(config)
    assert done.returncode == 0, done.stderr[-2000:]
    assert len(smtp_sink.messages) == 1
    db = tmp_path / "intake.db"
    assert ON_POSTGRES or _mode(db) == 0o600
    for extra in ("-wal", "-shm"):
        side = db.with_name(db.name + extra)
        if side.exists():
            assert _mode(side) == 0o600
    output = done.stdout + done.stderr
    assert "DEBUG" in output  # -v really logged at debug level
    assert mailbox.password not in output
    assert str(smtp_sink.password) not in output


@sqlite_only
def test_wal_file_is_private_while_the_store_is_open(tmp_path: Path) -> None:
    from bot.store.database import Store

    store = Store.open(f"sqlite:///{(tmp_path / 'sub' / 'intake.db').as_posix()}")
    try:
        store.events.record("test", "wal written")
        wal = tmp_path / "sub" / "intake.db-wal"
        assert wal.exists() and _mode(wal) == 0o600
        assert _mode(tmp_path / "sub" / "intake.db-shm") == 0o600
    finally:
        store.close()


def test_an_existing_world_readable_store_is_made_private(tmp_path: Path) -> None:
    from bot.store.database import Store

    db = tmp_path / "intake.db"
    db.touch(mode=0o644)
    db.chmod(0o644)
    Store.open(f"sqlite:///{db.as_posix()}").close()
    assert _mode(db) == 0o600


def test_tls_is_verified_by_default(tmp_path: Path) -> None:
    cfg = parse_config(MINIMAL, tmp_path)
    assert cfg.imap.tls_verify and cfg.smtp.tls_verify
    assert "pw-imap" not in repr(cfg)


def test_tls_verify_false_is_warned_about(tmp_path: Path,
                                          caplog: pytest.LogCaptureFixture) -> None:
    data = {**MINIMAL, "imap": {**MINIMAL["imap"], "tls_verify": False}}
    with caplog.at_level(logging.WARNING, logger="bot.config.settings"):
        cfg = parse_config(data, tmp_path)
    assert cfg.imap.tls_verify is False
    assert "[imap] tls_verify = false" in caplog.text


def test_no_predictable_temporary_files_in_the_code() -> None:
    """Temporary files come from `tempfile.mkstemp/mkdtemp/NamedTemporaryFile`, never from a
    fixed name in /tmp or /var/tmp, nor from tempfile.mktemp."""
    risky = re.compile(r"""["'](/tmp|/var/tmp|/dev/shm)/|tempfile\.mktemp\(""")
    found = [f"{path.relative_to(REPO)}:{n}" for folder in ("bot", "parsers", "replies")
             for path in sorted((REPO / folder).rglob("*.py"))
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if risky.search(line)]
    assert found == []
