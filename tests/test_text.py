"""Matching keys: what the campaign's keywords find, and what they must not."""

from __future__ import annotations

from parsers.spec.campaign import default_campaign
from parsers.text import has_phrase, match_key


def test_a_keyword_is_found_on_word_boundaries_whatever_the_accents() -> None:
    keys = default_campaign().keyword_keys
    assert has_phrase(match_key("V/v ĐỀ XUẤT NHU CẦU chứng thư số"), keys)
    assert has_phrase(match_key("Gửi Mẫu đăng ký (bản sửa)"), keys)
    assert not has_phrase(match_key("Hỏi về gia hạn chứng thư số"), keys)
    assert not has_phrase(match_key("mẫu đăng kýx"), ("mau dang ky",))
