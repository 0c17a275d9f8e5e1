"""Vietnamese text as the legacy encodings store it, for tests of undeclared bytes: windows-1258
(the base letter precomposed where the code page has it, the tone as a combining mark, the way
Windows writes it), TCVN3 (ABC) and VNI-Windows."""

from __future__ import annotations

import unicodedata

from tests.test_legacy import ABC, vni_encode

_TONES = "\u0300\u0301\u0303\u0309\u0323"


def cp1258_bytes(text: str) -> bytes:
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(m for m in parts if m not in _TONES))
        out.append(base.encode("cp1258") + "".join(m for m in parts if m in _TONES)
                   .encode("cp1258"))
    return b"".join(out)


def tcvn3_bytes(text: str) -> bytes:
    """Lowercase letters and Ă Â Ê Ô Ơ Ư Đ only: ABC has no other accented capital."""
    return "".join(ABC.get(c, c) for c in unicodedata.normalize("NFC", text)).encode("latin-1")


def vni_bytes(text: str) -> bytes:
    return vni_encode(unicodedata.normalize("NFC", text)).encode("latin-1")
