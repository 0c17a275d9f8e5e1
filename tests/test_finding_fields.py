"""Every finding's `field` is in the contract's grammar (CONTRACT.md, `check --json`):
quantities.<row>.<year> · quantities.<row> · quantities.*.<year> · header.agency ·
header.document_number · header.date · header.place · table · file, where <row> is one of the
campaign's quantity rows (its contract row keys) and <year> one of its years.

Checked twice: on every expectation the tests keep (golden and acceptance JSON), and on what
reading every form file the tests keep gives now, so neither can drift from the contract."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.config.specs import checked_campaign, checked_registry
from parsers.form.parse import add_registry_findings
from parsers.form.unpack import read_attachment

TESTS = Path(__file__).resolve().parent
CAMPAIGN = checked_campaign(None)
ROWS = "|".join(re.escape(spec.key) for spec in CAMPAIGN.quantity_rows)
YEARS = "|".join(re.escape(year) for year in CAMPAIGN.years)
GRAMMAR = re.compile(
    rf"quantities\.({ROWS})\.({YEARS})|quantities\.({ROWS})|quantities\.\*\.({YEARS})"
    r"|header\.(agency|document_number|date|place)|table|file")
EXPECTATIONS = sorted(p for folder in ("forms/cases", "forms/converted", "golden")
                      for p in (TESTS / folder).glob("*.json"))
FORMS = sorted(p for folder in ("forms/cases", "forms/legacy", "golden")
               for p in (TESTS / folder).iterdir()
               if p.is_file() and p.suffix not in (".json", ".py", ".doc"))


def _findings(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        for f in value.get("findings") or ():
            if isinstance(f, dict):
                yield f
        for key in ("files",):
            yield from _findings(value.get(key))
    elif isinstance(value, list):
        for item in value:
            yield from _findings(item)


def test_the_contract_row_keys_are_the_campaigns() -> None:
    assert ROWS.split("|") == ["organization_usb_token", "personal_usb_token",
                               "personal_sim_pki", "personal_sd_secure",
                               "device_service_software"]


@pytest.mark.parametrize("path", EXPECTATIONS, ids=lambda p: p.name)
def test_kept_expectations_name_fields_of_the_grammar(path: Path) -> None:
    for finding in _findings(json.loads(path.read_text(encoding="utf-8"))):
        if "field" in finding:
            assert GRAMMAR.fullmatch(str(finding["field"])), (finding["code"], finding["field"])


@pytest.mark.parametrize("path", FORMS, ids=lambda p: p.name)
def test_every_form_gives_fields_of_the_grammar(path: Path) -> None:
    registry = checked_registry(None)
    for report in read_attachment(path.read_bytes(), path.name, CAMPAIGN):
        report = add_registry_findings(report, registry, CAMPAIGN.opened)
        for finding in report.findings:
            assert GRAMMAR.fullmatch(finding.field), (finding.code, finding.field)
