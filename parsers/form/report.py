"""FormReport → the JSON object of CONTRACT.md (`check --json`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from parsers.form.findings import Finding
from parsers.form.parse import FormReport
from parsers.read.document import Location

MessageOf = Callable[[Finding], str]
LocationOf = Callable[[Location | None], str | None]


def report_dict(report: FormReport, message_of: MessageOf, location_of: LocationOf
                ) -> dict[str, Any]:
    out: dict[str, Any] = {
        "file": report.file,
        "verdict": report.verdict,
        "agency": report.agency,
        "document_number": report.document_number,
        "place": report.place,
        "date": report.date,
        "quantities": report.quantities,
        "notes": report.notes,
        "findings": [
            {
                "code": f.code.value,
                "severity": f.severity,
                "field": f.field,
                "location": location_of(f.location),
                "message": message_of(f),
            }
            for f in report.findings
        ],
    }
    if report.signatures:  # an optional key: reports without a signed PDF stay as they were
        out["signatures"] = [s.as_dict() for s in report.signatures]
    return out
