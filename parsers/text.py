"""Text normalisation for matching Vietnamese labels written in many ways.

`clean` keeps what was written but in one form (NFC, single spaces); `match_key` throws away
everything that varies between writers (case, tone marks and their placement, đ, punctuation)
so that "CỘNG HOÀ", "Cộng hòa" and "Cong hoa" compare equal.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# U+00D0 (Icelandic eth) is a common stand-in for Đ; U+0189 (African D) too.
_D_LOOKALIKES = str.maketrans({"\u00d0": "\u0110", "\u0189": "\u0110"})
_STRIP_D = str.maketrans({"\u0111": "d", "\u0110": "D"})
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\u200b\ufeff]+")
_NON_WORD = re.compile(r"[^0-9a-z]+")


def clean(text: object) -> str:
    """NFC, lookalike letters fixed, whitespace collapsed, trimmed."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFC", str(text)).translate(_D_LOOKALIKES)
    return _SPACES.sub(" ", s).strip()


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", clean(text).translate(_STRIP_D))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def match_key(text: object) -> str:
    """Lowercase ASCII words: the key two spellings of the same label share."""
    return _NON_WORD.sub(" ", strip_accents(clean(text)).lower()).strip()


def contains_words(haystack: str, words: tuple[str, ...]) -> bool:
    """True when every word of `words` appears as a whole word in the match key `haystack`."""
    have = set(haystack.split())
    return all(w in have for w in words)


def has_phrase(haystack: str, phrases: Iterable[str]) -> bool:
    """True when one of the match keys `phrases` occurs in the match key `haystack` on word
    boundaries ("mau dang ky" in "gui mau dang ky 2021", not in "mau dang kyx")."""
    hay = f" {haystack} "
    return any(f" {p} " in hay for p in phrases)


def _fold_char(c: str) -> str:
    c = c.translate(_STRIP_D)
    base = "".join(x for x in unicodedata.normalize("NFD", c) if not unicodedata.combining(x))
    return (base or c)[:1].lower() if len(base) <= 1 else base.lower()


def fold(text: str) -> str:
    """Accent- and case-free copy of an already `clean` text, one character per character,
    so a match found in the fold can be cut out of the original with the same indices."""
    out = "".join(_fold_char(c) for c in text)
    return out if len(out) == len(text) else strip_accents(text).lower()


def has_letters(text: str) -> bool:
    return any(c.isalpha() for c in text)
