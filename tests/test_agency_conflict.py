"""A form whose letterhead names one agency and whose opening sentence names another: a
warning naming both (`agency-conflict`), so staff settle whose numbers they are."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.commands.cli import main
from demo.forms import Filling, fill_docx, fill_xlsx
from parsers.codes import FindingCode
from parsers.form.parse import add_registry_findings, read_form
from parsers.form.reading import AgencyNames
from parsers.form.rules import validate_names
from parsers.spec.campaign import default_campaign
from parsers.spec.registry import default_registry
from replies.findings import report_json

CAMPAIGN = default_campaign()
REGISTRY = default_registry()
NUMBERS = {"organization_usb_token": {"2021": 12, "2022": 3}}


@pytest.mark.parametrize(("header", "intro", "conflict"), [
    ("BỘ TÀI CHÍNH", "Ủy ban nhân dân tỉnh Bắc Ninh", True),
    ("ỦY BAN NHÂN DÂN TỈNH BẮC NINH", "Bộ Tài chính", True),
    ("BỘ TÀI CHÍNH", "Bộ Tài chính", False),
    ("BỘ TÀI CHÍNH", "Bộ Tài Chính", False),
    ("UBND TỈNH BẮC NINH", "Ủy ban nhân dân tỉnh Bắc Ninh", False),
    # a unit written under its governing body on the letterhead is named there too
    ("BỘ TÀI CHÍNH - CỤC THUẾ TỈNH BẮC NINH", "Cục Thuế tỉnh Bắc Ninh", False),
    ("UBND TỈNH BẮC NINH - SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
     "Sở Thông tin và Truyền thông tỉnh Bắc Ninh", False),
    # only agencies the registry knows are compared
    ("CÔNG TY CỔ PHẦN ABC", "Bộ Tài chính", False),
    ("BỘ TÀI CHÍNH", "Phòng Kế hoạch", False),
    (None, "Bộ Tài chính", False),
    ("BỘ TÀI CHÍNH", None, False),
], ids=lambda v: str(v)[:24])
def test_conflict_only_between_two_known_agencies(header: str | None, intro: str | None,
                                                  conflict: bool) -> None:
    found = validate_names(AgencyNames(header, intro), REGISTRY, CAMPAIGN.opened)
    assert [f.code for f in found] == ([FindingCode.AGENCY_CONFLICT] if conflict else [])
    if conflict:
        assert found[0].params == {"header": header, "intro": intro}
        assert found[0].severity == "warning" and found[0].field == "header.agency"


@pytest.mark.parametrize("fill", [fill_docx, fill_xlsx], ids=["docx", "xlsx"])
def test_a_form_naming_two_agencies_gets_a_warning_naming_both(fill: object) -> None:
    data = fill(CAMPAIGN, Filling("BỘ TÀI CHÍNH", "Ủy ban nhân dân tỉnh Bắc Ninh",  # type: ignore[operator]
                                  numbers=NUMBERS))
    report = add_registry_findings(read_form(data, "mau.docx", CAMPAIGN), REGISTRY,
                                   CAMPAIGN.opened)
    assert report.names == AgencyNames("BỘ TÀI CHÍNH", "Ủy ban nhân dân tỉnh Bắc Ninh")
    assert report.verdict == "accepted"  # a warning: staff settle it, the agency need not resend
    [finding] = [f for f in report_json(report)["findings"] if f["code"] == "agency-conflict"]
    assert finding["severity"] == "warning"
    assert "«BỘ TÀI CHÍNH»" in finding["message"]
    assert "«Ủy ban nhân dân tỉnh Bắc Ninh»" in finding["message"]


def test_a_consistent_form_has_no_such_warning() -> None:
    data = fill_docx(CAMPAIGN, Filling("BỘ TÀI CHÍNH", "Bộ Tài chính", numbers=NUMBERS))
    report = read_form(data, "mau.docx", CAMPAIGN)
    assert add_registry_findings(report, REGISTRY, CAMPAIGN.opened) is report


def test_check_reports_the_conflict(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "mau.docx"
    path.write_bytes(fill_docx(CAMPAIGN, Filling("BỘ TÀI CHÍNH", "Ủy ban nhân dân tỉnh Bắc Ninh",
                                                 numbers=NUMBERS)))
    assert main(["check", "--json", str(path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [f["code"] for f in out["findings"]] == ["agency-conflict"]
