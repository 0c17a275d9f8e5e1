"""A correction request carries the agency's own file back, marked, next to the blank form:
through a real Dovecot INBOX and a real SMTP listener, for a Word file, a nameless workbook and
a workbook inside a zip (which cannot be marked: the reply says so)."""

from __future__ import annotations

import io
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path

import docx
from docx.oxml.ns import qn
from openpyxl import load_workbook

from bot.intake.extras import marked_file
from demo.forms import fill_xlsx
from demo.sample_mail import build_mail
from parsers.form.parse import read_form
from replies.annotate.marks import ERROR_FILL
from tests.archive_kit import zip_of
from tests.pipeline_kit import (
    BTC,
    BTC_BROKEN,
    CAMPAIGN,
    OURS,
    SUBJECT,
    docx_mail,
    outlook_nameless_xlsx,
    poll,
    received,
    write_config,
)
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink

SENDER = "Văn thư <vanthu@mof.gov.vn>"
GOLDEN = Path(__file__).resolve().parent / "golden"


def _attachments(reply: EmailMessage) -> dict[str, bytes]:
    return {str(part.get_filename()): part.get_content() for part in reply.iter_attachments()}


def _text(reply: EmailMessage) -> str:
    body = reply.get_body(("plain",))
    assert body is not None
    return " ".join(body.get_content().split())


def test_the_agencys_own_file_comes_back_marked(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    config = write_config(tmp_path, mailbox, smtp_sink)
    mailbox.append(docx_mail(SENDER, BTC_BROKEN, message_id="<word@mof.gov.vn>"))
    nameless = outlook_nameless_xlsx(SENDER, BTC_BROKEN)
    mailbox.append(nameless)
    mailbox.append(build_mail(
        sender=SENDER, to=OURS, subject=SUBJECT, body="Gửi hồ sơ.", message_id="<zip@mof.gov.vn>",
        attachments=[("ho-so.zip", zip_of({"mau.xlsx": fill_xlsx(CAMPAIGN, BTC_BROKEN)}),
                      "application/zip")]))
    mailbox.append(docx_mail(SENDER, BTC, message_id="<fine@mof.gov.vn>"))
    assert poll(config) == 0
    replies = {str(m["In-Reply-To"]).strip(): m for m in received(smtp_sink)}

    word = replies["<word@mof.gov.vn>"]
    assert word["X-BCY-Intake-Verdict"] == "needs_correction"
    files = _attachments(word)
    assert list(files) == ["mau-dang-ky-can-sua.docx", "mau-dang-ky-cts-2021-2025.docx"]
    assert "Tệp mau-dang-ky.docx của Quý cơ quan được gửi lại kèm theo thư này (tệp " \
        "mau-dang-ky-can-sua.docx)" in _text(word)
    document = docx.Document(io.BytesIO(files["mau-dang-ky-can-sua.docx"]))
    shaded = [tc for tc in document.element.body.iter(qn("w:tc"))
              if (shd := tc.find(f"{qn('w:tcPr')}/{qn('w:shd')}")) is not None
              and shd.get(qn("w:fill")) == ERROR_FILL]
    assert ["".join(t.text or "" for t in tc.iter(qn("w:t"))) for tc in shaded] == ["mười"]
    assert any("mười" in p.text and p.runs[0].italic for p in document.paragraphs)

    sheet = next(m for k, m in replies.items() if "nameless" in k)
    files = _attachments(sheet)
    assert list(files) == ["tep-dinh-kem-1-can-sua.xlsx", "mau-dang-ky-cts-2021-2025.xlsx"]
    wb = load_workbook(io.BytesIO(files["tep-dinh-kem-1-can-sua.xlsx"]))
    commented = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.comment]
    assert [c.value for c in commented] == ["mười"]
    assert commented[0].fill.fgColor.rgb.endswith(ERROR_FILL)
    assert "mười" in commented[0].comment.text

    archived = replies["<zip@mof.gov.vn>"]
    assert list(_attachments(archived)) == ["mau-dang-ky-cts-2021-2025.xlsx"]
    assert "Định dạng của tệp ho-so.zip/mau.xlsx không cho phép hệ thống đánh dấu trực tiếp" \
        in _text(archived)
    fine = replies["<fine@mof.gov.vn>"]
    assert list(_attachments(fine)) == [] and "can-sua" not in _text(fine)


def test_old_and_open_formats_are_not_marked() -> None:
    report = read_form((GOLDEN / "template-cell-errors.xlsx").read_bytes(), "mau.xlsx",
                       CAMPAIGN)
    msg = EmailMessage()
    msg["From"] = SENDER
    for kind, name in (("ods", "mau.ods"), ("xls", "mau.xls"), ("odt", "mau.odt")):
        assert marked_file(msg, replace(report, kind=kind, file=name)).unmarkable == name
    accepted = replace(report, verdict="accepted")
    assert marked_file(msg, accepted).marked is None
