"""A mail that keeps failing is set aside for a person instead of looping, and its sender is
told so politely; a mail is blamed only on evidence (it failed, or a reader of its own died on
it), never for being first in line when the service was killed. A mail over the size limit is
kept as its headers and structure and, if it looks like a submission, politely refused."""

from __future__ import annotations

import email.message
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import bot.intake.cycle
import bot.intake.decide
from bot.intake.safety.holders import reader_id
from bot.store.database import Store
from bot.store.schema import StoredMessage
from tests.pipeline_kit import SUBJECT, docx_mail, plain, poll, received, write_config
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink
from tests.store_kit import store_url

REPO = Path(__file__).resolve().parents[1]

QUARANTINE = "BCY-Intake/Quarantine"
PROCESSED = "BCY-Intake/Processed"
POISON = "<poison@mof.gov.vn>"


def _config(tmp_path: Path, box: MailboxAccount, sink: SmtpSink, **limits: int) -> Path:
    return write_config(tmp_path, box, sink, limits=limits)


def _store(tmp_path: Path) -> Store:
    return Store.open(store_url(tmp_path))


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
    replies = received(smtp_sink)
    assert len(replies) == 3
    [holding] = [r for r in replies if r["In-Reply-To"] == POISON]
    assert holding["X-BCY-Intake-Status"] == "held" and holding["Auto-Submitted"] == "auto-replied"
    text = holding.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "chuyển cán bộ phụ trách xem xét" in text and "không cần gửi lại" in text
    store = _store(tmp_path)
    stored = _by_message_id(store, POISON)
    assert stored.state == "quarantined" and "parser bug" in (stored.last_error or "")
    assert store.messages.raw(stored.id) == raw
    [event] = [e for e in store.events.find() if e.kind == "quarantined"]
    assert event.message_id == stored.id and event.level == "error"
    assert poll(config) == 0  # nothing more happens to it
    assert poisoned.count(POISON) == 2 and len(smtp_sink.messages) == 3


def test_quarantined_mail_is_listed_for_a_person(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        poisoned: list[str]) -> None:
    mailbox.append(docx_mail("Văn thư <vt@mof.gov.vn>", message_id=POISON))
    config = _config(tmp_path, mailbox, smtp_sink, max_attempts=1)
    assert poll(config) == 0
    [held] = _store(tmp_path).messages.held()  # what the digest lists for a person
    assert held["state"] == "quarantined" and "parser bug" in held["last_error"]


def _validity(box: MailboxAccount) -> int:
    with box.login() as client:
        return int(client.folder.status("INBOX", ["UIDVALIDITY"])["UIDVALIDITY"])


def _dead_reader() -> str:
    """The reading mark of a process that has died (as after a SIGKILL)."""
    gone = subprocess.Popen(["sleep", "30"])
    mark = reader_id(gone.pid)
    gone.kill()
    gone.wait()
    return mark


def _kept_unread(store: Store, box: MailboxAccount, raw: bytes, message_id: str) -> int:
    """A mail taken in by a process that then died while reading it, again and again."""
    uid = next(m.uid for m in box.list("INBOX") if m.raw == raw)
    return store.messages.save_raw(folder="INBOX", uidvalidity=_validity(box), uid=uid,
                                   raw=raw, message_id=message_id)


def test_mail_first_in_line_of_a_crash_loop_is_never_quarantined(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    raw = docx_mail("Văn thư <vt@mof.gov.vn>", message_id="<innocent@mof.gov.vn>")
    mailbox.append(raw)
    config = _config(tmp_path, mailbox, smtp_sink, max_attempts=2)
    store = _store(tmp_path)
    row = _kept_unread(store, mailbox, raw, "<innocent@mof.gov.vn>")
    for _ in range(6):  # six restarts, each killed while this mail was being read
        dead = _dead_reader()
        store.messages.start_reading(row, dead)
        assert store.messages.unfinished()[0].reading_by == dead
        store.messages.note_crash(row, dead)
    store.messages.start_reading(row, _dead_reader())  # and killed once more
    assert poll(config) == 0
    stored = store.messages.get(row)
    assert stored.state == "done" and stored.crashes == 7 and stored.attempts == 0
    [reply] = received(smtp_sink)
    assert reply["X-BCY-Intake-Verdict"] == "accepted"
    assert len(mailbox.list(PROCESSED)) == 1 and mailbox.list("INBOX") == []
    kinds = [e.kind for e in store.events.find() if e.message_id == row]
    assert kinds == ["reading-interrupted"]


def test_mail_read_by_another_live_process_is_left_to_it(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    raw = docx_mail("Văn thư <vt@mof.gov.vn>", message_id="<busy@mof.gov.vn>")
    mailbox.append(raw)
    store = _store(tmp_path)
    row = _kept_unread(store, mailbox, raw, "<busy@mof.gov.vn>")
    reader = subprocess.Popen(["sleep", "30"])
    try:
        store.messages.start_reading(row, reader_id(reader.pid))
        assert poll(_config(tmp_path, mailbox, smtp_sink)) == 0
        assert store.messages.get(row).state == "new" and smtp_sink.messages == []
    finally:
        reader.kill()
        reader.wait()


KILLER = """
import os, signal, sys
import bot.intake.judge as judge
real = judge.decide
def decide(msg, *args, **kw):
    if str(msg["Message-ID"]).strip() == sys.argv[2]:
        os.kill(os.getpid(), signal.SIGKILL)  # the reader dies on this mail, every time
    return real(msg, *args, **kw)
judge.decide = decide
from bot.commands.cli import main
sys.exit(main(["--config", sys.argv[1], "poll", "--once"]))
"""


def _poll_with_killer(config: Path) -> int:
    done = subprocess.run([sys.executable, "-c", KILLER, str(config), POISON], cwd=REPO,
                          capture_output=True, timeout=180, check=False)
    return done.returncode


def test_mail_that_kills_its_reader_is_quarantined_and_others_still_answered(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    poison = docx_mail("Văn thư <vt@mof.gov.vn>", message_id=POISON)
    mailbox.append(poison)
    mailbox.append(docx_mail("Văn thư <vt@moh.gov.vn>", message_id="<ok-1@moh.gov.vn>"))
    config = _config(tmp_path, mailbox, smtp_sink, max_attempts=2)
    assert _poll_with_killer(config) == -9  # first in line: the service dies on it
    assert smtp_sink.messages == []
    assert _poll_with_killer(config) == 0  # a suspect now: read on its own, after the rest
    assert [r["In-Reply-To"] for r in received(smtp_sink)] == ["<ok-1@moh.gov.vn>"]
    store = _store(tmp_path)
    stored = _by_message_id(store, POISON)
    assert (stored.state, stored.crashes, stored.attempts) == ("new", 1, 1)
    assert "reader died" in (stored.last_error or "")
    assert _poll_with_killer(config) == 0
    stored = store.messages.get(stored.id)
    assert stored.state == "quarantined" and stored.attempts == 2
    assert store.messages.raw(stored.id) == poison
    [aside] = mailbox.list(QUARANTINE)
    assert aside.raw == poison
    holding = received(smtp_sink)[-1]
    assert holding["In-Reply-To"] == POISON and holding["X-BCY-Intake-Status"] == "held"
    assert len(smtp_sink.messages) == 2


def test_quarantined_automatic_mail_gets_no_holding_reply(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        poisoned: list[str]) -> None:
    mailbox.append(plain("Văn thư <vt@mof.gov.vn>", f"Trả lời tự động: {SUBJECT}",
                         message_id=POISON))
    assert poll(_config(tmp_path, mailbox, smtp_sink, max_attempts=1)) == 0
    assert poisoned == [POISON] and len(mailbox.list(QUARANTINE)) == 1
    assert smtp_sink.messages == []


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
    assert mailbox.list(PROCESSED)[0].raw == raw  # the mail itself stays whole in the mailbox
    store = _store(tmp_path)
    stored = _by_message_id(store, "<big@mof.gov.vn>")
    kept = store.messages.raw(stored.id)  # its header and structure, not its body
    assert stored.body_omitted and stored.size == len(raw) and len(kept) < 2_000
    assert b"mau-dang-ky.docx" in kept and b"Subject:" in kept and b"UEsDB" not in kept
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
    assert stored.kind == "other" and stored.body_omitted and stored.size == len(raw)
    assert b"x" * 100 not in store.messages.raw(1) and left.raw == raw


def test_oversized_mail_mentioning_the_campaign_without_a_form_gets_the_reply(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        no_unpacking: None) -> None:
    mailbox.append(plain("Văn thư <vt@moh.gov.vn>", SUBJECT, "y" * 20_000))
    assert poll(_config(tmp_path, mailbox, smtp_sink, max_message_bytes=10_000)) == 0
    [reply] = received(smtp_sink)
    assert reply["X-BCY-Intake-Verdict"] == "unreadable"
