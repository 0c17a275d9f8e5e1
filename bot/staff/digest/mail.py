"""The digest as a mail to staff: text and HTML alternatives, the progress chart as a `cid:`
part of the HTML, the workbook attached; queued for every recipient and sent once a day."""

from __future__ import annotations

import datetime as dt
import email.utils
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from bot.intake.outbox import send_pending
from bot.intake.service import Service
from bot.staff.digest.period import Period
from bot.staff.digest.report import Digest, build_digest, digest_context
from bot.staff.workbook.export import build_workbook, workbook_bytes
from bot.store.schema import NewOutbox
from replies.render import render

XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def compose_digest(digest: Digest, service: Service) -> EmailMessage:
    smtp, context = service.cfg.smtp, digest_context(digest, service)
    domain = smtp.from_address.rpartition("@")[2] or "localhost"
    msg = EmailMessage()
    msg["From"] = (email.utils.formataddr((smtp.from_name, smtp.from_address))
                   if smtp.from_name else smtp.from_address)
    msg["To"] = ", ".join(service.cfg.digest.recipients)
    msg["Subject"] = render("digest/subject.txt.j2", **context).strip()
    msg["Date"] = email.utils.formatdate(localtime=False)
    msg["Message-ID"] = email.utils.make_msgid(domain=domain)
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-BCY-Intake-Digest"] = digest.period.day.isoformat()
    msg.set_content(render("digest/digest.txt.j2", **context))
    cid = email.utils.make_msgid(idstring="progress", domain=domain)
    msg.add_alternative(render("digest/digest.html.j2", **{**context, "chart_cid": cid[1:-1]}),
                        subtype="html")
    html = msg.get_body(("html",))
    assert isinstance(html, EmailMessage)
    html.add_related(digest.chart, maintype="image", subtype="png", cid=cid,
                     filename="tien-do.png")
    wb = build_workbook(service.store, service.campaign, service.registry,
                        ZoneInfo(service.cfg.digest.timezone), now=digest.now)
    msg.add_attachment(workbook_bytes(wb), maintype=XLSX[0], subtype=XLSX[1],
                       filename=f"tong-hop-{service.campaign.id}-"
                                f"{digest.period.day.isoformat()}.xlsx")
    return msg


def send_digest(service: Service, period: Period, now: dt.datetime,
                force: bool = False) -> tuple[int, int] | None:
    """Queue the digest of `period` for every recipient and send what waits in the outbox.
    None when a digest was already sent for its day (and not forced); else (sent, unsent)."""
    store = service.store
    if store.outbox.digest_sent(period.day) and not force:
        return None
    raw = compose_digest(build_digest(service, period, now), service).as_bytes()
    for recipient in service.cfg.digest.recipients:
        store.outbox.enqueue(NewOutbox(kind="digest", recipient=recipient, raw=raw))
    store.outbox.mark_digest_sent(period.day, period.bounds, sent_at=now)
    return send_pending(service.cfg.smtp, store)
