"""What every view shares: the service of this worker, who is logged in, rendering a page from
`replies/templates/web/` (the one jinja2 environment, autoescaped, with the one formatter's
filters), notices shown on the next page, and files handed to the browser as downloads."""

from __future__ import annotations

import io
import json
import re
import unicodedata
from typing import Any
from zoneinfo import ZoneInfo

from flask import Response, current_app, flash, g, get_flashed_messages, request, send_file, url_for
from flask_wtf.csrf import generate_csrf

from bot.intake.service import Service
from bot.staff.labels import labels
from bot.store.records import StaffAccount
from replies.render import render

SERVICE = "bcy.service"  # where the app keeps its Service (app.extensions)
NAV = ("home.todo_list", "submissions.index", "agencies.index", "summary.index")
_UNSAFE_IN_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def service() -> Service:
    found: Service = current_app.extensions[SERVICE]
    return found


def account() -> StaffAccount | None:
    found: StaffAccount | None = g.get("account")
    return found


def login() -> str:
    """The login of the staff member making this request (the gate lets no one else in)."""
    who = account()
    assert who is not None, "a view behind the gate ran without an account"
    return who.login


def notice(key: str, **params: Any) -> None:
    """A message for the next page, written by web/_notices.html.j2 from `key` and `params`."""
    flash(json.dumps({"key": key, "params": params}, ensure_ascii=False))


def page(template: str, status: int = 200, **context: Any) -> Response:
    notices = [json.loads(n) for n in get_flashed_messages() if isinstance(n, str)]
    html = render(f"web/{template}", url_for=url_for, csrf_token=generate_csrf,
                  account=account(), endpoint=request.endpoint, nav=NAV, notices=notices,
                  tz=ZoneInfo(service().cfg.digest.timezone),
                  words={**labels("staff/labels.toml.j2"), **labels("web/labels.toml.j2")},
                  verdicts=labels("staff/labels.toml.j2")["verdict"], **context)
    return Response(html, status=status, mimetype="text/html")


def safe_name(name: str | None, fallback: str) -> str:
    """A file name a browser may save under: no folders, no control characters, not empty."""
    cleaned = _UNSAFE_IN_NAME.sub("_", unicodedata.normalize("NFC", name or "")).strip(" ._")
    return cleaned[:150] or fallback


def download(data: bytes, name: str, mimetype: str = "application/octet-stream") -> Response:
    """Always saved, never shown: a file from mail is never rendered in the console's origin."""
    return send_file(io.BytesIO(data), mimetype=mimetype, as_attachment=True,
                     download_name=name, conditional=False, etag=False)
