"""An outbox without head-of-line blocking, against a real aiosmtpd listener: a failure that
belongs to one message fails that message (for good when the server says so, and staff are
told) and every other reply still goes out in the same run, over one connection; a
non-ASCII address goes over SMTPUTF8 when the server offers it."""

from __future__ import annotations

import base64
import email
import email.policy
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.commands.cli import main
from bot.intake.sending.outbox import CLAIM_BATCH
from tests.pipeline_kit import docx_mail, poll, received, write_config
from tests.servers import SINK_PASSWORD, SINK_USER
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink
from tests.store_kit import query, rows

pytestmark = pytest.mark.filterwarnings(
    "ignore:Requiring AUTH while not requiring TLS:UserWarning")
POISON = "Văn thư <vt@mof.gov.vn>"


def _count(folder: Path, sql: str) -> int:
    return int(query(folder, sql))


def _three(box: MailboxAccount, middle: bytes) -> None:
    box.append(docx_mail("Văn thư <vt@moh.gov.vn>", message_id="<a@moh.gov.vn>"))
    box.append(middle)
    box.append(docx_mail("Văn thư <vt@mic.gov.vn>", message_id="<c@mic.gov.vn>"))


def _in_reply_to(sink: SmtpSink) -> list[str]:
    return sorted(str(r["In-Reply-To"]) for r in received(sink))


def test_a_refused_recipient_fails_alone_and_the_others_go_out_on_one_connection(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        capsys: pytest.CaptureFixture[str]) -> None:
    _three(mailbox, docx_mail("Văn thư <gone@mof.gov.vn>", message_id="<b@mof.gov.vn>"))
    smtp_sink.refuse_recipients = {"gone@mof.gov.vn"}
    config = write_config(tmp_path, mailbox, smtp_sink)
    assert poll(config) == 0
    assert _in_reply_to(smtp_sink) == ["<a@moh.gov.vn>", "<c@mic.gov.vn>"]
    assert smtp_sink.connections == 1
    db = tmp_path
    assert _count(db, "SELECT count(*) FROM outbox WHERE failed_at IS NOT NULL "
                      "AND recipient = 'gone@mof.gov.vn'") == 1
    assert _count(db, "SELECT count(*) FROM events WHERE kind = 'send-refused'") == 1
    assert poll(config) == 0  # refused for good: never tried again
    assert len(smtp_sink.messages) == 2
    assert _count(db, "SELECT attempts FROM outbox WHERE recipient = 'gone@mof.gov.vn'") == 1
    capsys.readouterr()
    assert main(["--config", str(config), "digest"]) == 0
    digest = capsys.readouterr().out
    assert "gone@mof.gov.vn" in digest and "550" in digest


def _with_raw_header(raw: bytes, name: str, value: str) -> bytes:
    """The mail with a header written as raw UTF-8 (RFC 6532), as a mail client would; the
    standard library would encode it."""
    return f"{name}: {value}\r\n".encode() + raw


def _utf8_reply_to() -> bytes:
    return _with_raw_header(docx_mail(POISON, message_id="<b@mof.gov.vn>"), "Reply-To",
                            "Người nhận <người.nhận@mof.gov.vn>")


def test_a_non_ascii_reply_to_fails_alone_when_the_server_has_no_smtputf8(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    _three(mailbox, _utf8_reply_to())
    config = write_config(tmp_path, mailbox, smtp_sink)
    assert poll(config) == 0
    assert _in_reply_to(smtp_sink) == ["<a@moh.gov.vn>", "<c@mic.gov.vn>"]
    db = tmp_path
    assert _count(db, "SELECT count(*) FROM outbox WHERE failed_at IS NOT NULL") == 1
    [detail] = [r[0] for r in rows(db, "SELECT detail FROM events WHERE kind = 'send-refused'")]
    assert "smtputf8-missing" in detail  # a code; staff read it in words (labels)
    assert _count(db, "SELECT count(*) FROM events WHERE kind = 'smtp-unavailable'") == 0


@pytest.fixture
def utf8_sink() -> Iterator[SmtpSink]:
    with SmtpSink(SINK_USER, SINK_PASSWORD, smtputf8=True) as sink:
        yield sink


def test_a_non_ascii_reply_to_goes_over_smtputf8_when_offered(
        tmp_path: Path, mailbox: MailboxAccount, utf8_sink: SmtpSink) -> None:
    _three(mailbox, _utf8_reply_to())
    assert poll(write_config(tmp_path, mailbox, utf8_sink)) == 0
    assert len(utf8_sink.messages) == 3
    [utf8] = [m for m in utf8_sink.messages if not m.rcpt_tos[0].isascii()]
    assert utf8.rcpt_tos == ("người.nhận@mof.gov.vn",) and utf8.smtputf8
    reply = email.message_from_string(utf8.raw.decode("utf-8"), policy=email.policy.SMTPUTF8)
    assert reply["To"].addresses[0].addr_spec == "người.nhận@mof.gov.vn"
    assert reply["In-Reply-To"] == "<b@mof.gov.vn>"
    assert not any(m.smtputf8 for m in utf8_sink.messages if m.rcpt_tos[0].isascii())


def test_a_non_ascii_domain_goes_as_its_a_label(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    mailbox.append(_with_raw_header(docx_mail(POISON), "Reply-To", "vanthu@bộ-tài-chính.vn"))
    assert poll(write_config(tmp_path, mailbox, smtp_sink)) == 0
    [sent] = smtp_sink.messages
    assert sent.rcpt_tos == ("vanthu@xn--b-ti-chnh-s1a1mq349a.vn",) and not sent.smtputf8


def test_an_encoded_word_never_redirects_the_reply(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    trap = base64.b64encode(b"victim@elsewhere.example, ").decode()
    raw = docx_mail("x <vt@mof.gov.vn>").replace(
        b"From: x <vt@mof.gov.vn>", f"From: =?utf-8?b?{trap}?= <vt@mof.gov.vn>".encode())
    assert trap.encode() in raw
    mailbox.append(raw)
    assert poll(write_config(tmp_path, mailbox, smtp_sink)) == 0
    [sent] = smtp_sink.messages
    assert sent.rcpt_tos == ("vt@mof.gov.vn",)


def test_a_dropped_connection_is_opened_again(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    _three(mailbox, docx_mail("Văn thư <vt@mof.gov.vn>", message_id="<b@mof.gov.vn>"))
    smtp_sink.drop_after_each = True
    assert poll(write_config(tmp_path, mailbox, smtp_sink)) == 0
    assert _in_reply_to(smtp_sink) == ["<a@moh.gov.vn>", "<b@mof.gov.vn>", "<c@mic.gov.vn>"]
    assert smtp_sink.connections == 3
    assert rows(tmp_path, "SELECT kind, detail FROM events WHERE kind != 'agency-mismatch'"
                ) == []


def test_replies_follow_one_another_without_a_noop_each(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    """A connection with nothing waiting to be read is open: no NOOP's round trip per reply
    (20 ms each to a distant relay)."""
    _three(mailbox, docx_mail("Văn thư <vt@mof.gov.vn>", message_id="<b@mof.gov.vn>"))
    assert poll(write_config(tmp_path, mailbox, smtp_sink)) == 0
    assert len(smtp_sink.messages) == 3
    assert (smtp_sink.connections, smtp_sink.noops) == (1, 0)


def test_a_server_that_takes_one_mail_per_connection_gets_every_reply(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    """A server that answers the next MAIL FROM with 421 and hangs up (nothing of that mail
    went): the mail goes again at once on a new connection, not at the next run."""
    _three(mailbox, docx_mail("Văn thư <vt@mof.gov.vn>", message_id="<b@mof.gov.vn>"))
    smtp_sink.close_at_mail_after = 1
    assert poll(write_config(tmp_path, mailbox, smtp_sink)) == 0
    assert _in_reply_to(smtp_sink) == ["<a@moh.gov.vn>", "<b@mof.gov.vn>", "<c@mic.gov.vn>"]
    assert smtp_sink.connections == 3
    assert rows(tmp_path, "SELECT kind, detail FROM events WHERE kind != 'agency-mismatch'"
                ) == []


@pytest.mark.parametrize("sender_process_from", [CLAIM_BATCH, 1_000_000],
                         ids=["process", "thread"])
def test_on_a_backlog_replies_go_out_while_the_rest_is_decided(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        sender_process_from: int) -> None:
    """The first agencies of a backlog are answered while the cycle decides the others (a
    sender beside it: a process of its own on a long cycle, else a thread), not after the
    last mail: each reply once, nothing left queued or claimed."""
    count = 3 * CLAIM_BATCH
    for i in range(count):
        mailbox.append(docx_mail(f"Văn thư {i} <vt{i}@so{i}.gov.vn>",
                                 message_id=f"<m{i}@so{i}.gov.vn>"))
    assert poll(write_config(tmp_path, mailbox, smtp_sink,
                             limits={"sender_process_from": sender_process_from})) == 0
    sent = smtp_sink.messages
    assert sorted(m.rcpt_tos[0] for m in sent) == sorted(f"vt{i}@so{i}.gov.vn"
                                                         for i in range(count))
    [[last_kept]] = rows(tmp_path, "SELECT max(created_at) FROM messages")
    kept = last_kept if isinstance(last_kept, datetime) else datetime.fromisoformat(last_kept)
    kept = kept if kept.tzinfo else kept.replace(tzinfo=UTC)
    assert datetime.fromtimestamp(min(m.at for m in sent), UTC) < kept
    db = tmp_path
    assert _count(db, "SELECT count(*) FROM outbox WHERE sent_at IS NULL") == 0
    assert _count(db, "SELECT count(*) FROM outbox WHERE claimed_by IS NOT NULL") == 0
    # the mail's claims, given back a batch at a time, are all given back
    assert _count(db, "SELECT count(*) FROM message_claims") == 0
