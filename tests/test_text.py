"""Matching keys: what the campaign's keywords find, and what they must not."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from parsers.spec.campaign import default_campaign
from parsers.text import clean, has_phrase, match_key


def test_a_keyword_is_found_on_word_boundaries_whatever_the_accents() -> None:
    keys = default_campaign().keyword_keys
    assert has_phrase(match_key("V/v ĐỀ XUẤT NHU CẦU chứng thư số"), keys)
    assert has_phrase(match_key("Gửi Mẫu đăng ký (bản sửa)"), keys)
    assert not has_phrase(match_key("Hỏi về gia hạn chứng thư số"), keys)
    assert not has_phrase(match_key("mẫu đăng kýx"), ("mau dang ky",))


_REFERENCE_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\u200b\ufeff]+")


def _reference_clean(text: str) -> str:
    """`clean` as it was first written: every step on every text."""
    s = unicodedata.normalize("NFC", text).translate(
        str.maketrans({"\u00d0": "\u0110", "\u0189": "\u0110"}))
    return _REFERENCE_SPACES.sub(" ", s).strip()


_ALPHABET = st.sampled_from(
    [chr(c) for c in range(0x250)] + list("\u200b\ufeff\u00a0\u2007\u202f\u2028\u1680\u3000"
                                          "\u0300\u0301\u0323\u00d0\u0189đĐơƯ"))


@given(st.text(_ALPHABET, max_size=12))
def test_clean_skips_only_the_steps_that_change_nothing(text: str) -> None:
    assert clean(text) == _reference_clean(text)
