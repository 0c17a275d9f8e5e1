"""Every new kind of input end to end: a real Dovecot INBOX, a real SMTP listener, a real SQLite
file. Old and open formats, legacy fonts, archives, winmail.dat, several forms in one mail,
mail forwarded twice, raw 8-bit headers, and a .doc on a server without LibreOffice."""

from __future__ import annotations

import base64
import email.policy
import json
from email.message import EmailMessage
from pathlib import Path

import pytest

from bot.commands.cli import main
from bot.store.database import Store
from demo.sample_mail import DOCX_TYPE, XLSX_TYPE, build_mail
from parsers.read.soffice import ENVIRONMENT_VARIABLE
from tests.archive_kit import rar_of, seven_zip_of, winmail_dat, zip_of
from tests.pipeline_kit import OURS, SUBJECT, poll, received, write_config
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink
from tests.store_kit import store_url
from tests.test_converted_forms import HAVE_SOFFICE
from tests.test_open_formats import template_of
from tests.vietnamese_bytes import cp1258_bytes, tcvn3_bytes

TESTS = Path(__file__).resolve().parent
GOLDEN = TESTS / "golden"
CONVERTED = TESTS / "forms" / "converted"
LEGACY = TESTS / "forms" / "legacy"
BTC_DOCX = (GOLDEN / "template-clean.docx").read_bytes()
BTC_XLSX = (GOLDEN / "template-clean.xlsx").read_bytes()
HAGIANG_XLSX = (GOLDEN / "template-province-two-lines.xlsx").read_bytes()
BROKEN_DOCX = (GOLDEN / "template-cell-errors.docx").read_bytes()
FIVES = {"2021": 5, "2022": 5, "2023": 5, "2024": 5, "2025": 5}
OCTET = "application/octet-stream"


def _store(tmp_path: Path) -> Store:
    return Store.open(store_url(tmp_path))


def _text(reply: EmailMessage) -> str:
    body = reply.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def _by_origin(replies: list[EmailMessage]) -> dict[str, EmailMessage]:
    return {str(r["In-Reply-To"]): r for r in replies}


def _mail(n: int, filename: str, data: bytes, mime: str = OCTET) -> bytes:
    return build_mail(sender=f"Văn thư {n} <vt{n}@mof.gov.vn>", to=OURS, subject=SUBJECT,
                      body="Kính gửi Ban Cơ yếu Chính phủ.", message_id=f"<fmt-{n}@mof.gov.vn>",
                      attachments=[(filename, data, mime)])


FORMATS = [
    ("mau.xls", CONVERTED / "template-clean.xls", "application/vnd.ms-excel"),
    ("mau.ods", CONVERTED / "template-clean.ods", "application/vnd.oasis.opendocument.spreadsheet"),
    ("mau.odt", CONVERTED / "template-clean.odt", "application/vnd.oasis.opendocument.text"),
    ("mau.doc", CONVERTED / "template-clean.doc", "application/msword"),
    ("mau-tcvn3.xls", LEGACY / "tcvn3.xls", "application/vnd.ms-excel"),
    ("mau-vni.odt", LEGACY / "vni.odt", OCTET),
]


def test_every_office_format_through_the_mailbox(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    formats = [f for f in FORMATS if f[0].endswith(".doc") is False or HAVE_SOFFICE]
    for n, (name, path, mime) in enumerate(formats):
        mailbox.append(_mail(n, name, path.read_bytes(), mime))
    for n, suffix in enumerate(("xltx", "dotm", "ots"), start=len(formats)):
        mailbox.append(_mail(n, f"mau.{suffix}", template_of(suffix)[0]))
    assert poll(write_config(tmp_path, mailbox, smtp_sink)) == 0
    replies = _by_origin(received(smtp_sink))
    assert len(replies) == len(formats) + 3
    templates = [("mau.xltx",), ("mau.dotm",), ("mau.ots",)]
    for n, (name, *_) in enumerate([*formats, *templates]):
        reply = replies[f"<fmt-{n}@mof.gov.vn>"]
        assert reply["To"] == f"vt{n}@mof.gov.vn", name
        assert reply["X-BCY-Intake-Verdict"] == "accepted", (name, _text(reply))
        assert reply["X-BCY-Intake-Reference"] in str(reply["Subject"])
        assert name in _text(reply)
    subs = _store(tmp_path).submissions.find()
    assert len(subs) == len(formats) + 3 and all(s.verdict == "accepted" for s in subs)
    from_the_clean_form = [s for s in subs if s.quantities["organization_usb_token"] == FIVES]
    assert len(from_the_clean_form) == 1 + sum("template-clean" in f[1].name for f in formats)
    if not HAVE_SOFFICE:
        pytest.skip("soffice (LibreOffice) is not installed: the .doc mail was NOT tested")


def test_archives_and_winmail_dat_through_the_mailbox(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    name = "Mẫu đăng ký Bộ Tài chính.docx"
    mails = [("ho-so.zip", zip_of({f"ho so/{name}": BTC_DOCX, "cv.pdf": b"%PDF-1.4\n"}),
              "application/zip"),
             ("ho-so.7z", seven_zip_of({name: BTC_DOCX}), "application/x-7z-compressed"),
             ("ho-so.rar", rar_of({name: BTC_DOCX}), "application/vnd.rar"),
             ("winmail.dat", winmail_dat({name: BTC_DOCX}), "application/ms-tnef")]
    for n, (filename, data, mime) in enumerate(mails):
        mailbox.append(_mail(n, filename, data, mime))
    assert poll(write_config(tmp_path, mailbox, smtp_sink)) == 0
    replies = _by_origin(received(smtp_sink))
    for n, (filename, _, _) in enumerate(mails):
        reply = replies[f"<fmt-{n}@mof.gov.vn>"]
        assert (reply["To"], reply["X-BCY-Intake-Verdict"]) == (f"vt{n}@mof.gov.vn", "accepted")
        assert f"{filename}/{name}" in _text(reply)
    records = [json.loads(s.record_json) for s in _store(tmp_path).submissions.find()]
    assert sorted(r["file"] for r in records) == sorted(f"{m[0]}/{name}" for m in mails)
    assert all(r["quantities"]["organization_usb_token"] == FIVES for r in records)


def test_several_agencies_forms_in_one_mail_are_each_stored_and_listed_in_one_reply(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    mailbox.append(build_mail(
        sender="Sở TT&TT <stttt@hagiang.gov.vn>", to=OURS, subject=SUBJECT,
        body="Gửi kèm mẫu của hai cơ quan.", message_id="<two@hagiang.gov.vn>",
        attachments=[("BTC.docx", BTC_DOCX, DOCX_TYPE),
                     ("ho-so.zip", zip_of({"HaGiang.xlsx": HAGIANG_XLSX}), "application/zip")]))
    assert poll(write_config(tmp_path, mailbox, smtp_sink)) == 0
    [reply] = received(smtp_sink)
    store = _store(tmp_path)
    subs = store.submissions.find()
    assert [s.agency_key for s in subs] == ["bo-tai-chinh", "tinh-ha-giang"]
    assert len({s.message_id for s in subs}) == 1
    references = [s.reference for s in subs]
    assert reply["X-BCY-Intake-Reference"] == references[0]
    assert reply["X-BCY-Intake-References"] == " ".join(references)
    assert reply["X-BCY-Intake-Verdict"] == "accepted"
    assert reply["To"] == "stttt@hagiang.gov.vn"
    assert all(ref in str(reply["Subject"]) for ref in references)
    text = _text(reply)
    assert "Thư có 2 Mẫu đăng ký" in text
    assert all(x in text for x in (*references, "BTC.docx", "ho-so.zip/HaGiang.xlsx",
                                   "Bộ Tài chính", "UBND tỉnh Hà Giang"))
    # the one reply is each submission's reply: a resend finds it from either reference
    assert all(store.outbox.latest_reply(s) is not None for s in subs)
    # the province speaks for itself, not for the ministry: the ministry's form waits for staff
    assert [s.standing for s in subs] == ["awaiting-confirmation", "counted"]
    assert [s.agency_key for s in store.submissions.latest_valid()] == ["tinh-ha-giang"]
    assert reply["X-BCY-Intake-Standing"] == "awaiting-confirmation"
    assert "chờ Ban Cơ yếu Chính phủ xác nhận" in text


def test_one_form_in_two_formats_is_one_submission_naming_both_files(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    mailbox.append(build_mail(
        sender="Văn thư <vanthu@mof.gov.vn>", to=OURS, subject=SUBJECT, body="Gửi kèm.",
        attachments=[("mau.docx", BTC_DOCX, DOCX_TYPE), ("mau.xlsx", BTC_XLSX, XLSX_TYPE),
                     ("cong-van.pdf", b"%PDF-1.4\n%\xe2\xe3\n", "application/pdf")]))
    assert poll(write_config(tmp_path, mailbox, smtp_sink)) == 0
    [reply] = received(smtp_sink)
    [sub] = _store(tmp_path).submissions.find()
    assert json.loads(sub.record_json)["file"] == "mau.docx, mau.xlsx"
    assert reply["X-BCY-Intake-Verdict"] == "accepted"
    assert "mau.docx, mau.xlsx" in _text(reply)
    # the cover letter beside the forms is named as a file not processed
    assert "không được xử lý tự động: cong-van.pdf." in _text(reply)


def test_a_good_and_a_wrong_form_get_one_reply_asking_for_the_wrong_one(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    mailbox.append(build_mail(
        sender="Văn thư <vanthu@mof.gov.vn>", to=OURS, subject=SUBJECT, body="Gửi kèm.",
        attachments=[("BTC.docx", BTC_DOCX, DOCX_TYPE), ("BXD.docx", BROKEN_DOCX, DOCX_TYPE)]))
    assert poll(write_config(tmp_path, mailbox, smtp_sink)) == 0
    [reply] = received(smtp_sink)
    verdicts = [s.verdict for s in _store(tmp_path).submissions.find()]
    assert verdicts == ["accepted", "needs_correction"]
    assert reply["X-BCY-Intake-Verdict"] == "needs_correction"
    assert "mười" in _text(reply)
    assert "Tệp BXD.docx của Quý cơ quan được gửi lại" in _text(reply)
    assert [a.get_filename() for a in reply.iter_attachments()] == [
        "BXD-can-sua.docx", "mau-dang-ky-cts-2021-2025.docx"]


def _forward(inner: bytes, sender: str, subject: str, reply_to: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, OURS, subject
    if reply_to:
        msg["Reply-To"] = reply_to
    msg.set_content("Chuyển tiếp thư của đơn vị.")
    msg.add_attachment(email.message_from_bytes(inner, policy=email.policy.default))
    return msg.as_bytes(policy=email.policy.SMTP)


@pytest.mark.parametrize("reply_to", [None, "cntt@bacninh.gov.vn"])
def test_mail_forwarded_twice_is_answered_to_the_last_forwarder(
        reply_to: str | None, tmp_path: Path, mailbox: MailboxAccount,
        smtp_sink: SmtpSink) -> None:
    original = build_mail(sender="Văn thư Bộ Tài chính <vanthu@mof.gov.vn>", to="x@mof.gov.vn",
                          subject=SUBJECT, body="Kính gửi.",
                          attachments=[("mau.docx", BTC_DOCX, DOCX_TYPE)])
    once = _forward(original, "Chánh Văn phòng <cvp@mof.gov.vn>", f"Fwd: {SUBJECT}")
    twice = _forward(once, "Nguyễn An <an@bacninh.gov.vn>", f"Fwd: Fwd: {SUBJECT}", reply_to)
    mailbox.append(twice)
    assert poll(write_config(tmp_path, mailbox, smtp_sink)) == 0
    [message] = smtp_sink.messages
    [reply] = received(smtp_sink)
    want = reply_to or "an@bacninh.gov.vn"
    assert list(message.rcpt_tos) == [want] and reply["To"] == want
    assert reply["X-BCY-Intake-Verdict"] == "accepted"
    [sub] = _store(tmp_path).submissions.find()
    assert sub.sender == want and sub.quantities["organization_usb_token"] == FIVES


RAW_SUBJECT = "Đề xuất nhu cầu cấp mới chứng thư số giai đoạn 2021-2025"
RAW_NAME = "Văn thư Sở Thông tin"
RAW_FILE = "Mẫu đăng ký nhu cầu.docx"


def _raw_8bit(encode: object, n: int) -> bytes:
    assert callable(encode)
    payload = base64.encodebytes(BTC_DOCX).replace(b"\n", b"\r\n")
    return (b"From: " + encode(RAW_NAME) + b" <vt@stttt.gov.vn>\r\nTo: " + OURS.encode()
            + b"\r\nSubject: " + encode(RAW_SUBJECT) + b"\r\nMessage-ID: <raw-" + str(n).encode()
            + b"@stttt.gov.vn>\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
            b"Content-Type: text/plain\r\n\r\nKinh gui.\r\n--b\r\n"
            b"Content-Type: application/octet-stream\r\n"
            b"Content-Disposition: attachment; filename=\"" + encode(RAW_FILE) + b"\"\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n" + payload + b"--b--\r\n")


def test_raw_8bit_headers_are_read_in_every_encoding(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    encodings = [str.encode, cp1258_bytes, tcvn3_bytes]
    for n, encode in enumerate(encodings):
        mailbox.append(_raw_8bit(encode, n))
    assert poll(write_config(tmp_path, mailbox, smtp_sink)) == 0
    replies = _by_origin(received(smtp_sink))
    store = _store(tmp_path)
    for n in range(len(encodings)):
        reply = replies[f"<raw-{n}@stttt.gov.vn>"]
        reference = reply["X-BCY-Intake-Reference"]
        assert reply["Subject"] == f"Re: {RAW_SUBJECT} [{reference}]"
        assert f"«{RAW_SUBJECT}»" in _text(reply) and RAW_FILE in _text(reply)
        sub = store.submissions.by_reference(reference)
        assert sub is not None and json.loads(sub.record_json)["file"] == RAW_FILE
        stored = store.messages.get(sub.message_id)
        assert stored.subject == RAW_SUBJECT
        assert stored.from_addr == f"{RAW_NAME} <vt@stttt.gov.vn>"


def test_a_doc_on_a_server_without_libreoffice_asks_for_docx_and_warns_staff(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "none")
    mailbox.append(_mail(1, "mau.doc", (CONVERTED / "template-clean.doc").read_bytes(),
                         "application/msword"))
    config = write_config(tmp_path, mailbox, smtp_sink)
    assert poll(config) == 0
    [reply] = received(smtp_sink)
    assert reply["X-BCY-Intake-Verdict"] == "unreadable"
    text = _text(reply)
    assert "Word 97-2003 (.doc)" in text and "Save As" in text
    assert [a.get_filename() for a in reply.iter_attachments()] == [
        "mau-dang-ky-cts-2021-2025.docx"]
    events = _store(tmp_path).events.find()
    assert [(e.kind, e.detail) for e in events] == [("converter-missing", "mau.doc (doc)")]
    capsys.readouterr()
    assert main(["--config", str(config), "digest"]) == 0
    digest = capsys.readouterr().out
    assert "Thiếu chương trình chuyển đổi tệp: mau.doc (doc)" in digest
    assert "Không đọc được" in digest
