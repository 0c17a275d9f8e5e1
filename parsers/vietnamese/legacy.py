"""Legacy Vietnamese font encodings (TCVN3/ABC and VNI-Windows) to NFC Unicode.

Text in a `.Vn*` or `VNI-*` font is stored as Latin-1 characters (one per font byte); only the
font name tells it apart from French or German, so callers pick the decoder by font, never by
content. Decoding is not idempotent: Unicode Vietnamese fed back in is garbled (ó is VNI ĩ,
é is TCVN3 ộ), so decode each run exactly once.
"""

from __future__ import annotations

import unicodedata
from typing import Literal

LegacyEncoding = Literal["tcvn3", "vni"]

# TCVN 5712:1993, generated once from glibc `iconv -f TCVN5712-1 -t UTF-8` for 0xA1-0xFF
# (it agrees with the ABC font tables there; 0xFD is ý in both). 0xB0-0xB4 are combining
# tone marks. Not included: glibc's capitals at 0x01-0x17 (Word uses those codes for field,
# footnote and object markers) and at 0x80-0x9F (absent from ABC fonts, and U+0080-U+009F
# in extracted text is usually a cp1252 quote or dash read as Latin-1).
_TCVN3: dict[str, str] = {
    "\xa1": "\u0102",  # Ă
    "\xa2": "\u00c2",  # Â
    "\xa3": "\u00ca",  # Ê
    "\xa4": "\u00d4",  # Ô
    "\xa5": "\u01a0",  # Ơ
    "\xa6": "\u01af",  # Ư
    "\xa7": "\u0110",  # Đ
    "\xa8": "\u0103",  # ă
    "\xa9": "\u00e2",  # â
    "\xaa": "\u00ea",  # ê
    "\xab": "\u00f4",  # ô
    "\xac": "\u01a1",  # ơ
    "\xad": "\u01b0",  # ư
    "\xae": "\u0111",  # đ
    "\xaf": "\u1eb0",  # Ằ
    "\xb0": "\u0300",  # combining
    "\xb1": "\u0309",  # combining
    "\xb2": "\u0303",  # combining
    "\xb3": "\u0301",  # combining
    "\xb4": "\u0323",  # combining
    "\xb5": "\u00e0",  # à
    "\xb6": "\u1ea3",  # ả
    "\xb7": "\u00e3",  # ã
    "\xb8": "\u00e1",  # á
    "\xb9": "\u1ea1",  # ạ
    "\xba": "\u1eb2",  # Ẳ
    "\xbb": "\u1eb1",  # ằ
    "\xbc": "\u1eb3",  # ẳ
    "\xbd": "\u1eb5",  # ẵ
    "\xbe": "\u1eaf",  # ắ
    "\xbf": "\u1eb4",  # Ẵ
    "\xc0": "\u1eae",  # Ắ
    "\xc1": "\u1ea6",  # Ầ
    "\xc2": "\u1ea8",  # Ẩ
    "\xc3": "\u1eaa",  # Ẫ
    "\xc4": "\u1ea4",  # Ấ
    "\xc5": "\u1ec0",  # Ề
    "\xc6": "\u1eb7",  # ặ
    "\xc7": "\u1ea7",  # ầ
    "\xc8": "\u1ea9",  # ẩ
    "\xc9": "\u1eab",  # ẫ
    "\xca": "\u1ea5",  # ấ
    "\xcb": "\u1ead",  # ậ
    "\xcc": "\u00e8",  # è
    "\xcd": "\u1ec2",  # Ể
    "\xce": "\u1ebb",  # ẻ
    "\xcf": "\u1ebd",  # ẽ
    "\xd0": "\u00e9",  # é
    "\xd1": "\u1eb9",  # ẹ
    "\xd2": "\u1ec1",  # ề
    "\xd3": "\u1ec3",  # ể
    "\xd4": "\u1ec5",  # ễ
    "\xd5": "\u1ebf",  # ế
    "\xd6": "\u1ec7",  # ệ
    "\xd7": "\u00ec",  # ì
    "\xd8": "\u1ec9",  # ỉ
    "\xd9": "\u1ec4",  # Ễ
    "\xda": "\u1ebe",  # Ế
    "\xdb": "\u1ed2",  # Ồ
    "\xdc": "\u0129",  # ĩ
    "\xdd": "\u00ed",  # í
    "\xde": "\u1ecb",  # ị
    "\xdf": "\u00f2",  # ò
    "\xe0": "\u1ed4",  # Ổ
    "\xe1": "\u1ecf",  # ỏ
    "\xe2": "\u00f5",  # õ
    "\xe3": "\u00f3",  # ó
    "\xe4": "\u1ecd",  # ọ
    "\xe5": "\u1ed3",  # ồ
    "\xe6": "\u1ed5",  # ổ
    "\xe7": "\u1ed7",  # ỗ
    "\xe8": "\u1ed1",  # ố
    "\xe9": "\u1ed9",  # ộ
    "\xea": "\u1edd",  # ờ
    "\xeb": "\u1edf",  # ở
    "\xec": "\u1ee1",  # ỡ
    "\xed": "\u1edb",  # ớ
    "\xee": "\u1ee3",  # ợ
    "\xef": "\u00f9",  # ù
    "\xf0": "\u1ed6",  # Ỗ
    "\xf1": "\u1ee7",  # ủ
    "\xf2": "\u0169",  # ũ
    "\xf3": "\u00fa",  # ú
    "\xf4": "\u1ee5",  # ụ
    "\xf5": "\u1eeb",  # ừ
    "\xf6": "\u1eed",  # ử
    "\xf7": "\u1eef",  # ữ
    "\xf8": "\u1ee9",  # ứ
    "\xf9": "\u1ef1",  # ự
    "\xfa": "\u1ef3",  # ỳ
    "\xfb": "\u1ef7",  # ỷ
    "\xfc": "\u1ef9",  # ỹ
    "\xfd": "\u00fd",  # ý
    "\xfe": "\u1ef5",  # ỵ
    "\xff": "\u1ed0",  # Ố
}
_TCVN3_TABLE = str.maketrans(_TCVN3)

# VNI-Windows: base letter + one mark character (circumflex/breve combined with the tone);
# i, ỵ, ơ, ư, đ are single characters. Capitals take the capital mark characters.
_VNI: dict[str, str] = {
    "A\xd9": "\u00c1",  # AÙ Á
    "a\xf9": "\u00e1",  # aù á
    "A\xd8": "\u00c0",  # AØ À
    "a\xf8": "\u00e0",  # aø à
    "A\xdb": "\u1ea2",  # AÛ Ả
    "a\xfb": "\u1ea3",  # aû ả
    "A\xd5": "\u00c3",  # AÕ Ã
    "a\xf5": "\u00e3",  # aõ ã
    "A\xcf": "\u1ea0",  # AÏ Ạ
    "a\xef": "\u1ea1",  # aï ạ
    "A\xc2": "\u00c2",  # AÂ Â
    "a\xe2": "\u00e2",  # aâ â
    "A\xc1": "\u1ea4",  # AÁ Ấ
    "a\xe1": "\u1ea5",  # aá ấ
    "A\xc0": "\u1ea6",  # AÀ Ầ
    "a\xe0": "\u1ea7",  # aà ầ
    "A\xc5": "\u1ea8",  # AÅ Ẩ
    "a\xe5": "\u1ea9",  # aå ẩ
    "A\xc3": "\u1eaa",  # AÃ Ẫ
    "a\xe3": "\u1eab",  # aã ẫ
    "A\xc4": "\u1eac",  # AÄ Ậ
    "a\xe4": "\u1ead",  # aä ậ
    "A\xca": "\u0102",  # AÊ Ă
    "a\xea": "\u0103",  # aê ă
    "A\xc9": "\u1eae",  # AÉ Ắ
    "a\xe9": "\u1eaf",  # aé ắ
    "A\xc8": "\u1eb0",  # AÈ Ằ
    "a\xe8": "\u1eb1",  # aè ằ
    "A\xda": "\u1eb2",  # AÚ Ẳ
    "a\xfa": "\u1eb3",  # aú ẳ
    "A\xdc": "\u1eb4",  # AÜ Ẵ
    "a\xfc": "\u1eb5",  # aü ẵ
    "A\xcb": "\u1eb6",  # AË Ặ
    "a\xeb": "\u1eb7",  # aë ặ
    "E\xd9": "\u00c9",  # EÙ É
    "e\xf9": "\u00e9",  # eù é
    "E\xd8": "\u00c8",  # EØ È
    "e\xf8": "\u00e8",  # eø è
    "E\xdb": "\u1eba",  # EÛ Ẻ
    "e\xfb": "\u1ebb",  # eû ẻ
    "E\xd5": "\u1ebc",  # EÕ Ẽ
    "e\xf5": "\u1ebd",  # eõ ẽ
    "E\xcf": "\u1eb8",  # EÏ Ẹ
    "e\xef": "\u1eb9",  # eï ẹ
    "E\xc2": "\u00ca",  # EÂ Ê
    "e\xe2": "\u00ea",  # eâ ê
    "E\xc1": "\u1ebe",  # EÁ Ế
    "e\xe1": "\u1ebf",  # eá ế
    "E\xc0": "\u1ec0",  # EÀ Ề
    "e\xe0": "\u1ec1",  # eà ề
    "E\xc5": "\u1ec2",  # EÅ Ể
    "e\xe5": "\u1ec3",  # eå ể
    "E\xc3": "\u1ec4",  # EÃ Ễ
    "e\xe3": "\u1ec5",  # eã ễ
    "E\xc4": "\u1ec6",  # EÄ Ệ
    "e\xe4": "\u1ec7",  # eä ệ
    "O\xd9": "\u00d3",  # OÙ Ó
    "o\xf9": "\u00f3",  # où ó
    "O\xd8": "\u00d2",  # OØ Ò
    "o\xf8": "\u00f2",  # oø ò
    "O\xdb": "\u1ece",  # OÛ Ỏ
    "o\xfb": "\u1ecf",  # oû ỏ
    "O\xd5": "\u00d5",  # OÕ Õ
    "o\xf5": "\u00f5",  # oõ õ
    "O\xcf": "\u1ecc",  # OÏ Ọ
    "o\xef": "\u1ecd",  # oï ọ
    "O\xc2": "\u00d4",  # OÂ Ô
    "o\xe2": "\u00f4",  # oâ ô
    "O\xc1": "\u1ed0",  # OÁ Ố
    "o\xe1": "\u1ed1",  # oá ố
    "O\xc0": "\u1ed2",  # OÀ Ồ
    "o\xe0": "\u1ed3",  # oà ồ
    "O\xc5": "\u1ed4",  # OÅ Ổ
    "o\xe5": "\u1ed5",  # oå ổ
    "O\xc3": "\u1ed6",  # OÃ Ỗ
    "o\xe3": "\u1ed7",  # oã ỗ
    "O\xc4": "\u1ed8",  # OÄ Ộ
    "o\xe4": "\u1ed9",  # oä ộ
    "\xd4": "\u01a0",  # Ô Ơ
    "\xf4": "\u01a1",  # ô ơ
    "\xd4\xd9": "\u1eda",  # ÔÙ Ớ
    "\xf4\xf9": "\u1edb",  # ôù ớ
    "\xd4\xd8": "\u1edc",  # ÔØ Ờ
    "\xf4\xf8": "\u1edd",  # ôø ờ
    "\xd4\xdb": "\u1ede",  # ÔÛ Ở
    "\xf4\xfb": "\u1edf",  # ôû ở
    "\xd4\xd5": "\u1ee0",  # ÔÕ Ỡ
    "\xf4\xf5": "\u1ee1",  # ôõ ỡ
    "\xd4\xcf": "\u1ee2",  # ÔÏ Ợ
    "\xf4\xef": "\u1ee3",  # ôï ợ
    "U\xd9": "\u00da",  # UÙ Ú
    "u\xf9": "\u00fa",  # uù ú
    "U\xd8": "\u00d9",  # UØ Ù
    "u\xf8": "\u00f9",  # uø ù
    "U\xdb": "\u1ee6",  # UÛ Ủ
    "u\xfb": "\u1ee7",  # uû ủ
    "U\xd5": "\u0168",  # UÕ Ũ
    "u\xf5": "\u0169",  # uõ ũ
    "U\xcf": "\u1ee4",  # UÏ Ụ
    "u\xef": "\u1ee5",  # uï ụ
    "\xd6": "\u01af",  # Ö Ư
    "\xf6": "\u01b0",  # ö ư
    "\xd6\xd9": "\u1ee8",  # ÖÙ Ứ
    "\xf6\xf9": "\u1ee9",  # öù ứ
    "\xd6\xd8": "\u1eea",  # ÖØ Ừ
    "\xf6\xf8": "\u1eeb",  # öø ừ
    "\xd6\xdb": "\u1eec",  # ÖÛ Ử
    "\xf6\xfb": "\u1eed",  # öû ử
    "\xd6\xd5": "\u1eee",  # ÖÕ Ữ
    "\xf6\xf5": "\u1eef",  # öõ ữ
    "\xd6\xcf": "\u1ef0",  # ÖÏ Ự
    "\xf6\xef": "\u1ef1",  # öï ự
    "\xcd": "\u00cd",  # Í Í
    "\xed": "\u00ed",  # í í
    "\xcc": "\u00cc",  # Ì Ì
    "\xec": "\u00ec",  # ì ì
    "\xc6": "\u1ec8",  # Æ Ỉ
    "\xe6": "\u1ec9",  # æ ỉ
    "\xd3": "\u0128",  # Ó Ĩ
    "\xf3": "\u0129",  # ó ĩ
    "\xd2": "\u1eca",  # Ò Ị
    "\xf2": "\u1ecb",  # ò ị
    "Y\xd9": "\u00dd",  # YÙ Ý
    "y\xf9": "\u00fd",  # yù ý
    "Y\xd8": "\u1ef2",  # YØ Ỳ
    "y\xf8": "\u1ef3",  # yø ỳ
    "Y\xdb": "\u1ef6",  # YÛ Ỷ
    "y\xfb": "\u1ef7",  # yû ỷ
    "Y\xd5": "\u1ef8",  # YÕ Ỹ
    "y\xf5": "\u1ef9",  # yõ ỹ
    "\xce": "\u1ef4",  # Î Ỵ
    "\xee": "\u1ef5",  # î ỵ
    "\xd1": "\u0110",  # Ñ Đ
    "\xf1": "\u0111",  # ñ đ
}
_VNI_MARKS = frozenset(k[1] for k in _VNI if len(k) == 2)


def _vni_lookup() -> dict[str, str]:
    """The VNI table, also accepting a mark in the other case than its base letter."""
    table = dict(_VNI)
    for seq, letter in _VNI.items():
        if len(seq) == 2:
            mark = seq[1]
            swapped = mark.lower() if mark.isupper() else mark.upper()
            table.setdefault(seq[0] + swapped, letter)
    return table


_VNI_LOOKUP = _vni_lookup()


def legacy_encoding_of_font(font_name: str | None) -> LegacyEncoding | None:
    if not font_name:
        return None
    name = font_name.strip().lower()
    if name.startswith(".vn"):
        return "tcvn3"
    if name.startswith(("vni-", "vni ", "vni_")):
        return "vni"
    return None


def _is_capitals_font(font_name: str) -> bool:
    """`.VnTimeH`, `.VnArialH`, ...: ABC capitals fonts end in H."""
    return font_name.strip().lower().endswith("h")


def decode_tcvn3(text: str, capitals: bool = False) -> str:
    out = unicodedata.normalize("NFC", text).translate(_TCVN3_TABLE)
    if capitals:
        out = out.upper()
    return unicodedata.normalize("NFC", out)


def decode_vni(text: str) -> str:
    src = unicodedata.normalize("NFC", text)
    out: list[str] = []
    i = 0
    n = len(src)
    while i < n:
        if i + 1 < n and src[i + 1] in _VNI_MARKS:
            pair = _VNI_LOOKUP.get(src[i : i + 2])
            if pair is not None:
                out.append(pair)
                i += 2
                continue
        out.append(_VNI_LOOKUP.get(src[i], src[i]))
        i += 1
    return unicodedata.normalize("NFC", "".join(out))


def to_unicode(text: str, font_name: str | None) -> str:
    encoding = legacy_encoding_of_font(font_name)
    if encoding == "tcvn3":
        return decode_tcvn3(text, capitals=_is_capitals_font(font_name or ""))
    if encoding == "vni":
        return decode_vni(text)
    return text
