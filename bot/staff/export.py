"""The consolidated workbook: per agency its latest valid numbers ("Tổng hợp"), and every
submission with its verdict and findings ("Chi tiết"). Titles come from templates."""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Sequence
from datetime import datetime, tzinfo
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.staff.labels import agency_name, labels, local
from bot.store.database import Store
from bot.store.schema import StoredSubmission
from parsers.spec.campaign import Campaign
from parsers.spec.registry import Registry

NUMBER = "#,##0"
DATE = "dd/mm/yyyy"
DATETIME = "dd/mm/yyyy hh:mm"
INFO = ("number", "agency", "sender", "document_number", "document_date", "received_at",
        "reference")
INFO_WIDTHS = (5, 42, 28, 20, 12, 17, 20)
DETAIL = ("reference", "received_at", "agency", "sender", "verdict", "document_number",
          "document_date", "superseded_by", "findings")
DETAIL_WIDTHS = (20, 17, 40, 28, 16, 20, 12, 20, 80)
BOLD = Font(bold=True)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
WRAP = Alignment(vertical="top", wrap_text=True)
FILL = PatternFill("solid", start_color="DDEBF7")
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def ordered_latest(store: Store, registry: Registry) -> list[StoredSubmission]:
    """Latest valid submissions in registry order, unknown agencies last by name."""
    order = {a.key: n for n, a in enumerate(registry.agencies)}
    return sorted(store.submissions.latest_valid(),
                  key=lambda s: (order.get(s.agency_key or "", len(order)),
                                 agency_name(s, registry)))


def _header(ws: Worksheet, row: int, col: int, value: object) -> None:
    cell = ws.cell(row=row, column=col, value=value)
    cell.font, cell.alignment, cell.fill, cell.border = BOLD, CENTER, FILL, BOX


def _summary(ws: Worksheet, subs: Sequence[StoredSubmission], campaign: Campaign,
             registry: Registry, tz: tzinfo) -> None:
    titles = labels("export/columns.toml.j2")["summary"]
    years, first_q = campaign.years, len(INFO) + 1
    for col, (key, width) in enumerate(zip(INFO, INFO_WIDTHS, strict=True), start=1):
        _header(ws, 1, col, titles[key])
        _header(ws, 2, col, None)
        ws.merge_cells(start_row=1, start_column=col, end_row=2, end_column=col)
        ws.column_dimensions[get_column_letter(col)].width = width
    for n, spec in enumerate(campaign.quantity_rows):
        start = first_q + n * len(years)
        for i, year in enumerate(years):
            _header(ws, 1, start + i, spec.short if i == 0 else None)
            _header(ws, 2, start + i, int(year) if year.isdigit() else year)
            ws.column_dimensions[get_column_letter(start + i)].width = 9
        ws.merge_cells(start_row=1, start_column=start, end_row=1,
                       end_column=start + len(years) - 1)
    last_col = first_q + len(campaign.quantity_rows) * len(years) - 1
    totals = [0] * (last_col - first_q + 1)
    for r, sub in enumerate(subs, start=3):
        info: tuple[object, ...] = (
            r - 2, agency_name(sub, registry), sub.sender, sub.document_number,
            sub.document_date, local(sub.received_at, tz), sub.reference)
        for col, value in enumerate(info, start=1):
            ws.cell(row=r, column=col, value=value).border = BOX
        ws.cell(row=r, column=5).number_format = DATE
        ws.cell(row=r, column=6).number_format = DATETIME
        numbers = _numbers(sub, campaign)
        totals = [a + b for a, b in zip(totals, numbers, strict=True)]
        for col, value in enumerate(numbers, start=first_q):
            cell = ws.cell(row=r, column=col, value=value)
            cell.number_format, cell.border = NUMBER, BOX
    _totals(ws, len(subs) + 3, first_q, totals, titles["total"])
    ws.freeze_panes = "C3"
    ws.auto_filter.ref = f"A2:{get_column_letter(last_col)}{max(len(subs) + 2, 3)}"
    ws.print_title_rows = "1:2"
    _print_setup(ws)


def _numbers(sub: StoredSubmission, campaign: Campaign) -> list[int]:
    return [sub.quantities.get(spec.key, {}).get(year, 0)
            for spec in campaign.quantity_rows for year in campaign.years]


def _totals(ws: Worksheet, row: int, first_q: int, totals: list[int], title: str) -> None:
    """Totals as numbers, not SUM formulas: a formula written here has no stored value, and
    previewers and scripts reading saved values would see an empty row."""
    _header(ws, row, 1, title)
    for col in range(2, first_q):
        _header(ws, row, col, None)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=first_q - 1)
    for col, total in enumerate(totals, start=first_q):
        _header(ws, row, col, total)
        ws.cell(row=row, column=col).number_format = NUMBER


def _print_setup(ws: Worksheet) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def findings_text(sub: StoredSubmission) -> str:
    found = json.loads(sub.findings_json or "[]")
    return "\n".join(f"{f.get('code')}: {f.get('message')}" for f in found)


def _detail(ws: Worksheet, subs: Sequence[StoredSubmission], registry: Registry,
            tz: tzinfo) -> None:
    titles = labels("export/columns.toml.j2")["detail"]
    verdicts = labels("staff/labels.toml.j2")["verdict"]
    by_id = {s.id: s.reference for s in subs}
    for col, (key, width) in enumerate(zip(DETAIL, DETAIL_WIDTHS, strict=True), start=1):
        _header(ws, 1, col, titles[key])
        ws.column_dimensions[get_column_letter(col)].width = width
    for r, sub in enumerate(subs, start=2):
        values: tuple[object, ...] = (
            sub.reference, local(sub.received_at, tz), agency_name(sub, registry), sub.sender,
            verdicts[sub.verdict], sub.document_number, sub.document_date,
            by_id.get(sub.superseded_by or 0), findings_text(sub))
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=col, value=value)
            cell.alignment, cell.border = WRAP, BOX
        ws.cell(row=r, column=2).number_format = DATETIME
        ws.cell(row=r, column=7).number_format = DATE
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(DETAIL))}{max(len(subs) + 1, 2)}"
    ws.print_title_rows = "1:1"
    _print_setup(ws)


def build_workbook(store: Store, campaign: Campaign, registry: Registry, tz: tzinfo,
                   now: datetime | None = None) -> Workbook:
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = labels("export/columns.toml.j2")["summary"]["sheet"]
    _summary(summary, ordered_latest(store, registry), campaign, registry, tz)
    detail = wb.create_sheet(labels("export/columns.toml.j2")["detail"]["sheet"])
    _detail(detail, store.submissions.find(), registry, tz)
    return wb


def workbook_bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def write_atomically(path: Path, data: bytes) -> None:
    """Temp file in the same folder, fsync, rename: readers never see half a workbook."""
    folder = path.resolve().parent
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
