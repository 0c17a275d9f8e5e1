"""What a signature on a PDF says and whether it holds, as plain data that crosses the process
boundary and goes into the store: the signer's names, the issuer, the serial number, the times,
whether the signed bytes are intact, what was added after signing, and whether the chain leads
to a root the operator trusts (checked offline: never for revocation)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

# How much of the file the signature covers (pyHanko's SignatureCoverageLevel).
Coverage = Literal["entire-file", "entire-revision", "contiguous-block", "unclear"]
# What was added after signing (pyHanko's ModificationLevel): later signatures and form
# filling are what a second signer does; anything else changed the signed document.
Modification = Literal["none", "lta-updates", "form-filling", "annotations", "other"]
# Why the chain is not trusted: no root configured, no path to one, or the path failed
# (expired, revoked in an embedded list, wrong key usage).
TrustProblem = Literal["no-roots", "no-chain", "invalid-chain"]
HARMLESS_LATER: frozenset[str] = frozenset({"none", "lta-updates", "form-filling"})


@dataclass(frozen=True)
class SignerName:
    """A certificate's subject (or issuer), each field decoded to Unicode (NFC)."""

    common_name: str | None = None
    organization: str | None = None
    units: tuple[str, ...] = ()  # OU, possibly several
    locality: str | None = None
    province: str | None = None
    country: str | None = None

    @property
    def text(self) -> str:
        """CN=…, OU=…, O=…, L=…, C=… as staff read it."""
        parts = [("CN", self.common_name), *(("OU", u) for u in self.units),
                 ("O", self.organization), ("L", self.locality), ("ST", self.province),
                 ("C", self.country)]
        return ", ".join(f"{k}={v}" for k, v in parts if v)

    @property
    def display(self) -> str:
        """The most telling name: CN, and O when it differs."""
        names = [n for n in (self.common_name, self.organization) if n]
        return " — ".join(dict.fromkeys(names)) or self.text


@dataclass(frozen=True)
class SignatureFacts:
    file: str  # the PDF it was found in ("thu.zip/cong-van.pdf" inside an archive)
    field: str  # the signature field's name
    signer: SignerName
    issuer: SignerName
    serial: str  # the certificate's serial number, hexadecimal
    signing_time: dt.datetime | None  # the signed attribute (else the dictionary's /M)
    timestamp_time: dt.datetime | None  # a time-stamp token's time, when one verified
    intact: bool  # the signed bytes are unchanged and the signature verifies
    coverage: Coverage
    modification: Modification
    trusted: bool  # the chain leads to a configured root (revocation not checked)
    trust_problem: TrustProblem | None = None

    @property
    def modified_after(self) -> bool:
        return modified_after(self.coverage, self.modification)

    @property
    def holds(self) -> bool:
        return holds(self.intact, self.coverage, self.modification, self.trusted)

    def as_dict(self) -> dict[str, Any]:
        """The JSON object `check --json` shows for it (key `signatures` of a report)."""
        return {
            "file": self.file, "field": self.field,
            "signer": {"common_name": self.signer.common_name,
                       "organization": self.signer.organization,
                       "units": list(self.signer.units), "locality": self.signer.locality,
                       "country": self.signer.country, "subject": self.signer.text},
            "issuer": self.issuer.text, "serial": self.serial,
            "signing_time": _iso(self.signing_time), "timestamp_time": _iso(self.timestamp_time),
            "intact": self.intact, "coverage": self.coverage, "modification": self.modification,
            "modified_after_signing": self.modified_after, "trusted": self.trusted,
            "trust_problem": self.trust_problem, "revocation_checked": False,
        }


def modified_after(coverage: str, modification: str) -> bool:
    """Something other than later signatures or form filling was added after signing, or the
    signature covers only part of its revision."""
    return coverage not in ("entire-file", "entire-revision") or modification not in HARMLESS_LATER


def holds(intact: bool, coverage: str, modification: str, trusted: bool) -> bool:
    """Intact, not modified after signing, and trusted: a proof of who sent it."""
    return intact and not modified_after(coverage, modification) and trusted


def _iso(when: dt.datetime | None) -> str | None:
    return when.isoformat() if when else None
