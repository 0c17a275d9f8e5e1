"""The finding codes: the public kebab-case codes of the contract, each with its severity.

This enum is the catalogue. Every place that emits or compares a code names a member, so mypy
rejects a misspelled one; the staff catalogue (`bcy-intake codes`) and the message templates
(`replies/templates/findings/<code>.txt.j2`, one per member, checked by a test) follow it.
A new code is one line here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

Severity = Literal["error", "warning"]


class FindingCode(StrEnum):
    severity: Severity
    makes_unreadable: bool  # the file could not be read as a form: the verdict is `unreadable`

    def __new__(cls, code: str, severity: Severity, makes_unreadable: bool = False
                ) -> FindingCode:
        member = str.__new__(cls, code)
        member._value_ = code
        member.severity = severity
        member.makes_unreadable = makes_unreadable
        return member

    # the file itself
    FILE_EMPTY = "file-empty", "error", True
    FILE_UNREADABLE = "file-unreadable", "error", True
    FILE_TYPE_UNSUPPORTED = "file-type-unsupported", "error", True
    FILE_PROTECTED = "file-protected", "error", True
    FILE_TOO_LARGE = "file-too-large", "error", True
    FILE_TOO_COMPLEX = "file-too-complex", "error", True
    FILE_CONVERTER_MISSING = "file-converter-missing", "error", True
    FORM_NOT_FOUND = "form-not-found", "error", True
    ATTACHMENT_MISSING = "attachment-missing", "error", True
    # the letter header
    AGENCY_MISSING = "agency-missing", "error"
    AGENCY_PLACEHOLDER = "agency-placeholder", "error"
    AGENCY_INTRO_PLACEHOLDER = "agency-intro-placeholder", "warning"
    # the letterhead and the opening sentence name two agencies: whose numbers these are is
    # for staff to settle (the submission waits for their confirmation), not a fault to resend
    AGENCY_CONFLICT = "agency-conflict", "warning"
    DOCUMENT_NUMBER_MISSING = "document-number-missing", "warning"
    DOCUMENT_NUMBER_PLACEHOLDER = "document-number-placeholder", "error"
    PLACE_PLACEHOLDER = "place-placeholder", "warning"
    DATE_MISSING = "date-missing", "warning"
    DATE_PLACEHOLDER = "date-placeholder", "error"
    DATE_INVALID = "date-invalid", "error"
    DATE_AFTER_DEADLINE = "date-after-deadline", "warning"
    DATE_BEFORE_CAMPAIGN = "date-before-campaign", "warning"
    # the table
    TABLE_EMPTY = "table-empty", "error"
    TABLE_ALL_ZERO = "table-all-zero", "warning"
    ROW_MISSING = "row-missing", "error"
    ROW_DUPLICATED = "row-duplicated", "warning"
    YEAR_MISSING = "year-missing", "error"
    UNIT_NOT_CTS = "unit-not-cts", "warning"
    SUBTOTAL_MISMATCH = "subtotal-mismatch", "warning"
    # the cells
    QUANTITY_NOT_INTEGER = "quantity-not-integer", "error"
    QUANTITY_NEGATIVE = "quantity-negative", "error"
    QUANTITY_TOO_LARGE = "quantity-too-large", "warning"
    QUANTITY_AMBIGUOUS_MARK = "quantity-ambiguous-mark", "error"
