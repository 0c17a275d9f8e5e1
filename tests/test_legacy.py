from __future__ import annotations

import shutil
import subprocess
import unicodedata

import pytest

from parsers.vietnamese.legacy import decode_tcvn3, decode_vni, legacy_encoding_of_font, to_unicode

PHRASE = "Cộng hòa xã hội chủ nghĩa Việt Nam"
PHRASE_TCVN3 = "Céng hßa x· héi chñ nghÜa ViÖt Nam"
PHRASE_VNI = "Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam"
CERT = "Chứng thư số"
CERT_TCVN3 = "Chøng th\u00ad sè"
CERT_VNI = "Chöùng thö soá"

ACUTE, GRAVE, HOOK, TILDE, DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
BREVE, CIRCUMFLEX, HORN = "\u0306", "\u0302", "\u031b"
TONES = ("", ACUTE, GRAVE, HOOK, TILDE, DOT)


def _vietnamese_letters() -> list[str]:
    lower = [
        unicodedata.normalize("NFC", base + tone)
        for base in "aăâeêioôơuưy"
        for tone in TONES
        if base + tone not in set("aeiouy")
    ]
    lower.append("đ")
    return lower + [c.upper() for c in lower]


LETTERS = _vietnamese_letters()
LOWER_LETTERS = [c for c in LETTERS if c.islower()]

# Test-side encoder, built from the VNI rules rather than from the module's table.
_VNI_TONE = {ACUTE: "ù", GRAVE: "ø", HOOK: "û", TILDE: "õ", DOT: "ï"}
_VNI_CIRCUMFLEX = {"": "â", ACUTE: "á", GRAVE: "à", HOOK: "å", TILDE: "ã", DOT: "ä"}
_VNI_BREVE = {"": "ê", ACUTE: "é", GRAVE: "è", HOOK: "ú", TILDE: "ü", DOT: "ë"}
_VNI_I = {"": "i", ACUTE: "í", GRAVE: "ì", HOOK: "æ", TILDE: "ó", DOT: "ò"}


def _vni_letter(ch: str) -> str:
    low = ch.lower()
    if low == "đ":
        code = "ñ"
    else:
        nfd = unicodedata.normalize("NFD", low)
        base, marks = nfd[0], nfd[1:]
        tone = next((m for m in marks if m in _VNI_TONE), "")
        if base == "i":
            code = _VNI_I[tone]
        elif base == "y" and tone == DOT:
            code = "î"
        elif HORN in marks:
            code = {"o": "ô", "u": "ö"}[base] + _VNI_TONE.get(tone, "")
        elif CIRCUMFLEX in marks:
            code = base + _VNI_CIRCUMFLEX[tone]
        elif BREVE in marks:
            code = base + _VNI_BREVE[tone]
        else:
            code = base + _VNI_TONE.get(tone, "")
    return code.upper() if ch.isupper() else code


def vni_encode(text: str) -> str:
    return "".join(_vni_letter(c) if c in LETTERS else c for c in text)


# Test-side ABC (TCVN3) table, written out independently of glibc.
_ABC_LETTERS = "àảãáạăằẳẵắặâầẩẫấậđèẻẽéẹêềểễếệìỉĩíịòỏõóọôồổỗốộơờởỡớợùủũúụưừửữứựỳỷỹýỵĂÂÊÔƠƯĐ"
_ABC_CODES = bytes.fromhex(
    "b5b6b7b8b9 a8bbbcbdbec6 a9c7c8c9cacb ae cccecfd0d1 aad2d3d4d5d6 d7d8dcddde dfe1e2e3e4"
    " abe5e6e7e8e9 aceaebecedee eff1f2f3f4 adf5f6f7f8f9 fafbfcfdfe a1a2a3a4a5a6a7"
).decode("latin-1")
ABC = dict(zip(_ABC_LETTERS, _ABC_CODES, strict=True))


def tcvn3_encode(text: str) -> str:
    return "".join(ABC.get(c, c) for c in text)


def test_letter_inventory() -> None:
    assert len(LETTERS) == len(set(LETTERS)) == 134
    assert len(ABC) == 74


@pytest.mark.parametrize(
    ("font", "expected"),
    [
        (".VnTime", "tcvn3"),
        (".VnTimeH", "tcvn3"),
        (".VnArial", "tcvn3"),
        (".VnArialH", "tcvn3"),
        (".VnCentury Schoolbook", "tcvn3"),
        (".vntime", "tcvn3"),
        (" .VnTime ", "tcvn3"),
        ("VNI-Times", "vni"),
        ("VNI-Helve", "vni"),
        ("vni-times", "vni"),
        ("VNI Times", "vni"),
        ("Times New Roman", None),
        ("Arial", None),
        ("VnTime", None),
        ("VNIX", None),
        ("", None),
        (None, None),
    ],
)
def test_legacy_encoding_of_font(font: str | None, expected: str | None) -> None:
    assert legacy_encoding_of_font(font) == expected


def test_notes_phrases_tcvn3() -> None:
    assert decode_tcvn3(PHRASE_TCVN3) == PHRASE
    assert decode_tcvn3(CERT_TCVN3) == CERT
    assert to_unicode(PHRASE_TCVN3, ".VnTime") == PHRASE
    assert to_unicode(CERT_TCVN3, ".VnArial") == CERT


def test_notes_phrases_vni() -> None:
    assert decode_vni(PHRASE_VNI) == PHRASE
    assert decode_vni(CERT_VNI) == CERT
    assert to_unicode(PHRASE_VNI, "VNI-Times") == PHRASE
    assert to_unicode(CERT_VNI, "VNI-Helve") == CERT


def test_test_encoders_reproduce_the_notes() -> None:
    assert vni_encode(PHRASE) == PHRASE_VNI
    assert vni_encode(CERT) == CERT_VNI
    assert tcvn3_encode(PHRASE) == PHRASE_TCVN3
    assert tcvn3_encode(CERT) == CERT_TCVN3


@pytest.mark.parametrize("letter", LETTERS)
def test_vni_every_letter_round_trip(letter: str) -> None:
    assert decode_vni(vni_encode(letter)) == letter


def test_vni_all_letters_adjacent_round_trip() -> None:
    text = "".join(LETTERS)
    assert decode_vni(vni_encode(text)) == text
    assert decode_vni(vni_encode(" ".join(LETTERS))) == " ".join(LETTERS)


@pytest.mark.parametrize(
    "text",
    [
        "Được người Trường ĐẠI HỌC thuỷ lợi",
        "Nghị định 30/2020/NĐ-CP, ngày 01 tháng 4 năm 2021",
        "Ban Cơ yếu Chính phủ: chứng thư số chuyên dùng",
        "Ẳng ẳng, ỵ ỵ, khuỷu tay, Khuya, QUỲNH, Kỷ, Mỹ, Lý, Hỷ",
    ],
)
def test_vni_sentences_round_trip(text: str) -> None:
    assert decode_vni(vni_encode(text)) == text


def test_vni_mark_case_mismatch_is_read_by_base_case() -> None:
    assert decode_vni("Aùnh") == "Ánh"
    assert decode_vni("CoÄng") == "Cộng"


def test_vni_decomposed_input() -> None:
    assert decode_vni(unicodedata.normalize("NFD", CERT_VNI)) == CERT


def test_vni_stray_marks_kept() -> None:
    assert decode_vni("x\u00f9") == "x\u00f9"


@pytest.mark.parametrize("letter", LOWER_LETTERS + list("ĂÂÊÔƠƯĐ"))
def test_tcvn3_every_letter_round_trip(letter: str) -> None:
    assert decode_tcvn3(tcvn3_encode(letter)) == letter


@pytest.mark.parametrize("letter", LOWER_LETTERS)
def test_tcvn3_capitals_font_draws_capitals(letter: str) -> None:
    assert decode_tcvn3(tcvn3_encode(letter), capitals=True) == letter.upper()


def test_vntimeh_capital_line() -> None:
    line = "céng hßa x· héi chñ nghÜa viÖt nam"
    assert to_unicode(line, ".VnTimeH") == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    assert to_unicode("§éc lËp - Tù do - H¹nh phóc", ".VnTimeH") == "ĐỘC LẬP - TỰ DO - HẠNH PHÚC"
    assert to_unicode("bé tµi chÝnh", ".VnArialH") == "BỘ TÀI CHÍNH"
    assert to_unicode("bé tµi chÝnh", ".VnArial") == "bộ tài chính"


def test_tcvn3_combining_marks() -> None:
    assert decode_tcvn3("a\u00b0") == "à"
    assert decode_tcvn3("\u00a9\u00b3") == "ấ"


def test_tcvn3_leaves_controls_and_c1_alone() -> None:
    text = "\x01\x02\x13 HYPERLINK \x14link\x15\x16\x17 \x80\x93\x94\x9f"
    assert decode_tcvn3(text) == text


@pytest.mark.skipif(shutil.which("iconv") is None, reason="no iconv")
def test_tcvn3_table_agrees_with_glibc() -> None:
    for byte in range(0xA1, 0x100):
        done = subprocess.run(
            ["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"],
            input=bytes([byte]),
            capture_output=True,
            check=True,
        )
        expected = unicodedata.normalize("NFC", done.stdout.decode("utf-8"))
        assert decode_tcvn3(chr(byte)) == expected, hex(byte)


@pytest.mark.parametrize("font", [None, "", "Times New Roman", "Arial", "Calibri"])
def test_normal_font_unchanged(font: str | None) -> None:
    for text in (PHRASE, PHRASE_TCVN3, PHRASE_VNI, "Café, naïve, Größe, ½ µ ©"):
        assert to_unicode(text, font) == text


def test_decoding_is_not_idempotent() -> None:
    # Decode each run once: already-Unicode Vietnamese is garbled by a second pass.
    assert decode_tcvn3(PHRASE) != PHRASE
    assert decode_vni(PHRASE) != PHRASE
    assert decode_tcvn3(decode_tcvn3(PHRASE_TCVN3)) != PHRASE
    assert decode_vni(decode_vni(PHRASE_VNI)) != PHRASE
