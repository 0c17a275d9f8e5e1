"""A PDF's signatures, each validated with pyHanko against the operator's roots and turned into
plain `SignatureFacts`. Offline on purpose: no certificate, OCSP answer or CRL is fetched, so a
hostile letter cannot make the service call out, and revocation is not checked (staff are told).

Parsing a PDF and its CMS blobs is parsing hostile bytes: this runs in the isolated reader
process, with a size cap and a cap on the number of signatures; any failure of a signature is
recorded as a signature that does not hold, never raised."""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Sequence
from typing import Any

from parsers.signature.facts import Coverage, Modification, SignatureFacts, TrustProblem
from parsers.signature.names import signer_name

MAX_PDF_BYTES = 20 * 1024 * 1024
MAX_SIGNATURES = 20
_COVERAGE: dict[str, Coverage] = {
    "ENTIRE_FILE": "entire-file", "ENTIRE_REVISION": "entire-revision",
    "CONTIGUOUS_BLOCK_FROM_START": "contiguous-block"}
_MODIFICATION: dict[str, Modification] = {
    "NONE": "none", "LTA_UPDATES": "lta-updates", "FORM_FILLING": "form-filling",
    "ANNOTATIONS": "annotations"}
# pyHanko logs a failed path or a suspicious update with a traceback: here both are verdicts
for _name in ("pyhanko", "pyhanko_certvalidator"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)


# pyHanko is imported when a PDF is read, in the reader's process: it costs half a second that
# no command without a PDF should pay.
def _roots(roots: Sequence[bytes]) -> list[Any]:
    from asn1crypto import x509

    return [x509.Certificate.load(der) for der in roots]


def _aware(when: Any) -> dt.datetime | None:
    if not isinstance(when, dt.datetime):
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def _trust_problem(status: Any, roots: Sequence[bytes]) -> TrustProblem | None:
    if status.trusted:
        return None
    if not roots:
        return "no-roots"
    indication = str(getattr(status, "trust_problem_indic", "") or "")
    return "no-chain" if "NO_CERTIFICATE_CHAIN_FOUND" in indication else "invalid-chain"


def _facts(embedded: Any, file: str, roots: Sequence[bytes]) -> SignatureFacts:
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    context = ValidationContext(trust_roots=_roots(roots), allow_fetching=False,
                                revocation_mode="soft-fail")
    status = validate_pdf_signature(embedded, context)
    cert = status.signing_cert
    token = status.timestamp_validity
    level = status.modification_level
    return SignatureFacts(
        file=file, field=str(embedded.field_name or ""), signer=signer_name(cert.subject),
        issuer=signer_name(cert.issuer), serial=format(cert.serial_number, "X"),
        signing_time=_aware(status.signer_reported_dt),
        timestamp_time=_aware(token.timestamp) if token and token.intact and token.valid
        else None,
        intact=bool(status.intact and status.valid),
        coverage=_COVERAGE.get(getattr(status.coverage, "name", ""), "unclear"),
        modification=_MODIFICATION.get(getattr(level, "name", ""), "other"),
        trusted=bool(status.trusted), trust_problem=_trust_problem(status, roots))


def _broken(embedded: Any, file: str) -> SignatureFacts | None:
    """A signature pyHanko could not validate: its signer, if the certificate reads, recorded
    as one that does not hold."""
    try:
        cert = embedded.signer_cert
        signer, issuer, serial = (signer_name(cert.subject), signer_name(cert.issuer),
                                  format(cert.serial_number, "X"))
    except Exception:  # noqa: BLE001 - no certificate to name: nothing to record
        return None
    return SignatureFacts(file=file, field=str(getattr(embedded, "field_name", "") or ""),
                          signer=signer, issuer=issuer, serial=serial, signing_time=None,
                          timestamp_time=None, intact=False, coverage="unclear",
                          modification="other", trusted=False, trust_problem="invalid-chain")


def read_signatures(data: bytes, file: str, roots: Sequence[bytes] = ()
                    ) -> tuple[SignatureFacts, ...]:
    """Every signature of the PDF `data` (document time stamps are not signatures of a
    person: left out), at most MAX_SIGNATURES; () for an unsigned, oversized or broken PDF.
    `roots`: DER certificates the chain must lead to."""
    if len(data) > MAX_PDF_BYTES:
        return ()
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        found = list(reader.embedded_regular_signatures)[:MAX_SIGNATURES]
    except Exception:  # noqa: BLE001 - a PDF pyHanko cannot read carries no signature we know
        return ()
    out: list[SignatureFacts] = []
    for embedded in found:
        try:
            out.append(_facts(embedded, file, roots))
        except Exception:  # noqa: BLE001 - hostile or unsupported CMS: a signature that fails
            broken = _broken(embedded, file)
            if broken is not None:
                out.append(broken)
    return tuple(out)
