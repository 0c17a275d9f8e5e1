"""The finding codes are one set: the enum, the staff catalogue and the message templates."""

from __future__ import annotations

import datetime as dt
import re
from importlib import resources
from pathlib import Path

import pytest
from mypy import api as mypy_api

from bot.commands.cli import main
from parsers.codes import FindingCode
from replies.catalogue import catalogue
from replies.render import format_date, format_number

ROOT = Path(__file__).resolve().parents[1]


def test_every_code_has_a_template_and_every_template_a_code() -> None:
    folder = resources.files("replies").joinpath("templates", "findings")
    templates = {p.name.removesuffix(".txt.j2") for p in folder.iterdir()
                 if p.name.endswith(".txt.j2")}
    assert templates == {code.value for code in FindingCode}


def test_the_catalogue_is_the_enum() -> None:
    entries = catalogue()
    assert [e.code for e in entries] == [code.value for code in FindingCode]
    assert all(e.severity in ("error", "warning") for e in entries)
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)+", e.code) for e in entries)  # kebab-case


def test_every_message_renders_as_a_vietnamese_sentence() -> None:
    for entry in catalogue():
        assert entry.example.endswith("."), entry.code
        assert "{{" not in entry.example and "None" not in entry.example, entry.code
        assert any(ch in entry.example for ch in "ăâđêôơư"), entry.code


def test_raw_parameters_are_formatted_for_a_vietnamese_reader() -> None:
    """Params carry dates and counts raw; a template that forgets `| date` or `| number` would
    show 2021-05-15 or 50000 to the agency."""
    for entry in catalogue():
        assert not re.search(r"\d{4}-\d\d-\d\d", entry.example), entry.code
        assert "50000" not in entry.example, entry.code
    examples = {e.code: e.example for e in catalogue()}
    assert "(15/05/2021)" in examples["date-after-deadline"]
    assert "20/05/2021" in examples["date-after-deadline"]
    assert "(01/04/2021)" in examples["date-before-campaign"]
    assert "trên 50.000" in examples["quantity-too-large"]


def test_codes_command_lists_them_all(capsys: object) -> None:
    assert main(["codes"]) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert all(code.value in out for code in FindingCode)


TYPOS = '''
from parsers.codes import FindingCode
from parsers.form.findings import Finding
from parsers.spec.campaign import default_campaign

Finding(FindingCode.AGENCY_MISSING, "header.agency", params={"written": "x", "threshold": 5})
Finding("agency-mising", "header.agency")
Finding(FindingCode.AGENCY_MISING, "header.agency")
Finding(FindingCode.AGENCY_MISSING, "header.agency", params={"share": 0.5})
default_campaign().form.signer_titel
default_campaign().form["signer_title"]
'''


def test_mypy_rejects_a_misspelled_code_or_campaign_key(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The contracts are types: these mistakes fail `make test` (mypy), not a reply at run
    time. Line 6 is the control: right code, params of the closed union."""
    source = tmp_path / "typos.py"
    source.write_text(TYPOS, encoding="utf-8")
    monkeypatch.chdir(ROOT)  # where mypy finds the packages
    out, err, status = mypy_api.run([str(source), "--config-file=", "--no-error-summary",
                                     "--cache-dir=/dev/null", "--follow-imports=silent"])
    flagged = [int(line.split(":")[1]) for line in out.splitlines() if ": error:" in line]
    assert (status, err) == (1, "")
    assert flagged == [7, 8, 9, 10, 11], out


@pytest.mark.parametrize(("value", "shown"), [
    (0, "0"), (999, "999"), (1000, "1.000"), (1234567, "1.234.567"), (None, "—"), ("mười", "mười"),
])
def test_one_number_format(value: object, shown: str) -> None:
    assert format_number(value) == shown


def test_one_date_format() -> None:
    assert format_date(dt.date(2021, 4, 1)) == "01/04/2021"
    assert format_date(None) == "—"
