"""A mail that keeps failing is set aside for a person instead of looping; a mail over the
size limit is kept raw and, if it looks like a submission, politely refused."""

from __future__ import annotations

import email.message
from pathlib import Path
from typing import Any

import pytest

import bot.intake.cycle
import bot.intake.decide
from bot.store.database import Store
from bot.store.schema import StoredMessage
from tests.pipeline_kit import SUBJECT, docx_mail, plain, poll, received, write_config
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink

QUARANTINE = "BCY-Intake/Quarantine"
PROCESSED = "BCY-Intake/Processed"
POISON = "<poison@mof.gov.vn>"


def _config(tmp_path: Path, box: MailboxAccount, sink: SmtpSink, **limits: int) -> Path:
    return write_config(tmp_path, box, sink, limits=limits)


def _store(tmp_path: Path) -> Store:
    return Store.open(f"sqlite:///{(tmp_path / 'intake.db').as_posix()}")


def _by_message_id(store: Store, message_id: str) -> StoredMessage:
    found = [store.messages.get(i) for i in range(1, 50)
             if _exists(store, i) and store.messages.get(i).message_id == message_id]
    assert len(found) == 1
    return found[0]


def _exists(store: Store, row_id: int) -> bool:
    try:
        store.messages.get(row_id)
    except IndexError:
        return False
    return True


@pytest.fixture
def poisoned(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """bot.intake.judge.decide raises for the mail with Message-ID POISON; returns the calls."""
    real = bot.intake.decide.decide
    calls: list[str] = []

    def decide(msg: email.message.Message, *args: Any, **kw: Any) -> bot.intake.decide.Decision:
        calls.append(str(msg["Message-ID"]))
        if str(msg["Message-ID"]) == POISON:
            raise RuntimeError("parser bug on this mail")
        return real(msg, *args, **kw)

    monkeypatch.setattr("bot.intake.judge.decide", decide)
    return calls


def test_failing_mail_is_quarantined_after_max_attempts_and_others_go_on(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        poisoned: list[str]) -> None:
    raw = docx_mail("Văn thư <vt@mof.gov.vn>", message_id=POISON)
    mailbox.append(raw)
    mailbox.append(docx_mail("Văn thư <vt@moh.gov.vn>", message_id="<ok-1@moh.gov.vn>"))
    config = _config(tmp_path, mailbox, smtp_sink, max_attempts=2)
    assert poll(config) == 0
    assert [r["In-Reply-To"] for r in received(smtp_sink)] == ["<ok-1@moh.gov.vn>"]
    assert len(mailbox.list("INBOX")) == 1  # tried once, still waiting
    mailbox.append(docx_mail("Văn thư <vt@mic.gov.vn>", message_id="<ok-2@mic.gov.vn>"))
    assert poll(config) == 0
    assert poisoned.count(POISON) == 2
    assert mailbox.list("INBOX") == []
    [aside] = mailbox.list(QUARANTINE)
    assert aside.raw == raw and "\\Seen" not in aside.flags
    assert len(mailbox.list(PROCESSED)) == 2
    assert len(smtp_sink.messages) == 2
    store = _store(tmp_path)
    stored = _by_message_id(store, POISON)
    assert stored.state == "quarantined" and "parser bug" in (stored.last_error or "")
    assert store.messages.raw(stored.id) == raw
    [event] = [e for e in store.events.find() if e.kind == "quarantined"]
    assert event.message_id == stored.id and event.level == "error"
    assert poll(config) == 0  # nothing more happens to it
    assert poisoned.count(POISON) == 2 and len(smtp_sink.messages) == 2


def test_quarantined_mail_is_listed_for_a_person(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        poisoned: list[str]) -> None:
    mailbox.append(docx_mail("Văn thư <vt@mof.gov.vn>", message_id=POISON))
    config = _config(tmp_path, mailbox, smtp_sink, max_attempts=1)
    assert poll(config) == 0
    [held] = _store(tmp_path).messages.held()  # what the digest lists for a person
    assert held["state"] == "quarantined" and "parser bug" in held["last_error"]


def test_mail_that_killed_the_process_max_attempts_times_is_not_tried_again(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        poisoned: list[str]) -> None:
    mailbox.append(docx_mail("Văn thư <vt@mof.gov.vn>", message_id=POISON))
    config = _config(tmp_path, mailbox, smtp_sink, max_attempts=2)
    store = _store(tmp_path)
    uid = mailbox.list("INBOX")[0].uid
    with mailbox.login() as client:
        validity = int(client.folder.status("INBOX", ["UIDVALIDITY"])["UIDVALIDITY"])
    row = store.messages.save_raw(folder="INBOX", uidvalidity=validity, uid=uid,
                                  raw=mailbox.list("INBOX")[0].raw, message_id=POISON)
    for _ in range(2):  # two starts that never came back (SIGKILL, out of memory)
        store.messages.bump_attempts(row)
    assert poll(config) == 0
    assert poisoned == []
    assert store.messages.get(row).state == "quarantined"
    assert len(mailbox.list(QUARANTINE)) == 1 and smtp_sink.messages == []


@pytest.fixture
def no_unpacking(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kw: Any) -> Any:
        raise AssertionError("an oversized mail must not be unpacked")

    monkeypatch.setattr(bot.intake.decide, "find_attachments", refuse)
    monkeypatch.setattr(bot.intake.decide, "read_attachment", refuse)


def test_oversized_submission_is_kept_and_politely_refused(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        no_unpacking: None) -> None:
    raw = docx_mail("Văn thư <vt@mof.gov.vn>", message_id="<big@mof.gov.vn>")
    mailbox.append(raw)
    assert poll(_config(tmp_path, mailbox, smtp_sink, max_message_bytes=len(raw) - 1)) == 0
    [reply] = received(smtp_sink)
    assert reply["X-BCY-Intake-Verdict"] == "unreadable"
    text = reply.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "mau-dang-ky.docx" in text and "vượt quá giới hạn" in text
    assert len(mailbox.list(PROCESSED)) == 1
    store = _store(tmp_path)
    stored = _by_message_id(store, "<big@mof.gov.vn>")
    assert store.messages.raw(stored.id) == raw
    [sub] = store.submissions.find()
    assert sub.verdict == "unreadable" and "file-too-large" in sub.findings_json


def test_oversized_mail_that_is_not_ours_is_kept_and_left_alone(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        no_unpacking: None) -> None:
    raw = plain("Người dân <dan@example.vn>", "Ảnh chụp chuyến đi", "x" * 20_000)
    mailbox.append(raw)
    assert poll(_config(tmp_path, mailbox, smtp_sink, max_message_bytes=10_000)) == 0
    assert smtp_sink.messages == []
    [left] = mailbox.list("INBOX")
    assert "\\Seen" not in left.flags
    store = _store(tmp_path)
    stored = store.messages.get(1)
    assert stored.kind == "other" and store.messages.raw(1) == raw


def test_oversized_mail_mentioning_the_campaign_without_a_form_gets_the_reply(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        no_unpacking: None) -> None:
    mailbox.append(plain("Văn thư <vt@moh.gov.vn>", SUBJECT, "y" * 20_000))
    assert poll(_config(tmp_path, mailbox, smtp_sink, max_message_bytes=10_000)) == 0
    [reply] = received(smtp_sink)
    assert reply["X-BCY-Intake-Verdict"] == "unreadable"
