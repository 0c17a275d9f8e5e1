"""*Cơ quan*: the registry with each agency's state, and one agency's page: its registry entry,
where letters to it go (`bot.staff.reminders.write_to`, as `remind` writes), who may speak for
it (`store.senders`: the registry's, the config's and staff's), staff's edits of both with who
added or removed each and when, and its submissions with what changed between them. A
"trusted" address staff add really makes a sender trusted; a "contact" is where reminders go."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, request, url_for
from werkzeug import Response

from bot.intake.changes import agency_history
from bot.staff.agencies import STATES, AgencyRow, agency_rows
from bot.staff.labels import labels
from bot.staff.reminders import staff_contacts, trusted_addresses, write_to
from bot.web.page import login, notice, page, service
from parsers.spec.agency import ADDRESS

bp = Blueprint("agencies", __name__)
ROLES = ("contact", "trusted")  # where letters go (store.contacts), who speaks (store.senders)


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
    where = write_to(row.agency, staff_contacts(store), row.last_sender,
                     trusted_addresses(store)) if row.agency else None
    return page("agency.html.j2", row=row, roles=ROLES, where=where,
                contacts=store.contacts.find(key, with_removed=True),
                senders=store.senders.find(key, with_removed=True),
                history=list(reversed(agency_history(store.submissions.find(agency_key=key),
                                                     service().campaign))),
                groups=labels("staff/labels.toml.j2")["group"])


@bp.post("/agencies/<key>/addresses")
def add_address(key: str) -> Response:
    """A contact (where letters go) or a trusted sender (whose forms count for the agency)."""
    row = _row(key)
    address = request.form.get("address", "").strip().lower()
    role = request.form.get("role", "")
    store = service().store
    if not ADDRESS.match(address) or len(address) > 254 or role not in ROLES:
        notice("address_invalid", address=address[:254])
        return redirect(url_for("agencies.show", key=row.key), 303)
    if role == "contact":
        added = store.contacts.add(row.key, address, login()) is not None
    else:
        added = store.senders.add((row.key, address), login(), "staff")
    if not added:
        notice("address_exists", address=address)
    else:
        store.events.record("agency-address-added", f"{row.key}: {address} ({role})",
                            level="info", actor=login())
        notice("address_added", address=address, agency=row.name, role=role)
    return redirect(url_for("agencies.show", key=row.key), 303)


@bp.post("/agencies/<key>/contacts/<int:contact_id>/remove")
def remove_contact(key: str, contact_id: int) -> Response:
    row = _row(key)
    removed = service().store.contacts.remove(row.key, contact_id, login())
    return _removed(row, removed.address if removed else None, "contact")


@bp.post("/agencies/<key>/senders/<int:sender_id>/remove")
def remove_sender(key: str, sender_id: int) -> Response:
    row = _row(key)
    removed = service().store.senders.remove(row.key, sender_id, login())
    return _removed(row, removed.sender if removed else None, "trusted")


def _removed(row: AgencyRow, address: str | None, role: str) -> Response:
    if address is not None:
        service().store.events.record("agency-address-removed", f"{row.key}: {address} ({role})",
                                      level="info", actor=login())
        notice("address_removed", address=address, agency=row.name, role=role)
    return redirect(url_for("agencies.show", key=row.key), 303)
