"""The digest as a mail to staff: text and HTML alternatives, the progress chart as a `cid:`
part of the HTML, the workbook attached; queued for every recipient and sent once a day."""

from __future__ import annotations

import datetime as dt
import email.utils
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from bot.intake.sending.outbox import send_pending
from bot.intake.service import Service
from bot.staff.digest.period import Period
from bot.staff.digest.report import Digest, build_digest, digest_context
from bot.staff.workbook.export import build_workbook, workbook_bytes
from bot.store.schema import NewOutbox
from replies.mail.compose import OutgoingMail, envelope_fields, new_message_id
from replies.mail.wire import plain, text_parts
from replies.render import render

XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def compose_digest(digest: Digest, service: Service) -> OutgoingMail:
    smtp, context = service.cfg.smtp, digest_context(digest, service)
    domain = smtp.from_address.rpartition("@")[2] or "localhost"
    message_id = new_message_id(smtp.from_address)
    fields = envelope_fields(
        from_name=smtp.from_name, from_address=smtp.from_address,
        to=[("", r) for r in service.cfg.digest.recipients],
        subject=render("digest/subject.txt.j2", **context).strip(), message_id=message_id)
    fields += [plain("Auto-Submitted", "auto-generated"),
               plain("X-BCY-Intake-Digest", digest.period.day.isoformat())]
    msg = EmailMessage()
    cid = email.utils.make_msgid(idstring="progress", domain=domain)
    text_parts(msg, render("digest/digest.txt.j2", **context),
               render("digest/digest.html.j2", **{**context, "chart_cid": cid[1:-1]}))
    html = msg.get_body(("html",))
    assert isinstance(html, EmailMessage)
    html.add_related(digest.chart, maintype="image", subtype="png", cid=cid,
                     filename="tien-do.png")
    wb = build_workbook(service.store, service.campaign, service.registry,
                        ZoneInfo(service.cfg.digest.timezone), now=digest.now)
    msg.add_attachment(workbook_bytes(wb), maintype=XLSX[0], subtype=XLSX[1],
                       filename=f"tong-hop-{service.campaign.id}-"
                                f"{digest.period.day.isoformat()}.xlsx")
    return OutgoingMail(tuple(fields), msg, message_id)


def send_digest(service: Service, period: Period, now: dt.datetime,
                force: bool = False) -> tuple[int, int] | None:
    """Queue the digest of `period` for every recipient and send what waits in the outbox.
    None when a digest was already sent for its day (and not forced); else (sent, unsent)."""
    store = service.store
    if store.outbox.digest_sent(period.day) and not force:
        return None
    mail = compose_digest(build_digest(service, period, now), service)
    raw = mail.as_bytes()
    items = [NewOutbox(kind="digest", recipient=recipient, raw=raw, mail_id=mail.message_id)
             for recipient in service.cfg.digest.recipients]
    # checked again as it is queued: another machine's timer may have queued it meanwhile
    if not store.outbox.queue_digest(period.day, items, period.bounds, sent_at=now, force=force):
        return None
    return send_pending(service.cfg.smtp, store)
