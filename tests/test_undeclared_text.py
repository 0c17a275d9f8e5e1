"""Bytes with no declared charset (raw 8-bit mail headers, ZIP names): UTF-8, else windows-1258,
TCVN3 or VNI, whichever reads as Vietnamese — never mojibake."""

from __future__ import annotations

import random
import unicodedata

import pytest

from bot.mail.mime_parts import find_attachments, header_value, parse_message
from parsers.vietnamese.syllable import is_syllable
from parsers.vietnamese.undeclared import decode_undeclared
from tests.vietnamese_bytes import cp1258_bytes, tcvn3_bytes, vni_bytes

# What agencies put in a subject, a sender's name or a file name (TCVN3 mailers could not
# write accented capitals other than Ă Â Ê Ô Ơ Ư Đ, so those texts have none).
REAL = [
    "Đề xuất nhu cầu cấp mới chứng thư số giai đoạn 2021-2025",
    "Gửi Ban Cơ yếu Chính phủ mẫu đăng ký",
    "Văn thư Sở Thông tin và Truyền thông tỉnh Bắc Ninh",
    "Nguyễn Văn An",
    "Trần Thị Bích Ngọc",
    "Phòng Hành chính - Quản trị",
    "Mẫu đăng ký nhu cầu chứng thư số - Bộ Tài chính.xlsx",
    "Đăng ký chứng thư số năm 2021 (bản chính thức).docx",
    "Bộ Giao thông vận tải đề xuất nhu cầu chứng thư số",
    "Kính gửi: Ban Cơ yếu Chính phủ",
]
WORDS = str.split("một hai ba bốn năm sáu bảy tám chín mười người nước của các những được "
                  "trong cho với "
         "đã này không có là và để theo về đơn vị cơ quan tổ chức cá nhân thiết bị dịch vụ phần "
         "mềm số lượng đăng ký cấp mới chứng thư giai đoạn đề xuất nhu cầu kính gửi ban yếu "
         "chính phủ thực hiện công văn ủy dân tỉnh thành phố bộ tài xây dựng quốc phòng ngoại "
         "giao nội tư pháp kế hoạch đầu lao động thương binh xã hội thông vận tải hóa thể thao "
         "du lịch khoa học y tế giáo dục đào tạo")


def sentences(seed: int, words: int, count: int) -> list[str]:
    rnd = random.Random(seed)
    return [" ".join(rnd.choice(WORDS) for _ in range(words)) for _ in range(count)]


@pytest.mark.parametrize("text", REAL)
def test_real_texts_in_every_legacy_encoding(text: str) -> None:
    assert decode_undeclared(text.encode("utf-8")) == text
    assert decode_undeclared(unicodedata.normalize("NFD", text).encode()) == \
        unicodedata.normalize("NFD", text)
    assert decode_undeclared(cp1258_bytes(text)) == text
    assert decode_undeclared(tcvn3_bytes(text)) == text
    assert decode_undeclared(vni_bytes(text)) == text


@pytest.mark.parametrize("encode", [cp1258_bytes, tcvn3_bytes], ids=["cp1258", "tcvn3"])
def test_any_five_words_are_read_back(encode: object) -> None:
    assert callable(encode)
    wrong = [s for s in sentences(7, 5, 300) if decode_undeclared(encode(s)) != s]
    assert wrong == []


def test_vni_wins_only_with_enough_text() -> None:
    wrong = [s for s in sentences(8, 8, 300) if decode_undeclared(vni_bytes(s)) != s]
    assert wrong == []


def test_short_ambiguous_text_reads_as_windows_1258_first() -> None:
    # "mét" (metre) in windows-1258 is "một" in TCVN3: both are words; the first wins
    assert decode_undeclared(tcvn3_bytes("một")) == "mét"
    assert decode_undeclared(cp1258_bytes("mét")) == "mét"


def test_french_and_plain_ascii_are_left_alone() -> None:
    assert decode_undeclared(b"Report 2021") == "Report 2021"
    assert decode_undeclared("Hélène Dupré".encode("cp1252")) == "Hélène Dupré"


@pytest.mark.parametrize("word", [
    "kính", "hoà", "hòa", "hoàng", "thuỷ", "thủy", "quốc", "gì", "giữ", "giêng", "khuya",
    "chuyển", "người", "nghĩa", "Nghệ", "HUẾ", "của", "mưa", "Việt", "Đắk", "oanh", "uống"])
def test_syllables(word: str) -> None:
    assert is_syllable(word)


@pytest.mark.parametrize("word", [
    "kớnh",  # k before a back vowel
    "teỏ",  # the tone on the glide of "eo"
    "cuỷa",  # c where Vietnamese writes qu
    "thùc",  # a falling tone before a final stop
    "chớnh",  # -nh after ơ
    "că",  # ă without a final consonant
    "hoàà",  # two tones
    "xuÊt",  # a capital inside a word
    "bß", "nghÜa"])
def test_not_syllables(word: str) -> None:
    assert not is_syllable(word)


# --- through the mail header reader -----------------------------------------------------------

SUBJECT = "Đề xuất nhu cầu cấp mới chứng thư số giai đoạn 2021-2025"
NAME = "Văn thư Bộ Tài chính"
FILE = "Mẫu đăng ký nhu cầu chứng thư số.docx"


def _raw_mail(encode: object, subject: str = SUBJECT) -> bytes:
    assert callable(encode)
    return (b"From: " + encode(NAME) + b" <vanthu@mof.gov.vn>\r\nTo: ca@bcy.gov.vn\r\n"
            b"Subject: " + encode(subject) + b"\r\nMessage-ID: <raw@mof.gov.vn>\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
            b"--b\r\nContent-Type: text/plain\r\n\r\nKinh gui.\r\n--b\r\n"
            b"Content-Type: application/octet-stream\r\n"
            b"Content-Disposition: attachment; filename=\"" + encode(FILE) + b"\"\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n"
            b"UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA==\r\n--b--\r\n")


@pytest.mark.parametrize("encode", [str.encode, cp1258_bytes, tcvn3_bytes, vni_bytes],
                         ids=["utf-8", "cp1258", "tcvn3", "vni"])
def test_raw_8bit_subject_sender_and_file_name(encode: object) -> None:
    msg = parse_message(_raw_mail(encode))
    assert header_value(msg, "Subject") == SUBJECT
    assert header_value(msg, "From") == f"{NAME} <vanthu@mof.gov.vn>"
    [attachment] = find_attachments(msg)
    assert attachment.filename == FILE
