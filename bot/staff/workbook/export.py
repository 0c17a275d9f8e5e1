"""The consolidated workbook staff keep (`bcy-intake export`, and attached to the digest):
"Tổng hợp" (one row per counted agency: every type × year as the form asks, its total, a totals
row), "Cộng theo loại, năm" (the same agencies on one page: totals by type and by year),
"Chưa gửi", "Chi tiết" and "Biểu đồ". Every sheet opens with the same title block and prints
on A4 landscape. Titles come from templates."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence

from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from bot.staff.labels import agency_name, labels
from bot.staff.progress import with_progress
from bot.staff.reminders import staff_contacts
from bot.staff.standing import standings
from bot.staff.workbook.charts import charts_sheet
from bot.staff.workbook.lists import detail_sheet, missing_sheet
from bot.staff.workbook.sheets import COLUMNS, Sheets, ordered_latest
from bot.staff.workbook.style import (
    BOX,
    CENTER,
    PLAIN,
    ROW_POINTS,
    TOTAL_FILL,
    fitting_scale,
    header,
    header_height,
    new_workbook,
    number,
    print_setup,
    text,
    title_block,
    widths,
)
from bot.store.database import Store
from bot.store.schema import StoredSubmission
from parsers.spec.campaign import Campaign
from parsers.spec.registry import Registry
from replies.cells import write_cell

INFO_WIDTHS = (5, 38, 18, 19)  # TT, agency, document number, reference
TYPE_WIDTH, YEAR_WIDTH, TOTAL_WIDTH, GRID_WIDTH = 13, 10, 12, 8


def _info(ws: Worksheet, row: int, n: int, sub: StoredSubmission, registry: Registry,
          columns: int) -> None:
    values = (agency_name(sub, registry), sub.document_number, sub.reference)[:columns - 1]
    cell = write_cell(ws, row, 1, n)
    cell.font, cell.border, cell.alignment = PLAIN, BOX, CENTER
    ws.row_dimensions[row].height = ROW_POINTS
    for col, value in enumerate(values, start=2):
        text(ws, row, col, value).border = BOX


def _totals_row(ws: Worksheet, row: int, first: int, totals: Sequence[int], title: str) -> None:
    """The title over TT and agency only: those two columns repeat on every printed page."""
    header(ws, row, 1, title, (1, 2))
    for col in range(3, first):
        header(ws, row, col, None)
    for col, value in enumerate(totals, start=first):
        number(ws, row, col, value, bold=True).fill = TOTAL_FILL


def _agency_rows(ws: Worksheet, s: Sheets, top: int, columns: tuple[int, int],
                 values_of: Callable[[StoredSubmission], list[int]], title: str,
                 progress: bool) -> None:
    """Under the two header rows at `top`: a row per counted agency, its numbers from
    `values_of` in `columns` (first, last; the last bold), then the totals row; frozen below
    the header and right of the agency, with a filter."""
    first, last = columns
    body = top + 2
    totals = [0] * (last - first + 1)
    subs = with_progress(s.counted, len(s.counted)) if progress else s.counted
    for n, sub in enumerate(subs, start=1):
        row = body + n - 1
        _info(ws, row, n, sub, s.registry, len(INFO_WIDTHS))
        values = values_of(sub)
        for col, value in enumerate(values, start=first):
            number(ws, row, col, value, bold=col == last)
        totals = [a + b for a, b in zip(totals, values, strict=True)]
    end = body + len(s.counted)
    _totals_row(ws, end, first, totals, title)
    ws.freeze_panes = ws.cell(row=body, column=3).coordinate
    ws.auto_filter.ref = f"A{top + 1}:{get_column_letter(last)}{max(end - 1, body)}"


def totals_sheet(ws: Worksheet, s: Sheets) -> None:
    """Totals by type and by year of each counted agency: one page wide, the overview."""
    t = labels(COLUMNS)["totals"]
    rows, years = s.campaign.quantity_rows, s.campaign.years
    first = len(INFO_WIDTHS) + 1
    last = first + len(rows) + len(years)
    top = title_block(ws, s.title(t["subtitle"]), last)
    for col, key in enumerate(("number", "agency", "document_number", "reference"), start=1):
        header(ws, top, col, t[key], (2, 1))
    header(ws, top, first, t["by_type"], (1, len(rows)))
    header(ws, top, first + len(rows), t["by_year"], (1, len(years)))
    header(ws, top, last, t["total"], (2, 1))
    for n, spec in enumerate(rows):
        header(ws, top + 1, first + n, spec.short)
    for n, year in enumerate(years):
        header(ws, top + 1, first + len(rows) + n, int(year) if year.isdigit() else year)
    header_height(ws, top + 1, [(spec.short, TYPE_WIDTH) for spec in rows])
    widths(ws, (*INFO_WIDTHS, *[TYPE_WIDTH] * len(rows), *[YEAR_WIDTH] * len(years),
                TOTAL_WIDTH))
    def sums(sub: StoredSubmission) -> list[int]:
        grid = _grid(sub, s.campaign)
        values = [sum(r) for r in grid] + [sum(col) for col in zip(*grid, strict=True)]
        return [*values, sum(values[:len(rows)])]

    _agency_rows(ws, s, top, (first, last), sums, t["total"], progress=False)
    print_setup(ws, (top, top + 1))


def summary_sheet(ws: Worksheet, s: Sheets) -> None:
    """Every type × year of each counted agency, as the form asks them: wide, so it prints two
    pages across with the agency columns repeated on each."""
    t = labels(COLUMNS)["summary"]
    rows, years = s.campaign.quantity_rows, s.campaign.years
    first = len(INFO_WIDTHS) + 1
    last = first + len(rows) * len(years)
    top = title_block(ws, s.title(t["subtitle"]), last)
    for col, key in enumerate(("number", "agency", "document_number", "reference"), start=1):
        header(ws, top, col, t[key], (2, 1))
    for n, spec in enumerate(rows):
        header(ws, top, first + n * len(years), spec.short, (1, len(years)))
        for i, year in enumerate(years):
            header(ws, top + 1, first + n * len(years) + i, int(year) if year.isdigit() else year)
    header(ws, top, last, t["total"], (2, 1))
    header_height(ws, top, [(spec.short, GRID_WIDTH * len(years)) for spec in rows])
    widths(ws, (*INFO_WIDTHS, *[GRID_WIDTH] * (len(rows) * len(years)), TOTAL_WIDTH))
    def every(sub: StoredSubmission) -> list[int]:
        values = [v for r in _grid(sub, s.campaign) for v in r]
        return [*values, sum(values)]

    _agency_rows(ws, s, top, (first, last), every, t["total"], progress=s.progress)
    print_setup(ws, (top, top + 1), title_columns="A:B")
    split, widest = _page_split(len(rows), len(years))
    # Two pages across, split between two types (fit-to-pages would ignore the break and
    # cut a type's years in two): a fixed scale that fits the wider half on A4 landscape.
    ws.sheet_properties.pageSetUpPr.fitToPage = False
    ws.page_setup.scale = fitting_scale(widest)
    ws.col_breaks.append(Break(id=split))
    ws.page_setup.pageOrder = "overThenDown"  # both halves of the first agencies, then on


def _page_split(types: int, years: int) -> tuple[int, list[float]]:
    """The last column of the first printed page, after the type that best halves the width
    (page two repeats columns A:B), and the column widths of the wider page."""
    block = [GRID_WIDTH] * years

    def pages(k: int) -> tuple[list[float], list[float]]:
        return ([*INFO_WIDTHS, *block * k],
                [*INFO_WIDTHS[:2], *block * (types - k), TOTAL_WIDTH])

    k = min(range(1, types), key=lambda k: max(map(sum, pages(k))), default=types)
    return len(INFO_WIDTHS) + k * years, max(pages(k), key=sum)


def _grid(sub: StoredSubmission, campaign: Campaign) -> list[list[int]]:
    """The submission's numbers as rows (types) of years; a blank counts as 0."""
    return [[sub.quantities.get(spec.key, {}).get(year, 0) for year in campaign.years]
            for spec in campaign.quantity_rows]


def build_workbook(store: Store, campaign: Campaign, registry: Registry, tz: dt.tzinfo,
                   now: dt.datetime | None = None, progress: bool = False) -> Workbook:
    moment = (now or dt.datetime.now(tz)).astimezone(tz)
    sheets = Sheets(campaign, registry, tz, ordered_latest(store, registry),
                    standings(store, registry, campaign), staff_contacts(store),
                    moment.strftime("%H:%M ngày %d/%m/%Y"), progress)
    wb = new_workbook()
    first = wb.active
    assert first is not None
    titles = labels(COLUMNS)
    first.title = titles["summary"]["sheet"]
    summary_sheet(first, sheets)
    totals_sheet(wb.create_sheet(titles["totals"]["sheet"]), sheets)
    missing_sheet(wb.create_sheet(titles["missing"]["sheet"]), sheets)
    every = store.submissions.find()
    detail_sheet(wb.create_sheet(titles["detail"]["sheet"]), sheets,
                 with_progress(every, len(every)) if progress else every)
    charts_sheet(wb.create_sheet(titles["charts"]["sheet"]), sheets)
    return wb


def workbook_bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
