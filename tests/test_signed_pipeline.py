"""Signed cover letters end to end: forms sent from a free-mail address with a công văn signed
under a test PKI, through a real Dovecot INBOX and a real SMTP listener; then the standing of
each, and the signature facts in `submissions show`, the digest, the workbook and the console's
page of the submission (the real `bcy-intake web` process)."""

from __future__ import annotations

import email
import email.policy
import html
import io
import re
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from bot.commands.cli import main
from bot.intake.service import open_service
from bot.staff.digest.mail import compose_digest
from bot.staff.digest.period import digest_period
from bot.staff.digest.report import build_digest
from demo import signing as kit
from demo.forms import Filling, fill_docx
from demo.loopback import free_port
from demo.sample_mail import DOCX_TYPE, build_mail
from tests.archive_kit import zip_of
from tests.pipeline_kit import BTC, BTC_FIXED, CAMPAIGN, OURS, SUBJECT, poll, received, write_config
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink
from tests.web_kit import PASSWORD, STAFF, Console, cli

CLERK = "Văn thư Bộ Tài chính <vanthu.btc@gmail.com>"  # free mail: trusted by nothing else
PDF = "application/pdf"


def _mail(message_id: str, *attachments: tuple[str, bytes, str], filling: Filling = BTC
          ) -> bytes:
    form = ("mau-dang-ky.docx", fill_docx(CAMPAIGN, filling), DOCX_TYPE)
    return build_mail(sender=CLERK, to=OURS, subject=SUBJECT, body="Kính gửi Ban Cơ yếu.",
                      attachments=[form, *attachments], message_id=message_id)


def _with_roots(tmp_path: Path, config: Path) -> None:
    (tmp_path / "roots").mkdir()
    (tmp_path / "roots" / "rootca-g2.pem").write_bytes(kit.test_pki().root.pem)
    config.write_text(config.read_text(encoding="utf-8")
                      + '\n[trust]\nsignature_roots = ["roots/rootca-g2.pem"]\n',
                      encoding="utf-8")


def _digest_html(config: Path) -> str:
    """The HTML part of the digest as it would be mailed now."""
    service = open_service(str(config))
    try:
        now = datetime.now(UTC)
        period = digest_period(service.store, ZoneInfo(service.cfg.digest.timezone), now)
        msg = email.message_from_bytes(  # as it goes on the wire
            compose_digest(build_digest(service, period, now), service).as_bytes(),
            policy=email.policy.default)
    finally:
        service.store.close()
    part = msg.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def _run(capsys: pytest.CaptureFixture[str], config: Path, *argv: str) -> str:
    capsys.readouterr()
    assert main(["--config", str(config), *argv]) == 0
    return capsys.readouterr().out


def _text(reply: EmailMessage) -> str:
    body = reply.get_body(("plain",))
    assert body is not None
    return " ".join(body.get_content().split())


def test_a_trusted_signature_naming_the_agency_makes_the_sender_trusted(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path, mailbox, smtp_sink)
    _with_roots(tmp_path, config)
    mails = {
        "<signed@gmail.com>": _mail("<signed@gmail.com>",
                                    ("cong-van.pdf", kit.signed_once(), PDF)),
        "<twice@gmail.com>": build_mail(
            sender=CLERK, to=OURS, subject=SUBJECT, body="Gửi hồ sơ.",
            message_id="<twice@gmail.com>",
            attachments=[("ho-so.zip", zip_of({"mau-dang-ky.docx": fill_docx(CAMPAIGN, BTC),
                                               "cong-van.pdf": kit.signed_twice()}),
                          "application/zip")]),
        "<modified@gmail.com>": _mail("<modified@gmail.com>",
                                      ("cong-van.pdf", kit.signed_then_modified(), PDF)),
        "<stranger@gmail.com>": _mail("<stranger@gmail.com>",
                                      ("cong-van.pdf", kit.signed_by_stranger(), PDF)),
        "<other@gmail.com>": _mail("<other@gmail.com>",
                                   ("cong-van.pdf", kit.signed_by_other_agency(), PDF)),
        "<unsigned@gmail.com>": _mail("<unsigned@gmail.com>", ("cong-van.pdf", kit.letter(), PDF)),
    }
    for raw in mails.values():
        mailbox.append(raw)
    assert poll(config) == 0

    replies = {str(m["In-Reply-To"]).strip(): m for m in received(smtp_sink)}
    assert set(replies) == set(mails)
    standing = {k: str(m["X-BCY-Intake-Standing"]) for k, m in replies.items()}
    assert standing == {
        "<signed@gmail.com>": "counted", "<twice@gmail.com>": "counted",
        "<modified@gmail.com>": "awaiting-confirmation",
        "<stranger@gmail.com>": "awaiting-confirmation",
        "<other@gmail.com>": "awaiting-confirmation",
        "<unsigned@gmail.com>": "awaiting-confirmation"}
    signed_reply = _text(replies["<signed@gmail.com>"])
    assert "Công văn điện tử có chữ ký số gửi kèm (cong-van.pdf) đã được lưu cùng hồ sơ" \
        in signed_reply
    assert "không phải Mẫu đăng ký" not in signed_reply  # the letter is no "other file"
    assert "không phải Mẫu đăng ký" in _text(replies["<unsigned@gmail.com>"])
    refs = {k: str(m["X-BCY-Intake-Reference"]) for k, m in replies.items()}

    shown = _run(capsys, config, "submissions", "show", refs["<signed@gmail.com>"])
    assert "Tình trạng:          Được tính (chữ ký số của cơ quan)" in shown
    assert "Công văn ký số kèm theo (1 chữ ký; kiểm tra ngoại tuyến, chưa kiểm tra thu hồi" \
        in shown
    assert "CN=CỤC THUẾ, O=BỘ TÀI CHÍNH, L=Hà Nội, C=VN" in shown
    assert "CA phục vụ các cơ quan Nhà nước G2 (test)" in shown
    assert format(kit.test_pki().tax_office.cert.serial_number, "X") in shown
    assert "dấu thời gian: 10/05/2021 10:04" in shown  # 03:04:05 UTC, in Hà Nội
    assert "tài liệu nguyên vẹn từ khi ký; chứng thư số tin cậy (chưa kiểm tra thu hồi)" \
        in shown
    assert "=> Chữ ký xác thực người gửi cho Bộ Tài chính." in shown
    twice = _run(capsys, config, "submissions", "show", refs["<twice@gmail.com>"])
    assert "(2 chữ ký;" in twice and "ho-so.zip/cong-van.pdf" in twice
    assert twice.index("Nguyễn Văn Thành") < twice.index("VĂN PHÒNG BỘ")
    modified = _run(capsys, config, "submissions", "show", refs["<modified@gmail.com>"])
    assert "tài liệu đã bị sửa đổi sau khi ký" in modified and "=>" not in modified
    assert "Chờ xác nhận (gửi từ hộp thư miễn phí)" in modified
    stranger = _run(capsys, config, "submissions", "show", refs["<stranger@gmail.com>"])
    assert "không do tổ chức cung cấp dịch vụ tin cậy cấp" in stranger
    other = _run(capsys, config, "submissions", "show", refs["<other@gmail.com>"])
    assert "ký cho Bộ Y tế (không phải cơ quan của hồ sơ)" in other
    assert "Chờ xác nhận (địa chỉ gửi thuộc một cơ quan khác)" in other
    assert "Công văn ký số" not in _run(capsys, config, "submissions", "show",
                                         refs["<unsigned@gmail.com>"])

    digest = _run(capsys, config, "digest")
    section = digest.split("Hồ sơ có công văn ký số (5;")[1].split("Thư đến trong kỳ")[0]
    for key in ("<signed@gmail.com>", "<twice@gmail.com>", "<modified@gmail.com>",
                "<stranger@gmail.com>", "<other@gmail.com>"):
        assert refs[key] in section
    assert refs["<unsigned@gmail.com>"] not in section
    assert "CỤC THUẾ — BỘ TÀI CHÍNH: tài liệu nguyên vẹn từ khi ký; chứng thư số tin cậy" \
        in section
    html = _digest_html(config)
    signed_part = html.split("Hồ sơ có công văn ký số (5)")[1].split("Thư đến trong kỳ")[0]
    assert "chưa kiểm tra thu hồi chứng thư số" in signed_part
    assert all(refs[key] in signed_part for key in mails if key != "<unsigned@gmail.com>")
    assert "CỤC THUẾ — BỘ TÀI CHÍNH: tài liệu nguyên vẹn từ khi ký" in signed_part

    out = tmp_path / "tong-hop.xlsx"
    _run(capsys, config, "export", "-o", str(out))
    ws = load_workbook(io.BytesIO(out.read_bytes()))["Chi tiết"]
    top = next(r for r in range(1, 10) if ws.cell(r, 1).value == "Mã tiếp nhận")  # below the title
    header = [c.value for c in ws[top]]
    column = header.index("Chữ ký số trên công văn (người ký; nguyên vẹn, tin cậy)")
    cells = {row[0]: row[column] or "" for row in ws.iter_rows(min_row=top + 1, values_only=True)}
    assert "xác thực người gửi" in cells[refs["<signed@gmail.com>"]]
    assert cells[refs["<twice@gmail.com>"]].count("\n") == 1
    assert "sửa đổi sau khi ký" in cells[refs["<modified@gmail.com>"]]
    assert cells[refs["<unsigned@gmail.com>"]] == ""


def test_without_roots_no_signature_is_trusted(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path, mailbox, smtp_sink)
    mailbox.append(_mail("<signed@gmail.com>", ("cong-van.pdf", kit.signed_once(), PDF)))
    assert poll(config) == 0
    [reply] = received(smtp_sink)
    assert reply["X-BCY-Intake-Standing"] == "awaiting-confirmation"
    shown = _run(capsys, config, "submissions", "show", str(reply["X-BCY-Intake-Reference"]))
    assert "chưa cấu hình chứng thư gốc" in shown


def test_a_missing_roots_file_stops_the_start(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path, mailbox, smtp_sink)
    config.write_text(config.read_text(encoding="utf-8")
                      + '\n[trust]\nsignature_roots = ["khong-co.pem"]\n', encoding="utf-8")
    assert main(["--config", str(config), "poll", "--once"]) == 78
    told = capsys.readouterr().err
    assert "[trust] signature_roots" in told
    assert f"không đọc được {tmp_path / 'khong-co.pem'}: không có tệp hoặc thư mục này" in told


def test_the_console_page_of_a_signed_resubmission(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    """What `submissions show` says of a signed form, the console's page says too: each
    signature (signer, issuer, intact, trusted, revocation not checked, whom it proves) and the
    agency's history with what the new form changed."""
    config = write_config(tmp_path, mailbox, smtp_sink)
    _with_roots(tmp_path, config)
    with config.open("a", encoding="utf-8") as fh:
        fh.write("\n[web]\nworkers = 1\n")
    letter = ("cong-van.pdf", kit.signed_once(), PDF)
    mailbox.append(_mail("<v1@gmail.com>", letter))
    assert poll(config) == 0
    mailbox.append(_mail("<v2@gmail.com>", letter, filling=BTC_FIXED))
    assert poll(config) == 0
    refs = {str(m["In-Reply-To"]).strip(): str(m["X-BCY-Intake-Reference"])
            for m in received(smtp_sink)}
    assert cli(config, "staff", "add", STAFF, stdin=PASSWORD + "\n")[0] == 0
    console = Console(tmp_path, config, free_port(), refs, smtp_sink)
    console.start()
    try:
        client = console.client()
        assert client.login().status == 303
        page = client.get(f"/submissions/{refs['<v2@gmail.com>']}")
        assert page.status == 200
        unsigned = client.get(f"/submissions/{refs['<v1@gmail.com>']}")
    finally:
        console.stop()
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())
    assert "Công văn ký số (1 chữ ký)" in text
    assert "chưa kiểm tra thu hồi chứng thư số" in text
    assert "CỤC THUẾ BỘ TÀI CHÍNH" in text  # CN, then O
    assert "CA phục vụ các cơ quan Nhà nước G2 (test)" in text
    assert format(kit.test_pki().tax_office.cert.serial_number, "X") in text
    assert "tài liệu nguyên vẹn từ khi ký" in text
    assert "chứng thư số tin cậy (chưa kiểm tra thu hồi)" in text
    assert "Chữ ký xác thực người gửi cho Bộ Tài chính." in text
    history = text.split("Các hồ sơ của cơ quan (2)")[1].split("Nhật ký xử lý")[0]
    assert history.index(refs["<v2@gmail.com>"]) < history.index(refs["<v1@gmail.com>"])
    assert f"so với {refs['<v1@gmail.com>']} (tổng 1.200 → 217)" in history
    assert "Cơ quan, tổ chức — USB Token 2021: 120 → 125" in history
    assert "bản đầu tiên, chưa có hồ sơ được tính trước đó" in history
    assert "Công văn ký số" in unsigned.text  # both came with the letter
