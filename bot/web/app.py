"""The console as a WSGI application: Flask with CSRF protection from Flask-WTF, signed
session cookies, security headers, and one gate in front of every view.

The gate, in order: static files pass; a state-changing request without a valid CSRF token is
refused (403) whoever sends it; the login pages pass; anyone else without a session (or a
trusted proxy's login) is sent to /login (303), unknown paths included, so a logged-out
visitor learns nothing of what the console holds. The page asked for is kept in the session
and reached after logging in.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from flask import Flask, g, redirect, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug import Response
from werkzeug.exceptions import HTTPException

from bot.intake.service import Service
from bot.web import agencies, home, login, submissions, summary
from bot.web.page import SERVICE, page
from bot.web.proxy import TrustedProxies

log = logging.getLogger(__name__)
OPEN = {"login.form", "login.submit", "static"}
# No script at all, styles from our one CSS file, nothing framed, forms only to ourselves.
CSP = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
       "frame-ancestors 'none'; base-uri 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
csrf = CSRFProtect()


def _gate() -> Response | None:
    if request.endpoint == "static":
        return None
    csrf.protect()  # safe methods pass; CSRFError for anything else without a valid token
    g.account = login.proxy_account() or login.session_account()
    if request.endpoint in OPEN or g.account is not None:
        return None
    if request.method == "GET" and request.endpoint:
        session[login.NEXT] = request.full_path.rstrip("?")  # reached after logging in
    return redirect(url_for("login.form"), 303)  # a bare /login: the target waits in the session


def _headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.endpoint != "static":
        response.headers["Cache-Control"] = "no-store"  # pages show personal data
    return response


def _refused(error: CSRFError) -> Response:
    log.info("refused %s %s: %s", request.method, request.path, error.description)
    return page("error.html.j2", status=403, problem="csrf")


def _http_error(error: HTTPException) -> Response:
    code = error.code or 500
    return page("error.html.j2", status=code, problem=code)


def create_app(service: Service, secret_key: bytes) -> Flask:
    web = service.cfg.web
    app = Flask(__name__, static_folder=str(Path(__file__).with_name("static")),
                static_url_path="/static")
    app.config.update(
        SECRET_KEY=secret_key, SESSION_COOKIE_NAME="bcy_session", SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_SECURE=web.cookie_secure,
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=web.session_hours),
        WTF_CSRF_CHECK_DEFAULT=False, WTF_CSRF_TIME_LIMIT=None,  # valid while the session is
        MAX_CONTENT_LENGTH=64 * 1024, SEND_FILE_MAX_AGE_DEFAULT=3600)
    app.extensions[SERVICE] = service
    csrf.init_app(app)
    for module in (login, home, submissions, agencies, summary):
        app.register_blueprint(module.bp)
    app.before_request(_gate)
    app.after_request(_headers)
    app.register_error_handler(CSRFError, _refused)
    app.register_error_handler(HTTPException, _http_error)
    app.wsgi_app = TrustedProxies(app.wsgi_app, web.trusted_proxies)  # type: ignore[method-assign]
    return app
