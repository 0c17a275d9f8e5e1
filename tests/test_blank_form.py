"""The official blank form, DOCX and XLSX: structure read back with python-docx and openpyxl."""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
import tomllib
import zipfile
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn
from docx.shared import Cm
from docx.table import Table
from openpyxl.cell.cell import MergedCell
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.worksheet import Worksheet

from parsers.spec.campaign import Campaign, campaign_from_dict, default_campaign
from replies.forms.blank_docx import blank_form_docx
from replies.forms.blank_xlsx import blank_form_xlsx

FONT = "Times New Roman"


def _raw_default() -> dict[str, Any]:
    text = resources.files("parsers.spec").joinpath("campaigns", "cts-2021-2025.toml").read_bytes()
    return tomllib.loads(text.decode("utf-8"))


def _other_campaign() -> Campaign:
    """A made-up next campaign: six years, another unit, one more top row and sub-row."""
    raw = _raw_default()
    raw["years"] = ["2026", "2027", "2028", "2029", "2030", "2031"]
    raw["unit"] = "Thiết bị"
    raw["rows"] = [
        *raw["rows"],
        {"key": "extra", "code": "04", "label": "Hàng thử nghiệm"},
        {"key": "extra_child", "parent": "extra", "label": "Dòng con thử nghiệm"},
    ]
    raw["form"] = {**raw["form"], "title": "MẪU THỬ"}
    return campaign_from_dict(raw)


CAMPAIGNS = [
    pytest.param(default_campaign(), id="cts-2021-2025"),
    pytest.param(_other_campaign(), id="made-up-2026"),
]


def _form_texts(campaign: Campaign) -> Iterator[str]:
    for value in dataclasses.astuple(campaign.form):
        yield from value if isinstance(value, tuple) else [value] if value else []


# --- DOCX -----------------------------------------------------------------------------------


def _docx(campaign: Campaign) -> DocxDocument:
    return docx.Document(io.BytesIO(blank_form_docx(campaign)))


def _demand_table(doc: DocxDocument, years: tuple[str, ...]) -> Table:
    """Found by content, as a parser would: the table with a row holding every year."""
    for table in doc.tables:
        for row in table.rows:
            if set(years) <= {cell.text.strip() for cell in row.cells}:
                return table
    raise AssertionError("no table with the year header")


def _docx_text(doc: DocxDocument) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(parts)


@pytest.mark.parametrize("campaign", CAMPAIGNS)
def test_docx_rows_in_order(campaign: Campaign) -> None:
    table = _demand_table(_docx(campaign), campaign.years)
    body = [[cell.text for cell in row.cells] for row in table.rows[2:]]
    groups = {r.key for r in campaign.group_rows}
    assert [r[1] for r in body] == [spec.label for spec in campaign.rows]
    assert [r[0] for r in body] == [spec.code or "" for spec in campaign.rows]
    assert [r[2] for r in body] == [
        "" if spec.key in groups else campaign.unit for spec in campaign.rows
    ]
    assert all(text == "" for r in body for text in r[3:])  # quantities and notes left blank


@pytest.mark.parametrize("campaign", CAMPAIGNS)
def test_docx_header_merges(campaign: Campaign) -> None:
    form, years = campaign.form, campaign.years
    table = _demand_table(_docx(campaign), years)
    top, second = table.rows[0], table.rows[1]
    assert [c.text for c in second.cells[3 : 3 + len(years)]] == list(years)
    quantity = top.cells[3]._tc
    assert quantity.grid_span == len(years)
    assert top.cells[3].text == form.column_quantity
    first_cells = [c._tc for c in top.cells]
    assert len({id(tc) for tc in first_cells[3 : 3 + len(years)]}) == 1
    for col, heading in {0: form.column_tt, 1: form.column_content, 2: form.column_unit}.items():
        assert top.cells[col].text == heading
        assert top.cells[col]._tc.vMerge == "restart"
    assert top.cells[-1].text == form.column_notes
    assert top.cells[-1]._tc.vMerge == "restart"
    assert all(r.font.bold for c in top.cells + second.cells for p in c.paragraphs for r in p.runs)
    for row in (top, second):  # repeated on each page
        tr_pr = row._tr.trPr
        assert tr_pr is not None and tr_pr.find(qn("w:tblHeader")) is not None


def test_docx_sub_rows_indented() -> None:
    campaign = default_campaign()
    table = _demand_table(_docx(campaign), campaign.years)
    for spec, row in zip(campaign.rows, table.rows[2:], strict=False):
        indent = row.cells[1].paragraphs[0].paragraph_format.left_indent
        assert (indent is not None and indent > 0) == spec.is_child


def test_docx_page_and_fonts() -> None:
    doc = _docx(default_campaign())
    section = doc.sections[0]
    measured = [
        section.page_width,
        section.page_height,
        section.top_margin,
        section.bottom_margin,
        section.left_margin,
        section.right_margin,
    ]
    expected = [21, 29.7, 2, 2, 3, 1.5]
    assert all(m is not None and abs(m - Cm(e)) < Cm(0.01)
               for m, e in zip(measured, expected, strict=True))
    normal = doc.styles["Normal"].font
    assert normal.name == FONT
    assert normal.size is not None and 13 <= normal.size.pt <= 14


def test_docx_layout_tables_borderless() -> None:
    campaign = default_campaign()
    doc = _docx(campaign)
    header, demand, signature = doc.tables
    assert demand.style is not None and demand.style.name == "Table Grid"
    for table in (header, signature):
        assert len(table.columns) == 2
        assert table._tbl.tblPr.find(qn("w:tblBorders")) is None
        assert table.style is None or table.style.name == "Normal Table"
    form = campaign.form
    assert header.cell(0, 0).paragraphs[0].text == form.agency_placeholder
    assert header.cell(0, 0).paragraphs[0].runs[0].bold
    assert header.cell(0, 1).paragraphs[0].text == form.nation
    motto = header.cell(0, 1).paragraphs[1].runs[0]
    assert motto.text == form.motto and motto.bold and motto.underline and not motto.italic
    date = header.cell(1, 1).paragraphs[0].runs[0]
    assert date.text == form.date_line and date.italic
    assert [p.text for p in header.cell(1, 0).paragraphs] == [
        form.number_placeholder,
        form.subject_line,
    ]
    assert signature.cell(0, 1).paragraphs[0].text == form.signer_title
    assert signature.cell(0, 0).paragraphs[0].text == form.recipients_heading


@pytest.mark.parametrize("campaign", CAMPAIGNS)
def test_docx_holds_every_form_text(campaign: Campaign) -> None:
    text = _docx_text(_docx(campaign))
    missing = [t for t in _form_texts(campaign) if t not in text]
    assert missing == []
    for note in campaign.form.notes:
        assert f"- {note}" in text


def test_docx_title_lines_formatted() -> None:
    campaign = default_campaign()
    by_text = {p.text: p for p in _docx(campaign).paragraphs}
    form = campaign.form
    for line in (form.title, form.subtitle):
        assert by_text[line].runs[0].bold
    assert by_text[form.attachment_line].runs[0].italic
    assert form.intro in by_text and form.salutation in by_text


def test_docx_properties_and_determinism() -> None:
    campaign = default_campaign()
    first, second = blank_form_docx(campaign), blank_form_docx(campaign)
    props = docx.Document(io.BytesIO(first)).core_properties
    assert props.title == campaign.name
    assert props.author == campaign.addressee
    assert _part(first, "word/document.xml") == _part(second, "word/document.xml")


def _part(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


# --- XLSX -----------------------------------------------------------------------------------


def _sheet(campaign: Campaign) -> Worksheet:
    workbook = openpyxl.load_workbook(io.BytesIO(blank_form_xlsx(campaign)))
    assert workbook.sheetnames == [workbook.active.title]
    sheet: Worksheet = workbook.active
    return sheet


def _year_row(ws: Worksheet, years: tuple[str, ...]) -> int:
    """Found by content: the row holding every year as a number."""
    wanted = {int(y) for y in years}
    for row in ws.iter_rows():
        if wanted <= {c.value for c in row}:
            return int(row[0].row)
    raise AssertionError("no row with the year header")


def _quantity_cells(ws: Worksheet, campaign: Campaign) -> set[str]:
    first_body = _year_row(ws, campaign.years) + 1
    return {
        f"{get_column_letter(4 + col)}{first_body + row}"
        for row in range(len(campaign.rows))
        for col in range(len(campaign.years))
    }


def test_xlsx_sheet_name() -> None:
    assert _sheet(default_campaign()).title == "Mẫu đăng ký"


@pytest.mark.parametrize("campaign", CAMPAIGNS)
def test_xlsx_rows_in_order(campaign: Campaign) -> None:
    ws = _sheet(campaign)
    first_body = _year_row(ws, campaign.years) + 1
    groups = {r.key for r in campaign.group_rows}
    rows = list(
        ws.iter_rows(
            min_row=first_body, max_row=first_body + len(campaign.rows) - 1, values_only=True
        )
    )
    assert [r[1] for r in rows] == [spec.label for spec in campaign.rows]
    assert [r[0] for r in rows] == [spec.code for spec in campaign.rows]
    assert [r[2] for r in rows] == [
        None if spec.key in groups else campaign.unit for spec in campaign.rows
    ]
    assert all(value is None for r in rows for value in r[3:])  # empty, not 0
    below = ws.cell(row=first_body + len(campaign.rows), column=2).value
    assert below is None  # the table ends with the last campaign row


@pytest.mark.parametrize("campaign", CAMPAIGNS)
def test_xlsx_header_merges(campaign: Campaign) -> None:
    ws = _sheet(campaign)
    form, years = campaign.form, campaign.years
    year_row = _year_row(ws, years)
    top = year_row - 1
    last_year = get_column_letter(3 + len(years))
    notes = get_column_letter(4 + len(years))
    assert [ws.cell(row=year_row, column=4 + i).value for i in range(len(years))] == [
        int(y) for y in years
    ]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert f"D{top}:{last_year}{top}" in merged
    assert ws[f"D{top}"].value == form.column_quantity
    for col, heading in {"A": form.column_tt, "B": form.column_content,
                         "C": form.column_unit}.items():
        assert f"{col}{top}:{col}{year_row}" in merged
        assert ws[f"{col}{top}"].value == heading
    assert f"{notes}{top}:{notes}{year_row}" in merged
    assert ws[f"{notes}{top}"].value == form.column_notes
    header = [ws[f"D{top}"], *(ws.cell(row=year_row, column=4 + i) for i in range(len(years)))]
    assert all(cell.font.bold for cell in header)


@pytest.mark.parametrize("campaign", CAMPAIGNS)
def test_xlsx_validation_covers_exactly_quantity_cells(campaign: Campaign) -> None:
    ws = _sheet(campaign)
    rules = ws.data_validations.dataValidation
    assert len(rules) == 1
    rule = rules[0]
    covered = set()
    for ref in str(rule.sqref).split():
        min_col, min_row, max_col, max_row = range_boundaries(ref)
        covered |= {
            f"{get_column_letter(c)}{r}"
            for r in range(min_row, max_row + 1)
            for c in range(min_col, max_col + 1)
        }
    assert covered == _quantity_cells(ws, campaign)
    assert (rule.type, rule.operator, rule.formula1) == ("whole", "greaterThanOrEqual", "0")
    assert rule.allow_blank and rule.showErrorMessage and rule.errorStyle == "stop"
    assert rule.errorTitle and len(rule.errorTitle) <= 32
    assert rule.error and len(rule.error) <= 255 and campaign.unit in rule.error
    assert rule.promptTitle and len(rule.promptTitle) <= 32
    assert rule.prompt and len(rule.prompt) <= 255


@pytest.mark.parametrize("campaign", CAMPAIGNS)
def test_xlsx_nothing_frozen_and_print_setup(campaign: Campaign) -> None:
    """No frozen rows (they would be the whole letter header); on paper the table's header
    repeats on each page."""
    ws = _sheet(campaign)
    year_row = _year_row(ws, campaign.years)
    assert ws.freeze_panes is None
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert ws.page_setup.orientation == "portrait"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_title_rows == f"${year_row - 1}:${year_row}"
    last_col = get_column_letter(4 + len(campaign.years))
    area = str(ws.print_area)
    assert area.startswith(f"'{ws.title}'!$A$1:${last_col}$")
    last_row = int(area.rsplit("$", 1)[1])
    assert last_row == ws.max_row
    assert round(ws.page_margins.left * 2.54, 1) == 3.0


@pytest.mark.parametrize("campaign", CAMPAIGNS)
def test_xlsx_holds_every_form_text(campaign: Campaign) -> None:
    ws = _sheet(campaign)
    text = "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)
    missing = [t for t in _form_texts(campaign) if t not in text]
    assert missing == []


def test_xlsx_fonts_widths_and_properties() -> None:
    campaign = default_campaign()
    data = blank_form_xlsx(campaign)
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    ws = workbook.active
    cells = [c for row in ws.iter_rows() for c in row if not isinstance(c, MergedCell)]
    assert {c.font.name for c in cells} == {FONT}
    widths = [ws.column_dimensions[get_column_letter(c)].width for c in range(1, 10)]
    assert widths[1] == max(widths)  # Nội dung is the widest column
    assert all(w and w > 4 for w in widths)
    assert workbook.properties.title == campaign.name
    assert workbook.properties.creator == campaign.addressee
    again = blank_form_xlsx(campaign)
    sheet_xml = "xl/worksheets/sheet1.xml"
    assert _part(data, sheet_xml) == _part(again, sheet_xml)


# --- rendering ------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_renders_to_pdf(kind: str, tmp_path: Path) -> None:
    build = blank_form_docx if kind == "docx" else blank_form_xlsx
    source = tmp_path / f"form.{kind}"
    source.write_bytes(build(default_campaign()))
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = (tmp_path / "form.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")


# --- round trip through the project's reader ------------------------------------------------


def _filled_docx(campaign: Campaign, value: int) -> bytes:
    doc = _docx(campaign)
    table = _demand_table(doc, campaign.years)
    leaves = {spec.key for spec in campaign.quantity_rows}
    for spec, row in zip(campaign.rows, table.rows[2:], strict=False):
        if spec.key in leaves:
            for cell in row.cells[3 : 3 + len(campaign.years)]:
                cell.text = str(value)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _filled_xlsx(campaign: Campaign, value: int) -> bytes:
    workbook = openpyxl.load_workbook(io.BytesIO(blank_form_xlsx(campaign)))
    ws = workbook.active
    first_body = _year_row(ws, campaign.years) + 1
    leaves = {spec.key for spec in campaign.quantity_rows}
    for offset, spec in enumerate(campaign.rows):
        if spec.key in leaves:
            for col in range(4, 4 + len(campaign.years)):
                ws.cell(row=first_body + offset, column=col, value=value)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
def test_round_trip_through_reader(kind: str) -> None:
    from parsers.form.parse import read_form  # the reader is another module's contract

    campaign = default_campaign()
    blank = blank_form_docx(campaign) if kind == "docx" else blank_form_xlsx(campaign)
    blank_codes = {f.code for f in read_form(blank, f"blank.{kind}", campaign).findings}
    assert "form-not-found" not in blank_codes
    filled = _filled_docx(campaign, 7) if kind == "docx" else _filled_xlsx(campaign, 7)
    report = read_form(filled, f"filled.{kind}", campaign)
    expected = {spec.key: dict.fromkeys(campaign.years, 7) for spec in campaign.quantity_rows}
    assert report.quantities == expected


def _typed_number(suffix: str, campaign: Campaign) -> bytes:
    """The blank form with a number typed after the "Số:" label, some leaders left behind,
    as a clerk does; the rest of the header and the table filled."""
    from demo.forms import Filling, fill_docx, fill_xlsx

    filling = Filling("BỘ XÂY DỰNG", "Bộ Xây dựng", "77/BXD-VP……",
                      numbers={"organization_usb_token": {"2021": 4}})
    return (fill_docx if suffix == "docx" else fill_xlsx)(campaign, filling)


@pytest.mark.parametrize("suffix", ["docx", "xlsx"])
def test_a_number_typed_after_the_label_is_read(suffix: str) -> None:
    from parsers.form.parse import read_form

    campaign = default_campaign()
    assert campaign.form.number_placeholder.startswith("Số:")
    data = _typed_number(suffix, campaign)
    report = read_form(data, f"mau.{suffix}", campaign)
    assert report.document_number == "77/BXD-VP"
    assert not [f for f in report.findings if "document-number" in f.code]
    left = read_form((blank_form_docx if suffix == "docx" else blank_form_xlsx)(campaign),
                     f"trong.{suffix}", campaign)
    assert "document-number-placeholder" in {f.code for f in left.findings}


def test_prompts_and_replies_agree_on_a_year_without_demand() -> None:
    """The cell prompt and the replies both ask for 0 in a year without demand."""
    ws = _sheet(default_campaign())
    [rule] = ws.data_validations.dataValidation
    templates = resources.files("replies").joinpath("templates", "findings")
    asked = [templates.joinpath(n).read_text(encoding="utf-8")
             for n in ("year-missing.txt.j2", "quantity-not-integer.txt.j2")]
    assert all("không có nhu cầu ghi 0" in text for text in (rule.prompt, rule.error, *asked))
    assert "để trống" not in (rule.prompt + rule.error).lower()
