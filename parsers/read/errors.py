"""The one exception readers raise: the file cannot be read as a form, with a finding code."""

from __future__ import annotations


class UnreadableFile(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail
