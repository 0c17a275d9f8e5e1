"""*Hồ sơ*: submissions found by text, agency, verdict, standing and days, a page at a time; one
submission with everything about it; its files and raw mail as downloads; and the actions on
it (confirm or reject its sender, resend the reply, reprocess) through the same functions as
the commands, each recorded with the staff member's login."""

from __future__ import annotations

import datetime as dt
from typing import get_args

from flask import Blueprint, abort, redirect, request, url_for
from werkzeug import Response

from bot.errors import CommandError
from bot.intake.redo import NothingToResend, reprocess, resend, send_queued
from bot.staff.browse import Query, search
from bot.staff.dossier import dossier, mail_files
from bot.staff.labels import agency_name, labels
from bot.staff.settle import settle
from bot.store.records import STANDINGS, Standing, StoredSubmission, Verdict
from bot.web.page import download, login, notice, page, safe_name, service
from replies.render import render

bp = Blueprint("submissions", __name__)
VERDICTS: tuple[Verdict, ...] = get_args(Verdict)
# The buttons of a submission's page, each a template web/actions/<name>.html.j2 posting to
# its route here.
ACTIONS = ("confirm", "reject", "resend", "reprocess")


def _day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _query() -> Query:
    args = request.args
    verdict, standing = args.get("verdict"), args.get("standing")
    page_number = args.get("page", "1")
    return Query(text=args.get("q", "")[:200], agency_key=args.get("agency") or None,
                 verdict=verdict if verdict in VERDICTS else None,
                 standing=next((s for s in STANDINGS if s == standing), None),
                 first_day=_day(args.get("from")), last_day=_day(args.get("to")),
                 page=int(page_number) if page_number.isdigit() else 1)


@bp.get("/submissions")
def index() -> Response:
    query = _query()
    found = search(service(), query)
    kept = {k: v for k, v in request.args.items() if k != "page"}  # for the page links
    return page("submissions.html.j2", query=query, found=found, agencies=_agencies(),
                verdicts_order=VERDICTS, standings_order=STANDINGS, args=kept)


def _agencies() -> list[tuple[str, str]]:
    return sorted(((a.key, a.name) for a in service().registry.agencies),
                  key=lambda pair: pair[1])


def _submission(reference: str) -> StoredSubmission:
    sub = service().store.submissions.by_reference(reference)
    if sub is None:
        abort(404)
    return sub


@bp.get("/submissions/<reference>")
def show(reference: str) -> Response:
    found = dossier(service(), reference)
    if found is None:
        abort(404)
    return page("submission.html.j2", d=found, actions=ACTIONS, campaign=service().campaign,
                years=service().campaign.years, agencies=_agencies())


@bp.get("/submissions/<reference>/files/<int:number>")
def mail_file(reference: str, number: int) -> Response:
    sub = _submission(reference)
    files = mail_files(service().store.messages.raw(sub.message_id))
    if not 1 <= number <= len(files):
        abort(404)
    chosen = files[number - 1]
    return download(chosen.data, safe_name(chosen.filename, f"tep-{number}"))


@bp.get("/submissions/<reference>/mail.eml")
def raw_mail(reference: str) -> Response:
    sub = _submission(reference)
    return download(service().store.messages.raw(sub.message_id),
                    safe_name(f"{sub.reference}.eml", "thu.eml"))


@bp.post("/submissions/<reference>/resend")
def resend_reply(reference: str) -> Response:
    sub = _submission(reference)
    try:
        done = resend(service(), sub, login())
    except NothingToResend:
        notice("nothing_to_resend", reference=sub.reference)
    else:
        notice("resent", reference=done.reference, recipient=done.recipient,
               unsent=send_queued(service()))
    return redirect(url_for("submissions.show", reference=sub.reference), 303)


@bp.post("/submissions/<reference>/reprocess")
def reprocess_submission(reference: str) -> Response:
    sub = _submission(reference)
    reply = request.form.get("reply") == "1"
    done = reprocess(service(), sub, reply, login())
    unsent = send_queued(service()) if done.replied else 0
    notice("reprocessed", reference=done.reference, before=done.before, after=done.after,
           skipped=done.skipped, replied=done.replied, unsent=unsent)
    return redirect(url_for("submissions.show", reference=sub.reference), 303)


@bp.post("/submissions/<reference>/confirm")
def confirm(reference: str) -> Response:
    return _settle(reference, "counted")


@bp.post("/submissions/<reference>/reject")
def reject(reference: str) -> Response:
    return _settle(reference, "rejected")


def _settle(reference: str, standing: Standing) -> Response:
    """Confirm (for the agency chosen, trusting the sender's address if asked) or reject, as
    `bcy-intake submissions confirm|reject` does; the outcome told in the command's words."""
    sub = _submission(reference)
    chosen = request.form.get("agency") or None
    try:
        done = settle(service(), sub.reference, standing, login(),
                      agency_key=chosen if standing == "counted" and chosen != sub.agency_key
                      else None,
                      add_address=standing == "counted" and request.form.get("add_address") == "1")
    except CommandError as refused:  # also UsageError: an agency key the registry lacks
        notice("settle_refused", reason=str(refused))
    else:
        notice("settled", text=render(
            "staff/settled.txt.j2", done=done, verdicts=labels("staff/labels.toml.j2")["verdict"],
            agency=agency_name(done.after, service().registry) or done.after.agency_key))
    return redirect(url_for("submissions.show", reference=sub.reference), 303)
