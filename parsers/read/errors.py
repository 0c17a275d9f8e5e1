"""The one exception readers raise: the file cannot be read as a form, with a finding code."""

from __future__ import annotations

from parsers.codes import FindingCode


class UnreadableFile(Exception):
    def __init__(self, code: FindingCode, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
