"""A form as read from a file, before judgement: header fields and the demand table."""

from __future__ import annotations

from dataclasses import dataclass

from parsers.form.header import HeaderReading
from parsers.form.table import TableReading


@dataclass(frozen=True)
class FormReading:
    kind: str  # "docx" | "xlsx"
    header: HeaderReading
    table: TableReading | None
