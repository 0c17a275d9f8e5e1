"""The official blank registration form as a Word document, built from the campaign alone.

Layout follows Nghị định 30/2020/NĐ-CP: A4, Times New Roman, a two-column letter header, the
demand table, the notes and a two-column signature block. Every text comes from the campaign's
[form] table, rows, years and unit; this module only decides where things go.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.section import Section
from docx.shared import Cm, Pt
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from parsers.spec.campaign import Campaign, RowSpec
from parsers.spec.form_texts import FormTexts
from replies.forms.reproducible import reproducible_zip

FONT = "Times New Roman"
BODY_PT = 13.0
TITLE_PT = 14.0
NATION_PT = 12.0  # the national name is 12-13pt; 12 keeps it on one line
SUBJECT_PT = 12.0
RECIPIENTS_HEADING_PT = 12.0
RECIPIENTS_PT = 11.0

# A4, margins of Nghị định 30/2020 (cm).
PAGE = (21.0, 29.7)
MARGIN_TOP = MARGIN_BOTTOM = 2.0
MARGIN_LEFT, MARGIN_RIGHT = 3.0, 1.5
TEXT_WIDTH = PAGE[0] - MARGIN_LEFT - MARGIN_RIGHT

HEADER_COLUMNS = (6.5, TEXT_WIDTH - 6.5)
SIGNATURE_COLUMNS = (7.0, TEXT_WIDTH - 7.0)
AGENCY_RULE_WIDTH = 2.5  # the short line under the agency name

# Demand table column widths (cm); the content column takes what the years leave.
TT_WIDTH, UNIT_MIN_WIDTH, NOTES_WIDTH = 1.0, 1.3, 1.8
CM_PER_UNIT_CHAR = 0.2  # so a longer unit ("Thiết bị") is not broken mid-word
# A year must never wrap; the content column takes what is left, at least its minimum.
YEAR_MIN_WIDTH, YEAR_MAX_WIDTH, CONTENT_MIN_WIDTH = 1.35, 1.4, 4.5
HEADER_ROWS = 2
FIRST_YEAR_COLUMN = 3  # after TT, Nội dung, Đvt
SUB_ROW_INDENT = 0.5
NOTE_BULLET = "- "

Container = DocxDocument | _Cell
CENTER = WD_ALIGN_PARAGRAPH.CENTER
LEFT = WD_ALIGN_PARAGRAPH.LEFT
JUSTIFY = WD_ALIGN_PARAGRAPH.JUSTIFY

# Children of w:pPr that may already be there and must follow w:pBdr (ECMA-376 order).
_AFTER_PBDR = ("w:shd", "w:tabs", "w:spacing", "w:ind", "w:jc", "w:rPr", "w:sectPr")


@dataclass(frozen=True)
class Line:
    """One paragraph of the form: its text and how it is set."""

    text: str
    size: float = BODY_PT
    bold: bool = False
    italic: bool = False
    underline: bool = False
    align: WD_ALIGN_PARAGRAPH = CENTER
    before: float = 0.0
    after: float = 0.0
    first_indent: float = 0.0  # cm
    left_indent: float = 0.0  # cm


def blank_form_docx(campaign: Campaign) -> bytes:
    """The blank form of `campaign` as DOCX bytes."""
    doc = Document()
    _set_page(doc.sections[0])
    _set_fonts(doc)
    _set_properties(doc, campaign)
    form = campaign.form
    _add_lines(doc, _title_lines(form))
    _letter_header(doc, form)
    _add_lines(doc, _opening_lines(form))
    _demand_table(doc, campaign)
    _add_lines(doc, _note_lines(form))
    _signature(doc, form)
    out = BytesIO()
    doc.save(out)
    return reproducible_zip(out.getvalue(), campaign.opened)


# --- document setup ---------------------------------------------------------------------------


def _set_page(section: Section) -> None:
    section.page_width, section.page_height = Cm(PAGE[0]), Cm(PAGE[1])
    section.top_margin, section.bottom_margin = Cm(MARGIN_TOP), Cm(MARGIN_BOTTOM)
    section.left_margin, section.right_margin = Cm(MARGIN_LEFT), Cm(MARGIN_RIGHT)


def _set_fonts(doc: DocxDocument) -> None:
    """Times New Roman for every script, at document-default and Normal-style level."""
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    if defaults is not None:
        for rfonts in defaults.iter(qn("w:rFonts")):
            _set_rfonts(rfonts)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(BODY_PT)
    _set_rfonts(normal.element.get_or_add_rPr().get_or_add_rFonts())
    normal.paragraph_format.space_before = Pt(0)
    normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.line_spacing = 1.0


def _set_rfonts(rfonts: BaseOxmlElement) -> None:
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(theme), None)
    for script in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(script), FONT)


def _set_properties(doc: DocxDocument, campaign: Campaign) -> None:
    props = doc.core_properties
    stamp = dt.datetime.combine(campaign.opened, dt.time())
    props.title = campaign.name
    props.author = campaign.addressee
    props.last_modified_by = campaign.addressee
    props.created = props.modified = stamp
    props.revision = 1
    props.comments = props.keywords = props.subject = ""


# --- paragraphs -------------------------------------------------------------------------------


def _add_lines(container: Container, lines: Sequence[Line]) -> None:
    for line in lines:
        _write(container.add_paragraph(), line)


def _fill(cell: _Cell, lines: Sequence[Line]) -> None:
    """Write `lines` into a cell, reusing the empty paragraph every new cell has."""
    first, *rest = lines
    _write(cell.paragraphs[0], first)
    _add_lines(cell, rest)


def _write(paragraph: Paragraph, line: Line) -> None:
    fmt = paragraph.paragraph_format
    fmt.alignment = line.align
    fmt.space_before, fmt.space_after = Pt(line.before), Pt(line.after)
    if line.first_indent:
        fmt.first_line_indent = Cm(line.first_indent)
    if line.left_indent:
        fmt.left_indent = Cm(line.left_indent)
    if not line.text:
        return
    run = paragraph.add_run(line.text)
    run.font.size = Pt(line.size)
    run.bold, run.italic = line.bold or None, line.italic or None
    run.underline = line.underline or None


def _add_rule(cell: _Cell, width: float, column_width: float) -> None:
    """A short centred line: an empty paragraph with a bottom border, narrowed by indents."""
    paragraph = cell.add_paragraph()
    p_pr = paragraph._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for attr, value in {"w:val": "single", "w:sz": "6", "w:space": "1", "w:color": "auto"}.items():
        bottom.set(qn(attr), value)
    border.append(bottom)
    p_pr.insert_element_before(border, *_AFTER_PBDR)
    side = Cm((column_width - width) / 2 - 0.2)  # 0.2: the cell's own padding
    fmt = paragraph.paragraph_format
    fmt.left_indent = fmt.right_indent = side
    fmt.line_spacing = Pt(2)
    fmt.space_before = fmt.space_after = Pt(0)


def _title_lines(form: FormTexts) -> list[Line]:
    return [
        Line(form.title, size=TITLE_PT, bold=True),
        Line(form.subtitle, size=TITLE_PT, bold=True),
        Line(form.attachment_line, italic=True, after=12),
    ]


def _opening_lines(form: FormTexts) -> list[Line]:
    return [
        Line(form.salutation, before=12, after=12),
        Line(form.intro, align=JUSTIFY, first_indent=1.0, after=6),
    ]


def _note_lines(form: FormTexts) -> list[Line]:
    heading = Line(form.notes_heading, bold=True, italic=True, align=LEFT, before=6, after=3)
    notes = [
        Line(NOTE_BULLET + note, align=JUSTIFY, first_indent=1.0, after=3) for note in form.notes
    ]
    return [heading, *notes]


# --- borderless two-column blocks -------------------------------------------------------------


def _layout_table(doc: DocxDocument, rows: int, widths: Sequence[float]) -> Table:
    table: Table = doc.add_table(rows=rows, cols=len(widths))
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    _set_widths(table, widths)
    for row in table.rows:  # a row never breaks across pages
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    return table


def _letter_header(doc: DocxDocument, form: FormTexts) -> None:
    table = _layout_table(doc, 2, HEADER_COLUMNS)
    agency, nation = table.rows[0].cells
    number, date = table.rows[1].cells
    _fill(agency, [Line(form.agency_placeholder, bold=True)])
    _add_rule(agency, AGENCY_RULE_WIDTH, HEADER_COLUMNS[0])
    _fill(
        nation,
        [
            Line(form.nation, size=NATION_PT, bold=True),
            Line(form.motto, bold=True, underline=True),
        ],
    )
    _fill(
        number,
        [
            Line(form.number_placeholder, before=6),
            Line(form.subject_line, size=SUBJECT_PT, before=6),
        ],
    )
    _fill(date, [Line(form.date_line, italic=True, before=6)])


def _signature(doc: DocxDocument, form: FormTexts) -> None:
    doc.add_paragraph()
    table = _layout_table(doc, 1, SIGNATURE_COLUMNS)
    recipients, signer = table.rows[0].cells
    heading = Line(
        form.recipients_heading, size=RECIPIENTS_HEADING_PT, bold=True, italic=True, align=LEFT
    )
    names = [Line(name, size=RECIPIENTS_PT, align=LEFT) for name in form.recipients]
    _fill(recipients, [heading, *names])
    _fill(signer, [Line(form.signer_title, bold=True), Line(form.signer_note, italic=True)])


# --- the demand table -------------------------------------------------------------------------


def _column_widths(year_count: int, unit: str) -> list[float]:
    unit_width = max(UNIT_MIN_WIDTH, len(unit) * CM_PER_UNIT_CHAR + 0.4)
    fixed = TT_WIDTH + unit_width + NOTES_WIDTH
    fitting = (TEXT_WIDTH - fixed - CONTENT_MIN_WIDTH) / year_count
    year = max(YEAR_MIN_WIDTH, min(YEAR_MAX_WIDTH, fitting))
    content = TEXT_WIDTH - fixed - year * year_count
    return [TT_WIDTH, content, unit_width, *([year] * year_count), NOTES_WIDTH]


def _set_widths(table: Table, widths: Sequence[float]) -> None:
    """Word reads the cell widths, LibreOffice the grid: set both."""
    for column, width in zip(table.columns, widths, strict=False):
        column.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=False):
            cell.width = Cm(width)


def _demand_table(doc: DocxDocument, campaign: Campaign) -> None:
    widths = _column_widths(len(campaign.years), campaign.unit)
    table = _layout_table(doc, HEADER_ROWS + len(campaign.rows), widths)
    table.style = doc.styles["Table Grid"]
    _table_header(table, campaign.form, campaign.years)
    groups = {row.key for row in campaign.group_rows}
    for index, spec in enumerate(campaign.rows):
        unit = "" if spec.key in groups else campaign.unit
        _table_row(table.rows[HEADER_ROWS + index].cells, spec, unit)


def _table_header(table: Table, form: FormTexts, years: Sequence[str]) -> None:
    notes_column = FIRST_YEAR_COLUMN + len(years)
    spanning = {0: form.column_tt, 1: form.column_content, 2: form.column_unit,
                notes_column: form.column_notes}
    for column, heading in spanning.items():
        _header_cell(table.cell(0, column).merge(table.cell(1, column)), heading)
    last_year = FIRST_YEAR_COLUMN + len(years) - 1
    quantity = table.cell(0, FIRST_YEAR_COLUMN).merge(table.cell(0, last_year))
    _header_cell(quantity, form.column_quantity)
    for offset, year in enumerate(years):
        _header_cell(table.cell(1, FIRST_YEAR_COLUMN + offset), year)
    for row in table.rows[:HEADER_ROWS]:
        row._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))  # repeat on each page


def _header_cell(cell: _Cell, text: str) -> None:
    cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    _fill(cell, [Line(text, bold=True, before=3, after=3)])


def _table_row(cells: Sequence[_Cell], spec: RowSpec, unit: str) -> None:
    label = Line(
        spec.label,
        align=LEFT,
        before=3,
        after=3,
        left_indent=SUB_ROW_INDENT if spec.is_child else 0.0,
    )
    texts = [Line(spec.code or "", before=3, after=3), label, Line(unit, before=3, after=3)]
    for cell, line in zip(cells, texts, strict=False):
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        _fill(cell, [line])
