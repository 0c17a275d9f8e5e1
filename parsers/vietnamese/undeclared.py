"""Bytes whose encoding nobody declared — a raw 8-bit mail header, a ZIP member name without the
UTF-8 flag — decoded as a Vietnamese reader would: UTF-8 when they are valid UTF-8, else the
legacy encoding in which they read as Vietnamese.

Valid UTF-8 is almost never legacy text by accident, so it is taken as it is. The legacy
encodings (windows-1258, TCVN3 as old mailers and zip tools wrote it, VNI-Windows) each decode
any bytes at all, so each reading is scored: a Vietnamese letter with a mark counts for it,
a character no Vietnamese text has (ß, ×, ¶, «, a dangling mark...) and a word with two tones
count against it. A later encoding must score higher than the earlier ones: windows-1258,
then TCVN3, then VNI (by a whole word), so a short text that reads well in two is read the
first way.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections.abc import Iterator

from parsers.vietnamese.legacy import decode_tcvn3, decode_vni
from parsers.vietnamese.syllable import is_syllable

_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
_TYPOGRAPHY = frozenset("“”‘’–—…•«»°№€₫·")  # seen in real text; neither for nor against
_WORD = re.compile(r"[^\W\d_]+")


def _letters() -> frozenset[str]:
    lower = {unicodedata.normalize("NFC", base + tone)
             for base in "aăâeêioôơuưy" for tone in ("", *_TONES)} | {"đ"}
    return frozenset(lower | {c.upper() for c in lower})


_VIETNAMESE = _letters()


def vietnamese_score(text: str) -> int:
    """How much `text` (NFC) reads as Vietnamese: higher is more likely."""
    score = 0
    for c in text:
        if unicodedata.category(c) == "Cc":
            score -= 0 if c in "\t\r\n" else 5  # a control character: a byte misread
        elif c.isascii():
            continue
        elif c not in _VIETNAMESE and c not in _TYPOGRAPHY and not c.isspace():
            score -= 3
    for word in _WORD.findall(text):
        if not word.isascii():
            score += 3 if is_syllable(word) else -4
    return score


def _readings(data: bytes, also: tuple[str, ...]) -> Iterator[tuple[str, int]]:
    """Each legacy reading, with the lead it needs over the readings before it."""
    with contextlib.suppress(UnicodeDecodeError):  # bytes windows-1258 leaves undefined
        yield unicodedata.normalize("NFC", data.decode("cp1258")), 0
    latin = data.decode("latin-1")
    yield decode_tcvn3(latin), 1
    # VNI is a font encoding, rarely seen outside documents: it must win by a whole word
    yield decode_vni(latin), 3
    for codec in also:
        yield unicodedata.normalize("NFC", data.decode(codec, "replace")), 1


def decode_undeclared(data: bytes, also: tuple[str, ...] = ()) -> str:
    """Text of `data`: UTF-8 if valid, else the best-scoring Vietnamese legacy reading, or a
    reading in one of the code pages `also` names (last, needing a lead)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    best, best_score = "", None
    for text, lead in _readings(data, also):
        score = vietnamese_score(text)
        if best_score is None or score >= best_score + lead:
            best, best_score = text, score
    return best
