"""The staff digest of one day: what came in, where the campaign stands, what needs a person.
Built from the store alone, rendered from `replies/templates/digest/`, sent once per day."""

from __future__ import annotations

import datetime as dt
import email.utils
from collections import Counter
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

from bot.intake.outbox import send_pending
from bot.intake.service import Service
from bot.staff.agencies import counted_totals
from bot.staff.export import build_workbook, workbook_bytes
from bot.staff.labels import agency_name, labels, local
from bot.store.schema import NewOutbox, StoredSubmission
from replies.mail.compose import quantity_table
from replies.render import render

XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@dataclass(frozen=True)
class DigestLine:
    reference: str
    time: str
    agency: str
    verdict: str
    late: bool


@dataclass
class Digest:
    day: dt.date
    generated: str
    lines: list[DigestLine]
    counts: dict[str, int]
    done: int
    expected: int
    missing: list[str]
    table: dict[str, Any]
    quarantined: list[dict[str, Any]] = field(default_factory=list)
    stuck: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    # accepted forms whose numbers wait for staff to confirm them, whatever day they came
    awaiting: list[dict[str, Any]] = field(default_factory=list)

    @property
    def needs_attention(self) -> bool:
        return bool(self.awaiting or self.quarantined or self.stuck or self.events)


def today(service: Service) -> dt.date:
    return dt.datetime.now(ZoneInfo(service.cfg.digest.timezone)).date()


def is_late(sub: StoredSubmission, deadline: dt.date, tz: dt.tzinfo) -> bool:
    received = sub.received_at.astimezone(tz).date()
    return received > deadline or (sub.document_date is not None and sub.document_date > deadline)


def _needing_people(service: Service, tz: dt.tzinfo) -> tuple[list[dict[str, Any]],
                                                              list[dict[str, Any]]]:
    held = [{**row, "when": local(row["created_at"], tz).strftime("%H:%M %d/%m/%Y")}
            for row in service.store.messages.held()]
    stuck = [{"id": o.id, "kind": o.kind, "recipient": o.recipient, "attempts": o.attempts,
              "error": o.last_error} for o in service.store.outbox.stuck()]
    return held, stuck


def awaiting_confirmation(service: Service, tz: dt.tzinfo) -> list[dict[str, Any]]:
    """Accepted forms waiting for staff to confirm them, oldest first, with why they wait."""
    reasons = labels("staff/labels.toml.j2")["standing_reason"]
    return [{"reference": s.reference, "agency": agency_name(s, service.registry),
             "sender": s.author or s.sender,
             "when": local(s.received_at, tz).strftime("%H:%M %d/%m/%Y"),
             "why": reasons.get(s.standing_reason or "", s.standing_reason or "")}
            for s in service.store.submissions.find(verdict="accepted",
                                                    standing="awaiting-confirmation")]


def build_digest(service: Service, day: dt.date) -> Digest:
    tz, campaign, registry = (ZoneInfo(service.cfg.digest.timezone), service.campaign,
                              service.registry)
    store = service.store
    todays = store.submissions.find(day=day, tz=tz)
    lines = [DigestLine(s.reference, local(s.received_at, tz).strftime("%H:%M"),
                        agency_name(s, registry), s.verdict,
                        is_late(s, campaign.deadline, tz)) for s in todays]
    counts = Counter(s.verdict for s in todays) + store.messages.kinds(day, tz)
    latest = store.submissions.latest_valid()
    valid = {s.agency_key for s in latest}
    expected = registry.expected(campaign.opened)
    quarantined, stuck = _needing_people(service, tz)
    events = [{"time": local(e.ts, tz).strftime("%H:%M"), "level": e.level, "kind": e.kind,
               "detail": e.detail} for e in store.events.find(day, tz) if e.level != "info"]
    return Digest(day=day, generated=dt.datetime.now(tz).strftime("%H:%M %d/%m/%Y"),
                  lines=lines, counts=dict(counts),
                  done=sum(1 for a in expected if a.key in valid), expected=len(expected),
                  missing=[a.name for a in expected if a.key not in valid],
                  table=quantity_table(counted_totals(latest), campaign), quarantined=quarantined,
                  stuck=stuck, events=events, awaiting=awaiting_confirmation(service, tz))


def _context(digest: Digest, service: Service) -> dict[str, Any]:
    return {"d": digest, "campaign": service.campaign, "years": service.campaign.years,
            "table": digest.table, "day": digest.day.strftime("%d/%m/%Y"),
            "verdicts": labels("staff/labels.toml.j2")["verdict"],
            "deadline": service.campaign.deadline.strftime("%d/%m/%Y")}


def digest_text(digest: Digest, service: Service) -> str:
    return render("digest/digest.txt.j2", **_context(digest, service))


def compose_digest(digest: Digest, service: Service) -> EmailMessage:
    smtp, context = service.cfg.smtp, _context(digest, service)
    msg = EmailMessage()
    msg["From"] = (email.utils.formataddr((smtp.from_name, smtp.from_address))
                   if smtp.from_name else smtp.from_address)
    msg["To"] = ", ".join(service.cfg.digest.recipients)
    msg["Subject"] = render("digest/subject.txt.j2", **context).strip()
    msg["Date"] = email.utils.formatdate(localtime=False)
    msg["Message-ID"] = email.utils.make_msgid(
        domain=smtp.from_address.rpartition("@")[2] or "localhost")
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-BCY-Intake-Digest"] = digest.day.isoformat()
    msg.set_content(render("digest/digest.txt.j2", **context))
    msg.add_alternative(render("digest/digest.html.j2", **context), subtype="html")
    wb = build_workbook(service.store, service.campaign, service.registry,
                        ZoneInfo(service.cfg.digest.timezone))
    msg.add_attachment(workbook_bytes(wb), maintype=XLSX[0], subtype=XLSX[1],
                       filename=f"tong-hop-{service.campaign.id}-{digest.day.isoformat()}.xlsx")
    return msg


def send_digest(service: Service, day: dt.date, force: bool = False) -> tuple[int, int] | None:
    """Queue the day's digest for every recipient and send what waits in the outbox.
    None when it was already sent that day (and not forced); else (sent, still unsent)."""
    store = service.store
    if store.outbox.digest_sent(day) and not force:
        return None
    raw = compose_digest(build_digest(service, day), service).as_bytes()
    for recipient in service.cfg.digest.recipients:
        store.outbox.enqueue(NewOutbox(kind="digest", recipient=recipient, raw=raw))
    store.outbox.mark_digest_sent(day)
    return send_pending(service.cfg.smtp, store)
