"""Validation findings are data: a stable code, a severity, the field and the place they are about.

The message a person reads is rendered from `replies/templates/findings/<code>.txt.j2` with the
finding's `params`; this module holds no prose. `CATALOGUE` is the single list of codes: the
staff catalogue and the template check in the tests are generated from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Literal

from parsers.read.document import Location

Severity = Literal["error", "warning"]
Verdict = Literal["accepted", "needs_correction", "unreadable"]


@dataclass(frozen=True)
class CodeSpec:
    code: str
    severity: Severity
    makes_unreadable: bool = False


CATALOGUE: dict[str, CodeSpec] = {
    spec.code: spec
    for spec in (
        # the file itself
        CodeSpec("file-empty", "error", True),
        CodeSpec("file-unreadable", "error", True),
        CodeSpec("file-type-unsupported", "error", True),
        CodeSpec("file-protected", "error", True),
        CodeSpec("file-too-large", "error", True),
        CodeSpec("file-too-complex", "error", True),
        CodeSpec("file-converter-missing", "error", True),
        CodeSpec("form-not-found", "error", True),
        CodeSpec("attachment-missing", "error", True),
        # the letter header
        CodeSpec("agency-missing", "error"),
        CodeSpec("agency-placeholder", "error"),
        CodeSpec("agency-intro-placeholder", "warning"),
        CodeSpec("document-number-missing", "warning"),
        CodeSpec("document-number-placeholder", "error"),
        CodeSpec("place-placeholder", "warning"),
        CodeSpec("date-missing", "warning"),
        CodeSpec("date-placeholder", "error"),
        CodeSpec("date-invalid", "error"),
        CodeSpec("date-after-deadline", "warning"),
        CodeSpec("date-before-campaign", "warning"),
        # the table
        CodeSpec("table-empty", "error"),
        CodeSpec("table-all-zero", "warning"),
        CodeSpec("row-missing", "error"),
        CodeSpec("row-duplicated", "warning"),
        CodeSpec("year-missing", "error"),
        CodeSpec("unit-not-cts", "warning"),
        CodeSpec("subtotal-mismatch", "warning"),
        # the cells
        CodeSpec("quantity-not-integer", "error"),
        CodeSpec("quantity-negative", "error"),
        CodeSpec("quantity-too-large", "warning"),
        CodeSpec("quantity-ambiguous-mark", "error"),
    )
}


@dataclass(frozen=True)
class Finding:
    code: str
    field: str
    location: Location | None = None
    params: dict[str, str] = dc_field(default_factory=dict, hash=False, compare=False)

    @property
    def severity(self) -> Severity:
        return CATALOGUE[self.code].severity

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def verdict_of(findings: list[Finding]) -> Verdict:
    """accepted · needs_correction · unreadable, from the findings alone."""
    if any(CATALOGUE[f.code].makes_unreadable for f in findings):
        return "unreadable"
    if any(f.is_error for f in findings):
        return "needs_correction"
    return "accepted"
