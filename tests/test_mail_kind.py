"""Automatic / submission / other (bot.mail.classify)."""

from __future__ import annotations

import io
from email.message import EmailMessage
from pathlib import Path

import docx
import openpyxl
import pytest

from bot.mail.classify import (
    RULES,
    Classification,
    classify,
    mentions_campaign,
    strip_reply_prefixes,
)
from bot.mail.mime_parts import find_attachments, parse_message
from parsers.spec.campaign import Campaign, default_campaign

CORPUS = Path("/work/shared/corpus/eml-imap-tools")
OWN = {"CA@bcy.gov.vn", "noreply-intake@bcy.gov.vn"}
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600
PDF = b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 20
# Expected: the bounces, a list mail and a bulk mail of the corpus.
CORPUS_AUTOMATIC = {
    "error_emails_bad_date_header.eml": "precedence-bulk",
    "error_emails_empty_in_reply_to.eml": "list-header",
    "mime_emails_raw_email_with_mimepart_without_content_type.eml": "auto-submitted",
    "multipart_report_emails_multi_address_bounce1.eml": "auto-submitted",
    "multipart_report_emails_multi_address_bounce2.eml": "auto-submitted",
    "multipart_report_emails_multipart_report_multiple_status.eml": "null-return-path",
    "multipart_report_emails_report_422.eml": "auto-submitted",
    "multipart_report_emails_report_530.eml": "auto-submitted",
    # machines by their addresses: a newsletter's bounces@ return path, a list's owner-, two
    # no-reply senders (bot/mail/automatic.toml)
    "error_emails_bad_date_header2.eml": "mailer-daemon",
    "error_emails_content_transfer_encoding_x_uuencode.eml": "mailer-daemon",
    "error_emails_encoding_madness.eml": "mailer-daemon",
    "plain_emails_raw_email_trailing_dot.eml": "mailer-daemon",
}


@pytest.fixture(scope="module")
def campaign() -> Campaign:
    return default_campaign()


@pytest.fixture(scope="module")
def docx_bytes() -> bytes:
    out = io.BytesIO()
    docx.Document().save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def xlsx_bytes() -> bytes:
    out = io.BytesIO()
    openpyxl.Workbook().save(out)
    return out.getvalue()


def mail(
    subject: str = "Gửi văn bản",
    body: str = "Kính gửi Ban Cơ yếu Chính phủ.",
    sender: str = "Văn thư <van.thu@stc.example.gov.vn>",
    **headers: str,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "ca@bcy.gov.vn"
    msg["Subject"] = subject
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


def attach(msg: EmailMessage, data: bytes, filename: str | None = "tep") -> EmailMessage:
    msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=filename)
    return msg


def kind_of(msg: EmailMessage, campaign: Campaign) -> Classification:
    return classify(parse_message(msg.as_bytes()), campaign, OWN)


# --- automatic ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, "auto-submitted"),
        ({"Auto-Submitted": "auto-generated; owner-email=x@y"}, "auto-submitted"),
        ({"Precedence": "bulk"}, "precedence-bulk"),
        ({"Precedence": "Junk"}, "precedence-bulk"),
        ({"Precedence": "list"}, "precedence-bulk"),
        ({"Precedence": "auto_reply"}, "precedence-bulk"),
        ({"List-Id": "<cts.lists.example>"}, "list-header"),
        ({"List-Unsubscribe": "<mailto:leave@example>"}, "list-header"),
        ({"X-Autoreply": "yes"}, "x-autoreply"),
        ({"X-Autorespond": "yes"}, "x-autoreply"),
        ({"X-Auto-Response-Suppress": "All"}, "x-autoreply"),
        ({"Return-Path": "<>"}, "null-return-path"),
        ({"X-BCY-Intake": "BCY-CTS-2021-0001"}, "loop-header"),
    ],
)
def test_automatic_headers(
    campaign: Campaign, docx_bytes: bytes, headers: dict[str, str], reason: str
) -> None:
    msg = attach(mail("Đề xuất nhu cầu cấp mới chứng thư số"), docx_bytes)
    for name, value in headers.items():
        msg[name] = value
    assert kind_of(msg, campaign) == Classification("automatic", reason)


@pytest.mark.parametrize(
    ("sender", "reason"),
    [
        ("Mail Delivery System <MAILER-DAEMON@mx.example.vn>", "mailer-daemon"),
        ("postmaster@example.gov.vn", "mailer-daemon"),
        ("Ban Cơ yếu <ca@BCY.gov.vn>", "own-address"),
        ("noreply-intake@bcy.gov.vn", "own-address"),
    ],
)
def test_automatic_senders(campaign: Campaign, sender: str, reason: str) -> None:
    msg = mail("TL: Đề xuất nhu cầu cấp mới chứng thư số", sender=sender)
    assert kind_of(msg, campaign) == Classification("automatic", reason)


def test_auto_submitted_no_is_a_person(campaign: Campaign, docx_bytes: bytes) -> None:
    msg = attach(mail(Auto_Submitted="no"), docx_bytes)
    assert kind_of(msg, campaign) == Classification("submission", "form-attachment")


def test_bounce_report_is_automatic(campaign: Campaign) -> None:
    raw = (
        b"From: Mail System <bounces@mx.example>\r\nSubject: Undelivered\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="R"\r\n\r\n'
        b"--R\r\nContent-Type: text/plain\r\n\r\nde xuat nhu cau\r\n"
        b"--R\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        b"Final-Recipient: rfc822; a@b\r\nAction: failed\r\n--R--\r\n"
    )
    assert classify(parse_message(raw), campaign, OWN).reason == "delivery-status"


def test_read_receipt_inside_mixed_is_automatic(campaign: Campaign) -> None:
    msg = mail("Đã đọc: Đề xuất nhu cầu")
    msg.add_attachment(
        b"Reporting-UA: x\r\n", maintype="message", subtype="disposition-notification"
    )
    assert kind_of(msg, campaign) == Classification("automatic", "delivery-status")


# --- submissions ----------------------------------------------------------------------------


def test_docx_from_a_person_is_a_candidate(campaign: Campaign, docx_bytes: bytes) -> None:
    msg = attach(mail("Gửi văn bản", "Xin gửi."), docx_bytes, filename=None)
    assert kind_of(msg, campaign) == Classification("submission", "form-attachment")
    assert not mentions_campaign(parse_message(msg.as_bytes()), campaign)


def test_xlsx_with_misleading_name_is_a_candidate(campaign: Campaign, xlsx_bytes: bytes) -> None:
    msg = attach(mail(), xlsx_bytes, filename="scan.pdf")
    assert kind_of(msg, campaign) == Classification("submission", "form-attachment")


def test_docx_in_forwarded_mail(campaign: Campaign, docx_bytes: bytes) -> None:
    outer = mail("Fwd: văn bản")
    outer.add_attachment(attach(mail(), docx_bytes, "bang.docx"))
    assert kind_of(outer, campaign) == Classification("submission", "form-attachment")


@pytest.mark.parametrize(
    "subject",
    [
        "Đề xuất nhu cầu cấp mới chứng thư số giai đoạn 2021-2025",
        "Fwd: TL: RE: V/v ĐỀ XUẤT NHU CẦU cấp mới CTS",
        "Trả lời: Chuyển tiếp: de xuat nhu cau cap moi chung thu so",
        "Gửi mẫu đăng ký theo công văn 56/BCY-CTSBMTT",
        "Chứng thư số giai đoạn 2021 - 2025",
    ],
)
def test_keyword_in_subject_without_attachment(campaign: Campaign, subject: str) -> None:
    assert kind_of(mail(subject), campaign) == Classification("submission", "keyword-subject")


def test_keyword_with_pdf_only(campaign: Campaign) -> None:
    msg = attach(mail("Văn bản", "Gửi kèm đề xuất nhu cầu (bản scan)."), PDF, "scan.pdf")
    assert kind_of(msg, campaign) == Classification("submission", "keyword-body")


def test_keyword_in_file_name_of_legacy_doc(campaign: Campaign) -> None:
    msg = attach(mail("Văn bản", "Xin gửi."), OLE, "MauDangKy_SoTaiChinh.doc")
    assert kind_of(msg, campaign) == Classification("submission", "keyword-filename")


def test_keyword_in_underscored_file_name(campaign: Campaign) -> None:
    msg = attach(mail("Văn bản", "Xin gửi."), OLE, "de_xuat_nhu_cau_2021.xls")
    assert kind_of(msg, campaign) == Classification("submission", "keyword-filename")


def test_encrypted_ooxml_with_keyword(campaign: Campaign) -> None:
    encrypted = OLE + "EncryptedPackage".encode("utf-16-le")
    msg = attach(mail("Nhu cầu cấp mới chứng thư số"), encrypted, "dexuat.docx")
    assert find_attachments(parse_message(msg.as_bytes()))[0].kind == "ole-encrypted-ooxml"
    assert kind_of(msg, campaign) == Classification("submission", "keyword-subject")


# --- other ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        (
            "Hỏi về gia hạn chứng thư số",
            "Chứng thư số của đơn vị sắp hết hạn, xin hướng dẫn gia hạn.",
        ),
        ("CHUNG THU SO bi loi", "Token USB không nhận chứng thư số."),
        ("Báo cáo", "Số liệu năm 12021-20250 không liên quan."),
        ("Mẫu", "Đăng ký tài khoản; nhu cầu hỗ trợ kỹ thuật"),
    ],
)
def test_topic_words_alone_are_other(campaign: Campaign, subject: str, body: str) -> None:
    assert kind_of(mail(subject, body), campaign) == Classification("other", "no-match")


def test_pdf_or_legacy_doc_without_keyword_is_other(campaign: Campaign) -> None:
    msg = attach(attach(mail("Công văn", "Gửi công văn."), PDF, "cv.pdf"), OLE, "cv.doc")
    assert kind_of(msg, campaign) == Classification("other", "no-match")


def test_inline_picture_is_not_a_form(campaign: Campaign) -> None:
    msg = mail()
    msg.add_related(PNG, maintype="image", subtype="png", cid="<logo@x>")
    assert kind_of(msg, campaign) == Classification("other", "no-match")


def test_quoted_campaign_text_does_not_count(campaign: Campaign) -> None:
    body = "Cảm ơn.\n\n> Đề xuất nhu cầu cấp mới chứng thư số giai đoạn 2021-2025\n> đã nhận"
    assert kind_of(mail("Cảm ơn", body), campaign) == Classification("other", "no-match")


# --- pieces ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("subject", "core"),
    [
        ("Fwd: TL: RE: Đề xuất", "Đề xuất"),
        ("Trả lời: Chuyển tiếp: Đề xuất", "Đề xuất"),
        ("TRẢ LỜI : FW: [EXT] Re[2]: x", "x"),
        ("[EXT] Re: x", "x"),
        ("Reply about x", "Reply about x"),
        ("Trả lời câu hỏi", "Trả lời câu hỏi"),
    ],
)
def test_strip_reply_prefixes(subject: str, core: str) -> None:
    assert strip_reply_prefixes(subject) == core


def test_mentions_campaign(campaign: Campaign) -> None:
    assert mentions_campaign(
        parse_message(mail("x", "theo Công văn 86/BCY-CTSBMTT").as_bytes()), campaign
    )
    assert not mentions_campaign(parse_message(mail("x", "chứng thư số").as_bytes()), campaign)


def test_caller_may_pass_attachments(campaign: Campaign, docx_bytes: bytes) -> None:
    msg = parse_message(attach(mail(), docx_bytes).as_bytes())
    assert classify(msg, campaign, OWN, attachments=[]) == Classification("other", "no-match")
    assert classify(msg, campaign, OWN, attachments=find_attachments(msg)).kind == "submission"


def test_rule_table_shape() -> None:
    reasons = [r.reason for r in RULES]
    assert len(reasons) == len(set(reasons))
    kinds = [r.kind for r in RULES]
    assert kinds == sorted(kinds)  # every automatic rule comes before any submission rule


def test_corpus_has_no_submission(campaign: Campaign) -> None:
    automatic = {}
    for path in sorted(CORPUS.glob("*.eml")):
        result = classify(parse_message(path.read_bytes()), campaign, OWN)
        assert result.kind != "submission", (path.name, result)
        if result.kind == "automatic":
            automatic[path.name] = result.reason
    assert len(list(CORPUS.glob("*.eml"))) == 113
    assert automatic == CORPUS_AUTOMATIC
