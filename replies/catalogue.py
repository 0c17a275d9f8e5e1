"""The staff catalogue of finding codes, generated from `parsers.codes.FindingCode` and the
message templates, so it cannot drift from what the bot says."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from parsers.codes import FindingCode
from parsers.form.findings import Finding, Params
from parsers.read.document import Location
from replies.findings import finding_message

# Sample values, typed as the rules give them, to show each message as an agency would read it.
SAMPLE_PARAMS: Params = {
    "file": "mau-dang-ky.xlsx", "kind": "pdf", "written": "mười", "row": "SIM PKI",
    "year": "2023", "code": "03", "threshold": 50000, "deadline": dt.date(2021, 5, 15),
    "opened": dt.date(2021, 4, 1), "date": dt.date(2021, 5, 20), "total": 29, "unit": "CTS",
    "header": "BỘ TÀI CHÍNH", "intro": "Ủy ban nhân dân tỉnh Bắc Ninh"}
SAMPLE_LOCATION = Location(sheet="Sheet1", cell="F9")


@dataclass(frozen=True)
class CatalogueEntry:
    code: str
    severity: str
    makes_unreadable: bool
    example: str


def catalogue() -> list[CatalogueEntry]:
    return [CatalogueEntry(code.value, code.severity, code.makes_unreadable,
                           finding_message(Finding(code, "", SAMPLE_LOCATION, SAMPLE_PARAMS)))
            for code in FindingCode]
