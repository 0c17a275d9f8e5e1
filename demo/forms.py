"""Filled forms for the demo and the tests: the official blank form, filled the way a clerk
fills it (placeholders replaced, numbers typed into the table)."""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass, field

import docx
import openpyxl

from parsers.spec.campaign import Campaign
from parsers.text import match_key
from replies.forms.blank_docx import blank_form_docx
from replies.forms.blank_xlsx import blank_form_xlsx

Numbers = Mapping[str, Mapping[str, object]]  # row key -> year -> what the clerk types


@dataclass(frozen=True)
class Filling:
    agency: str  # as in the header, e.g. "BỘ TÀI CHÍNH"
    agency_in_text: str  # as in the intro sentence, e.g. "Bộ Tài chính"
    number: str = "123/BTC-CNTT"
    place_date: str = "Hà Nội, ngày 10 tháng 5 năm 2021"
    numbers: Numbers = field(default_factory=dict)


def _replacements(campaign: Campaign, f: Filling) -> dict[str, str]:
    form = campaign.form
    return {
        form.agency_placeholder: f.agency,
        form.number_placeholder: f"Số: {f.number}",
        form.date_line: f.place_date,
        form.intro_agency_placeholder: f.agency_in_text,
        "Công văn số /BCY-CTSBMTT ngày /4/2021": "Công văn số 86/BCY-CTSBMTT ngày 01/4/2021",
    }


def _fill_text(text: str, replacements: dict[str, str]) -> str:
    for old, new in replacements.items():
        text = text.replace(old, new)
    return text


def _row_keys(campaign: Campaign) -> dict[str, str]:
    return {match_key(r.label): r.key for r in campaign.rows}


def fill_docx(campaign: Campaign, f: Filling) -> bytes:
    document = docx.Document(io.BytesIO(blank_form_docx(campaign)))
    replacements = _replacements(campaign, f)
    paragraphs = list(document.paragraphs)
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                paragraphs.extend(cell.paragraphs)
    for p in paragraphs:
        new = _fill_text(p.text, replacements)
        if new != p.text:
            p.text = new
    keys = _row_keys(campaign)
    for table in document.tables:
        header = next((r for r in table.rows if any(c.text.strip() in campaign.years
                                                     for c in r.cells)), None)
        if header is None:
            continue
        columns = {c.text.strip(): i for i, c in enumerate(header.cells)
                   if c.text.strip() in campaign.years}
        for row in table.rows:
            key = next((keys[k] for k in (match_key(c.text) for c in row.cells) if k in keys),
                       None)
            for year, value in f.numbers.get(key or "", {}).items():
                row.cells[columns[year]].text = str(value)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def fill_xlsx(campaign: Campaign, f: Filling) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(blank_form_xlsx(campaign)))
    ws = wb.worksheets[0]
    replacements = _replacements(campaign, f)
    keys = _row_keys(campaign)
    columns: dict[str, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.value = _fill_text(cell.value, replacements)
            if str(cell.value) in campaign.years:
                columns[str(cell.value)] = cell.column
    for row in ws.iter_rows():
        key = next((keys[match_key(c.value)] for c in row
                    if isinstance(c.value, str) and match_key(c.value) in keys), None)
        for year, value in f.numbers.get(key or "", {}).items():
            ws.cell(row=row[0].row, column=columns[year], value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
