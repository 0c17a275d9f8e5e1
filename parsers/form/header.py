"""The letter header of a form: agency, number, place and date, found in lines of text.

Lines come from paragraphs and from cells outside the demand table (Word header tables,
spreadsheet rows above the table), in reading order. Everything is matched on folded text
(no case, no accents) and cut from the original with the same indices.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from parsers.spec.campaign import Campaign
from parsers.text import clean, fold, has_letters, match_key

# Administrative conventions (Nghị định 30/2020), as folded patterns.
_NUMBER = re.compile(r"^so\s*(?::|\.|(?=\d)|(?=/))\s*(?P<rest>.*)$")
_PLACE_DATE = re.compile(r"^(?P<place>[^\d/()]{0,60}?)\s*,?\s*(?P<when>ngay\b(?P<rest>.*))$")
_DATE_WORDS = re.compile(r"^\s*(?P<d>\S*)\s*thang\s*(?P<m>\S*)\s*nam\s*(?P<y>\S*)")
_DATE_NUMERIC = re.compile(r"^\s*(?P<d>\d{1,2})\s*[/.-]\s*(?P<m>\d{1,2})\s*[/.-]\s*(?P<y>\d{4})")
_LEADERS = re.compile(r"…+|\.{2,}|_{2,}")  # dotted leaders of a blank: "……", ".....", "____"
_INTRO = re.compile(r"chinh phu\s*,\s*(?P<agency>.+?)\s*,?\s+de xuat\b")
_LABELLED = re.compile(
    r"^(?:ten co quan|co quan|don vi|ten don vi|co quan de xuat)\s*:\s*(?P<v>.+)$")
_STOP_AGENCY = ("v v", "kinh gui", "thuc hien", "mau dang ky")
_CONTINUATIONS = ("tinh ", "thanh pho ", "tp ", "huyen ", "quan ", "thi xa ")
# Titles agencies put above their table ("BẢNG ĐĂNG KÝ NHU CẦU CHỨNG THƯ SỐ"): never a name.
_TITLE_WORDS = ("chung thu so", "nhu cau", "dang ky")
_TITLE_STARTS = ("bang ", "mau ", "phu luc", "bieu ", "danh muc")


@dataclass(frozen=True)
class HeaderField:
    value: str | None = None
    placeholder: bool = False
    written: str = ""


@dataclass(frozen=True)
class DateField:
    value: dt.date | None = None
    placeholder: bool = False
    written: str = ""
    invalid: bool = False


@dataclass(frozen=True)
class HeaderReading:
    agency: HeaderField
    intro_agency: HeaderField
    number: HeaderField
    place: HeaderField
    date: DateField


def _is_placeholder(text: str) -> bool:
    return "<" in text and ">" in text


def _boilerplate(campaign: Campaign) -> tuple[str, ...]:
    form = campaign.form
    lines = (form.title, form.subtitle, form.attachment_line, form.nation, form.motto,
             form.subject_line, form.salutation, form.notes_heading)
    return tuple(match_key(line) for line in lines if line)


def _is_boilerplate(key: str, boiler: tuple[str, ...]) -> bool:
    return any(b and (key == b or key.startswith(b[:40])) for b in boiler) or key.startswith(
        "kem theo")


def _number_placeholder(line: str, placeholder_key: str) -> bool:
    """The number line as the blank form prints it ("Số: ……/……", only the label has letters),
    or an older form's "<Số, ký hiệu>"."""
    key = match_key(line)
    return bool(placeholder_key) and key == placeholder_key or (
        _is_placeholder(line) and fold(line).lstrip("<( ").startswith("so"))


def _without_leaders(text: str) -> str:
    """What a clerk typed on a dotted line, without the dots left around it."""
    return _LEADERS.sub(" ", text).strip()


def _document_number(lines: list[str], campaign: Campaign) -> HeaderField:
    placeholder_key = match_key(campaign.form.number_placeholder)
    for i, line in enumerate(lines):
        folded = fold(line)
        if _number_placeholder(line, placeholder_key):
            return HeaderField(None, True, line)
        m = _NUMBER.match(folded)
        if not m or folded.startswith(("so luong", "so dien thoai")):
            continue
        rest = line[m.start("rest"):].strip()
        if not rest and i + 1 < len(lines) and "/" in lines[i + 1]:
            rest = lines[i + 1]
        if _is_placeholder(rest):
            return HeaderField(None, True, line)
        value = re.sub(r"\s*/\s*", "/", _without_leaders(rest)).strip(" .;,")
        if not any(ch.isalnum() for ch in value):
            return HeaderField(None, True, line)
        return HeaderField(value, False, line)
    return HeaderField()


def _date(rest: str, written: str) -> DateField:
    """`rest` is the folded text after "ngày", `written` the same text as written."""
    m = _DATE_WORDS.match(rest) or _DATE_NUMERIC.match(rest)
    written = written.strip()
    if not m:
        return DateField(None, False, written, invalid=True)
    parts = [m.group(g).strip(".,;") for g in ("d", "m", "y")]
    if not all(p.isdigit() for p in parts):
        blank = all(not p.isdigit() for p in parts[:2])
        return DateField(None, blank, written, invalid=not blank)
    try:
        return DateField(dt.date(int(parts[2]), int(parts[1]), int(parts[0])), False, written)
    except ValueError:
        return DateField(None, False, written, invalid=True)


def _place_and_date(lines: list[str]) -> tuple[HeaderField, DateField]:
    for line in lines:
        folded = fold(line)
        m = _PLACE_DATE.match(folded)
        if not m or "cong van" in folded[: m.end("place")]:
            continue
        place = line[: m.end("place")].strip(" ,")
        date = _date(folded[m.start("rest"):], line[m.start("when"):])
        if not has_letters(place) and not date.value and not date.placeholder:
            continue
        place_field = HeaderField(
            None if _is_placeholder(place) or not has_letters(place) else place,
            _is_placeholder(place), place)
        return place_field, date
    return HeaderField(), DateField()


def _is_title(key: str) -> bool:
    return key.startswith(_TITLE_STARTS) or any(f" {w} " in f" {key} " for w in _TITLE_WORDS)


def _agency_lines(lines: list[str], campaign: Campaign) -> list[str]:
    boiler = _boilerplate(campaign)
    number_key = match_key(campaign.form.number_placeholder)
    out: list[str] = []
    for line in lines:
        key = match_key(line)
        folded = fold(line)
        if (_NUMBER.match(folded) or _number_placeholder(line, number_key)
                or key.startswith(_STOP_AGENCY) and out):
            break
        if not has_letters(line) or _is_boilerplate(key, boiler) or _PLACE_DATE.match(folded):
            continue
        if key.startswith(_STOP_AGENCY) or _is_title(key):
            continue
        out.append(line)
        if len(out) == 3:
            break
    return out


def _agency(lines: list[str], campaign: Campaign) -> HeaderField:
    for line in lines:
        m = _LABELLED.match(fold(line))
        if m:
            value = line[m.start("v"):].strip()
            return HeaderField(None if _is_placeholder(value) else value,
                               _is_placeholder(value), line)
    found = _agency_lines(lines, campaign)
    if not found:
        return HeaderField()
    if any(_is_placeholder(x) for x in found):
        return HeaderField(None, True, " ".join(found))
    value = found[0]
    for extra in found[1:]:
        joiner = " " if fold(extra).startswith(_CONTINUATIONS) else " - "
        value = f"{value}{joiner}{extra}"
    return HeaderField(clean(value), False, value)


def _intro_agency(lines: list[str]) -> HeaderField:
    for text in lines:
        m = _INTRO.search(fold(text))
        if m:
            break
    else:
        return HeaderField()
    value = text[m.start("agency"):m.end("agency")].strip(" ,.")
    if _is_placeholder(value) or len(value) > 150:
        return HeaderField(None, _is_placeholder(value), value)
    return HeaderField(value, False, value)


def read_header(lines: list[str], campaign: Campaign) -> HeaderReading:
    place, date = _place_and_date(lines)
    return HeaderReading(
        agency=_agency(lines, campaign),
        intro_agency=_intro_agency(lines),
        number=_document_number(lines, campaign),
        place=place,
        date=date,
    )
