"""All of imap-tools' test mails (none is a submission) in one INBOX: one cycle handles them
all, answers none, and leaves every one where it was, unseen."""

from __future__ import annotations

import imaplib
from pathlib import Path

import pytest

from bot.store.database import Store
from tests.pipeline_kit import poll, write_config
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink
from tests.store_kit import store_url

CORPUS = Path("corpus") / "eml-imap-tools"
SHARED = (Path(__file__).resolve().parents[2] / "shared", Path("/work/shared"))
EXPECTED = 113


def _corpus() -> list[Path]:
    for shared in SHARED:
        if (shared / CORPUS).is_dir():
            return sorted((shared / CORPUS).glob("*.eml"))
    pytest.skip(f"CORPUS MISSING, test NOT RUN: no {CORPUS} under {', '.join(map(str, SHARED))}")


def test_imap_tools_corpus_is_handled_in_one_cycle_without_a_reply(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    files = _corpus()
    assert len(files) == EXPECTED
    appended, refused = [], []
    for path in files:
        try:
            appended.append(mailbox.append(path.read_bytes()))
        except (RuntimeError, imaplib.IMAP4.error) as exc:
            refused.append(f"{path.name}: {exc}")
    print(f"appended {len(appended)} of {len(files)}; refused: {refused}")
    assert len(appended) >= EXPECTED - 5, refused
    assert poll(write_config(tmp_path, mailbox, smtp_sink)) == 0
    assert smtp_sink.messages == []
    inbox = mailbox.list("INBOX")
    assert sorted(m.uid for m in inbox) == sorted(appended)
    assert [m.uid for m in inbox if "\\Seen" in m.flags] == []
    store = Store.open(store_url(tmp_path))
    with mailbox.login() as client:
        validity = int(client.folder.status("INBOX", ["UIDVALIDITY"])["UIDVALIDITY"])
    assert store.messages.seen_uids("INBOX", validity) == set(appended)
    assert store.messages.unfinished() == []  # every one decided, none failed
    assert store.messages.pending_mailbox_actions() == []
    assert store.submissions.find() == []
