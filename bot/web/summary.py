"""*Tổng hợp*: how far the campaign has come (agencies counted of those expected), the totals
by type × year of the forms that count, as a table and a chart, and the consolidated workbook
to download (`bot.staff.workbook.export`, the same as `bcy-intake export`)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import Blueprint
from werkzeug import Response

from bot.staff.agencies import STATES, agency_rows, counted_totals
from bot.staff.workbook.export import build_workbook, workbook_bytes
from bot.web.chart import stacked_columns
from bot.web.page import download, page, service
from replies.mail.compose import quantity_table

bp = Blueprint("summary", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/summary")
def index() -> Response:
    campaign = service().campaign
    table = quantity_table(counted_totals(service().store.submissions.latest_valid()),
                           campaign)
    rows = agency_rows(service().store, service().registry, campaign)
    expected = {a.key for a in service().registry.expected(campaign.opened)}
    counts = {s: sum(1 for r in rows if r.state == s and r.key in expected) for s in STATES}
    return page("summary.html.j2", table=table, chart=stacked_columns(table, campaign.years),
                counts=counts, expected=len(expected), campaign=campaign, states=STATES,
                years=campaign.years)


@bp.get("/summary/workbook.xlsx")
def workbook() -> Response:
    svc = service()
    tz = ZoneInfo(svc.cfg.digest.timezone)
    data = workbook_bytes(build_workbook(svc.store, svc.campaign, svc.registry, tz))
    day = dt.datetime.now(tz).date().isoformat()
    return download(data, f"tong-hop-{svc.campaign.id}-{day}.xlsx", XLSX)
