"""One submission as `submissions show` prints it: its record, the signatures of its cover
letter, its findings, and its agency's history (each submission with its verdict, standing,
total and what it changed against the counted one before it: `bot.intake.changes`)."""

from __future__ import annotations

import json
from typing import Any
from zoneinfo import ZoneInfo

from bot.intake.changes import agency_history
from bot.intake.service import Service
from bot.staff.labels import agency_name, labels, local
from bot.staff.signed import signature_views
from bot.store.records import StoredSubmission
from replies.mail.compose import quantity_table
from replies.render import render

TIME = "%d/%m/%Y %H:%M"


def history_view(service: Service, sub: StoredSubmission) -> list[dict[str, Any]]:
    """The agency's submissions, oldest first, as lines of the history (empty without an
    agency)."""
    if not sub.agency_key:
        return []
    tz = ZoneInfo(service.cfg.digest.timezone)
    found = service.store.submissions.find(agency_key=sub.agency_key)
    return [{"reference": e.submission.reference, "this": e.submission.id == sub.id,
             "received": local(e.submission.received_at, tz).strftime(TIME),
             "verdict": e.submission.verdict, "standing": e.submission.standing,
             "total": e.total,
             "changes": e.changes.view(local(e.changes.previous_received, tz)
                                       .strftime("%d/%m/%Y")) if e.changes else None}
            for e in agency_history(found, service.campaign)]


def submission_text(service: Service, sub: StoredSubmission) -> str:
    tz = ZoneInfo(service.cfg.digest.timezone)
    successor = None
    if sub.superseded_by is not None:
        successor = next((s.reference for s in service.store.submissions.find(
            agency_key=sub.agency_key) if s.id == sub.superseded_by), None)
    record = json.loads(sub.record_json or "{}")
    words = labels("staff/labels.toml.j2")
    return render(
        "staff/submission.txt.j2", s=sub, superseded_by=successor, campaign=service.campaign,
        received=local(sub.received_at, tz).strftime(TIME),
        agency=agency_name(sub, service.registry), file=record.get("file"),
        has_table=bool(sub.quantities) or bool(record.get("quantities")),
        years=service.campaign.years, table=quantity_table(sub.quantities, service.campaign),
        findings=json.loads(sub.findings_json or "[]"), verdicts=words["verdict"],
        standings=words["standing"], reasons=words["standing_reason"],
        settled=local(sub.settled_at, tz).strftime(TIME) if sub.settled_at else None,
        signed=signature_views(sub, service.registry, tz), history=history_view(service, sub))
