"""The official blank registration form as a one-sheet workbook, built from the campaign alone.

The letter header sits in merged cells above the demand table; the table's header is repeated on
every printed page, and every quantity cell accepts only a whole number >= 0 (the
validation texts come from a template). Quantity cells are left empty, not 0.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from parsers.spec.campaign import Campaign
from parsers.spec.form_texts import FormTexts
from replies.cells import write_cell
from replies.forms.reproducible import reproducible_zip

FONT = "Times New Roman"
BODY_PT = 13.0
TITLE_PT = 14.0
NATION_PT = 12.0
SUBJECT_PT = 12.0
RECIPIENTS_HEADING_PT = 12.0
RECIPIENTS_PT = 11.0

VALIDATION_TEMPLATE = "blank_form/validation.txt.j2"
SHEET_TITLE_MAX = 31  # Excel's limit

# Columns (1-based): TT, Nội dung, Đvt, one per year, Ghi chú.
TT_COL, CONTENT_COL, UNIT_COL, FIRST_YEAR_COL = 1, 2, 3, 4
WIDTHS = {"tt": 5.0, "content": 34.0, "unit": 6.0, "year": 7.5, "notes": 10.0}
LEFT_BLOCK = (TT_COL, CONTENT_COL)  # columns under the agency half of the letter header
SUB_ROW_INDENT = 2
NOTE_BULLET = "- "
QUANTITY_FORMAT = "#,##0"
# The short rule under the agency name (a paragraph border in the DOCX): a drawn line, since a
# cell border would run the whole width of the merged block.
AGENCY_RULE = "\u2015" * 6
RULE_PT = 8.0

# Rough text metrics for row heights: Excel does not grow merged rows to fit wrapped text.
CHARS_PER_WIDTH_UNIT = 1.1
LINE_HEIGHT_FACTOR = 1.35
SPACER_HEIGHT = 8.0

# Margins of Nghị định 30/2020, in inches.
CM = 1 / 2.54
MARGINS = PageMargins(left=3 * CM, right=1.5 * CM, top=2 * CM, bottom=2 * CM, header=0, footer=0)

_THIN = Side(style="thin")
_GRID = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


@dataclass(frozen=True)
class Text:
    """One piece of text in the sheet and how it is set."""

    value: str | int
    size: float = BODY_PT
    bold: bool = False
    italic: bool = False
    underline: bool = False
    align: str = "center"
    indent: int = 0


def blank_form_xlsx(campaign: Campaign) -> bytes:
    """The blank form of `campaign` as XLSX bytes."""
    wb = Workbook()
    ws = wb.active
    ws.title = _sheet_title(campaign.form)
    _set_properties(wb, campaign)
    last_col = FIRST_YEAR_COL + len(campaign.years)
    _set_widths(ws, len(campaign.years), campaign.unit)
    row = _title_block(ws, campaign.form, 1, last_col)
    row = _letter_header(ws, campaign.form, row, last_col)
    row = _opening(ws, campaign.form, row, last_col)
    header_row = row
    row = _demand_table(ws, campaign, header_row)
    row = _notes(ws, campaign.form, row, last_col)
    last_row = _signature(ws, campaign.form, row, last_col) - 1
    _default_font(ws, last_row, last_col)
    _page_setup(ws, header_row, last_row, last_col)
    out = BytesIO()
    wb.save(out)
    return reproducible_zip(out.getvalue(), campaign.opened)


def _sheet_title(form: FormTexts) -> str:
    title = form.sheet_title or form.title.capitalize()
    return title[:SHEET_TITLE_MAX]


def _set_properties(wb: Any, campaign: Campaign) -> None:
    props = wb.properties
    props.title = campaign.name
    props.creator = props.lastModifiedBy = campaign.addressee
    props.created = dt.datetime.combine(campaign.opened, dt.time())


def _set_widths(ws: Worksheet, year_count: int, unit: str) -> None:
    unit_width = max(WIDTHS["unit"], len(unit) + 2.0)
    widths = [WIDTHS["tt"], WIDTHS["content"], unit_width]
    widths += [WIDTHS["year"]] * year_count + [WIDTHS["notes"]]
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width


# --- writing cells ----------------------------------------------------------------------------


def _put(ws: Worksheet, row: int, first: int, last: int, text: Text) -> None:
    """Write `text` over columns first..last of `row`, merging them when more than one."""
    if last > first:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    cell = write_cell(ws, row, first, None if text.value == "" else text.value)
    cell.font = _font(text)
    cell.alignment = Alignment(
        horizontal=text.align, vertical="center", wrap_text=True, indent=text.indent
    )


def _font(text: Text) -> Font:
    return Font(
        name=FONT,
        size=text.size,
        bold=text.bold,
        italic=text.italic,
        underline="single" if text.underline else None,
    )


def _span_width(ws: Worksheet, first: int, last: int) -> float:
    letters = (get_column_letter(c) for c in range(first, last + 1))
    return sum(float(ws.column_dimensions[letter].width) for letter in letters)


def _fit_height(ws: Worksheet, row: int, texts: Sequence[tuple[Text, int, int]]) -> None:
    """Make `row` tall enough for the longest of its wrapped texts (text, first col, last col)."""
    needed = max(_text_height(ws, text, first, last) for text, first, last in texts)
    ws.row_dimensions[row].height = max(needed, ws.row_dimensions[row].height or 0)


def _text_height(ws: Worksheet, text: Text, first: int, last: int) -> float:
    per_line = max(1.0, _span_width(ws, first, last) * CHARS_PER_WIDTH_UNIT * BODY_PT / text.size)
    lines = math.ceil(len(str(text.value)) / per_line)
    return lines * text.size * LINE_HEIGHT_FACTOR + 2


def _line(ws: Worksheet, row: int, first: int, last: int, text: Text) -> int:
    """One full-height line of text over first..last; returns the next row."""
    _put(ws, row, first, last, text)
    _fit_height(ws, row, [(text, first, last)])
    return row + 1


def _pair(ws: Worksheet, row: int, last_col: int, left: Text | None, right: Text | None) -> int:
    """A row of the two-column blocks: left half under the agency, right half under the nation."""
    texts: list[tuple[Text, int, int]] = []
    if left is not None:
        texts.append((left, *LEFT_BLOCK))
    if right is not None:
        texts.append((right, LEFT_BLOCK[1] + 1, last_col))
    for text, first, last in texts:
        _put(ws, row, first, last, text)
    _fit_height(ws, row, texts)
    return row + 1


def _spacer(ws: Worksheet, row: int) -> int:
    ws.row_dimensions[row].height = SPACER_HEIGHT
    return row + 1


# --- sections ---------------------------------------------------------------------------------


def _title_block(ws: Worksheet, form: FormTexts, row: int, last_col: int) -> int:
    row = _line(ws, row, 1, last_col, Text(form.title, size=TITLE_PT, bold=True))
    row = _line(ws, row, 1, last_col, Text(form.subtitle, size=TITLE_PT, bold=True))
    row = _line(ws, row, 1, last_col, Text(form.attachment_line, italic=True))
    return _spacer(ws, row)


def _letter_header(ws: Worksheet, form: FormTexts, row: int, last_col: int) -> int:
    agency = Text(form.agency_placeholder, bold=True)
    row = _pair(ws, row, last_col, agency, Text(form.nation, size=NATION_PT, bold=True))
    rule = Text(AGENCY_RULE, size=RULE_PT, bold=True)  # the short line under the agency
    row = _pair(ws, row, last_col, rule, Text(form.motto, bold=True, underline=True))
    row = _pair(
        ws, row, last_col, Text(form.number_placeholder), Text(form.date_line, italic=True)
    )
    row = _pair(ws, row, last_col, Text(form.subject_line, size=SUBJECT_PT), None)
    return _spacer(ws, row)


def _opening(ws: Worksheet, form: FormTexts, row: int, last_col: int) -> int:
    row = _line(ws, row, 1, last_col, Text(form.salutation))
    row = _line(ws, row, 1, last_col, Text(form.intro, align="justify"))
    return _spacer(ws, row)


def _notes(ws: Worksheet, form: FormTexts, row: int, last_col: int) -> int:
    row = _spacer(ws, row)
    heading = Text(form.notes_heading, bold=True, italic=True, align="left")
    row = _line(ws, row, 1, last_col, heading)
    for note in form.notes:
        row = _line(ws, row, 1, last_col, Text(NOTE_BULLET + note, align="justify"))
    return _spacer(ws, row)


def _signature(ws: Worksheet, form: FormTexts, row: int, last_col: int) -> int:
    heading = Text(
        form.recipients_heading, size=RECIPIENTS_HEADING_PT, bold=True, italic=True, align="left"
    )
    left = [heading, *(Text(r, size=RECIPIENTS_PT, align="left") for r in form.recipients)]
    right = [Text(form.signer_title, bold=True), Text(form.signer_note, italic=True)]
    for index in range(max(len(left), len(right))):
        row = _pair(ws, row, last_col, _at(left, index), _at(right, index))
    return row


def _at(texts: Sequence[Text], index: int) -> Text | None:
    return texts[index] if index < len(texts) else None


# --- the demand table -------------------------------------------------------------------------


def _demand_table(ws: Worksheet, campaign: Campaign, top: int) -> int:
    """Header on rows top and top+1, then one row per campaign row; returns the next row."""
    years = campaign.years
    notes_col = FIRST_YEAR_COL + len(years)
    _table_header(ws, campaign.form, years, top)
    groups = {spec.key for spec in campaign.group_rows}
    first_body = top + 2
    for offset, spec in enumerate(campaign.rows):
        row = first_body + offset
        unit = "" if spec.key in groups else campaign.unit
        label = Text(spec.label, align="left", indent=SUB_ROW_INDENT if spec.is_child else 0)
        texts = [(Text(spec.code or ""), TT_COL), (label, CONTENT_COL), (Text(unit), UNIT_COL)]
        for text, col in texts:
            _put(ws, row, col, col, text)
        _fit_height(ws, row, [(label, CONTENT_COL, CONTENT_COL)])
        _quantity_cells(ws, row, len(years))
    last_body = first_body + len(campaign.rows) - 1
    _grid(ws, top, last_body, notes_col)
    _validate_quantities(ws, campaign.unit, first_body, last_body, len(years))
    return last_body + 1


def _table_header(ws: Worksheet, form: FormTexts, years: Sequence[str], top: int) -> None:
    notes_col = FIRST_YEAR_COL + len(years)
    spanning = {TT_COL: form.column_tt, CONTENT_COL: form.column_content,
                UNIT_COL: form.column_unit, notes_col: form.column_notes}
    for col, heading in spanning.items():
        ws.merge_cells(start_row=top, start_column=col, end_row=top + 1, end_column=col)
        _put(ws, top, col, col, Text(heading, bold=True))
    last_year = notes_col - 1
    _put(ws, top, FIRST_YEAR_COL, last_year, Text(form.column_quantity, bold=True))
    for offset, year in enumerate(years):
        _put(
            ws,
            top + 1,
            FIRST_YEAR_COL + offset,
            FIRST_YEAR_COL + offset,
            Text(int(year), bold=True),
        )
    for row in (top, top + 1):
        ws.row_dimensions[row].height = BODY_PT * LINE_HEIGHT_FACTOR + 4


def _quantity_cells(ws: Worksheet, row: int, year_count: int) -> None:
    for col in range(FIRST_YEAR_COL, FIRST_YEAR_COL + year_count + 1):  # years, then Ghi chú
        cell = ws.cell(row=row, column=col)
        cell.font = Font(name=FONT, size=BODY_PT)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.number_format = QUANTITY_FORMAT


def _grid(ws: Worksheet, top: int, bottom: int, last_col: int) -> None:
    for cells in ws.iter_rows(min_row=top, max_row=bottom, min_col=1, max_col=last_col):
        for cell in cells:
            cell.border = _GRID


def _validate_quantities(ws: Worksheet, unit: str, first: int, last: int, years: int) -> None:
    texts = _validation_texts(unit)
    rule = DataValidation(
        type="whole",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        showInputMessage=True,
        errorStyle="stop",
        **texts,
    )
    first_letter = get_column_letter(FIRST_YEAR_COL)
    last_letter = get_column_letter(FIRST_YEAR_COL + years - 1)
    rule.add(f"{first_letter}{first}:{last_letter}{last}")
    ws.add_data_validation(rule)


def _validation_texts(unit: str) -> dict[str, str]:
    env = Environment(
        loader=PackageLoader("replies", "templates"), autoescape=False, undefined=StrictUndefined
    )
    macros = env.get_template(VALIDATION_TEMPLATE).module
    return {
        "errorTitle": str(macros.error_title()).strip(),  # type: ignore[attr-defined]
        "error": str(macros.error_message(unit)).strip(),  # type: ignore[attr-defined]
        "promptTitle": str(macros.prompt_title(unit)).strip(),  # type: ignore[attr-defined]
        "prompt": str(macros.prompt_message(unit)).strip(),  # type: ignore[attr-defined]
    }


# --- whole sheet ------------------------------------------------------------------------------


def _default_font(ws: Worksheet, last_row: int, last_col: int) -> None:
    """Times New Roman also in the cells left empty, so what a clerk types matches."""
    for cells in ws.iter_rows(min_row=1, max_row=last_row, min_col=1, max_col=last_col):
        for cell in cells:
            if cell.font.name != FONT:
                cell.font = Font(name=FONT, size=BODY_PT)


def _page_setup(ws: Worksheet, header_row: int, last_row: int, last_col: int) -> None:
    # No frozen panes: Excel freezes every row above the split, here the whole letter header
    # (most of a laptop screen), and the six-row table never scrolls away. On paper the
    # table's header is repeated on each page instead.
    ws.freeze_panes = None
    ws.print_area = f"A1:{get_column_letter(last_col)}{last_row}"
    ws.print_title_rows = f"{header_row}:{header_row + 1}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_PORTRAIT
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins = MARGINS
    ws.sheet_view.showGridLines = False
