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
# What a clerk would really have written for each code: a placeholder left as printed, a date
# that is no date, a negative or a huge count, a row that does not add up.
EXAMPLES: dict[FindingCode, Params] = {
    FindingCode.AGENCY_PLACEHOLDER: {"written": "<TÊN CƠ QUAN ĐẢNG, NHÀ NƯỚC>"},
    FindingCode.AGENCY_INTRO_PLACEHOLDER: {"written": "<tên cơ quan Đảng, Nhà nước>"},
    FindingCode.DOCUMENT_NUMBER_PLACEHOLDER: {"written": "<Số, ký hiệu>"},
    FindingCode.PLACE_PLACEHOLDER: {"written": "<Địa danh>"},
    FindingCode.DATE_PLACEHOLDER: {"written": "ngày ... tháng ... năm 2021"},
    FindingCode.DATE_INVALID: {"written": "ngày 31 tháng 4 năm 2021"},
    FindingCode.QUANTITY_NEGATIVE: {"written": "-5"},
    FindingCode.QUANTITY_AMBIGUOUS_MARK: {"written": "x"},
    FindingCode.QUANTITY_TOO_LARGE: {"written": "1.500.000"},
    FindingCode.SUBTOTAL_MISMATCH: {"written": "35", "row": "Chứng thư số cho cá nhân"},
    FindingCode.UNIT_NOT_CTS: {"written": "Thiết bị"},
    FindingCode.ROW_MISSING: {"code": "03", "row": "Chứng thư số cho thiết bị, dịch vụ, phần mềm"},
    FindingCode.FILE_TYPE_UNSUPPORTED: {"file": "de-xuat.pdf"},
    FindingCode.FILE_CONVERTER_MISSING: {"file": "mau-dang-ky.doc", "kind": "doc"},
    FindingCode.FILE_PROTECTED: {"file": "mau-dang-ky-mat-khau.xlsx"},
}


@dataclass(frozen=True)
class CatalogueEntry:
    code: str
    severity: str
    makes_unreadable: bool
    example: str


def catalogue() -> list[CatalogueEntry]:
    return [CatalogueEntry(code.value, code.severity, code.makes_unreadable,
                           finding_message(Finding(code, "", SAMPLE_LOCATION,
                                                   {**SAMPLE_PARAMS, **EXAMPLES.get(code, {})})))
            for code in FindingCode]
