"""Signed cover letters as staff read them: for each signature of a submission, the agency its
signer names, whether that is the submission's own, and whether it proves who sent the form;
rendered by `replies/templates/staff/_signature.j2` in `submissions show`, the digest and the
workbook."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from bot.staff.labels import local
from bot.store.records import Signature, StoredSubmission
from parsers.spec.registry import Registry
from replies.render import render

TIME = "%d/%m/%Y %H:%M:%S"


def signature_view(sig: Signature, sub: StoredSubmission, registry: Registry, tz: tzinfo
                   ) -> dict[str, Any]:
    try:
        agency = registry.get(sig.agency_key).name if sig.agency_key else None
    except KeyError:
        agency = sig.agency_key
    own = sig.agency_key is not None and sig.agency_key == sub.agency_key
    return {"sig": sig, "agency": agency, "own": own, "proves": own and sig.holds,
            "signed_at": local(sig.signing_time, tz).strftime(TIME) if sig.signing_time else None,
            "stamped_at": local(sig.timestamp_time, tz).strftime(TIME)
            if sig.timestamp_time else None}


def signature_views(sub: StoredSubmission, registry: Registry, tz: tzinfo
                    ) -> list[dict[str, Any]]:
    return [signature_view(s, sub, registry, tz) for s in sub.signatures]


def signature_lines(sub: StoredSubmission, registry: Registry, tz: tzinfo) -> list[str]:
    """One line per signature: signer, intact or not, trusted or not, for whom."""
    return [render("staff/signature_line.txt.j2", v=v).strip()
            for v in signature_views(sub, registry, tz)]
