"""*Việc cần làm*, the home page: the staff to-do list (`bot.staff.todo`, the same blocks as
the digest's first section, everything still open) with each block's actions, and those
actions: a mail marked as dealt with, its raw message downloaded, the outbox sent now."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, url_for
from sqlalchemy.exc import NoResultFound
from werkzeug import Response

from bot.intake.redo import send_queued
from bot.staff.todo import TodoContext, todo_blocks
from bot.web.page import download, login, notice, page, service

bp = Blueprint("home", __name__)


@bp.get("/")
def todo_list() -> Response:
    blocks = todo_blocks(TodoContext(service().store, service().registry))
    return page("todo.html.j2", blocks=blocks)


@bp.post("/mail/<int:message_id>/handled")
def mail_handled(message_id: int) -> Response:
    store = service().store
    try:
        mail = store.messages.get(message_id)
    except IndexError:
        abort(404)
    if store.messages.mark_handled(message_id, login()):
        store.events.record("mail-handled", f"#{message_id} {mail.from_addr or ''}"[:200],
                            level="info", message_id=message_id, actor=login())
    notice("mail_handled", number=message_id)
    return redirect(url_for("home.todo_list"), 303)


@bp.get("/mail/<int:message_id>.eml")
def raw_mail(message_id: int) -> Response:
    try:
        raw = service().store.messages.raw(message_id)
    except NoResultFound:
        abort(404)
    return download(raw, f"thu-{message_id}.eml")


@bp.post("/outbox/send")
def send_outbox() -> Response:
    unsent = send_queued(service())
    service().store.events.record("outbox-sent", f"still unsent: {unsent}", level="info",
                                  actor=login())
    notice("outbox_sent", unsent=unsent)
    return redirect(url_for("home.todo_list"), 303)
