"""`bcy-intake reprocess REF|--all [--reply]`: read and check stored mail again after a rule
change, and rewrite the submission in place (same reference). No reply unless --reply."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import dataclass
from typing import Any

from bot.commands.submissions import find_submission
from bot.config.settings import config_path
from bot.errors import UsageError
from bot.intake.outbox import send_pending
from bot.intake.service import Service, open_service
from bot.staff.labels import labels
from bot.staff.progress import with_progress
from bot.store.schema import StoredSubmission
from parsers.form.parse import FormReport
from replies.render import render, staff_message

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reprocessed:
    reference: str
    before: str
    after: str
    skipped: bool = False
    replied: bool = False

    @property
    def changed(self) -> bool:
        return self.before != self.after


def register(sub: Any) -> None:
    p = sub.add_parser("reprocess", help="parse and validate stored submissions again")
    p.add_argument("reference", nargs="?", metavar="REF", help="the submission to redo")
    p.add_argument("--all", action="store_true", help="every submission")
    p.add_argument("--reply", action="store_true", help="queue and send a new reply")
    p.set_defaults(func=run)


def reprocess(service: Service, sub: StoredSubmission, reply: bool) -> Reprocessed:
    redone = service.judge.decide_again(sub, reply)
    if redone is None:
        log.warning("%s: the mail no longer reads as a submission; left as it was",
                    sub.reference)
        return Reprocessed(sub.reference, sub.verdict, sub.verdict, skipped=True)
    return Reprocessed(sub.reference, sub.verdict, redone.verdict, replied=redone.replied)


def _this_form(forms: tuple[FormReport, ...], sub: StoredSubmission) -> FormReport | None:
    """The form of the mail the submission was made from: the only one, or the one read from
    the same file (a mail may carry several)."""
    if len(forms) <= 1:
        return forms[0] if forms else None
    recorded = json.loads(sub.record_json).get("file")
    return next((r for r in forms if r.file == recorded), None)


def run(args: argparse.Namespace) -> int:
    if bool(args.reference) == bool(args.all):
        raise UsageError(staff_message("reprocess_needs_one"))
    service = open_service(config_path(args.config), args.campaign)
    unsent = 0
    try:
        targets = (service.store.submissions.find() if args.all
                   else [find_submission(service, args.reference)])
        results = [reprocess(service, sub, args.reply)
                   for sub in with_progress(targets, len(targets))]
        if args.reply:
            unsent = send_pending(service.cfg.smtp, service.store)[1]
    finally:
        service.store.close()
    sys.stdout.write(render("staff/reprocess.txt.j2", results=results, unsent=unsent,
                            verdicts=labels("staff/labels.toml.j2")["verdict"]))
    return 0
