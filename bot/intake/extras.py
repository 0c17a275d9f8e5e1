"""What a reply says about one form besides its verdict, worked out before the outcome is
stored (so no write transaction waits for it): what an accepted form changed against its
agency's previous counted one, and, for a correction request, the agency's own file marked
where it is wrong (in the isolated process; a failure only leaves the blank form)."""

from __future__ import annotations

import email.message
import logging
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any

from bot.intake.changes import compare
from bot.intake.decide import named_files
from bot.intake.isolated import begin, run_isolated
from bot.intake.premark import form_marks, own_file, take, waiting
from bot.mail.mime_parts import find_attachments
from bot.store.database import Store
from bot.store.records import NewSubmission, StoredSubmission
from parsers.form.parse import FormReport
from parsers.spec.campaign import Campaign
from replies.annotate.copy import annotated_copy, copy_name
from replies.mail.compose import FileAttachment

log = logging.getLogger(__name__)
MIME = {"docx": "vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@dataclass(frozen=True)
class Extras:
    changes: dict[str, Any] | None = None  # Changes.view, against the previous counted form
    marked: FileAttachment | None = None  # the agency's own file, its wrong cells marked
    unmarkable: str | None = None  # the agency's file, when its format cannot be marked


def resubmission(store: Store, campaign: Campaign, tz: tzinfo, new: NewSubmission,
                 stored: StoredSubmission | None = None) -> dict[str, Any] | None:
    """What an accepted form changed against its agency's previous counted one (None when
    there is none); `stored`: the submission it rewrites, if any."""
    if new.verdict != "accepted" or not new.agency_key:
        return None
    received = stored.received_at if stored else new.received_at
    before = store.submissions.previous_counted(new.agency_key, received,
                                                stored.id if stored else None)
    if before is None:
        return None
    return compare(before, new.quantities, campaign).view(
        before.received_at.astimezone(tz).strftime("%d/%m/%Y"))


def _marking(msg: email.message.Message, report: FormReport
             ) -> tuple[Extras, tuple[Any, ...] | None]:
    """What to say of marking a form's file, and the call that marks it (None: no call)."""
    marks = form_marks(report)
    if not marks:  # accepted, or nothing points into the table (a header finding)
        return Extras(), None
    if not own_file(report):  # old formats; inside an archive
        return Extras(unmarkable=report.file), None
    found = dict(named_files(find_attachments(msg))).get(report.file)
    if found is None:  # read from two copies of one form: the blank form is enough
        return Extras(), None
    return Extras(), (found.data, report.kind, marks)


def mark_ahead(msg: email.message.Message, report: FormReport) -> None:
    """Begin marking the form's file in the marking process (`marked_file` receives it)."""
    _, call = _marking(msg, report)
    if call is not None and not waiting(*call):  # not already marked by the reader
        begin(annotated_copy, call, role="mark")


def marked_file(msg: email.message.Message, report: FormReport) -> Extras:
    """For a form that needs correction: its file with the wrong cells marked, or the note
    that its format (or its archive) cannot be marked."""
    extras, call = _marking(msg, report)
    if call is None or report.kind is None:
        return extras
    data = take(*call) or run_isolated(annotated_copy, call, f"marking {report.file}",
                                       role="mark")
    if data is None:
        return Extras()
    return Extras(marked=FileAttachment(copy_name(report.file, report.kind), data,
                                        "application", MIME[report.kind]))
