"""The staff catalogue of finding codes, generated from `parsers.form.findings.CATALOGUE` and the
message templates, so it cannot drift from what the bot says."""

from __future__ import annotations

from dataclasses import dataclass

from parsers.form.findings import CATALOGUE, Finding
from parsers.read.document import Location
from replies.findings import finding_message

# Sample values to show each message as an agency would read it.
SAMPLE_PARAMS = {"file": "mau-dang-ky.xlsx", "kind": "pdf", "written": "mười", "row": "SIM PKI",
                 "year": "2023", "code": "03", "threshold": "50.000", "deadline": "15/05/2021",
                 "opened": "01/04/2021", "date": "20/05/2021", "total": "29", "unit": "CTS"}
SAMPLE_LOCATION = Location(sheet="Sheet1", cell="F9")


@dataclass(frozen=True)
class CatalogueEntry:
    code: str
    severity: str
    makes_unreadable: bool
    example: str


def catalogue() -> list[CatalogueEntry]:
    return [CatalogueEntry(spec.code, spec.severity, spec.makes_unreadable,
                           finding_message(Finding(spec.code, "", SAMPLE_LOCATION,
                                                   dict(SAMPLE_PARAMS))))
            for spec in CATALOGUE.values()]
