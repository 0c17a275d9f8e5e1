"""*Cơ quan*: the registry with each agency's state, and one agency's page: its registry entry,
the addresses staff added (contacts to write to, senders trusted to speak for it) with who
added or removed each and when, and its submissions with what changed between them."""

from __future__ import annotations

import re
from typing import get_args

from flask import Blueprint, abort, redirect, request, url_for
from werkzeug import Response

from bot.staff.agencies import STATES, AgencyRow, agency_rows, history
from bot.staff.labels import labels
from bot.store.records import AddressRole
from bot.web.page import login, notice, page, service

bp = Blueprint("agencies", __name__)
ROLES: tuple[AddressRole, ...] = get_args(AddressRole)
_ADDRESS = re.compile(r"[^@\s<>()\[\],;:\"'\\]{1,64}@[a-z0-9-]+(\.[a-z0-9-]+)+")


@bp.get("/agencies")
def index() -> Response:
    rows = agency_rows(service().store, service().registry, service().campaign)
    state = request.args.get("state")
    counts = {s: sum(1 for r in rows if r.state == s) for s in STATES}
    shown = [r for r in rows if r.state == state] if state in STATES else rows
    return page("agencies.html.j2", rows=shown, state=state if state in STATES else None,
                counts=counts, total=len(rows), states=STATES,
                groups=labels("staff/labels.toml.j2")["group"])


def _row(key: str) -> AgencyRow:
    found = next((r for r in agency_rows(service().store, service().registry,
                                         service().campaign) if r.key == key), None)
    if found is None:
        abort(404)
    return found


@bp.get("/agencies/<key>")
def show(key: str) -> Response:
    row = _row(key)
    store = service().store
    return page("agency.html.j2", row=row, roles=ROLES,
                addresses=store.agencies.addresses(key, with_removed=True),
                history=list(reversed(history(store.submissions.find(agency_key=key),
                                              service().campaign))),
                groups=labels("staff/labels.toml.j2")["group"])


@bp.post("/agencies/<key>/addresses")
def add_address(key: str) -> Response:
    row = _row(key)
    address = request.form.get("address", "").strip().lower()
    role = request.form.get("role", "")
    if not _ADDRESS.fullmatch(address) or len(address) > 254 or role not in ROLES:
        notice("address_invalid", address=address[:254])
    elif service().store.agencies.add_address(row.key, address, role, login()) is None:
        notice("address_exists", address=address)
    else:
        service().store.events.record("agency-address-added", f"{row.key}: {address} ({role})",
                                      level="info", actor=login())
        notice("address_added", address=address, agency=row.name)
    return redirect(url_for("agencies.show", key=row.key), 303)


@bp.post("/agencies/<key>/addresses/<int:address_id>/remove")
def remove_address(key: str, address_id: int) -> Response:
    row = _row(key)
    removed = service().store.agencies.remove_address(row.key, address_id, login())
    if removed is not None:
        service().store.events.record(
            "agency-address-removed", f"{row.key}: {removed.address} ({removed.role})",
            level="info", actor=login())
        notice("address_removed", address=removed.address, agency=row.name)
    return redirect(url_for("agencies.show", key=row.key), 303)
