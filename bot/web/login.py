"""Logging in and out. The form posts `username`, `password` and the CSRF token; a success
starts a fresh signed session (login + the account's session stamp) and redirects to the page
asked for, a failure shows the form again, and too many failures are refused for a while
(`throttle`). Behind a proxy that authenticates, its login header may stand in for the form
(`[web] trust_remote_user`), only for logins that exist as staff accounts."""

from __future__ import annotations

import hmac
import logging

from flask import Blueprint, redirect, request, session, url_for
from werkzeug import Response

from bot.staff.accounts import BadLogin, normal_login, verify_login
from bot.store.records import StaffAccount
from bot.web import throttle
from bot.web.page import account, page, service
from bot.web.proxy import VIA_PROXY

log = logging.getLogger(__name__)
bp = Blueprint("login", __name__)
NEXT = "next"  # session key: the page a visitor asked for before logging in


def _safe_next(target: str | None) -> str:
    """Only a path of this site: never another host (`//evil`, `/\\evil`, `https:`)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return url_for("home.todo_list")


def start_session(who: StaffAccount) -> None:
    session.clear()  # a fresh session, with a fresh CSRF token: nothing carried over
    session["login"] = who.login
    session["stamp"] = who.session_stamp
    session.permanent = True  # expires after [web] session_hours


def session_account() -> StaffAccount | None:
    """The account the session cookie names, while its password (stamp) is unchanged."""
    login, stamp = session.get("login"), session.get("stamp")
    if not isinstance(login, str) or not isinstance(stamp, str):
        return None
    who = service().store.accounts.get(login)
    if who is None or not hmac.compare_digest(who.session_stamp, stamp):
        session.clear()
        return None
    return who


def proxy_account() -> StaffAccount | None:
    """The staff account the trusted proxy names in its login header, if configured."""
    web = service().cfg.web
    if not web.trust_remote_user or not request.environ.get(VIA_PROXY):
        return None
    name = request.headers.get(web.remote_user_header, "").strip()
    if not name:
        return None
    try:
        who = service().store.accounts.get(normal_login(name))
    except BadLogin:
        who = None
    if who is None:
        log.warning("the proxy names %r, which is no staff account", name[:64])
        return None
    if session.get("login") != who.login:
        start_session(who)
    return who


@bp.get("/login")
def form() -> Response:
    if account() is not None:
        return redirect(_safe_next(session.pop(NEXT, None)), 303)
    return page("login.html.j2", username="", problem=None)


@bp.post("/login")
def submit() -> Response:
    store, web = service().store, service().cfg.web
    typed = request.form.get("username", "")
    password = request.form.get("password", "")
    target = request.form.get(NEXT) or session.get(NEXT)
    address = request.remote_addr or ""
    try:
        login = normal_login(typed)
    except BadLogin:
        login = typed.strip().lower()[:64]
    minutes = throttle.locked_for(store, web, login, address)
    if minutes is not None:
        response = page("login.html.j2", status=429, username=typed, problem="throttled",
                        minutes=minutes)
        response.headers["Retry-After"] = str(minutes * 60)
        return response
    who = verify_login(store, login, password) if password else None
    throttle.record(store, web, login, address, who is not None)
    if who is None:
        log.info("failed login for %r from %s", login, address)
        return page("login.html.j2", status=401, username=typed, problem="wrong")
    start_session(who)
    store.accounts.logged_in(who.login)
    return redirect(_safe_next(target), 303)


@bp.post("/logout")
def logout() -> Response:
    session.clear()
    return redirect(url_for("login.form"), 303)
