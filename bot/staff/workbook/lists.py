"""The workbook's lists: "Chưa gửi" (expected agencies without a counted form, each with where
it stands) and "Chi tiết" (every submission with its verdict, the Vietnamese messages of its
findings and the signatures of its signed cover letter, wrapped)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.staff.labels import agency_name, labels, local
from bot.staff.reminders import write_to
from bot.staff.signed import signature_lines
from bot.staff.standing import group_order
from bot.staff.workbook.sheets import COLUMNS, Sheets
from bot.staff.workbook.style import (
    BOX,
    DATE,
    DATETIME,
    WRAP,
    fit_height,
    header,
    header_height,
    print_setup,
    title_block,
    widths,
)
from bot.store.schema import StoredSubmission
from replies.cells import write_cell

MISSING = ("number", "agency", "group", "state", "reminded", "reference", "received_at",
           "sender", "contacts")
MISSING_WIDTHS = (5, 36, 22, 20, 12, 19, 16, 26, 26)
DETAIL = ("reference", "received_at", "agency", "sender", "verdict", "standing",
          "document_number", "document_date", "superseded_by", "findings", "signatures")
DETAIL_WIDTHS = (19, 16, 28, 24, 14, 14, 17, 12, 19, 56, 48)
STATE_ORDER = ("needs_correction", "awaiting_confirmation", "never_wrote")


def missing_sheet(ws: Worksheet, s: Sheets) -> None:
    t = labels(COLUMNS)["missing"]
    names, states = labels("staff/labels.toml.j2")["group"], labels("staff/labels.toml.j2")[
        "state"]
    top = title_block(ws, s.title(t["subtitle"]), len(MISSING))
    for col, key in enumerate(MISSING, start=1):
        header(ws, top, col, t[key])
    header_height(ws, top, [(t[key], w) for key, w in zip(MISSING, MISSING_WIDTHS, strict=True)])
    widths(ws, MISSING_WIDTHS)
    waiting = [st for st in s.standing if st.state != "counted"]
    order = group_order({st.agency.group for st in waiting})
    waiting.sort(key=lambda st: (order.index(st.agency.group), STATE_ORDER.index(st.state)))
    for n, st in enumerate(waiting, start=1):
        row = top + n
        latest = st.latest
        write = write_to(st.agency, s.contacts, st.last_sender).addresses
        values: tuple[object, ...] = (
            n, st.agency.name, names.get(st.agency.group, st.agency.group), states[st.state],
            local(st.reminded, s.tz).date() if st.reminded else None,
            latest.reference if latest else None,
            local(latest.received_at, s.tz) if latest else None,
            latest.sender if latest else None, ", ".join(write) or None)
        for col, value in enumerate(values, start=1):
            cell = write_cell(ws, row, col, value)
            cell.border, cell.alignment = BOX, WRAP
        ws.cell(row=row, column=MISSING.index("reminded") + 1).number_format = DATE
        ws.cell(row=row, column=MISSING.index("received_at") + 1).number_format = DATETIME
        fit_height(ws, row, [(st.agency.name, MISSING_WIDTHS[1])])
    ws.freeze_panes = ws.cell(row=top + 1, column=3).coordinate
    last = get_column_letter(len(MISSING))
    ws.auto_filter.ref = f"A{top}:{last}{max(top + len(waiting), top + 1)}"
    print_setup(ws, (top, top))


def findings_text(sub: StoredSubmission) -> str:
    """The findings as the agency read them, one a line: "Lỗi: … (Sheet1!E9)"."""
    t = labels(COLUMNS)["detail"]
    lines = []
    for f in json.loads(sub.findings_json or "[]"):
        where = f" ({f['location']})" if f.get("location") else ""
        kind = t["error"] if f.get("severity") == "error" else t["warning"]
        lines.append(f"{kind}: {f.get('message') or f.get('code')}{where}")
    return "\n".join(lines)


def detail_sheet(ws: Worksheet, s: Sheets, subs: Iterable[StoredSubmission]) -> None:
    t = labels(COLUMNS)["detail"]
    verdicts, standings = (labels("staff/labels.toml.j2")["verdict"],
                           labels("staff/labels.toml.j2")["standing"])
    top = title_block(ws, s.title(t["subtitle"]), len(DETAIL))
    for col, key in enumerate(DETAIL, start=1):
        header(ws, top, col, t[key])
    header_height(ws, top, [(t[key], w) for key, w in zip(DETAIL, DETAIL_WIDTHS, strict=True)])
    widths(ws, DETAIL_WIDTHS)
    subs = list(subs)
    by_id = {sub.id: sub.reference for sub in subs}
    for n, sub in enumerate(subs, start=1):
        row = top + n
        notes = findings_text(sub)
        signed = "\n".join(signature_lines(sub, s.registry))
        values: tuple[object, ...] = (
            sub.reference, local(sub.received_at, s.tz), agency_name(sub, s.registry),
            sub.sender, verdicts[sub.verdict], standings[sub.standing], sub.document_number,
            sub.document_date, by_id.get(sub.superseded_by or 0), notes or None,
            signed or None)
        for col, value in enumerate(values, start=1):
            cell = write_cell(ws, row, col, value)
            cell.alignment, cell.border = WRAP, BOX
        ws.cell(row=row, column=2).number_format = DATETIME
        ws.cell(row=row, column=DETAIL.index("document_date") + 1).number_format = DATE
        fit_height(ws, row, [(notes, DETAIL_WIDTHS[DETAIL.index("findings")]),
                             (signed, DETAIL_WIDTHS[-1]),
                             (agency_name(sub, s.registry), DETAIL_WIDTHS[2])])
    ws.freeze_panes = ws.cell(row=top + 1, column=2).coordinate
    ws.auto_filter.ref = f"A{top}:{get_column_letter(len(DETAIL))}{max(top + len(subs), top + 1)}"
    print_setup(ws, (top, top))
