"""Two `bcy-intake run` processes, as on two machines (scripts/soak.py puts each in a UTS
namespace with a host name of its own where it can), over one real Dovecot INBOX and one
PostgreSQL database, mail arriving while they run, each SIGKILLed at random and restarted a
round later: every submission decided once and answered once. And on SQLite, which serves one
daemon, a second one on the same file is refused."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.pipeline_kit import soak_module, write_config
from tests.servers.dovecot import Dovecot, MailboxAccount
from tests.servers.smtp import SmtpSink
from tests.store_kit import created, drop_created, new_postgres_url

pytestmark = pytest.mark.filterwarnings(
    "ignore:Requiring AUTH while not requiring TLS:UserWarning")


def test_two_daemons_through_kills_decide_each_mail_once_and_reply_once(
        dovecot_server: Dovecot, postgres_url: str) -> None:
    soak = soak_module()
    mark = created()
    try:
        result = soak.run_soak(
            soak.SoakOptions(messages=18, kills=6, seed=12, max_seconds=300, daemons=2,
                             store=new_postgres_url(), claim_seconds=2, min_kill=0.3,
                             max_kill=2.5),
            server=dovecot_server, say=print)
    finally:
        drop_created(mark)
    print(result.figures())
    assert result.problems == []
    assert result.kills == 6
    assert result.replies == result.submissions + result.doubles
    # a reply is doubled only when a daemon died between the server taking it and the store
    # recording it (milliseconds), and then the store says so
    assert result.doubles <= result.maybe_doubled_events


def test_a_second_daemon_on_one_sqlite_file_is_refused(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    soak = soak_module()
    config = write_config(tmp_path, mailbox, smtp_sink,
                          store=f"sqlite:///{(tmp_path / 'intake.db').as_posix()}")
    first = soak.Daemon(config, tmp_path)
    try:
        assert first.start(), (tmp_path / "daemon.log").read_text(errors="replace")[-2000:]
        second = subprocess.run([sys.executable, "-m", "bot", "--config", str(config), "run"],
                                capture_output=True, text=True, timeout=60,
                                stdin=subprocess.DEVNULL)
        assert second.returncode == 78, second.stderr[-2000:]
        [line] = [x for x in second.stderr.splitlines() if "SQLite" in x]
        assert first.proc is not None and str(first.proc.pid) in line
        assert "intake.db.daemon-lock" in line
        assert "PostgreSQL" in line and "Traceback" not in second.stderr
        assert first.stop() == 0
        assert first.start()  # the lock went with the process: a new daemon may run
        assert first.stop() == 0
    finally:
        first.close()
