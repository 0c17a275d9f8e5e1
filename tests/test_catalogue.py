"""Every finding code has its message template, and every template belongs to a code."""

from __future__ import annotations

from importlib import resources

from bot.commands.cli import main
from parsers.form.findings import CATALOGUE
from replies.catalogue import catalogue


def test_every_code_has_a_template_and_every_template_a_code() -> None:
    folder = resources.files("replies").joinpath("templates", "findings")
    templates = {p.name.removesuffix(".txt.j2") for p in folder.iterdir()
                 if p.name.endswith(".txt.j2")}
    assert templates == set(CATALOGUE)


def test_every_message_renders_as_a_vietnamese_sentence() -> None:
    for entry in catalogue():
        assert entry.example.endswith("."), entry.code
        assert "{{" not in entry.example and "None" not in entry.example, entry.code
        assert any(ch in entry.example for ch in "ăâđêôơư"), entry.code


def test_codes_command_lists_them_all(capsys: object) -> None:
    assert main(["codes"]) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert all(code in out for code in CATALOGUE)
