"""Staff settle a submission that waits for them: `confirm` makes it count for its agency (and
supersede the agency's earlier counted form, if newer), optionally trusting its sender for that
agency from then on; `reject` keeps its numbers out for good. The command line and the console
both call `settle`; each decision names who made it (`cli:<user>` or the console login) and is
stored with an event, in one transaction. Refusals are Vietnamese, one line (CommandError)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot.errors import CommandError, UsageError
from bot.intake.service import Service
from bot.store.records import Standing, StoredSubmission
from parsers.spec.agency import Agency
from replies.render import staff_message

SAME_MOMENT = dt.timedelta(seconds=5)  # a confirmation and the trust it adds: one transaction


@dataclass(frozen=True)
class Settled:
    before: StoredSubmission
    after: StoredSubmission
    successor: str | None  # the reference of the agency's newer counted form, if any
    trusted: str | None  # the address trusted for the agency from now on
    untrusted: str | None = None  # the address confirming it had trusted, no longer trusted


def _existing(service: Service, reference: str) -> StoredSubmission:
    sub = service.store.submissions.by_reference(reference.strip())
    if sub is None:
        raise CommandError(staff_message("no_submission", reference=reference.strip()))
    return sub


def _agency(service: Service, key: str) -> Agency:
    found = next((a for a in service.registry.agencies if a.key == key), None)
    if found is None:
        raise UsageError(staff_message("unknown_agency_key", key=key))
    return found


def _successor(service: Service, sub: StoredSubmission) -> str | None:
    if sub.superseded_by is None:
        return None
    found = service.store.submissions.find(agency_key=sub.agency_key)
    return next((s.reference for s in found if s.id == sub.superseded_by), None)


def _trusted_by_confirming(service: Service, sub: StoredSubmission) -> int | None:
    """The staff entry that confirming `sub` with --add-address wrote (same agency, same
    sender, same person, in the same moment): rejecting it afterwards takes that back."""
    if sub.standing != "counted" or not (sub.settled_by and sub.settled_at and sub.author
                                         and sub.agency_key):
        return None
    return next((e.id for e in service.store.senders.find(sub.agency_key)
                 if e.source == "staff" and e.sender.lower() == sub.author.lower()
                 and e.added_by == sub.settled_by
                 and abs(e.added_at - sub.settled_at) <= SAME_MOMENT), None)


def settle(service: Service, reference: str, standing: Standing, by: str, *,
           agency_key: str | None = None, add_address: bool = False) -> Settled:
    """Confirm (`counted`) or reject a submission; CommandError for an unknown reference, or a
    confirmation that names no agency for it to count for."""
    before = _existing(service, reference)
    agency = _agency(service, agency_key) if agency_key else None
    key = agency.key if agency else before.agency_key
    if standing == "counted" and not key:
        raise CommandError(staff_message("confirm_needs_agency", reference=before.reference))
    trust = None
    if add_address:
        if not before.author:
            raise CommandError(staff_message("no_single_sender", reference=before.reference))
        trust = (str(key), before.author)
    untrust = _trusted_by_confirming(service, before) if standing == "rejected" else None
    after = service.store.submissions.settle(
        before.reference, standing, by, agency=(agency.key, agency.name) if agency else None,
        trust=trust, untrust=untrust)
    if after is None:  # deleted meanwhile: nothing deletes submissions, but say it plainly
        raise CommandError(staff_message("no_submission", reference=before.reference))
    untrusted = before.author.lower() if untrust is not None and before.author else None
    return Settled(before, after, _successor(service, after), trust[1] if trust else None,
                   untrusted)
