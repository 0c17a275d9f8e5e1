"""Signed cover letters as evidence of who sent a form: which registry agency each signer names,
the records the store keeps, and the `Proof`s the standing decision reads. Pure.

A signature speaks for the agency its certificate's organisation (O) names; when O names none
of the registry, a unit (OU) or the common name (CN) may: "CN=CỤC THUẾ, O=BỘ TÀI CHÍNH" is the
ministry's unit and speaks for the ministry, as a unit under its ministry on a letterhead does.
It is proof only when it holds: intact, nothing but later signatures added since, and its chain
trusted (offline; revocation is not checked)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from bot.intake.trust.standing import Proof
from bot.store.records import Signature
from parsers.signature.facts import SignatureFacts, SignerName
from parsers.spec.registry import Registry


def signer_agency(signer: SignerName, registry: Registry, on: dt.date) -> str | None:
    """The key of the registry agency the signer's names point to, the organisation first."""
    for text in (signer.organization, *signer.units, signer.common_name):
        found = registry.match_header(text, on) if text else None
        if found is not None:
            return found.key
    return None


def signature_records(found: Iterable[SignatureFacts], registry: Registry, on: dt.date
                      ) -> tuple[Signature, ...]:
    """Each signature once (a letter beside two copies of one form is one letter), in order."""
    out: dict[tuple[str, str, str], Signature] = {}
    for f in found:
        out.setdefault((f.file, f.field, f.serial), Signature(
            file=f.file, field=f.field, signer=f.signer.text, signer_cn=f.signer.common_name,
            signer_o=f.signer.organization, signer_ou="; ".join(f.signer.units) or None,
            issuer=f.issuer.text, serial=f.serial, signing_time=f.signing_time,
            timestamp_time=f.timestamp_time, intact=f.intact, coverage=f.coverage,
            modification=f.modification, trusted=f.trusted, trust_problem=f.trust_problem,
            agency_key=signer_agency(f.signer, registry, on)))
    return tuple(out.values())


def proofs_of(records: Sequence[Signature]) -> tuple[Proof, ...]:
    """A proof per signature naming a registry agency; `trusted` only when it holds."""
    return tuple(Proof("signature", r.agency_key, r.holds, r.signer)
                 for r in records if r.agency_key)
