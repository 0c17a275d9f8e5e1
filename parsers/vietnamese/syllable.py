"""Whether a word is spelled the way a Vietnamese syllable can be: an initial consonant, a vowel
group, a final consonant and at most one tone mark, on the vowel that carries it.

Used to tell which legacy encoding turns bytes into Vietnamese: a wrong decoding still gives
letters with marks, but rarely words the spelling rules allow ("kớnh" breaks the k-before-e/i
rule, "teỏ" puts the tone on the glide, "cuỷa" uses c where Vietnamese writes qu, "thùc" has
a falling tone before a final stop). Old and new tone placement (hoà/hòa, thuỷ/thủy) are both
accepted.
"""

from __future__ import annotations

import unicodedata

_TONES = frozenset("\u0300\u0301\u0303\u0309\u0323")
_ONSETS = ("ngh", "ng", "gh", "gi", "kh", "nh", "ph", "th", "tr", "ch", "qu", "b", "c", "d",
           "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "")
_CODAS = ("ng", "nh", "ch", "c", "k", "m", "n", "p", "t", "")  # k: Đắk, Lắk (place names)
# Vowel group → the positions its tone may take (both where it may take a final consonant).
_CLOSABLE: dict[str, frozenset[int]] = {
    **{v: frozenset({0}) for v in "aăâeêioôơuưy"},
    **{v: frozenset({1}) for v in ("iê", "yê", "uô", "ươ", "oă", "uâ", "uê", "uơ")},
    **{v: frozenset({0, 1}) for v in ("oa", "oe", "uy")},  # hoà / hòa, thuỷ / thủy
    "uyê": frozenset({2}),
}
# Groups that end in a glide or stand open: no final consonant after them.
_OPEN: dict[str, frozenset[int]] = {
    **{v: frozenset({0}) for v in ("ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "iu", "oi",
                                   "ôi", "ơi", "ui", "ưi", "ưu", "ia", "ua", "ưa")},
    **{v: frozenset({1}) for v in ("iêu", "yêu", "uôi", "ươi", "ươu", "oai", "oay", "oeo",
                                   "uây", "uya", "uyu")},
}
_GLIDE_GROUPS = frozenset({"oa", "oă", "oe", "uâ", "uê", "uơ", "uy", "uya", "uyê", "uyu",
                           "uây", "oai", "oay", "oeo"})
_LABIALS = frozenset({"b", "m", "p", "ph", "v"})
_NEEDS_CODA = frozenset({"ă", "â", "oă", "uâ"})
_STOPS = frozenset({"p", "t", "c", "ch", "k"})
_STOP_TONES = frozenset({"\u0301", "\u0323"})  # after a final stop: sắc or nặng, nothing else
_FRONT = frozenset("eêiy")


def _untoned(word: str) -> tuple[str, int | None, str, int]:
    """The word without tone marks, where the (last) tone stood, which it was, and how many
    there were."""
    letters: list[str] = []
    at, tone, tones = None, "", 0
    for c in unicodedata.normalize("NFC", word.lower()):
        parts = unicodedata.normalize("NFD", c)
        found = [m for m in parts if m in _TONES]
        if found:
            at, tone, tones = len(letters), found[-1], tones + len(found)
        letters.append(unicodedata.normalize("NFC", "".join(m for m in parts if m not in _TONES)))
    return "".join(letters), at, tone, tones


def _onset_fits(onset: str, group: str) -> bool:
    """The spelling rules tying the initial consonant to the vowel group that follows."""
    first = group[0]
    if onset in ("c", "g", "ng") and first in _FRONT:
        return False  # written k, gh, ngh there
    if onset in ("k", "gh", "ngh") and first not in _FRONT:
        return False
    if onset in ("c", "k") and group in _GLIDE_GROUPS and first == "u":
        return False  # written qu
    if onset == "qu" and first in "ouư":
        return False
    return not (onset in _LABIALS and group in _GLIDE_GROUPS)


def _places(onset: str, group: str, coda: str) -> frozenset[int] | None:
    """Where the tone may stand, counted from the vowel group; None when the parts cannot
    make a syllable."""
    if not group:
        return frozenset({-1}) if onset == "gi" else None  # gì, gìn: the i of gi is the vowel
    if not _onset_fits(onset, group):
        return None
    if group in _NEEDS_CODA and not coda:
        return None
    if coda in ("nh", "ch") and group[-1] not in "aêiy":
        return None  # anh, ênh, inh, uynh; ơnh is not written
    if coda:
        places = _CLOSABLE.get(group)
        return frozenset({1}) if places is not None and len(places) > 1 else places
    return _CLOSABLE.get(group) or _OPEN.get(group)


def is_syllable(word: str) -> bool:
    if not (word.islower() or word.isupper() or word.istitle()):
        return False  # a capital inside a word: a misread byte, not a syllable
    base, at, tone, tones = _untoned(word)
    if tones > 1:
        return False
    for onset in _ONSETS:
        if not base.startswith(onset):
            continue
        for coda in _CODAS:
            group = base[len(onset):len(base) - len(coda)]
            if not base.endswith(coda) or len(base) < len(onset) + len(coda):
                continue
            places = _places(onset, group, coda)
            if places is None or (coda in _STOPS and tone not in _STOP_TONES):
                continue
            if at is None or (at - len(onset)) in places:
                return True
    return False
