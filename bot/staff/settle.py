"""Staff settle a submission that waits for them: `confirm` makes it count for its agency (and
supersede the agency's earlier counted form, if newer), optionally trusting its sender for that
agency from then on; `reject` keeps its numbers out for good. Each decision names who made it
(the operating-system user, for now) and is stored with an event, in one transaction."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass

from bot.errors import CommandError, UsageError
from bot.intake.service import Service
from bot.store.records import Standing, StoredSubmission
from parsers.spec.agency import Agency


@dataclass(frozen=True)
class Settled:
    before: StoredSubmission
    after: StoredSubmission
    successor: str | None  # the reference of the agency's newer counted form, if any
    trusted: str | None  # the address trusted for the agency from now on


def operator() -> str:
    """Who runs the command: the person behind sudo, else the user."""
    try:
        return os.environ.get("SUDO_USER") or getpass.getuser()
    except (KeyError, OSError):  # no name for this uid
        return f"uid {os.getuid()}"


def _existing(service: Service, reference: str) -> StoredSubmission:
    sub = service.store.submissions.by_reference(reference.strip())
    if sub is None:
        raise CommandError(f"no submission with reference {reference.strip()!r}")
    return sub


def _agency(service: Service, key: str) -> Agency:
    found = next((a for a in service.registry.agencies if a.key == key), None)
    if found is None:
        raise UsageError(f"no agency with key {key!r} in the registry")
    return found


def _successor(service: Service, sub: StoredSubmission) -> str | None:
    if sub.superseded_by is None:
        return None
    found = service.store.submissions.find(agency_key=sub.agency_key)
    return next((s.reference for s in found if s.id == sub.superseded_by), None)


def settle(service: Service, reference: str, standing: Standing, by: str, *,
           agency_key: str | None = None, add_address: bool = False) -> Settled:
    """Confirm (`counted`) or reject a submission; CommandError for an unknown reference, or a
    confirmation that names no agency for it to count for."""
    before = _existing(service, reference)
    agency = _agency(service, agency_key) if agency_key else None
    key = agency.key if agency else before.agency_key
    if standing == "counted" and not key:
        raise CommandError(f"{before.reference} names no agency: say which with --agency KEY")
    trust = None
    if add_address:
        if not before.author:
            raise CommandError(f"{before.reference}: the mail names no single sender address")
        trust = (str(key), before.author)
    after = service.store.submissions.settle(
        before.reference, standing, by, agency=(agency.key, agency.name) if agency else None,
        trust=trust)
    if after is None:  # deleted meanwhile: nothing deletes submissions, but say it plainly
        raise CommandError(f"no submission with reference {before.reference!r}")
    return Settled(before, after, _successor(service, after), trust[1] if trust else None)
