"""The agency's own file, marked for a correction request: every cell with a finding filled (or
shaded) and its message attached, every other cell and value as it was; macros never kept; a
file that cannot be marked costs only the marking."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from openpyxl import load_workbook

from bot.intake.isolated import run_isolated
from parsers.form.parse import FormReport, read_form
from parsers.form.table import find_table
from parsers.read.docx_rows import grid_rows
from parsers.read.read_docx import read_docx, tables_in_reading_order
from parsers.spec.campaign import default_campaign
from replies.annotate.copy import annotated_copy, copy_name
from replies.annotate.marks import ERROR_FILL, WARNING_FILL, Mark, marks_of
from replies.findings import finding_message, location_text

CAMPAIGN = default_campaign()
GOLDEN = Path(__file__).resolve().parent / "golden"
CASES = Path(__file__).resolve().parent / "forms" / "cases"


def _marks(report: FormReport) -> list[Mark]:
    return marks_of(report.findings, finding_message, location_text)


def _fill(fill: object) -> tuple[object, ...]:
    return (fill.patternType, fill.fgColor.rgb, fill.bgColor.rgb)  # type: ignore[attr-defined]


def _values(data: bytes) -> dict[tuple[str, str], object]:
    wb = load_workbook(io.BytesIO(data))
    return {(ws.title, c.coordinate): c.value for ws in wb.worksheets for row in ws.iter_rows()
            for c in row if c.value is not None}


def test_xlsx_cells_filled_and_commented_the_rest_unchanged() -> None:
    original = (GOLDEN / "template-cell-errors.xlsx").read_bytes()
    report = read_form(original, "mau.xlsx", CAMPAIGN)
    marks = _marks(report)
    assert report.verdict == "needs_correction" and len(marks) >= 3
    marked = annotated_copy(original, "xlsx", marks)
    wb = load_workbook(io.BytesIO(marked))
    expected: dict[tuple[str, str], list[Mark]] = {}
    for m in marks:
        assert m.location.sheet and m.location.cell
        expected.setdefault((m.location.sheet, m.location.cell), []).append(m)
    for (sheet, ref), found in expected.items():
        cell = wb[sheet][ref]
        worst = ERROR_FILL if any(m.severity == "error" for m in found) else WARNING_FILL
        assert cell.fill.fgColor.rgb.endswith(worst), ref
        assert cell.comment is not None
        assert cell.comment.text == "\n".join(dict.fromkeys(m.message for m in found))
    before = load_workbook(io.BytesIO(original))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if (ws.title, cell.coordinate) in expected:
                    continue
                old = before[ws.title][cell.coordinate]
                assert cell.comment is None
                assert _fill(cell.fill) == _fill(old.fill), cell.coordinate
    assert _values(marked) == _values(original)
    # the marked file reads as the same form, with the same findings
    again = read_form(marked, "mau-can-sua.xlsx", CAMPAIGN)
    assert again.quantities == report.quantities
    assert [(f.code, f.location) for f in again.findings] == \
        [(f.code, f.location) for f in report.findings]


def _cell_fill(tc: object) -> str | None:
    shading = tc.find(f"{qn('w:tcPr')}/{qn('w:shd')}")  # type: ignore[attr-defined]
    return None if shading is None else str(shading.get(qn("w:fill")))


def test_docx_cells_shaded_and_messages_after_the_table() -> None:
    original = (GOLDEN / "template-cell-errors.docx").read_bytes()
    report = read_form(original, "mau.docx", CAMPAIGN)
    marks = _marks(report)
    assert report.verdict == "needs_correction" and marks
    assert all(m.location.grid_column is not None for m in marks if m.location.column)
    marked = annotated_copy(original, "docx", marks)
    document = docx.Document(io.BytesIO(marked))
    before = docx.Document(io.BytesIO(original))
    tables, old_tables = tables_in_reading_order(document), tables_in_reading_order(before)
    assert len(tables) == len(old_tables)
    wanted = {(m.location.table, m.location.row, m.location.grid_column): m.fill for m in marks
              if m.location.grid_column is not None}
    for n, (table, old) in enumerate(zip(tables, old_tables, strict=True), start=1):
        rows, old_rows = list(grid_rows(table._tbl)), list(grid_rows(old._tbl))
        for r, (slots, old_slots) in enumerate(zip(rows, old_rows, strict=True), start=1):
            for c, (slot, old_slot) in enumerate(zip(slots, old_slots, strict=True)):
                text = "".join(t.text or "" for t in slot.tc.iter(qn("w:t")))
                assert text == "".join(t.text or "" for t in old_slot.tc.iter(qn("w:t")))
                if (n, r, c) in wanted:
                    assert _cell_fill(slot.tc) == wanted[(n, r, c)], (n, r, c)
                elif not any(k[:2] == (n, r) and k[2] is None for k in wanted):
                    assert _cell_fill(slot.tc) == _cell_fill(old_slot.tc), (n, r, c)
    body = [p.text for p in document.paragraphs]
    notes = [p for p in document.paragraphs if p.runs and p.runs[0].italic
             and p.runs[0].font.color.rgb is not None and str(p.runs[0].font.color.rgb) == "C00000"]
    assert [p.text for p in notes] == [f"{m.where}: {m.message}" for m in marks]
    assert all("bảng" in m.where and "dòng" in m.where for m in marks)
    assert len(body) == len(before.paragraphs) + len(marks)
    again = read_form(marked, "mau-can-sua.docx", CAMPAIGN)
    assert again.quantities == report.quantities


@pytest.mark.parametrize("case", ["d03_table_nested_in_table.docx",
                                  "d01_btc_template_layout.docx"])
def test_each_year_cell_of_word_tables_is_found_again(case: str) -> None:
    """Every year cell the reader located (nested tables and merged cells included) is the
    cell marked in the file: its shading lands on the cell holding the value read."""
    original = (CASES / case).read_bytes()
    table = find_table(read_docx(original).grids, CAMPAIGN)
    assert table is not None
    cells = [(c.location, c.quantity) for r in table.rows.values() for c in r.cells.values()]
    marks = [Mark("warning", f"ô {n}", "", loc) for n, (loc, _) in enumerate(cells)]
    document = docx.Document(io.BytesIO(annotated_copy(original, "docx", marks)))
    tables = tables_in_reading_order(document)
    for (loc, quantity), mark in zip(cells, marks, strict=True):
        assert loc.table is not None and loc.row is not None and loc.grid_column is not None
        tc = list(grid_rows(tables[loc.table - 1]._tbl))[loc.row - 1][loc.grid_column].tc
        assert _cell_fill(tc) == WARNING_FILL
        text = " ".join("".join(t.text or "" for t in tc.iter(qn("w:t"))).split())
        assert text == " ".join(quantity.written.split()), mark.message


def test_macros_are_never_kept() -> None:
    original = (GOLDEN / "template-cell-errors.xlsx").read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as src, zipfile.ZipFile(buffer, "w") as out:
        for item in src.infolist():
            out.writestr(item, src.read(item.filename))
        out.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 macro")
    report = read_form(buffer.getvalue(), "mau.xlsm", CAMPAIGN)
    marked = annotated_copy(buffer.getvalue(), "xlsx", _marks(report))
    with zipfile.ZipFile(io.BytesIO(marked)) as result:
        assert not any("vba" in n.lower() for n in result.namelist())
        assert b"macroEnabled" not in result.read("[Content_Types].xml")
    assert copy_name("mau.xlsm", "xlsx") == "mau-can-sua.xlsx"
    assert copy_name("Mẫu đăng ký.docm", "docx") == "Mẫu đăng ký-can-sua.docx"


@pytest.mark.parametrize("data", [b"PK\x03\x04 broken", b"", b"%PDF-1.4"])
def test_a_file_that_cannot_be_marked_costs_only_the_marking(data: bytes) -> None:
    marks = _marks(read_form((GOLDEN / "template-cell-errors.xlsx").read_bytes(), "m.xlsx",
                             CAMPAIGN))
    assert run_isolated(annotated_copy, (data, "xlsx", marks), "marking m.xlsx") is None
    assert run_isolated(annotated_copy, (data, "ods", marks), "marking m.ods") is None
