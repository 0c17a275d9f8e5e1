"""The workbook's "Biểu đồ" sheet: the totals by type × year and the progress by group of
agencies, each a small table with a native Excel chart drawn from it (openpyxl.chart), so the
chart stays live when staff edit or re-sort the numbers."""

from __future__ import annotations

from openpyxl.chart import BarChart, Reference
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from bot.staff.digest.chart import COLOURS
from bot.staff.labels import labels
from bot.staff.standing import STATES, group_order
from bot.staff.workbook.sheets import COLUMNS, Sheets
from bot.staff.workbook.style import (
    BOX,
    header,
    header_height,
    number,
    print_setup,
    text,
    title_block,
    widths,
)

CHART_WIDTH_CM, CHART_HEIGHT_CM = 24.0, 9.0
WIDTH = 14  # of the number columns


def _types_table(ws: Worksheet, s: Sheets, top: int) -> int:
    """Types down, years across, totals of the counted forms; returns the row after it."""
    t = labels(COLUMNS)["charts"]
    years = s.campaign.years
    header(ws, top, 1, t["type"])
    for n, year in enumerate(years, start=2):
        header(ws, top, n, year)
    for r, spec in enumerate(s.campaign.quantity_rows, start=top + 1):
        text(ws, r, 1, spec.short).border = BOX
        for c, year in enumerate(years, start=2):
            number(ws, r, c, sum(sub.quantities.get(spec.key, {}).get(year, 0)
                                 for sub in s.counted))
    bottom = top + len(s.campaign.quantity_rows)
    chart = BarChart()
    chart.type, chart.grouping = "col", "clustered"
    chart.title, chart.y_axis.title = t["types_title"], s.campaign.unit
    chart.width, chart.height = CHART_WIDTH_CM, CHART_HEIGHT_CM
    chart.add_data(Reference(ws, min_col=2, max_col=1 + len(years), min_row=top,
                             max_row=bottom), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=top + 1, max_row=bottom))
    chart.y_axis.scaling.min = 0  # bars from zero: a cut axis exaggerates small differences
    _show_axes(chart)
    ws.add_chart(chart, f"A{bottom + 2}")
    return bottom + 24


def _progress_table(ws: Worksheet, s: Sheets, top: int) -> None:
    """Groups down; counted, needs correction, not sent across; and a stacked bar chart."""
    t = labels(COLUMNS)["charts"]
    names = labels("staff/labels.toml.j2")["group"]
    header(ws, top, 1, t["group"])
    for c, state in enumerate(STATES, start=2):
        header(ws, top, c, t[state])
    header_height(ws, top, [(t[state], WIDTH) for state in STATES])
    groups = group_order({st.agency.group for st in s.standing})
    for r, group in enumerate(groups, start=top + 1):
        text(ws, r, 1, names.get(group, group)).border = BOX
        members = [st for st in s.standing if st.agency.group == group]
        for c, state in enumerate(STATES, start=2):
            number(ws, r, c, sum(1 for st in members if st.state == state))
    bottom = top + len(groups)
    chart = BarChart()
    chart.type, chart.grouping, chart.overlap = "bar", "stacked", 100
    chart.title = t["progress_title"]
    chart.add_data(Reference(ws, min_col=2, max_col=1 + len(STATES), min_row=top,
                             max_row=bottom), titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=1, min_row=top + 1, max_row=bottom))
    chart.width, chart.height = CHART_WIDTH_CM, CHART_HEIGHT_CM
    for series, colour in zip(chart.series, (c.lstrip("#") for c in COLOURS), strict=False):
        series.graphicalProperties.solidFill = colour
    chart.x_axis.scaling.orientation = "maxMin"  # groups top-down in the table's order
    _show_axes(chart)
    ws.add_chart(chart, f"A{bottom + 2}")


def charts_sheet(ws: Worksheet, s: Sheets) -> None:
    t = labels(COLUMNS)["charts"]
    last = 1 + max(len(s.campaign.years), len(STATES))
    top = title_block(ws, s.title(t["subtitle"]), last)
    widths(ws, (40, *[WIDTH] * (last - 1)))
    after = _types_table(ws, s, top)
    ws.row_breaks.append(Break(id=after - 1))  # each table and its chart on a page of its own
    _progress_table(ws, s, after)
    print_setup(ws, None)


def _show_axes(chart: BarChart) -> None:
    """openpyxl marks axes as deleted by default, and Excel then hides them."""
    chart.x_axis.delete = False
    chart.y_axis.delete = False
