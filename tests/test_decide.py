"""Deciding from a mail alone (no server): which mail is a submission and which is for people."""

from __future__ import annotations

import io

import openpyxl

from bot.intake.decide import decide
from bot.mail.mime_parts import parse_message
from demo.forms import fill_docx
from demo.sample_mail import DOCX_TYPE, XLSX_TYPE, build_mail
from parsers.spec.campaign import default_campaign
from tests.pipeline_kit import BTC, OURS

CAMPAIGN = default_campaign()
SENDER = "Văn thư <vt@mof.gov.vn>"


def _usage_report() -> bytes:
    """A usage report: certificate types by year, but not the demand form."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["BÁO CÁO TÌNH HÌNH SỬ DỤNG CHỮ KÝ SỐ"])
    ws.append(["TT", "Loại", "2020", "2021", "Ghi chú"])
    ws.append([1, "USB Token", 120, 130, ""])
    ws.append([2, "SIM PKI", 10, 12, ""])
    ws.append([3, "SD Secure", 0, 3, ""])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _decide(subject: str, body: str, attachments: list[tuple[str, bytes, str]]) -> str:
    raw = build_mail(sender=SENDER, to=OURS, subject=subject, body=body,
                     attachments=attachments)
    return decide(parse_message(raw), CAMPAIGN, {OURS}, 10_000_000).kind


def test_a_usage_report_with_a_typed_table_is_left_for_people() -> None:
    report = [("bao-cao.xlsx", _usage_report(), XLSX_TYPE)]
    assert _decide("Báo cáo tình hình sử dụng chữ ký số năm 2021", "Kính gửi.", report) == "other"


def test_the_same_table_sent_for_the_campaign_is_a_submission() -> None:
    report = [("bao-cao.xlsx", _usage_report(), XLSX_TYPE)]
    assert _decide("Đề xuất nhu cầu chứng thư số", "Kính gửi.", report) == "submission"


def test_a_form_that_names_the_campaign_is_a_submission_whatever_the_mail_says() -> None:
    form = [("BTC.docx", fill_docx(CAMPAIGN, BTC), DOCX_TYPE)]
    assert _decide("Gửi Ban Cơ yếu", "Xin gửi kèm.", form) == "submission"


def test_thanks_in_reply_to_our_acknowledgement_is_for_people() -> None:
    quoted = ("Cảm ơn Quý Ban.\n\nFrom: ca@bcy.gov.vn\nMẫu đăng ký đề xuất nhu cầu cấp mới "
              "chứng thư số giai đoạn 2021-2025 của Quý cơ quan đã được tiếp nhận.")
    assert _decide("Re: Gửi mẫu đăng ký [BCY-CTS-2021-0007]", quoted, []) == "other"


def test_a_corrected_form_in_reply_to_our_request_is_a_submission() -> None:
    form = [("BTC-sua.docx", fill_docx(CAMPAIGN, BTC), DOCX_TYPE)]
    assert _decide("Re: Gửi mẫu đăng ký [BCY-CTS-2021-0007]", "Gửi lại.", form) == "submission"


def test_a_forgotten_attachment_is_a_submission_to_answer() -> None:
    assert _decide("Gửi mẫu đăng ký đề xuất nhu cầu", "Xin gửi kèm mẫu.", []) == "submission"


def test_a_photo_of_the_form_is_named_as_a_photo_in_the_reply() -> None:
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
    raw = build_mail(sender=SENDER, to=OURS, subject="Gửi mẫu đăng ký", body="Ảnh chụp mẫu.",
                     attachments=[("IMG_0001.jpg", jpeg, "image/jpeg")])
    decision = decide(parse_message(raw), CAMPAIGN, {OURS}, 10_000_000)
    assert decision.kind == "submission" and decision.report is not None
    assert [(f.code, f.params.get("kind")) for f in decision.report.findings] == [
        ("file-type-unsupported", "image")]
