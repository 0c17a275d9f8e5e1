"""A form as read from a file, before judgement: header fields and the demand table."""

from __future__ import annotations

from dataclasses import dataclass

from parsers.form.header import HeaderReading
from parsers.form.table import TableReading


@dataclass(frozen=True)
class AgencyNames:
    """Who the form says it is from, as written: the letterhead block and the opening sentence
    ("…, <agency> đề xuất"). Kept on the report, so that rules needing the agency registry can
    run where the registry is known."""

    header: str | None = None
    intro: str | None = None


@dataclass(frozen=True)
class FormReading:
    kind: str  # "docx" | "xlsx"
    header: HeaderReading
    table: TableReading | None
