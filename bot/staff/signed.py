"""Signed cover letters as staff read them: for each signature of a submission, the agency its
signer names, whether that is the submission's own, and whether it proves who sent the form;
worded by `replies/templates/staff/_signature.j2` in `submissions show`, the console's page of
a submission, the digest and the workbook."""

from __future__ import annotations

from dataclasses import dataclass

from bot.store.records import Signature, StoredSubmission
from parsers.spec.registry import Registry
from replies.render import render


@dataclass(frozen=True)
class SignatureView:
    sig: Signature
    agency: str | None  # the registry's name of the agency the signer names
    own: bool  # that agency is the submission's

    @property
    def proves(self) -> bool:
        """It makes the sender trusted for the submission's agency."""
        return self.own and self.sig.holds


def signature_views(sub: StoredSubmission, registry: Registry) -> list[SignatureView]:
    views = []
    for sig in sub.signatures:
        try:
            agency = registry.get(sig.agency_key).name if sig.agency_key else None
        except KeyError:  # the registry changed since: the key is all there is
            agency = sig.agency_key
        views.append(SignatureView(sig, agency, sig.agency_key is not None
                                   and sig.agency_key == sub.agency_key))
    return views


def signature_lines(sub: StoredSubmission, registry: Registry) -> list[str]:
    """One line per signature: signer, intact or not, trusted or not, for whom (the signer's
    names as the certificate gave them, leading blanks and all)."""
    return [render("staff/signature_line.txt.j2", v=v).removesuffix("\n")
            for v in signature_views(sub, registry)]
