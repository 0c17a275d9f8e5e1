"""Attachments and body text found by walking the MIME tree (bot.mail.mime_parts)."""

from __future__ import annotations

import base64
import email.message
import email.policy
import io
import zipfile
from email.message import EmailMessage
from pathlib import Path

import docx
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.mail.mime_parts import (
    Attachment,
    body_text,
    decode_words,
    detect_kind,
    find_attachments,
    parse_message,
    part_types,
)

CORPUS = Path("/work/shared/corpus/eml-imap-tools")
NAME = "Mẫu đăng ký nhu cầu chứng thư số - Sở Tài chính.docx"


@pytest.fixture(scope="module")
def docx_bytes() -> bytes:
    document = docx.Document()
    document.add_paragraph("MẪU ĐĂNG KÝ")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active["A1"] = "TT"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def zip_of(*names: str, first: tuple[str, bytes] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        if first:
            zf.writestr(zipfile.ZipInfo(first[0]), first[1])  # stored, as ODF requires
        for name in names:
            zf.writestr(name, b"<x/>")
    return out.getvalue()


def reparse(msg: email.message.Message) -> email.message.Message:
    return parse_message(msg.as_bytes())


def mail(body: str = "Kính gửi Ban Cơ yếu.") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "van.thu@stc.example.gov.vn"
    msg["To"] = "ca@bcy.gov.vn"
    msg["Subject"] = "Gửi văn bản"
    msg.set_content(body)
    return msg


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def raw_mail(*parts: bytes, outer: bytes = b"multipart/mixed") -> bytes:
    head = b"From: a@example.vn\r\nSubject: x\r\nMIME-Version: 1.0\r\n"
    head += b"Content-Type: " + outer + b'; boundary="BB"\r\n\r\n'
    return head + b"".join(b"--BB\r\n" + p + b"\r\n" for p in parts) + b"--BB--\r\n"


def b64_part(headers: bytes, data: bytes) -> bytes:
    return headers + b"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(data)


# --- kinds by content -------------------------------------------------------------------------


def test_real_docx_and_xlsx_are_known_by_content(docx_bytes: bytes, xlsx_bytes: bytes) -> None:
    assert detect_kind(docx_bytes) == "docx"
    assert detect_kind(xlsx_bytes) == "xlsx"


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (zip_of("[Content_Types].xml", "xl/workbook.xml", "xl/vbaProject.bin"), "xlsm"),
        (zip_of("[Content_Types].xml", "word/document.xml", "word/vbaProject.bin"), "docm"),
        (zip_of("[Content_Types].xml", "ppt/presentation.xml"), "pptx"),
        (zip_of("[Content_Types].xml", "word/document2.xml"), "docx"),
        (
            zip_of(
                "content.xml", first=("mimetype", b"application/vnd.oasis.opendocument.spreadsheet")
            ),
            "ods",
        ),
        (
            zip_of("content.xml", first=("mimetype", b"application/vnd.oasis.opendocument.text")),
            "odt",
        ),
        (zip_of("Mau dang ky.docx", "readme.txt"), "zip"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "ole"),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
            + b"\0" * 60
            + "EncryptedPackage".encode("utf-16-le"),
            "ole-encrypted-ooxml",
        ),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "pdf"),
        (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "image"),
        (b"\xff\xd8\xff\xe0\0\x10JFIF", "image"),
        ("Số lượng: 12\r\n".encode(), "text"),
        (b"\x00\x01\x02\x03garbage\x00", "other"),
        (b"", "other"),
    ],
)
def test_detect_kind(data: bytes, kind: str) -> None:
    assert detect_kind(data) == kind


def test_truncated_docx_is_still_a_docx(docx_bytes: bytes) -> None:
    assert detect_kind(docx_bytes[: len(docx_bytes) // 2]) == "docx"


def test_declared_type_and_extension_do_not_matter(docx_bytes: bytes) -> None:
    msg = mail()
    msg.add_attachment(docx_bytes, maintype="application", subtype="pdf", filename="scan.pdf")
    [att] = find_attachments(reparse(msg))
    assert (att.kind, att.content_type, att.filename) == ("docx", "application/pdf", "scan.pdf")


# --- file names -------------------------------------------------------------------------------


def test_nameless_octet_stream_part_is_found(docx_bytes: bytes) -> None:
    msg = mail()
    part = EmailMessage()
    part.set_content(docx_bytes, maintype="application", subtype="octet-stream")
    msg.make_mixed()
    msg.attach(part)
    assert "Content-Disposition" not in part
    [att] = find_attachments(reparse(msg))
    assert att == Attachment(None, "application/octet-stream", docx_bytes, "docx")


def test_rfc2231_name_in_sections(docx_bytes: bytes) -> None:
    msg = mail()
    msg.add_attachment(docx_bytes, maintype="application", subtype="octet-stream", filename=NAME)
    assert b"filename*0*=utf-8''" in msg.as_bytes()
    assert [a.filename for a in find_attachments(reparse(msg))] == [NAME]
    assert [a.filename for a in find_attachments(msg)] == [NAME]


def test_rfc2231_single_extended_name(xlsx_bytes: bytes) -> None:
    raw = raw_mail(
        b"Content-Type: text/plain\r\n\r\nxin chao",
        b64_part(
            b"Content-Type: application/vnd.ms-excel\r\n"
            b"Content-Disposition: attachment;\r\n"
            b" filename*=UTF-8''%C4%90%C4%83ng%20k%C3%BD.xlsx",
            xlsx_bytes,
        ),
    )
    [att] = find_attachments(parse_message(raw))
    assert (att.filename, att.kind) == ("Đăng ký.xlsx", "xlsx")


def test_encoded_words_split_inside_a_character(docx_bytes: bytes) -> None:
    encoded = "Mẫu đăng ký.docx".encode()
    cut = encoded.index("ẫ".encode()) + 1  # split in the middle of a UTF-8 sequence
    words = [base64.b64encode(encoded[:cut]).decode(), base64.b64encode(encoded[cut:]).decode()]
    header = (
        f"Content-Type: application/octet-stream\r\nContent-Disposition: attachment;\r\n"
        f' filename="=?utf-8?B?{words[0]}?=\r\n =?UTF-8?b?{words[1]}?="'
    ).encode()
    [att] = find_attachments(parse_message(raw_mail(b64_part(header, docx_bytes))))
    assert att.filename == "Mẫu đăng ký.docx"


def test_encoded_word_name_only_in_content_type(docx_bytes: bytes) -> None:
    header = f'Content-Type: application/msword; name="=?utf-8?B?{b64("Đề xuất.docx")}?="'.encode()
    [att] = find_attachments(parse_message(raw_mail(b64_part(header, docx_bytes))))
    assert (att.filename, att.kind) == ("Đề xuất.docx", "docx")


def test_raw_8bit_utf8_name(docx_bytes: bytes) -> None:
    header = (
        "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; "
        'filename="Bảng nhu cầu.docx"'.encode()
    )
    [att] = find_attachments(parse_message(raw_mail(b64_part(header, docx_bytes))))
    assert att.filename == "Bảng nhu cầu.docx"


def test_quoted_printable_encoded_word_and_windows_path() -> None:
    header = (
        b"Content-Type: application/pdf; "
        b'name="C:\\\\Users\\\\vt\\\\=?windows-1258?Q?B=E1o_c=E1o?=.pdf"'
    )
    [att] = find_attachments(parse_message(raw_mail(b64_part(header, b"%PDF-1.4\n"))))
    assert (att.filename, att.kind) == ("Báo cáo.pdf", "pdf")


def test_decode_words_keeps_plain_text_and_survives_garbage() -> None:
    assert decode_words("a =?utf-8?q?=C4=91?= b") == "a đ b"
    assert decode_words("=?x-unknown?B?!!!?=") == ""
    assert decode_words("=?utf-8?B?broken") == "=?utf-8?B?broken"


# --- structure --------------------------------------------------------------------------------


def test_forwarded_message_attachment_is_descended(docx_bytes: bytes) -> None:
    inner = mail("Đề xuất nhu cầu của đơn vị")
    inner.add_attachment(docx_bytes, maintype="application", subtype="octet-stream", filename=NAME)
    outer = mail("Chuyển tiếp thư")
    outer.add_attachment(inner)
    parsed = reparse(outer)
    assert "message/rfc822" in part_types(parsed)
    assert [(a.filename, a.kind) for a in find_attachments(parsed)] == [(NAME, "docx")]
    assert "Đề xuất nhu cầu của đơn vị" in body_text(parsed)
    assert find_attachments(parsed, max_depth=1) == []


def test_forwarded_message_wrongly_in_base64(docx_bytes: bytes) -> None:
    inner = mail()
    inner.add_attachment(
        docx_bytes, maintype="application", subtype="octet-stream", filename="a.docx"
    )
    raw = raw_mail(
        b"Content-Type: text/plain\r\n\r\nfw",
        b64_part(b"Content-Type: message/rfc822", inner.as_bytes()),
    )
    assert [a.kind for a in find_attachments(parse_message(raw))] == ["docx"]


def test_inline_image_is_skipped_attached_image_kept() -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 20
    inline = b64_part(
        b"Content-Type: image/png\r\nContent-ID: <logo@x>\r\nContent-Disposition: inline", png
    )
    attached = b64_part(
        b"Content-Type: image/png\r\nContent-ID: <scan@x>\r\n"
        b'Content-Disposition: attachment; filename="scan.png"',
        png,
    )
    related = raw_mail(
        b"Content-Type: text/html\r\n\r\n<img src=cid:logo@x>", inline, outer=b"multipart/related"
    )
    atts = find_attachments(parse_message(raw_mail(attached)))
    assert [a.filename for a in atts] == ["scan.png"]
    assert find_attachments(parse_message(related)) == []


def test_nesting_depth_and_part_count_are_bounded(docx_bytes: bytes) -> None:
    msg = mail()
    msg.add_attachment(
        docx_bytes, maintype="application", subtype="octet-stream", filename="deep.docx"
    )
    raw = msg.as_bytes()
    for level in range(30):
        raw = (
            (f'Content-Type: multipart/mixed; boundary="L{level}"\r\n\r\n--L{level}\r\n').encode()
            + raw
            + f"\r\n--L{level}--\r\n".encode()
        )
    parsed = parse_message(b"From: x@y\r\nMIME-Version: 1.0\r\n" + raw)
    assert find_attachments(parsed) == []
    assert [a.filename for a in find_attachments(parsed, max_depth=40)] == ["deep.docx"]
    assert find_attachments(parsed, max_depth=40, max_parts=10) == []


def test_outlook_style(docx_bytes: bytes) -> None:
    name = f"=?utf-8?B?{b64('Mẫu đăng ký')}?= =?utf-8?B?{b64('.docx')}?="
    raw = raw_mail(
        b'Content-Type: multipart/alternative; boundary="AA"\r\n\r\n'
        b'--AA\r\nContent-Type: text/plain; charset="utf-8"\r\n'
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes("Kính gửi Ban Cơ yếu".encode())
        + b'--AA\r\nContent-Type: text/html; charset="utf-8"\r\n\r\n<p>html</p>\r\n--AA--',
        b64_part(
            "Content-Type: application/vnd.openxmlformats-officedocument."
            "wordprocessingml.document;"
            f'\r\n\tname="{name}"\r\nContent-Description: {name}\r\n'
            f'Content-Disposition: attachment;\r\n\tfilename="{name}"; size=1234;\r\n'
            f'\tcreation-date="Mon, 12 Apr 2021 02:00:00 GMT"'.encode(),
            docx_bytes,
        ),
    )
    msg = parse_message(raw)
    [att] = find_attachments(msg)
    assert (att.filename, att.kind) == ("Mẫu đăng ký.docx", "docx")
    assert body_text(msg) == "Kính gửi Ban Cơ yếu"


def test_thunderbird_style(xlsx_bytes: bytes) -> None:
    raw = raw_mail(
        b"Content-Type: text/plain; charset=UTF-8; format=flowed\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + "Gửi kèm bảng đề xuất.".encode(),
        b64_part(
            b"Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;\r\n"
            b' name="=?UTF-8?B?' + b64("Bảng đề xuất.xlsx").encode() + b'?="\r\n'
            b"Content-Disposition: attachment;\r\n"
            b" filename*0*=UTF-8''B%E1%BA%A3ng%20%C4%91%E1%BB%81;\r\n"
            b" filename*1*=%20xu%E1%BA%A5t.xlsx",
            xlsx_bytes,
        ),
    )
    msg = parse_message(raw)
    [att] = find_attachments(msg)
    assert (att.filename, att.kind) == ("Bảng đề xuất.xlsx", "xlsx")
    assert body_text(msg) == "Gửi kèm bảng đề xuất."


def test_apple_mail_style(docx_bytes: bytes) -> None:
    mixed = (
        b'Content-Type: multipart/mixed; boundary="MM"\r\n\r\n'
        b"--MM\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<div>Tr\xc3\xaan</div>\r\n"
        b"--MM\r\n"
        + b64_part(
            b"Content-Type: application/octet-stream; x-unix-mode=0644;\r\n"
            b' name="=?utf-8?Q?M=E1=BA=ABu=2Edocx?="\r\n'
            b'Content-Disposition: inline; filename="=?utf-8?Q?M=E1=BA=ABu=2Edocx?="',
            docx_bytes,
        )
        + b"\r\n--MM\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        + b"<div>D\xc6\xb0\xe1\xbb\x9bi</div>\r\n--MM--"
    )
    raw = raw_mail(
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nTr\xc3\xaan\r\n\r\nD\xc6\xb0\xe1\xbb\x9bi",
        mixed,
        outer=b"multipart/alternative",
    )
    msg = parse_message(raw)
    assert [(a.filename, a.kind) for a in find_attachments(msg)] == [("Mẫu.docx", "docx")]
    assert body_text(msg) == "Trên\r\n\r\nDưới"


# --- body text --------------------------------------------------------------------------------


def test_html_only_body_is_stripped() -> None:
    msg = EmailMessage()
    msg.set_content(
        "<html><head><style>p{}</style></head><body><p>Đề&nbsp;xuất</p>"
        "<script>x()</script><p>nhu cầu</p></body></html>",
        subtype="html",
    )
    assert body_text(reparse(msg)) == "Đề xuất\n\nnhu cầu"


def test_blank_plain_alternative_falls_back_to_html() -> None:
    msg = EmailMessage()
    msg.set_content(" ")
    msg.add_alternative("<p>nội dung</p>", subtype="html")
    assert body_text(reparse(msg)) == "nội dung"


def test_unknown_charset_and_bound() -> None:
    raw = (
        b"Content-Type: text/plain; charset=x-no-such-charset\r\n\r\n" + "Chữ ký số ".encode() * 500
    )
    assert body_text(parse_message(raw)).startswith("Chữ ký số")
    assert len(body_text(parse_message(raw), max_chars=100)) == 100


def test_windows_1258_body() -> None:
    raw = b"Content-Type: text/plain; charset=windows-1258\r\n\r\n" + "Cơ yê\u0301u".encode(
        "cp1258"
    )
    assert body_text(parse_message(raw)) == "Cơ yếu"


def test_text_attachment_with_name_is_not_body() -> None:
    msg = mail("thân thư")
    msg.add_attachment("ghi chú", filename="ghichu.txt")
    parsed = reparse(msg)
    assert [(a.filename, a.kind) for a in find_attachments(parsed)] == [("ghichu.txt", "text")]
    assert body_text(parsed) == "thân thư"


def test_broken_headers_do_not_raise() -> None:
    raw = raw_mail(
        b'Content-Type: application/octet-stream; name="unterminated\r\n'
        b"Content-Disposition: ;;;=;filename*=bad'''%ZZ%\r\n\r\nPK\x03\x04",
        b"Content-Type: \r\nContent-Transfer-Encoding: base64\r\n\r\n@@@",
        b"Content-Type: multipart/mixed\r\n\r\nno boundary here",
    )
    msg = parse_message(raw)
    assert len(find_attachments(msg)) >= 1
    body_text(msg)


# --- robustness -------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_random_bytes_never_raise(data: bytes) -> None:
    for msg in (parse_message(data), email.message_from_bytes(data, policy=email.policy.compat32)):
        assert isinstance(find_attachments(msg), list)
        assert isinstance(body_text(msg), str)


def _sample_message() -> bytes:
    name = f"=?utf-8?B?{b64('Mẫu đăng ký')}?="
    return raw_mail(
        b'Content-Type: multipart/alternative; boundary="AA"\r\n\r\n--AA\r\n'
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nxin ch\xc3\xa0o\r\n--AA--",
        b64_part(
            f'Content-Type: application/msword; name="{name}"\r\n'
            f"Content-Disposition: attachment; filename*=utf-8''%C4%90.docx".encode(),
            zip_of("[Content_Types].xml", "word/document.xml"),
        ),
        b"Content-Type: message/rfc822\r\n\r\nSubject: fw\r\nContent-Type: image/png\r\n"
        b"Content-ID: <a>\r\n\r\n\x89PNG",
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(min_value=0), st.binary(max_size=8), st.integers(0, 8)), max_size=12
    )
)
def test_mutated_messages_never_raise(edits: list[tuple[int, bytes, int]]) -> None:
    raw = bytearray(_sample_message())
    for position, insert, delete in edits:
        at = position % (len(raw) + 1)
        raw[at : at + delete] = insert
    msg = parse_message(bytes(raw))
    assert isinstance(find_attachments(msg), list)
    assert isinstance(body_text(msg), str)
    assert isinstance(part_types(msg), list)


def test_sample_message_itself() -> None:
    msg = parse_message(_sample_message())
    assert [(a.filename, a.kind) for a in find_attachments(msg)] == [("Đ.docx", "docx")]
    assert body_text(msg) == "xin chào"


def test_deeply_nested_garbage_parses() -> None:
    raw = b"".join(
        f'Content-Type: multipart/mixed; boundary="{i}"\r\n\r\n--{i}\r\n'.encode()
        for i in range(3000)
    )
    msg = parse_message(raw)
    assert find_attachments(msg) == []
    assert isinstance(body_text(msg), str)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.eml")), ids=lambda p: p.name)
def test_corpus_is_handled(path: Path) -> None:
    msg = parse_message(path.read_bytes())
    for att in find_attachments(msg):
        assert att.kind in {"pdf", "image", "text", "other"}, att
    assert isinstance(body_text(msg), str)
