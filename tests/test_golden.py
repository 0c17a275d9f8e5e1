"""Golden files: every form input sits next to the JSON `check --json` must print for it.

Inputs: tests/golden/template-*.{docx,xlsx} (the project's blank form filled by
make_golden.py) and tests/forms/cases/* (hand-built variants). `UPDATE_GOLDEN=1` rewrites the
expected JSON; a person reads the diff before committing it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.commands.forms.check import check_file
from parsers.spec.campaign import default_campaign
from replies.findings import report_json

HERE = Path(__file__).parent
INPUTS = sorted(p for folder in (HERE / "golden", HERE / "forms" / "cases")
                for p in folder.iterdir() if p.suffix in (".docx", ".xlsx"))


def golden_path(path: Path) -> Path:
    return path.with_name(path.name + ".golden.json")


@pytest.mark.parametrize("path", INPUTS, ids=[p.name for p in INPUTS])
def test_output_matches_golden(path: Path) -> None:
    got = report_json(check_file(str(path), default_campaign()))
    expected_file = golden_path(path)
    if os.environ.get("UPDATE_GOLDEN") == "1":
        expected_file.write_text(json.dumps(got, ensure_ascii=False, indent=2) + "\n",
                                 encoding="utf-8")
    assert expected_file.exists(), f"no golden file; run UPDATE_GOLDEN=1 for {path.name}"
    assert got == json.loads(expected_file.read_text(encoding="utf-8"))


def test_there_are_goldens_of_both_origins() -> None:
    names = [p.name for p in INPUTS]
    assert sum(n.startswith("template-") for n in names) >= 16
    assert len(names) - sum(n.startswith("template-") for n in names) >= 40
