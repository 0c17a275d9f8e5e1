"""Properties of the pure parsing parts, checked on generated inputs (hypothesis)."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
import zipfile
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers.form.parse import read_form
from parsers.form.quantity import parse_quantity
from parsers.read.document import CellValue
from parsers.spec.campaign import Campaign, default_campaign
from parsers.text import clean, fold, match_key
from replies.forms.blank_docx import blank_form_docx
from replies.forms.blank_xlsx import blank_form_xlsx

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
FORM_SETTINGS = settings(max_examples=200, deadline=None,
                         suppress_health_check=[HealthCheck.too_slow,
                                                HealthCheck.data_too_large])

_VIETNAMESE = ("aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstu"
               "ùúủũụưừứửữựvxyỳýỷỹỵfjwz")
VIETNAMESE_TEXT = st.text(
    alphabet=st.sampled_from(_VIETNAMESE + _VIETNAMESE.upper() + "0123456789 .,-/()\t\n\u00a0"),
    max_size=60)
CELL_VALUES: st.SearchStrategy[CellValue] = st.one_of(
    st.none(), st.booleans(), st.text(max_size=40), st.integers(), st.floats(),
    st.datetimes(), st.dates(), st.times(),
    st.from_regex(r"\s*-?\d{1,3}([.,  ]\d{3})*([.,]\d+)?\s*(CTS|cái|bộ)?\s*", fullmatch=True),
)


@lru_cache(maxsize=1)
def campaign() -> Campaign:
    return default_campaign()


@lru_cache(maxsize=1)
def seeds() -> tuple[bytes, bytes]:
    return blank_form_docx(campaign()), blank_form_xlsx(campaign())


# ---------------------------------------------------------------- quantities

@SETTINGS
@given(CELL_VALUES)
def test_parse_quantity_never_raises(value: CellValue) -> None:
    q = parse_quantity(value)
    assert q.value is None or (isinstance(q.value, int) and q.value >= 0)
    assert (q.value is None) == (q.problem is not None)


def _vietnamese_grouping(n: int) -> str:
    return f"{n:,}".replace(",", ".")


@SETTINGS
@given(st.integers(min_value=0, max_value=10**15), st.sampled_from(["", " CTS", " cái", " "]))
def test_whole_numbers_round_trip(n: int, unit: str) -> None:
    assert parse_quantity(str(n) + unit).value == n
    assert parse_quantity(_vietnamese_grouping(n) + unit).value == n
    assert parse_quantity(n).value == n


@SETTINGS
@given(st.integers(min_value=1, max_value=10**9))
def test_negative_numbers_are_named(n: int) -> None:
    assert parse_quantity(f"-{n}").problem == "quantity-negative"
    assert parse_quantity(-n).problem == "quantity-negative"


def test_excel_dates_are_not_counts() -> None:
    assert parse_quantity(dt.datetime(2021, 5, 1)).problem == "quantity-not-integer"


# ---------------------------------------------------------------- text

@SETTINGS
@given(st.text(max_size=80))
def test_match_key_is_idempotent_and_ascii(text: str) -> None:
    key = match_key(text)
    assert key.isascii()
    assert match_key(key) == key
    assert key == key.strip() and "  " not in key


@SETTINGS
@given(VIETNAMESE_TEXT)
def test_match_key_ignores_normal_form_and_case(text: str) -> None:
    key = match_key(text)
    for variant in (unicodedata.normalize("NFD", text), unicodedata.normalize("NFC", text),
                    text.upper(), text.lower(), text.swapcase()):
        assert match_key(variant) == key


@SETTINGS
@given(VIETNAMESE_TEXT)
def test_fold_keeps_length_of_vietnamese_text(text: str) -> None:
    cleaned = clean(text)
    folded = fold(cleaned)
    assert len(folded) == len(cleaned)
    assert folded.isascii()


@SETTINGS
@given(st.text(max_size=80))
def test_fold_never_raises_and_clean_is_idempotent(text: str) -> None:
    fold(clean(text))
    assert clean(clean(text)) == clean(text)


@pytest.mark.xfail(strict=True, reason="fold() decomposes a Hangul syllable into its jamo, so "
                   "the fold is longer than the NFC text (parsers/text.py)")
def test_fold_keeps_length_of_any_nfc_text() -> None:
    assert len(fold("한")) == len("한")


# ---------------------------------------------------------------- whole files

@FORM_SETTINGS
@given(st.binary(max_size=4096))
def test_read_form_never_raises_on_random_bytes(data: bytes) -> None:
    for prefix in (b"", b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        assert read_form(prefix + data, "x.docx", campaign()).verdict


@st.composite
def mutated_bytes(draw: st.DrawFn) -> bytes:
    data = bytearray(seeds()[draw(st.integers(0, 1))])
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(data) - 1))
        action = draw(st.sampled_from(["flip", "cut", "dup", "zero"]))
        if action == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "cut":
            del data[at:at + draw(st.integers(1, 64))]
        elif action == "dup":
            data[at:at] = data[at:at + draw(st.integers(1, 64))]
        else:
            data[at:at + 4] = bytes(4)
    return bytes(data)


@FORM_SETTINGS
@given(mutated_bytes())
def test_read_form_never_raises_on_mutated_forms(data: bytes) -> None:
    assert read_form(data, "mutated", campaign()).verdict


@st.composite
def mutated_members(draw: st.DrawFn) -> bytes:
    """A real form with the XML of one of its parts changed, re-zipped."""
    source = seeds()[draw(st.integers(0, 1))]
    with zipfile.ZipFile(io.BytesIO(source)) as z:
        members = {n: z.read(n) for n in z.namelist()}
    name = draw(st.sampled_from(sorted(n for n in members if n.endswith((".xml", ".rels")))))
    text = bytearray(members[name])
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, max(0, len(text) - 1)))
        span = draw(st.integers(0, 200))
        text[at:at + span] = draw(st.sampled_from(
            [b"", b"<", b">", b"&", b"&amp;", b'"', b"9999999999", b"-1", b"\xff", b"</w:tc>",
             b"<w:tc>", bytes(text[at:at + span]) * 2]))
    members[name] = bytes(text)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in members.items():
            z.writestr(n, d)
    return out.getvalue()


@FORM_SETTINGS
@given(mutated_members())
def test_read_form_never_raises_on_mutated_parts(data: bytes) -> None:
    assert read_form(data, "mutated", campaign()).verdict
