"""Validation findings are data: a stable code, a severity, the field and the place they are about.

The message a person reads is rendered from `replies/templates/findings/<code>.txt.j2` with the
finding's `params`; this module holds no prose. Params carry raw values (a count as an int, a
date as a date, cell text as written): how they read is the renderer's business, not ours.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Literal

from parsers.codes import FindingCode, Severity
from parsers.read.document import Location

Verdict = Literal["accepted", "needs_correction", "unreadable"]
# Closed on purpose: the renderer formats each of these, and nothing else reaches it.
ParamValue = str | int | dt.date | tuple[str, ...]
Params = Mapping[str, ParamValue]


@dataclass(frozen=True)
class Finding:
    code: FindingCode
    field: str
    location: Location | None = None
    params: Params = dc_field(default_factory=dict, hash=False, compare=False)

    @property
    def severity(self) -> Severity:
        return self.code.severity

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def verdict_of(findings: list[Finding]) -> Verdict:
    """accepted · needs_correction · unreadable, from the findings alone."""
    if any(f.code.makes_unreadable for f in findings):
        return "unreadable"
    if any(f.is_error for f in findings):
        return "needs_correction"
    return "accepted"
