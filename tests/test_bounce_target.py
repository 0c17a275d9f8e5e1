"""A bounce marks undelivered only the reply that bounced: not an earlier reply it merely
quotes (a resubmission's reply names the earlier reference), and not a reply to an address
the bounce does not name."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from bot.commands.cli import main
from bot.store.database import Store
from tests.pipeline_kit import BTC, BTC_FIXED, OURS, docx_mail, poll, received, write_config
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink
from tests.store_kit import store_url


def _text_bounce(reply: EmailMessage, recipient: str, *, dsn: bool) -> bytes:
    """A gateway's bounce that pastes the text of our reply (no header of ours, no
    Message-ID): with an RFC 3464 report naming the recipient, or in words only."""
    body = reply.get_body(("plain",))
    assert body is not None
    quoted = "\r\n".join("> " + line for line in body.get_content().splitlines())
    head = (f"From: Mail Delivery System <mailer-daemon@mx.mof.gov.vn>\r\nTo: {OURS}\r\n"
            "Subject: Delivery Status Notification (Failure)\r\n"
            "Message-ID: <dsn-text@mx.mof.gov.vn>\r\nMIME-Version: 1.0\r\n")
    words = f"Delivery to the following recipient failed permanently: {recipient}\r\n\r\n"
    if not dsn:
        return (head + "Content-Type: text/plain; charset=utf-8\r\n"
                "Content-Transfer-Encoding: 8bit\r\n\r\n" + words + quoted + "\r\n").encode()
    return (head + 'Content-Type: multipart/report; report-type=delivery-status; '
            'boundary="R"\r\n\r\n--R\r\nContent-Type: text/plain; charset=utf-8\r\n'
            "Content-Transfer-Encoding: 8bit\r\n\r\nThe mail could not be delivered.\r\n\r\n"
            + quoted + "\r\n--R\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx.mof.gov.vn\r\n\r\n"
            f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
            "\r\n--R--\r\n").encode()


@pytest.mark.parametrize(("second", "dsn"), [("vt.mix@mof.gov.vn", False),
                                             ("vt.mix@mof.gov.vn", True),
                                             ("vt.run@mof.gov.vn", False)])
def test_a_bounce_quoting_a_resubmission_reply_marks_that_reply_only(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        second: str, dsn: bool) -> None:
    first = "vt.run@mof.gov.vn"
    config = write_config(tmp_path, mailbox, smtp_sink)
    mailbox.append(docx_mail(f"Văn thư <{first}>", BTC, message_id="<one@mof.gov.vn>"))
    assert poll(config) == 0
    mailbox.append(docx_mail(f"Văn thư <{second}>", BTC_FIXED, message_id="<two@mof.gov.vn>"))
    assert poll(config) == 0
    one, two = received(smtp_sink)
    ref_one, ref_two = one["X-BCY-Intake-Reference"], two["X-BCY-Intake-Reference"]
    body = two.get_body(("plain",))
    assert body is not None and ref_one in body.get_content()  # the reply names the earlier
    mailbox.append(_text_bounce(two, second, dsn=dsn))
    assert poll(config) == 0
    store = Store.open(store_url(tmp_path))
    undelivered = {}
    for ref in (ref_one, ref_two):
        sub = store.submissions.by_reference(ref)
        item = store.outbox.latest_reply(sub) if sub else None
        assert item is not None
        undelivered[ref] = item.undelivered_at is not None
    assert undelivered == {ref_one: False, ref_two: True}
    events = [e.detail for e in store.events.find() if e.kind == "reply-undelivered"]
    assert len(events) == 1 and ref_two in events[0]


def test_a_bounce_for_another_address_marks_no_reply(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    """The bounce names a recipient none of the quoted replies went to: nothing is marked."""
    config = write_config(tmp_path, mailbox, smtp_sink)
    mailbox.append(docx_mail("Văn thư <vt.run@mof.gov.vn>", BTC, message_id="<one@mof.gov.vn>"))
    assert poll(config) == 0
    [reply] = received(smtp_sink)
    mailbox.append(_text_bounce(reply, "someone.else@mof.gov.vn", dsn=True))
    assert poll(config) == 0
    store = Store.open(store_url(tmp_path))
    item = store.outbox.latest_reply(
        store.submissions.by_reference(reply["X-BCY-Intake-Reference"]))  # type: ignore[arg-type]
    assert item is not None and item.undelivered_at is None


def test_staff_read_the_bounced_reply_subject_decoded(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Our reply's subject is Vietnamese, so written as encoded words over folded lines: the
    digest's block of bounced replies shows it as the agency read it."""
    config = write_config(tmp_path, mailbox, smtp_sink)
    subject = "Đề xuất nhu cầu chứng thư số năm 2021 của Bộ Tài chính (bản chính thức, đã ký)"
    mailbox.append(docx_mail("Văn thư <vt.run@mof.gov.vn>", BTC, subject=subject))
    assert poll(config) == 0
    [reply] = received(smtp_sink)
    assert "=?utf-8?" in smtp_sink.messages[0].raw.decode("ascii").split("\r\n\r\n")[0]
    mailbox.append(_text_bounce(reply, "vt.run@mof.gov.vn", dsn=True))
    assert poll(config) == 0
    capsys.readouterr()
    assert main(["--config", str(config), "digest"]) == 0
    block = capsys.readouterr().out.split("Thư trả lời không đến được cơ quan", 1)[1]
    block = block.split("\n\n", 1)[0]
    assert str(reply["Subject"]) in " ".join(block.split()) and "=?" not in block
