"""End to end against a real Dovecot INBOX, a real SMTP listener and a real SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.store.database import Store
from tests.pipeline_kit import (
    BTC_BROKEN,
    BTC_FIXED,
    OURS,
    SUBJECT,
    bounce,
    docx_mail,
    outlook_nameless_xlsx,
    pdf_only,
    plain,
    poll,
    received,
    write_config,
)
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink
from tests.store_kit import store_url

AGENCY = "Văn thư <vanthu@mof.gov.vn>"


def _store(tmp_path: Path) -> Store:
    return Store.open(store_url(tmp_path))


def test_valid_docx_gets_one_acknowledgement_and_is_filed(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    mailbox.append(docx_mail(AGENCY, message_id="<sub-1@mof.gov.vn>"))
    config = write_config(tmp_path, mailbox, smtp_sink)
    assert poll(config) == 0
    [reply] = received(smtp_sink)
    assert reply["To"] == "vanthu@mof.gov.vn"
    assert reply["X-BCY-Intake-Verdict"] == "accepted"
    reference = reply["X-BCY-Intake-Reference"]
    assert reference == "BCY-CTS-2021-0001"
    assert reply["Subject"] == f"Re: {SUBJECT} [{reference}]"
    assert reply["In-Reply-To"] == "<sub-1@mof.gov.vn>"
    assert "<sub-1@mof.gov.vn>" in reply["References"]
    assert reply["Auto-Submitted"] == "auto-replied"
    text = reply.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert reference in text and "1.000" in text and "Bộ Tài chính" in text
    assert mailbox.list("INBOX") == []
    assert len(mailbox.list("BCY-Intake/Processed")) == 1
    [sub] = _store(tmp_path).submissions.latest_valid()
    assert sub.agency_key == "bo-tai-chinh"
    assert sub.quantities["organization_usb_token"] == {
        "2021": 120, "2022": 80, "2023": 0, "2024": 0, "2025": 0}
    assert sub.quantities["personal_sim_pki"]["2023"] == 1000
    # a second cycle finds nothing new and sends nothing
    assert poll(config) == 0
    assert len(smtp_sink.messages) == 1


def test_mail_that_is_not_ours_is_left_unseen_and_unanswered(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    mailbox.append(plain("Nguyễn Văn An <an@hanoi.gov.vn>", "Hỏi về gia hạn chứng thư số",
                         "Chứng thư số của tôi sắp hết hạn, xin hỏi thủ tục gia hạn?"))
    mailbox.append(plain("Trần Bình <binh@mic.gov.vn>", "Trả lời tự động: vắng mặt",
                         headers={"Auto-Submitted": "auto-replied"}))
    mailbox.append(plain("Danh sách <news@list.example.vn>", "Bản tin mẫu đăng ký",
                         headers={"List-Id": "<news.list.example.vn>"}))
    mailbox.append(plain(f"Ban Cơ yếu <{OURS}>", SUBJECT))
    mailbox.append(bounce())
    config = write_config(tmp_path, mailbox, smtp_sink)
    assert poll(config) == 0
    assert poll(config) == 0
    assert smtp_sink.messages == []
    inbox = mailbox.list("INBOX")
    assert len(inbox) == 5
    assert all("\\Seen" not in m.flags for m in inbox)


def test_nameless_octet_stream_xlsx_is_found(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    mailbox.append(outlook_nameless_xlsx("Sở TT&TT <stttt@bacninh.gov.vn>"))
    assert poll(write_config(tmp_path, mailbox, smtp_sink)) == 0
    [reply] = received(smtp_sink)
    assert reply["X-BCY-Intake-Verdict"] == "accepted"
    assert reply["To"] == "stttt@bacninh.gov.vn"


def test_errors_get_a_correction_request_with_the_blank_form(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    mailbox.append(docx_mail(AGENCY, BTC_BROKEN))
    assert poll(write_config(tmp_path, mailbox, smtp_sink)) == 0
    [reply] = received(smtp_sink)
    assert reply["X-BCY-Intake-Verdict"] == "needs_correction"
    text = reply.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "mười" in text and "bảng 2, dòng 3, cột 2021" in text
    names = [a.get_filename() for a in reply.iter_attachments()]
    # the agency's own file, its wrong cell marked (tests/test_marked_pipeline.py), and the form
    assert names == ["mau-dang-ky-can-sua.docx", "mau-dang-ky-cts-2021-2025.docx"]


@pytest.mark.parametrize("raw", [
    plain("Văn thư <vt@moh.gov.vn>", SUBJECT, "Gửi Ban Cơ yếu mẫu đăng ký."),
    pdf_only("Văn thư <vt@moh.gov.vn>"),
], ids=["forgotten-attachment", "pdf-only"])
def test_submission_without_a_readable_form_is_told_what_to_send(
        raw: bytes, tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    mailbox.append(raw)
    assert poll(write_config(tmp_path, mailbox, smtp_sink)) == 0
    [reply] = received(smtp_sink)
    assert reply["X-BCY-Intake-Verdict"] == "unreadable"
    assert reply["To"] == "vt@moh.gov.vn"
    assert [a.get_filename() for a in reply.iter_attachments()] == [
        "mau-dang-ky-cts-2021-2025.docx"]


def test_duplicate_delivery_gets_one_reply(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    raw = docx_mail(AGENCY, message_id="<dup@mof.gov.vn>")
    mailbox.append(raw)
    mailbox.append(raw)
    config = write_config(tmp_path, mailbox, smtp_sink)
    assert poll(config) == 0
    assert poll(config) == 0
    assert len(smtp_sink.messages) == 1
    assert mailbox.list("INBOX") == []


def test_reply_goes_to_reply_to(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    mailbox.append(docx_mail(AGENCY, headers={"Reply-To": "cntt@mof.gov.vn"}))
    assert poll(write_config(tmp_path, mailbox, smtp_sink)) == 0
    [message] = smtp_sink.messages
    assert list(message.rcpt_tos) == ["cntt@mof.gov.vn"]


def test_corrected_resubmission_replaces_the_numbers(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    config = write_config(tmp_path, mailbox, smtp_sink)
    mailbox.append(docx_mail(AGENCY, BTC_BROKEN))
    assert poll(config) == 0
    mailbox.append(docx_mail(AGENCY))
    mailbox.append(docx_mail(AGENCY, BTC_FIXED, subject=f"Re: {SUBJECT}"))
    assert poll(config) == 0
    verdicts = [m["X-BCY-Intake-Verdict"] for m in received(smtp_sink)]
    assert verdicts == ["needs_correction", "accepted", "accepted"]
    [latest] = _store(tmp_path).submissions.latest_valid()
    assert latest.document_number == "230/BTC-THTK"
    assert latest.quantities["organization_usb_token"]["2021"] == 125


def test_smtp_outage_delays_the_reply_and_never_doubles_it(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    config = write_config(tmp_path, mailbox, smtp_sink)
    mailbox.append(docx_mail(AGENCY))
    smtp_sink.refusing = True
    assert poll(config) == 0
    assert smtp_sink.messages == []
    assert mailbox.list("INBOX") == []  # the outcome and the reply are stored: filed already
    smtp_sink.refusing = False
    assert poll(config) == 0
    assert poll(config) == 0
    assert len(smtp_sink.messages) == 1


def test_unreachable_imap_is_a_nonzero_exit(tmp_path: Path, mailbox: MailboxAccount,
                                            smtp_sink: SmtpSink) -> None:
    config = write_config(tmp_path, mailbox, smtp_sink)
    text = config.read_text().replace(f"port = {mailbox.port}", "port = 1")
    config.write_text(text)
    assert poll(config) != 0


def test_replies_to_one_sender_stop_at_the_daily_cap(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    config = write_config(tmp_path, mailbox, smtp_sink,
                          limits={"replies_per_sender_per_day": 2})
    for n in range(3):
        mailbox.append(docx_mail(AGENCY, message_id=f"<cap-{n}@mof.gov.vn>"))
    assert poll(config) == 0
    assert [m["In-Reply-To"] for m in received(smtp_sink)] == [
        "<cap-0@mof.gov.vn>", "<cap-1@mof.gov.vn>"]
    assert len(_store(tmp_path).submissions.find()) == 3  # recorded all the same
    assert mailbox.list("INBOX") == []


def test_a_copy_of_each_reply_goes_to_the_sent_folder_when_asked(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    config = write_config(tmp_path, mailbox, smtp_sink, smtp={"append_to_sent": True})
    mailbox.append(docx_mail(AGENCY, message_id="<sent-copy@mof.gov.vn>"))
    assert poll(config) == 0
    [copy] = mailbox.list("Sent")
    assert b"In-Reply-To: <sent-copy@mof.gov.vn>" in copy.raw
    assert "\\Seen" in copy.flags
