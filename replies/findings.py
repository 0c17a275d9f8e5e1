"""Findings into words: the message and the location a clerk reads."""

from __future__ import annotations

from typing import Any

from parsers.form.findings import Finding
from parsers.form.parse import FormReport
from parsers.form.report import report_dict
from parsers.read.document import Location
from replies.render import render


def location_text(location: Location | None, short: bool = False) -> str | None:
    if location is None:
        return None
    text = render("location.txt.j2", loc=location, short=short).strip()
    return text or None


def report_json(report: FormReport) -> dict[str, Any]:
    """A form report as the JSON object of CONTRACT.md, messages and locations in words."""
    return report_dict(report, finding_message, location_text)


def finding_message(finding: Finding) -> str:
    where = location_text(finding.location, short=True) or ""
    context = {"where": where, "file": "", "kind": "", "written": "", **finding.params}
    return render(f"findings/{finding.code.value}.txt.j2", **context).strip()
