"""Write realistic filled registration forms (golden inputs) and their expectations.

Usage:  python tests/forms/make_forms.py            (writes tests/forms/cases/)

Every case is a file ``cases/<name>.<ext>`` plus ``cases/<name>.expect.json``:

    {"verdict": ..., "quantities": {row: {year: int|null}} | null,
     "error_fields": [sorted `field` of the error-severity findings],
     "agency": ..., "document_number": ..., "date": ...}

A key that is absent from an expectation is not checked.  The expectations are written
from the specification (the form in Công văn 86/BCY-CTSBMTT, CONTRACT.md, the intake issue),
never from the parser's behaviour.

The output is deterministic: fixed document properties, fixed zip timestamps, seeded
randomness.  Cases that go through LibreOffice (``soffice``) are only regenerated when
``soffice`` is on PATH; otherwise the committed files are left as they are.
"""

from __future__ import annotations

import io
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import docx
import openpyxl
from docx.shared import Pt
from openpyxl.styles import Alignment, Font

HERE = Path(__file__).resolve().parent
CASES = HERE / "cases"

FIXED_DT = datetime(2021, 5, 10, 8, 0, 0)
FIXED_ZIP_TIME = (2021, 5, 10, 8, 0, 0)
W3CDTF = "2021-05-10T08:00:00Z"

ROW_KEYS = [
    "organization_usb_token",
    "personal_usb_token",
    "personal_sim_pki",
    "personal_sd_secure",
    "device_service_software",
]
YEARS = ["2021", "2022", "2023", "2024", "2025"]

MOTTO = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
VV = "V/v đề xuất nhu cầu cấp mới chứng thư số giai đoạn 2021-2025"
KINH_GUI = "Kính gửi: Ban Cơ yếu Chính phủ."
NOTES = [
    "* Ghi chú:",
    ("- USB Token: là thiết bị lưu khóa bí mật sử dụng giao tiếp với máy tính qua cổng USB "
     "phục vụ ký số tài liệu điện tử."),
    ("- SIM PKI: là thiết bị thẻ SIM điện thoại có chức năng lưu khóa bí mật phục vụ ký số "
     "dữ liệu trên thiết bị di động đảm bảo an toàn."),
    ("- SD Secure: là thiết bị thẻ bảo mật sử dụng giao tiếp SD (qua khe cắm thẻ SD hoặc đầu "
     "đọc trên thiết bị di động) có chức năng lưu khóa bí mật phục vụ ký số dữ liệu trên "
     "thiết bị di động đảm bảo an toàn."),
]
TEMPLATE_TITLE = [
    "MẪU ĐĂNG KÝ",
    "Đề xuất nhu cầu cấp mới chứng thư số giai đoạn 2021-2025",
    "(Kèm theo Công văn số: 56 /BCY-CTSBMTT ngày 17/4/2021 của Ban Cơ yếu Chính phủ)",
]
AGENCY_PLACEHOLDER = "<TÊN CƠ QUAN ĐẢNG, NHÀ NƯỚC>"
AGENCY_PLACEHOLDER_INTRO = "<tên cơ quan Đảng, Nhà nước>"
NUMBER_PLACEHOLDER = "<Số, ký hiệu>"


def intro(agency: str) -> str:
    return (
        "Thực hiện Công văn số 86/BCY-CTSBMTT ngày 01/4/2021 của Ban Cơ yếu Chính phủ, "
        f"{agency} đề xuất nhu cầu cấp mới chứng thư số giai đoạn 2021 - 2025, cụ thể như sau:"
    )


# --------------------------------------------------------------------------- text variants

OLD_TONES = {
    "hòa": "hoà", "Hòa": "Hoà", "HÒA": "HOÀ",
    "hóa": "hoá", "Hóa": "Hoá", "HÓA": "HOÁ",
    "khóa": "khoá", "KHÓA": "KHOÁ",
    "ủy": "uỷ", "Ủy": "Uỷ", "ỦY": "UỶ",
    "thủy": "thuỷ", "Thủy": "Thuỷ", "THỦY": "THUỶ",
}


def old_tones(s: str) -> str:
    for new, old in OLD_TONES.items():
        s = s.replace(new, old)
    return s


def nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


# --------------------------------------------------------------------------- the demand table

# Raw cell values: None (blank), int, float, str (typed text), or Formula.


@dataclass(frozen=True)
class Formula:
    text: str  # e.g. "=10+5"
    value: int  # what Excel/LibreOffice computes


LABELS = {
    "organization_usb_token": ("01", "Chứng thư số cho cơ quan, tổ chức (USB Token)"),
    "personal_usb_token": ("", "USB Token"),
    "personal_sim_pki": ("", "SIM PKI"),
    "personal_sd_secure": ("", "SD Secure"),
    "device_service_software": ("03", "Chứng thư số cho thiết bị, dịch vụ, phần mềm"),
}
ROW02_LABEL = ("02", "Chứng thư số cho cá nhân")
PERSONAL = ["personal_usb_token", "personal_sim_pki", "personal_sd_secure"]


@dataclass
class TableSpec:
    values: dict[str, list[Any]]  # row key -> 5 raw values (2021..2025)
    years: list[str] = field(default_factory=lambda: list(YEARS))
    year_fmt: str = "int"  # int | str | nam
    layout: str = "two_row"  # two_row (merged "Số lượng") | one_row
    total_col: bool = False
    total_row: bool = False
    total_formulas: bool = False  # xlsx: totals as SUM() formulas
    personal_order: list[str] = field(default_factory=lambda: list(PERSONAL))
    sub_tt: list[str] = field(default_factory=lambda: ["", "", ""])
    row02_values: list[Any] | None = None
    omit_rows: set[str] = field(default_factory=set)
    units: dict[str, str] = field(default_factory=dict)
    upper: bool = False
    note_col: bool = True
    notes_cells: dict[str, str] = field(default_factory=dict)


def _year_label(y: str, fmt: str) -> Any:
    if fmt == "int":
        return int(y)
    if fmt == "nam":
        return f"Năm {y}"
    return y


def _sum_or_blank(raws: list[Any]) -> int | None:
    total = 0
    for r in raws:
        v = spec_value(r)
        if v is None:
            return None
        total += v
    return total


def table_model(t: TableSpec, for_xlsx: bool) -> tuple[list[list[Any]], list[tuple[int, int, int, int]], list[int]]:
    """Return (grid, merges, data_row_indices) with raw cell values.

    merges are (r1, c1, r2, c2), 0-based inclusive.  The year value cells of every leaf row
    start at column 3.
    """
    ny = len(t.years)
    lab = (lambda s: s.upper()) if t.upper else (lambda s: s)
    head_names = ["TT", lab("Nội dung"), "ĐVT" if t.upper else "Đvt"]
    extra = (["Tổng cộng"] if t.total_col else []) + (["Ghi chú"] if t.note_col else [])
    ncols = 3 + ny + len(extra)
    grid: list[list[Any]] = []
    merges: list[tuple[int, int, int, int]] = []
    if t.layout == "two_row":
        r1 = head_names + ["Số lượng"] + [None] * (ny - 1) + extra
        r2 = [None, None, None] + [_year_label(y, t.year_fmt) for y in t.years] + [None] * len(extra)
        grid += [r1, r2]
        for c in range(3):
            merges.append((0, c, 1, c))
        merges.append((0, 3, 0, 3 + ny - 1))
        for i in range(len(extra)):
            merges.append((0, 3 + ny + i, 1, 3 + ny + i))
    else:
        grid.append(head_names + [_year_label(y, t.year_fmt) for y in t.years] + extra)

    year_idx = [YEARS.index(y) for y in t.years]
    data_rows: list[int] = []

    def leaf(key: str, tt: str) -> list[Any]:
        raws = [t.values[key][i] for i in year_idx]
        row = [tt, lab(LABELS[key][1]), t.units.get(key, "CTS")] + raws
        if t.total_col:
            if for_xlsx and t.total_formulas:
                row.append("TOTAL_FORMULA")
            else:
                s = _sum_or_blank(raws)
                row.append(s if for_xlsx else ("" if s is None else str(s)))
        if t.note_col:
            row.append(t.notes_cells.get(key, ""))
        return row

    order: list[tuple[str, str]] = []
    if "organization_usb_token" not in t.omit_rows:
        order.append(("organization_usb_token", "01"))
    row02 = [ROW02_LABEL[0], lab(ROW02_LABEL[1]), ""]
    if t.row02_values is not None:
        row02 += [t.row02_values[i] for i in year_idx]
    else:
        row02 += [None] * ny
    row02 += [None] * len(extra)
    personal = [(k, tt) for k, tt in zip(t.personal_order, t.sub_tt, strict=False) if k not in t.omit_rows]
    for key, tt in order:
        data_rows.append(len(grid))
        grid.append(leaf(key, tt))
    grid.append(row02)
    for key, tt in personal:
        data_rows.append(len(grid))
        grid.append(leaf(key, tt))
    if "device_service_software" not in t.omit_rows:
        data_rows.append(len(grid))
        grid.append(leaf("device_service_software", "03"))
    if t.total_row:
        tr: list[Any] = ["", lab("Tổng cộng"), ""]
        for j in range(ny):
            if for_xlsx and t.total_formulas:
                tr.append("COLSUM_FORMULA")
            else:
                col = [grid[r][3 + j] for r in data_rows]
                s = _sum_or_blank(col)
                tr.append(s if for_xlsx else ("" if s is None else str(s)))
        tr += [None] * len(extra)
        grid.append(tr)
    for row in grid:
        assert len(row) == ncols, row
    return grid, merges, data_rows


# --------------------------------------------------------------------------- expectations


GROUPED = re.compile(r"^\d{1,3}(\.\d{3})+$")
PLAIN = re.compile(r"^\d+$")
WITH_UNIT = re.compile(r"^(\d+)\s*CTS$", re.IGNORECASE)


def spec_value(raw: Any) -> int | None:
    """What the spec says a quantity cell means; None = invalid (an error finding)."""
    if raw is None:
        return 0
    if isinstance(raw, Formula):
        return raw.value
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if raw >= 0 else None
    if isinstance(raw, float):
        return None  # only fractional floats are used in the cases
    s = unicodedata.normalize("NFC", str(raw)).strip()
    if s in ("", "-", "–"):
        return 0
    if GROUPED.match(s):
        return int(s.replace(".", ""))
    if PLAIN.match(s):
        return int(s)
    m = WITH_UNIT.match(s)
    if m:
        return int(m.group(1))
    return None


def expected_quantities(t: TableSpec) -> tuple[dict[str, dict[str, int | None]], list[str]]:
    q: dict[str, dict[str, int | None]] = {}
    errors: list[str] = []
    for key in ROW_KEYS:
        q[key] = {}
        for i, y in enumerate(YEARS):
            if key in t.omit_rows or y not in t.years:
                q[key][y] = None
                continue
            v = spec_value(t.values[key][i])
            q[key][y] = v
            if v is None:
                errors.append(f"quantities.{key}.{y}")
    for key in t.omit_rows:
        errors.append(f"quantities.{key}")
    for y in YEARS:
        if y not in t.years:
            errors.append(f"quantities.*.{y}")
    return q, errors


# --------------------------------------------------------------------------- document parts


@dataclass
class Header:
    agency_lines: list[str]
    number_line: str  # e.g. "Số: 123/BTC-CNTT"
    place_date: str  # e.g. "Hà Nội, ngày 10 tháng 5 năm 2021"
    intro_agency: str


@dataclass
class Case:
    name: str
    ext: str  # docx | xlsx
    build: Callable[[Path], None] | None
    expect: dict[str, Any]
    via_soffice: bool = False  # build writes an intermediate file converted by LibreOffice


STANDARD_VALUES = {
    "organization_usb_token": [10, 2, 2, 1, 1],
    "personal_usb_token": [25, 5, 5, 3, 3],
    "personal_sim_pki": [4, 2, 0, 2, 0],
    "personal_sd_secure": [0, 1, 1, 0, 0],
    "device_service_software": [3, 0, 1, None, 0],
}


def vals(**over: dict[int, Any]) -> dict[str, list[Any]]:
    """STANDARD_VALUES with some cells replaced: vals(personal_sim_pki={2: "mười"})."""
    v = {k: list(x) for k, x in STANDARD_VALUES.items()}
    for key, cells in over.items():
        for i, raw in cells.items():
            v[key][i] = raw
    return v


# --------------------------------------------------------------------------- DOCX writer


def _docx_text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, Formula):
        return str(raw.value)
    return str(raw)


def _set_cell_lines(cell: Any, lines: list[str], tx: Callable[[str], str], bold_first: int = 0) -> None:
    cell.text = ""
    para = cell.paragraphs[0]
    for i, line in enumerate(lines):
        if i > 0:
            para = cell.add_paragraph()
        run = para.add_run(tx(line))
        if i < bold_first:
            run.bold = True


def _write_docx_table(container: Any, t: TableSpec, tx: Callable[[str], str]) -> None:
    grid, merges, _ = table_model(t, for_xlsx=False)
    table = container.add_table(rows=len(grid), cols=len(grid[0]))
    table.style = "Table Grid"
    for (r1, c1, r2, c2) in merges:
        a = table.cell(r1, c1)
        b = table.cell(r2, c2)
        text = grid[r1][c1]
        a.merge(b)
        table.cell(r1, c1).text = tx(_docx_text(text))
    merged_cells = {(r, c) for (r1, c1, r2, c2) in merges for r in range(r1, r2 + 1)
                    for c in range(c1, c2 + 1)}
    for r, row in enumerate(grid):
        for c, raw in enumerate(row):
            if (r, c) in merged_cells:
                continue
            table.cell(r, c).text = tx(_docx_text(raw))


def build_docx(
    path: Path,
    t: TableSpec | None,
    header: Header | None,
    *,
    tx: Callable[[str], str] = lambda s: s,
    template_title: bool = False,
    header_as_paragraphs: bool = False,
    nested: bool = False,
    signature: bool = True,
    notes: bool = True,
    body_extra: list[str] | None = None,
    issued_table_before: bool = False,
) -> None:
    d = docx.Document()
    style = d.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    if template_title:
        for line in TEMPLATE_TITLE:
            d.add_paragraph(tx(line))
    if header is not None:
        left = header.agency_lines + ["", header.number_line, VV]
        right = MOTTO + ["", header.place_date]
        if header_as_paragraphs:
            for line in header.agency_lines:
                d.add_paragraph().add_run(tx(line)).bold = True
            for line in MOTTO:
                d.add_paragraph().add_run(tx(line)).bold = True
            d.add_paragraph(tx(header.number_line))
            d.add_paragraph(tx(header.place_date))
            d.add_paragraph(tx(VV))
        else:
            ht = d.add_table(rows=1, cols=2)
            _set_cell_lines(ht.cell(0, 0), left, tx, bold_first=len(header.agency_lines))
            _set_cell_lines(ht.cell(0, 1), right, tx, bold_first=2)
        d.add_paragraph(tx(KINH_GUI))
        d.add_paragraph(tx(intro(header.intro_agency)))
    for line in body_extra or []:
        d.add_paragraph(tx(line))
    if issued_table_before:
        d.add_paragraph(tx("1. Số lượng chứng thư số đã được cấp (giai đoạn 2018 - 2020):"))
        rows = [["TT", "Loại chứng thư số", "2018", "2019", "2020"],
                ["01", "Chứng thư số cho cơ quan, tổ chức (USB Token)", "3", "4", "5"],
                ["02", "Chứng thư số cho cá nhân (USB Token)", "40", "55", "60"],
                ["03", "SIM PKI", "0", "2", "6"],
                ["04", "Chứng thư số cho thiết bị, dịch vụ, phần mềm", "1", "1", "2"]]
        it = d.add_table(rows=len(rows), cols=5)
        it.style = "Table Grid"
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                it.cell(r, c).text = tx(v)
        d.add_paragraph(tx("2. Nhu cầu cấp mới chứng thư số giai đoạn 2021 - 2025:"))
    if t is not None:
        if nested:
            outer = d.add_table(rows=1, cols=1)
            cell = outer.cell(0, 0)
            cell.paragraphs[0].add_run(tx("Bảng đề xuất nhu cầu")).bold = True
            _write_docx_table(cell, t, tx)
        else:
            _write_docx_table(d, t, tx)
    if notes:
        for line in NOTES:
            d.add_paragraph(tx(line))
    if signature:
        st = d.add_table(rows=1, cols=2)
        _set_cell_lines(st.cell(0, 0), ["Nơi nhận:", "- Như trên;", "- Lưu: VT, CNTT."], tx)
        _set_cell_lines(
            st.cell(0, 1), ["KT. THỦ TRƯỞNG CƠ QUAN", "PHÓ THỦ TRƯỞNG", "", "", "Nguyễn Văn An"],
            tx, bold_first=2,
        )
    cp = d.core_properties
    cp.author = "bcy-intake tests"
    cp.last_modified_by = "bcy-intake tests"
    cp.created = FIXED_DT
    cp.modified = FIXED_DT
    cp.last_printed = FIXED_DT
    cp.revision = 1
    d.save(str(path))


# --------------------------------------------------------------------------- XLSX writer


def _xl_value(raw: Any, tx: Callable[[str], str]) -> Any:
    if raw is None:
        return None
    if isinstance(raw, Formula):
        return raw.text
    if isinstance(raw, str):
        return tx(raw) if raw else None
    return raw


def write_xlsx_table(ws: Any, t: TableSpec, top: int, left: int, tx: Callable[[str], str],
                     text_numbers: bool = False) -> int:
    """Write the demand table with its top-left cell at (top, left) (1-based); return last row."""
    grid, merges, data_rows = table_model(t, for_xlsx=True)
    ny = len(t.years)
    first_year_col = left + 3
    for r, row in enumerate(grid):
        for c, raw in enumerate(row):
            if raw == "TOTAL_FORMULA":
                a = openpyxl.utils.get_column_letter(first_year_col)
                b = openpyxl.utils.get_column_letter(first_year_col + ny - 1)
                value: Any = f"=SUM({a}{top + r}:{b}{top + r})"
            elif raw == "COLSUM_FORMULA":
                col = openpyxl.utils.get_column_letter(left + c)
                value = "=" + "+".join(f"{col}{top + dr}" for dr in data_rows)
            else:
                value = _xl_value(raw, tx)
            if value is None:
                continue
            cell = ws.cell(row=top + r, column=left + c, value=value)
            if isinstance(value, str) and not value.startswith("="):
                cell.data_type = "s"
            if r < (2 if t.layout == "two_row" else 1):
                cell.font = Font(bold=True)
                cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for (r1, c1, r2, c2) in merges:
        ws.merge_cells(start_row=top + r1, start_column=left + c1,
                       end_row=top + r2, end_column=left + c2)
    ws.column_dimensions[openpyxl.utils.get_column_letter(left + 1)].width = 48
    return top + len(grid) - 1


def write_xlsx_header(ws: Any, header: Header, top: int, tx: Callable[[str], str],
                      merged: bool = True) -> int:
    r = top
    for line in header.agency_lines:
        ws.cell(row=r, column=1, value=tx(line)).font = Font(bold=True)
        if merged:
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=3)
        r += 1
    ws.cell(row=r, column=1, value=tx(header.number_line))
    if merged:
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=3)
    ws.cell(row=top, column=5, value=tx(MOTTO[0])).font = Font(bold=True)
    ws.cell(row=top + 1, column=5, value=tx(MOTTO[1])).font = Font(bold=True)
    ws.cell(row=top + 2, column=5, value=tx(header.place_date))
    if merged:
        for rr in (top, top + 1, top + 2):
            ws.merge_cells(start_row=rr, start_column=5, end_row=rr, end_column=10)
    r = max(r, top + 2) + 2
    ws.cell(row=r, column=1, value=tx(VV))
    ws.cell(row=r + 1, column=1, value=tx(KINH_GUI))
    ws.cell(row=r + 2, column=1, value=tx(intro(header.intro_agency)))
    return r + 2


def _fix_wb(wb: Any) -> None:
    wb.properties.creator = "bcy-intake tests"
    wb.properties.lastModifiedBy = "bcy-intake tests"
    wb.properties.created = FIXED_DT
    wb.properties.modified = FIXED_DT


def build_xlsx(
    path: Path,
    t: TableSpec | None,
    header: Header | None,
    *,
    tx: Callable[[str], str] = lambda s: s,
    layout: str = "single",  # single | second_sheet
    start: tuple[int, int] | None = None,
    title_rows: list[str] | None = None,
    contact_table_before: bool = False,
    signature_after: bool = True,
    sheets_before: bool = False,
) -> None:
    wb = openpyxl.Workbook()
    ws0 = wb.active
    if sheets_before:
        ws0.title = tx("Hướng dẫn")
        ws0["A1"] = tx("Hướng dẫn điền mẫu: ghi số lượng chứng thư số đề xuất cấp mới theo năm.")
        for i, line in enumerate(NOTES, start=3):
            ws0.cell(row=i, column=1, value=tx(line))
        bud = wb.create_sheet(tx("Dự toán"))
        bud["A1"] = tx("DỰ TOÁN KINH PHÍ TRIỂN KHAI CHỮ KÝ SỐ (triệu đồng)")
        for c, v in enumerate(["TT", "Nội dung"] + [f"Năm {y}" for y in YEARS], start=1):
            bud.cell(row=3, column=c, value=tx(v))
        for r, (tt, label, base) in enumerate([("1", "Mua sắm thiết bị đọc thẻ", 50),
                                                ("2", "Đào tạo, tập huấn", 20)], start=4):
            bud.cell(row=r, column=1, value=tt)
            bud.cell(row=r, column=2, value=tx(label))
            for j in range(5):
                bud.cell(row=r, column=3 + j, value=base + 10 * j)
        ws0 = wb.create_sheet(tx("Mẫu đăng ký"))
    if layout == "second_sheet":
        ws0.title = tx("Công văn")
        if header is not None:
            write_xlsx_header(ws0, header, 1, tx)
        ws = wb.create_sheet(tx("Nhu cầu CTS"))
        top, left = start or (7, 4)
    else:
        if not sheets_before:
            ws0.title = tx("Mẫu đăng ký")
        ws = ws0
        last = write_xlsx_header(ws, header, 1, tx) if header is not None else 0
        top, left = start or (last + 2, 1)
    if title_rows:
        for i, line in enumerate(title_rows):
            c = ws.cell(row=top - len(title_rows) - 1 + i, column=left, value=tx(line))
            c.font = Font(bold=True)
    if contact_table_before:
        ws.cell(row=top - 5, column=left, value=tx("Người liên hệ"))
        ws.cell(row=top - 5, column=left + 1, value=tx("Chức vụ"))
        ws.cell(row=top - 5, column=left + 2, value=tx("Điện thoại"))
        ws.cell(row=top - 4, column=left, value=tx("Trần Thị Bình"))
        ws.cell(row=top - 4, column=left + 1, value=tx("Chuyên viên"))
        ws.cell(row=top - 4, column=left + 2, value="0912345678")
        ws.cell(row=top - 3, column=left, value=tx("Lê Văn Cường"))
        ws.cell(row=top - 3, column=left + 1, value=tx("Trưởng phòng"))
        ws.cell(row=top - 3, column=left + 2, value="0987654321")
    last = top
    if t is not None:
        last = write_xlsx_table(ws, t, top, left, tx)
    r = last + 2
    for line in NOTES:
        ws.cell(row=r, column=left, value=tx(line))
        r += 1
    if signature_after:
        r += 1
        ws.cell(row=r, column=left, value=tx("Nơi nhận:"))
        ws.cell(row=r, column=left + 5, value=tx("THỦ TRƯỞNG CƠ QUAN")).font = Font(bold=True)
        ws.cell(row=r + 1, column=left, value=tx("- Như trên;"))
        ws.cell(row=r + 2, column=left, value=tx("- Lưu: VT."))
        ws.cell(row=r + 4, column=left + 5, value=tx("Nguyễn Văn An"))
    _fix_wb(wb)
    wb.save(str(path))


# --------------------------------------------------------------------------- determinism


CORE_DATES = re.compile(
    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)"
)
CORE_PRINTED = re.compile(rb"(<cp:lastPrinted>)[^<]*(</cp:lastPrinted>)")


def normalize_zip(path: Path) -> None:
    """Rewrite an OOXML package with fixed timestamps so regeneration is byte-identical."""
    with zipfile.ZipFile(path) as z:
        entries = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = CORE_DATES.sub(rb"\g<1>" + W3CDTF.encode() + rb"\g<3>", data)
                data = CORE_PRINTED.sub(rb"\g<1>" + W3CDTF.encode() + rb"\g<2>", data)
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            out.writestr(info, data)
    path.write_bytes(buf.getvalue())


def soffice_convert(src: Path, fmt: str, dest: Path) -> None:
    """Convert src through LibreOffice (own profile dir per conversion) and write dest."""
    exe = shutil.which("soffice")
    assert exe
    with tempfile.TemporaryDirectory(prefix="lo-out-") as outdir, \
            tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        cmd = [exe, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless",
               "--norestore", "--convert-to", fmt, "--outdir", outdir, str(src)]
        subprocess.run(cmd, check=True, capture_output=True, timeout=180)
        produced = Path(outdir) / (src.stem + "." + fmt)
        if not produced.exists():
            raise RuntimeError(f"LibreOffice produced nothing for {src}")
        shutil.copyfile(produced, dest)


# --------------------------------------------------------------------------- the cases


def hdr(agency_lines: list[str], number: str, place_date: str, intro_agency: str) -> Header:
    return Header(agency_lines, number, place_date, intro_agency)


BTC = hdr(["BỘ TÀI CHÍNH"], "Số: 123/BTC-CNTT", "Hà Nội, ngày 10 tháng 5 năm 2021", "Bộ Tài chính")
BACNINH = hdr(["ỦY BAN NHÂN DÂN", "TỈNH BẮC NINH"], "Số: 1520/UBND-KGVX",
              "Bắc Ninh, ngày 11 tháng 5 năm 2021", "Ủy ban nhân dân tỉnh Bắc Ninh")
BYT = hdr(["BỘ Y TẾ"], "Số: 2345/BYT-CNTT", "Hà Nội, ngày 07 tháng 5 năm 2021", "Bộ Y tế")
KHANHHOA = hdr(["ỦY BAN NHÂN DÂN", "TỈNH KHÁNH HÒA"], "Số: 4021/UBND-KGVX",
               "Khánh Hòa, ngày 05 tháng 5 năm 2021", "Ủy ban nhân dân tỉnh Khánh Hòa")
THAIBINH = hdr(["ỦY BAN NHÂN DÂN", "TỈNH THÁI BÌNH"], "Số: 87/UBND-TH",
               "Thái Bình, ngày 12 tháng 5 năm 2021", "Ủy ban nhân dân tỉnh Thái Bình")
BCT = hdr(["BỘ CÔNG THƯƠNG"], "Số: 3012/BCT-TMĐT", "Hà Nội, ngày 3 tháng 5 năm 2021",
          "Bộ Công Thương")
KTNN = hdr(["KIỂM TOÁN NHÀ NƯỚC"], "Số: 456/KTNN-CNTT", "Hà Nội, ngày 14 tháng 5 năm 2021",
           "Kiểm toán nhà nước")
DANANG = hdr(["ỦY BAN NHÂN DÂN", "THÀNH PHỐ ĐÀ NẴNG"], "Số: 2788/UBND-STTTT",
             "Đà Nẵng, ngày 13 tháng 5 năm 2021", "Ủy ban nhân dân thành phố Đà Nẵng")


M_BTC = {"agency": "Bộ Tài chính", "document_number": "123/BTC-CNTT", "date": "2021-05-10"}
M_BACNINH = {"agency": "Ủy ban nhân dân tỉnh Bắc Ninh", "document_number": "1520/UBND-KGVX",
             "date": "2021-05-11"}
M_BYT = {"agency": "Bộ Y tế", "document_number": "2345/BYT-CNTT", "date": "2021-05-07"}
M_KHANHHOA = {"agency": "Ủy ban nhân dân tỉnh Khánh Hòa", "document_number": "4021/UBND-KGVX",
              "date": "2021-05-05"}
M_THAIBINH = {"agency": "Ủy ban nhân dân tỉnh Thái Bình", "document_number": "87/UBND-TH",
              "date": "2021-05-12"}
M_BCT = {"agency": "Bộ Công Thương", "document_number": "3012/BCT-TMĐT", "date": "2021-05-03"}
M_KTNN = {"agency": "Kiểm toán nhà nước", "document_number": "456/KTNN-CNTT",
          "date": "2021-05-14"}
M_DANANG = {"agency": "Ủy ban nhân dân thành phố Đà Nẵng", "document_number": "2788/UBND-STTTT",
            "date": "2021-05-13"}


HUGE = 100_000  # far beyond any agency's yearly need: the spec's "implausibly large"


def expected_warnings(t: TableSpec, late: bool) -> list[str]:
    """Field prefixes that must each carry at least one warning finding."""
    w: list[str] = []
    if late:
        w.append("header.date")
    for key, unit in t.units.items():
        if unit != "CTS" and key not in t.omit_rows:
            w.append(f"quantities.{key}")
    if t.row02_values is not None:
        for i, y in enumerate(YEARS):
            own = spec_value(t.row02_values[i])
            subs = [spec_value(t.values[k][i]) for k in PERSONAL]
            if y in t.years and None not in subs and own != sum(subs):  # type: ignore[arg-type]
                w.append("quantities")  # row 02 has no row key: the field is not specified
                break
    for key in ROW_KEYS:
        for i, y in enumerate(YEARS):
            v = spec_value(t.values[key][i])
            if y in t.years and key not in t.omit_rows and v is not None and v >= HUGE:
                w.append(f"quantities.{key}.{y}")
    return sorted(set(w))


def form_expect(t: TableSpec, m: dict[str, Any], extra_errors: list[str] = (),
                table_error: bool = False, late: bool = False) -> dict[str, Any]:
    q, errors = expected_quantities(t)
    errors = list(errors) + list(extra_errors) + (["table"] if table_error else [])
    errors = sorted(set(errors))
    out = {
        "verdict": "accepted" if not errors else "needs_correction",
        "quantities": q,
        "error_fields": errors,
        # each prefix needs >= 1 warning; "warnings_exact": no other warning is expected
        "warning_fields": expected_warnings(t, late),
        **m,
    }
    if not errors:
        out["warnings_exact"] = True
    return out


def unreadable_expect(**m: Any) -> dict[str, Any]:
    return {"verdict": "unreadable", "quantities": None, "error_fields": ["file"], **m}


CASES_LIST: list[Case] = []


def add_docx(name: str, t: TableSpec | None, header: Header | None, expect: dict[str, Any],
             via_soffice: bool = False, **kw: Any) -> None:
    CASES_LIST.append(Case(name, "docx", lambda p: build_docx(p, t, header, **kw), expect,
                           via_soffice))


def add_xlsx(name: str, t: TableSpec | None, header: Header | None, expect: dict[str, Any],
             via_soffice: bool = False, **kw: Any) -> None:
    CASES_LIST.append(Case(name, "xlsx", lambda p: build_xlsx(p, t, header, **kw), expect,
                           via_soffice))


def define_cases() -> None:
    # ---------------------------------------------------------------- DOCX, accepted
    t = TableSpec(vals())
    add_docx("d01_btc_template_layout", t, BTC, form_expect(t, M_BTC))

    t = TableSpec(vals(), layout="one_row", year_fmt="nam", sub_tt=["-", "-", "-"])
    add_docx("d02_bacninh_two_line_agency_nam_years", t, BACNINH, form_expect(t, M_BACNINH))

    t = TableSpec(vals())
    add_docx("d03_table_nested_in_table", t, BYT, form_expect(t, M_BYT), nested=True)

    t = TableSpec(vals(), total_col=True, total_row=True)
    add_docx("d04_template_title_left_total_col_row", t, BTC, form_expect(t, M_BTC),
             template_title=True)

    t = TableSpec(vals())
    add_docx("d05_nfd_text", t, BACNINH, form_expect(t, M_BACNINH), tx=nfd)

    t = TableSpec(vals())
    add_docx("d06_old_tone_marks", t, KHANHHOA, form_expect(t, M_KHANHHOA), tx=old_tones)

    t = TableSpec(vals(), upper=True, layout="one_row")
    add_docx("d07_upper_case_labels", t, BCT, form_expect(t, M_BCT))

    t = TableSpec(vals(), personal_order=["personal_sd_secure", "personal_sim_pki",
                                          "personal_usb_token"], sub_tt=["a", "b", "c"])
    add_docx("d08_subrows_reordered", t, KTNN, form_expect(t, M_KTNN))

    t = TableSpec(vals(organization_usb_token={0: "05", 1: "1.000"},
                       personal_usb_token={0: "50 CTS", 3: "-"},
                       device_service_software={2: "–", 4: " 7 "}))
    add_docx("d09_text_numbers", t, BTC, form_expect(t, M_BTC))

    t = TableSpec(vals(), row02_values=[99, 8, 6, 5, 3])
    add_docx("d10_row02_total_differs_warning", t, DANANG, form_expect(t, M_DANANG))

    t = TableSpec(vals(), row02_values=[29, 8, 6, 5, 3])
    add_docx("d11_row02_total_matches", t, THAIBINH, form_expect(t, M_THAIBINH))

    t = TableSpec(vals(), units={"organization_usb_token": "Cái"})
    add_docx("d12_unit_cai_warning", t, BYT, form_expect(t, M_BYT))

    late = hdr(["BỘ TÀI CHÍNH"], "Số: 123/BTC-CNTT", "Hà Nội, ngày 20 tháng 5 năm 2021",
               "Bộ Tài chính")
    t = TableSpec(vals())
    add_docx("d13_date_after_deadline_warning", t, late,
             form_expect(t, {**M_BTC, "date": "2021-05-20"}, late=True))

    t = TableSpec(vals(personal_usb_token={1: "5.000.000"}))
    add_docx("d14_huge_number_warning", t, BTC, form_expect(t, M_BTC))

    t = TableSpec(vals())
    add_docx("d15_header_as_paragraphs_no_signature", t, BYT, form_expect(t, M_BYT),
             header_as_paragraphs=True, signature=False)

    t = TableSpec(vals(), layout="one_row", year_fmt="str", note_col=False, total_col=True,
                  sub_tt=["2.1", "2.2", "2.3"],
                  notes_cells={})
    add_docx("d16_years_text_no_note_col_total_col", t, KTNN, form_expect(t, M_KTNN))

    t = TableSpec(vals(), layout="one_row", year_fmt="nam", sub_tt=["-", "-", "-"])
    add_docx("d17_libreoffice_roundtrip", t, BACNINH, form_expect(t, M_BACNINH),
             via_soffice=True)

    t = TableSpec(vals(), layout="one_row")
    add_docx("d18_issued_2018_2020_table_before_demand_table", t, BCT, form_expect(t, M_BCT),
             issued_table_before=True)

    on_deadline = hdr(["BỘ Y TẾ"], "Số: 2345/BYT-CNTT", "Hà Nội, ngày 15 tháng 5 năm 2021",
                      "Bộ Y tế")
    t = TableSpec(vals(), row02_values=[29, 8, 6, 5, 3], total_col=True)
    add_docx("d19_dated_on_deadline_day", t, on_deadline,
             form_expect(t, {**M_BYT, "date": "2021-05-15"}))

    # ---------------------------------------------------------------- DOCX, errors
    ph_agency = hdr([AGENCY_PLACEHOLDER], "Số: 123/BTC-CNTT", "Hà Nội, ngày 10 tháng 5 năm 2021",
                    AGENCY_PLACEHOLDER_INTRO)
    t = TableSpec(vals())
    add_docx("d20_placeholder_agency", t, ph_agency,
             form_expect(t, {**M_BTC, "agency": None}, ["header.agency"]))

    ph_number = hdr(["BỘ TÀI CHÍNH"], NUMBER_PLACEHOLDER, "Hà Nội, ngày 10 tháng 5 năm 2021",
                    "Bộ Tài chính")
    t = TableSpec(vals())
    add_docx("d21_placeholder_number", t, ph_number,
             form_expect(t, {**M_BTC, "document_number": None}, ["header.document_number"]))

    ph_date = hdr(["BỘ TÀI CHÍNH"], "Số: 123/BTC-CNTT", "Hà Nội, ngày ... tháng ... năm 2021",
                  "Bộ Tài chính")
    t = TableSpec(vals())
    add_docx("d22_placeholder_date", t, ph_date,
             form_expect(t, {**M_BTC, "date": None}, ["header.date"]))

    ph_all = hdr([AGENCY_PLACEHOLDER], NUMBER_PLACEHOLDER, "<Địa danh>, ngày ... tháng ... năm 2021",
                 AGENCY_PLACEHOLDER_INTRO)
    t = TableSpec(vals())
    add_docx("d23_template_header_untouched_table_filled", t, ph_all,
             form_expect(t, {"agency": None, "document_number": None, "date": None},
                         ["header.agency", "header.date", "header.document_number"]),
             template_title=True)

    t = TableSpec({k: [None] * 5 for k in ROW_KEYS})
    add_docx("d24_empty_table", t, BTC, form_expect(t, M_BTC, table_error=True))

    t = TableSpec(vals(), omit_rows={"device_service_software"})
    add_docx("d25_missing_row_03", t, BYT, form_expect(t, M_BYT))

    t = TableSpec(vals(), years=YEARS[:4])
    add_docx("d26_missing_2025_column", t, BCT, form_expect(t, M_BCT))

    t = TableSpec(vals(personal_sim_pki={2: "mười"}))
    add_docx("d27_word_muoi", t, BTC, form_expect(t, M_BTC))

    t = TableSpec(vals(organization_usb_token={1: "2,5"}))
    add_docx("d28_fraction_2_5", t, BACNINH, form_expect(t, M_BACNINH))

    t = TableSpec(vals(personal_sd_secure={0: "-3"}))
    add_docx("d29_negative", t, KTNN, form_expect(t, M_KTNN))

    t = TableSpec(vals(device_service_software={4: "10-20"}))
    add_docx("d30_range", t, BYT, form_expect(t, M_BYT))

    t = TableSpec(vals(personal_usb_token={0: "khoảng 50"}))
    add_docx("d31_khoang_50", t, DANANG, form_expect(t, M_DANANG))

    t = TableSpec(vals(personal_sim_pki={2: "mười"}, organization_usb_token={4: "-3"}),
                  personal_order=["personal_sd_secure", "personal_usb_token", "personal_sim_pki"],
                  units={"device_service_software": "Cái"})
    add_docx("d32_nfd_combined_errors", t, ph_number,
             form_expect(t, {**M_BTC, "document_number": None}, ["header.document_number"]),
             tx=nfd)

    t = TableSpec(vals(personal_usb_token={2: "khoảng 50"}), total_col=True,
                  omit_rows={"personal_sim_pki"})
    add_docx("d33_nested_old_tones_missing_simpki", t, KHANHHOA, form_expect(t, M_KHANHHOA),
             tx=old_tones, nested=True)

    # ---------------------------------------------------------------- XLSX, accepted
    t = TableSpec(vals())
    add_xlsx("x01_bacninh_single_sheet", t, BACNINH, form_expect(t, M_BACNINH))

    title = ["BẢNG TỔNG HỢP NHU CẦU CẤP MỚI CHỨNG THƯ SỐ",
             "Giai đoạn 2021 - 2025",
             "(Kèm theo Công văn số 123/BTC-CNTT ngày 10/5/2021 của Bộ Tài chính)"]
    t = TableSpec(vals(), year_fmt="nam", total_col=True, total_row=True, total_formulas=True)
    add_xlsx("x02_second_sheet_D7_titles_total_formulas", t, BTC, form_expect(t, M_BTC),
             layout="second_sheet", start=(7, 4), title_rows=title)
    add_xlsx("x03_second_sheet_D7_libreoffice_cached", t, BTC, form_expect(t, M_BTC),
             via_soffice=True, layout="second_sheet", start=(7, 4), title_rows=title)

    t = TableSpec(vals(organization_usb_token={0: "05", 1: "1.000"},
                       personal_usb_token={0: "50 CTS", 3: "-"},
                       personal_sim_pki={0: "12"},
                       device_service_software={1: "–"}))
    add_xlsx("x04_numbers_as_text", t, BYT, form_expect(t, M_BYT))

    t = TableSpec(vals(organization_usb_token={0: Formula("=8+2", 10)},
                       personal_usb_token={0: Formula("=20+5", 25), 4: Formula("=1*3", 3)}),
                  total_col=True, total_formulas=True)
    add_xlsx("x05_formula_quantities_libreoffice", t, KTNN, form_expect(t, M_KTNN),
             via_soffice=True)

    t = TableSpec(vals(), upper=True, personal_order=["personal_sd_secure", "personal_usb_token",
                                                      "personal_sim_pki"],
                  layout="one_row", year_fmt="str")
    add_xlsx("x06_upper_reordered_years_text", t, BCT, form_expect(t, M_BCT))

    t = TableSpec(vals())
    add_xlsx("x07_nfd_old_tones", t, KHANHHOA, form_expect(t, M_KHANHHOA),
             tx=lambda s: nfd(old_tones(s)))

    t = TableSpec(vals(), row02_values=[99, 8, 6, 5, 3],
                  units={"personal_sim_pki": "Cái"})
    late = hdr(["ỦY BAN NHÂN DÂN", "THÀNH PHỐ ĐÀ NẴNG"], "Số: 2788/UBND-STTTT",
               "Đà Nẵng, ngày 20 tháng 5 năm 2021", "Ủy ban nhân dân thành phố Đà Nẵng")
    t.values["device_service_software"][0] = 5000000
    add_xlsx("x08_warnings_only_unit_row02_late_huge", t, late,
             form_expect(t, {**M_DANANG, "date": "2021-05-20"}, late=True))

    t = TableSpec(vals(), sub_tt=["2.1", "2.2", "2.3"])
    add_xlsx("x09_contact_table_before_table_at_F20", t, THAIBINH, form_expect(t, M_THAIBINH),
             start=(20, 6), contact_table_before=True)

    t = TableSpec(vals(), row02_values=[29, 8, 6, 5, 3])
    add_xlsx("x10_second_sheet_plain_row02_sum", t, BYT, form_expect(t, M_BYT),
             layout="second_sheet", start=(3, 2))

    t = TableSpec(vals(personal_sim_pki={3: "1.000"}), year_fmt="nam")
    add_xlsx("x11_form_on_third_sheet_after_budget_sheet", t, DANANG,
             form_expect(t, M_DANANG), sheets_before=True)

    # ---------------------------------------------------------------- XLSX, errors
    ph_all_x = hdr([AGENCY_PLACEHOLDER], NUMBER_PLACEHOLDER, "Hà Nội, ngày ... tháng ... năm 2021",
                   AGENCY_PLACEHOLDER_INTRO)
    t = TableSpec(vals())
    add_xlsx("x20_placeholders_agency_number_date", t, ph_all_x,
             form_expect(t, {"agency": None, "document_number": None, "date": None},
                         ["header.agency", "header.date", "header.document_number"]))

    t = TableSpec({k: [None] * 5 for k in ROW_KEYS})
    add_xlsx("x21_empty_table", t, BCT, form_expect(t, M_BCT, table_error=True))

    t = TableSpec(vals(), omit_rows={"device_service_software"}, year_fmt="nam")
    add_xlsx("x22_missing_row_03", t, BACNINH, form_expect(t, M_BACNINH))

    t = TableSpec(vals(), years=YEARS[:4], total_col=True)
    add_xlsx("x23_missing_2025_column", t, BTC, form_expect(t, M_BTC))

    t = TableSpec(vals(organization_usb_token={1: 2.5}, personal_sd_secure={0: -3},
                       personal_sim_pki={2: "mười"}))
    add_xlsx("x24_numeric_fraction_negative_word", t, KTNN, form_expect(t, M_KTNN))

    t = TableSpec(vals(device_service_software={4: "10-20"}, personal_usb_token={0: "khoảng 50"},
                       organization_usb_token={2: "2,5"}, personal_sd_secure={3: "-3"}))
    add_xlsx("x25_text_range_khoang_fraction_negative", t, DANANG, form_expect(t, M_DANANG),
             layout="second_sheet", start=(7, 4), title_rows=["NHU CẦU CHỨNG THƯ SỐ"])

    t = TableSpec(vals(personal_sim_pki={1: "mười"}), omit_rows={"personal_sd_secure"},
                  years=YEARS[:4])
    add_xlsx("x26_nfd_missing_row_and_year_placeholder_agency", t, hdr(
        [AGENCY_PLACEHOLDER], "Số: 87/UBND-TH", "Thái Bình, ngày 12 tháng 5 năm 2021",
        AGENCY_PLACEHOLDER_INTRO),
        form_expect(t, {**M_THAIBINH, "agency": None}, ["header.agency"]), tx=nfd)

    # ---------------------------------------------------------------- unreadable
    CASES_LIST.append(Case("u01_unrelated_letter_other_table", "docx", build_unrelated_letter,
                           unreadable_expect()))
    CASES_LIST.append(Case("u02_budget_sheet_years_no_cert_rows", "xlsx", build_budget_sheet,
                           unreadable_expect()))
    CASES_LIST.append(Case("u03_zero_bytes", "docx", lambda p: p.write_bytes(b""),
                           unreadable_expect(agency=None, document_number=None, date=None)))
    CASES_LIST.append(Case("u04_truncated_zip", "xlsx", build_truncated_xlsx,
                           unreadable_expect(agency=None, document_number=None, date=None)))
    CASES_LIST.append(Case("u05_random_bytes", "xlsx", build_random_bytes,
                           unreadable_expect(agency=None, document_number=None, date=None)))
    CASES_LIST.append(Case("u06_pdf_named_docx", "docx", build_pdf,
                           unreadable_expect(agency=None, document_number=None, date=None)))
    CASES_LIST.append(Case("u07_truncated_docx", "docx", build_truncated_docx,
                           unreadable_expect(agency=None, document_number=None, date=None)))
    CASES_LIST.append(Case("u08_empty_document", "docx", build_empty_docx,
                           unreadable_expect(agency=None, document_number=None, date=None)))
    CASES_LIST.append(Case("u09_empty_workbook", "xlsx", build_empty_xlsx,
                           unreadable_expect(agency=None, document_number=None, date=None)))


# --------------------------------------------------------------------------- unreadable builders


def build_unrelated_letter(path: Path) -> None:
    d = docx.Document()
    ht = d.add_table(rows=1, cols=2)
    _set_cell_lines(ht.cell(0, 0), ["BỘ TÀI CHÍNH", "", "Số: 777/BTC-VP",
                                    "V/v mời họp giao ban quý II"], lambda s: s, 1)
    _set_cell_lines(ht.cell(0, 1), MOTTO + ["", "Hà Nội, ngày 10 tháng 5 năm 2021"],
                    lambda s: s, 2)
    d.add_paragraph("Kính gửi: Các đơn vị thuộc Bộ.")
    d.add_paragraph("Bộ Tài chính tổ chức họp giao ban quý II năm 2021. Thành phần tham dự "
                    "gồm các đồng chí có tên dưới đây:")
    t = d.add_table(rows=4, cols=4)
    t.style = "Table Grid"
    rows = [["STT", "Họ và tên", "Chức vụ", "Đơn vị"],
            ["1", "Nguyễn Văn An", "Vụ trưởng", "Vụ Pháp chế"],
            ["2", "Trần Thị Bình", "Phó Cục trưởng", "Cục Tin học và Thống kê tài chính"],
            ["3", "Lê Văn Cường", "Chánh Văn phòng", "Văn phòng Bộ"]]
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            t.cell(r, c).text = v
    d.add_paragraph("Thời gian: 8 giờ 00, ngày 20/5/2021. Địa điểm: Phòng họp số 2.")
    cp = d.core_properties
    cp.created = cp.modified = cp.last_printed = FIXED_DT
    cp.author = cp.last_modified_by = "bcy-intake tests"
    cp.revision = 1
    d.save(str(path))


def build_budget_sheet(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Dự toán"
    ws["A1"] = "DỰ TOÁN NGÂN SÁCH ỨNG DỤNG CÔNG NGHỆ THÔNG TIN GIAI ĐOẠN 2021-2025"
    ws["A2"] = "Đơn vị: triệu đồng"
    head = ["TT", "Nội dung", "Đvt"] + [f"Năm {y}" for y in YEARS] + ["Tổng cộng"]
    for c, v in enumerate(head, start=1):
        ws.cell(row=4, column=c, value=v)
    rows = [["01", "Chi thường xuyên", "Triệu đồng", 1200, 1300, 1400, 1500, 1600],
            ["02", "Chi đầu tư phát triển", "Triệu đồng", 5000, 3000, 2000, 2000, 1000],
            ["03", "Chi đào tạo, bồi dưỡng", "Triệu đồng", 100, 120, 150, 150, 200]]
    for r, row in enumerate(rows, start=5):
        for c, v in enumerate(row, start=1):
            ws.cell(row=r, column=c, value=v)
        ws.cell(row=r, column=9, value=sum(row[3:]))
    _fix_wb(wb)
    wb.save(str(path))


def build_truncated_xlsx(path: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        full = Path(tmp) / "full.xlsx"
        build_xlsx(full, TableSpec(vals()), BTC)
        normalize_zip(full)
        data = full.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def build_truncated_docx(path: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        full = Path(tmp) / "full.docx"
        build_docx(full, TableSpec(vals()), BTC)
        normalize_zip(full)
        data = full.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])


def build_random_bytes(path: Path) -> None:
    rng = random.Random(20210515)
    path.write_bytes(bytes(rng.randrange(256) for _ in range(4096)))


def build_pdf(path: Path) -> None:
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
         b"/Resources << /Font << /F1 5 0 R >> >> >>"),
        None,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    stream = b"BT /F1 12 Tf 72 770 Td (Mau dang ky nhu cau chung thu so 2021-2025) Tj ET"
    objs[3] = b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + \
        b"\nendstream"
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))


def build_empty_docx(path: Path) -> None:
    d = docx.Document()
    cp = d.core_properties
    cp.created = cp.modified = cp.last_printed = FIXED_DT
    cp.author = cp.last_modified_by = "bcy-intake tests"
    cp.revision = 1
    d.save(str(path))


def build_empty_xlsx(path: Path) -> None:
    wb = openpyxl.Workbook()
    _fix_wb(wb)
    wb.save(str(path))


# --------------------------------------------------------------------------- main


def write_case(case: Case, have_soffice: bool) -> str:
    out = CASES / f"{case.name}.{case.ext}"
    expect_path = CASES / f"{case.name}.expect.json"
    if case.via_soffice and not have_soffice:
        if out.exists():
            status = "kept (no soffice)"
        else:
            return "SKIPPED (no soffice, no committed file)"
    else:
        assert case.build is not None
        if case.via_soffice:
            with tempfile.TemporaryDirectory(prefix="bcy-forms-") as tmp:
                src = Path(tmp) / f"{case.name}.{case.ext}"
                case.build(src)
                soffice_convert(src, case.ext, out)
            normalize_zip(out)
            status = "written via LibreOffice"
        else:
            case.build(out)
            if zipfile.is_zipfile(out):
                normalize_zip(out)
            status = "written"
    expect_path.write_text(
        json.dumps(case.expect, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    return status


def main(argv: list[str]) -> int:
    CASES.mkdir(parents=True, exist_ok=True)
    define_cases()
    names = [c.name for c in CASES_LIST]
    assert len(names) == len(set(names)), "duplicate case names"
    have_soffice = shutil.which("soffice") is not None
    only = set(argv)
    for case in CASES_LIST:
        if only and case.name not in only:
            continue
        print(f"{case.name}.{case.ext}: {write_case(case, have_soffice)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
