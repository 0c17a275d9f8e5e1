"""Text normalisation for matching Vietnamese labels written in many ways.

`clean` keeps what was written but in one form (NFC, single spaces); `match_key` throws away
everything that varies between writers (case, tone marks and their placement, đ, punctuation)
so that "CỘNG HOÀ", "Cộng hòa" and "Cong hoa" compare equal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

# U+00D0 (Icelandic eth) is a common stand-in for Đ; U+0189 (African D) too.
_D_LOOKALIKES = str.maketrans({"\u00d0": "\u0110", "\u0189": "\u0110"})
_STRIP_D = str.maketrans({"\u0111": "d", "\u0110": "D"})
_NON_WORD = re.compile(r"[^0-9a-z]+")


def clean(text: object) -> str:
    """NFC, lookalike letters fixed, whitespace collapsed, trimmed.

    Called on every cell and line of a form, so each step runs only where it can change
    something. Whitespace is what `str.isspace` knows (no-break and figure spaces included)
    and the two invisible spaces it does not (U+200B, U+FEFF)."""
    if text is None:
        return ""
    s = str(text)
    if not s.isascii():
        s = unicodedata.normalize("NFC", s)
        if "\u00d0" in s or "\u0189" in s:
            s = s.translate(_D_LOOKALIKES)
        if "\u200b" in s or "\ufeff" in s:
            s = s.replace("\u200b", " ").replace("\ufeff", " ")
    return " ".join(s.split())


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", clean(text).translate(_STRIP_D))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _match_key(text: object) -> str:
    return _NON_WORD.sub(" ", strip_accents(clean(text)).lower()).strip()


# A form's cells and lines repeat (headings, labels, blank cells, the same line matched by
# several rules): keys are remembered, in a bounded cache, for texts of a bounded length.
_cached_match_key = lru_cache(maxsize=16_384)(_match_key)
_CACHED_LENGTH = 512


def match_key(text: object) -> str:
    """Lowercase ASCII words: the key two spellings of the same label share."""
    if type(text) is str and len(text) <= _CACHED_LENGTH:
        return _cached_match_key(text)
    return _match_key(text)


def has_phrase(haystack: str, phrases: Iterable[str]) -> bool:
    """True when one of the match keys `phrases` occurs in the match key `haystack` on word
    boundaries ("mau dang ky" in "gui mau dang ky 2021", not in "mau dang kyx")."""
    hay = f" {haystack} "
    return any(f" {p} " in hay for p in phrases)


def _fold_char(c: str) -> str:
    c = c.translate(_STRIP_D)
    base = "".join(x for x in unicodedata.normalize("NFD", c) if not unicodedata.combining(x))
    return (base or c)[:1].lower() if len(base) <= 1 else base.lower()


class _FoldTable(dict[int, str]):
    """`str.translate` table of `_fold_char`, filled as characters are first seen (a form
    uses a few hundred); past the cap a character is folded each time, not remembered."""

    def __missing__(self, code: int) -> str:
        folded = _fold_char(chr(code))
        if len(self) < 65_536:
            self[code] = folded
        return folded


_FOLD = _FoldTable()


def _fold(text: str) -> str:
    out = text.translate(_FOLD)
    return out if len(out) == len(text) else strip_accents(text).lower()


_cached_fold = lru_cache(maxsize=16_384)(_fold)  # as match_key: a form's lines repeat


def fold(text: str) -> str:
    """Accent- and case-free copy of an already `clean` text, one character per character,
    so a match found in the fold can be cut out of the original with the same indices."""
    if len(text) <= _CACHED_LENGTH:
        return _cached_fold(text)
    return _fold(text)


def has_letters(text: str) -> bool:
    return any(c.isalpha() for c in text)
