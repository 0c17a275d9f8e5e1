"""What the service process loads, told by `poll --once` in a process of its own: python-docx,
openpyxl and Alembic never (the Office files are read, marked and the blank forms written in
the reader process; a store already migrated is told so without Alembic), and a poll over a
mailbox it has already seen not even the judge (readers, classification, replies): the
memory and the start-up of a daemon that waits are its own, not its libraries'."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.pipeline_kit import docx_mail, plain, write_config
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink

REPO = Path(__file__).resolve().parents[1]
WATCHED = ("docx", "openpyxl", "alembic", "mako", "bot.intake.judge", "bot.intake.decide",
           "parsers.form.parse", "replies.annotate.docx", "replies.forms.blank_docx")
PROBE = """
import atexit, json, runpy, sys
def loaded():
    print("LOADED " + json.dumps(sorted(m for m in sys.modules if m in WATCHED)))
WATCHED = set(json.loads(sys.argv[1]))
atexit.register(loaded)
sys.argv = ["bot", "--config", sys.argv[2], "poll", "--once"]
runpy.run_module("bot", run_name="__main__")
"""


def _poll_loads(config: Path) -> list[str]:
    run = subprocess.run([sys.executable, "-c", PROBE, json.dumps(WATCHED), str(config)],
                         capture_output=True, text=True, cwd=REPO, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert run.returncode == 0, run.stderr[-3000:]
    line = next(x for x in run.stdout.splitlines() if x.startswith("LOADED "))
    loaded: list[str] = json.loads(line.removeprefix("LOADED "))
    return loaded


def test_the_service_never_loads_the_office_libraries_and_a_seen_poll_no_judge(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    config = write_config(tmp_path, mailbox, smtp_sink)
    mailbox.append(docx_mail("Văn thư <vt@mof.gov.vn>"))
    mailbox.append(plain("Người dân <nd@example.vn>", "Hỏi về chứng thư số"))
    first = _poll_loads(config)
    assert len(smtp_sink.messages) == 1  # the submission was read and answered
    assert "bot.intake.judge" in first and "parsers.form.parse" in first
    assert not {"docx", "openpyxl", "replies.annotate.docx", "replies.forms.blank_docx"} \
        & set(first), first
    assert _poll_loads(config) == []  # nothing new: no judge, no Alembic, no readers
    assert len(smtp_sink.messages) == 1
