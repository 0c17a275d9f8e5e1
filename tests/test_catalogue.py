"""The finding codes are one set: the enum, the staff catalogue and the message templates."""

from __future__ import annotations

import re
from importlib import resources

from bot.commands.cli import main
from parsers.codes import FindingCode
from replies.catalogue import catalogue


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
