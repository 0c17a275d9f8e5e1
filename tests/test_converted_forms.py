"""The acceptance forms as LibreOffice saves them in the older and the open formats (.doc, .xls,
.odt, .ods, made by tests/forms/make_converted.py) read exactly like their DOCX/XLSX originals:
same verdict, numbers, header fields and findings at the same places; each also matches its
golden JSON and, for the acceptance cases, their expectations through `check --json`.

All converted files go through the real CLI in two `check --json` processes run side by side
(a .doc costs a LibreOffice start, about a second).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.commands.forms.check import check_file
from parsers.spec.campaign import default_campaign
from replies.findings import report_json
from tests.conftest import servers_required
from tests.forms.make_converted import OUT, original_of
from tests.test_forms_acceptance import REPO_ROOT, findings_text, problems

CONVERTED = sorted(p for p in OUT.iterdir() if p.suffix in (".doc", ".xls", ".odt", ".ods"))
HAVE_SOFFICE = shutil.which("soffice") is not None


def _runnable(path: Path) -> bool:
    return path.suffix != ".doc" or HAVE_SOFFICE


def _check_json(paths: list[Path]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "bot", "check", "--json", *map(str, paths)],
                            cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


@pytest.fixture(scope="module")
def checked() -> Iterator[dict[str, dict[str, Any]]]:
    """`check --json` of every converted file, by file name."""
    paths = [p for p in CONVERTED if _runnable(p)]
    halves = [paths[0::2], paths[1::2]]
    processes = [_check_json(half) for half in halves]
    out: dict[str, dict[str, Any]] = {}
    for process in processes:
        stdout, stderr = process.communicate(timeout=600)
        assert "Traceback" not in stderr, stderr[-3000:]
        for item in json.loads(stdout):
            out[item["file"]] = item
    yield out


def _need(path: Path) -> None:
    if _runnable(path):
        return
    message = "soffice (LibreOffice) is not installed: the .doc reader is NOT tested"
    if servers_required():
        pytest.fail(message)
    pytest.skip(message)


def _essence(report: dict[str, Any]) -> tuple[Any, ...]:
    findings = sorted((f["code"], f["severity"], f["field"], f["location"])
                      for f in report["findings"])
    return (report["verdict"], report["agency"], report["document_number"], report["place"],
            report["date"], report["quantities"], report["notes"], findings)


def test_every_case_and_format_is_there() -> None:
    suffixes = {p.suffix for p in CONVERTED}
    assert suffixes == {".doc", ".xls", ".odt", ".ods"}
    assert len(CONVERTED) >= 140


@pytest.mark.parametrize("path", CONVERTED, ids=[p.name for p in CONVERTED])
def test_reads_like_its_original(path: Path, checked: dict[str, dict[str, Any]]) -> None:
    _need(path)
    got = checked[path.name]
    original = report_json(check_file(str(original_of(path)), default_campaign()))
    assert _essence(got) == _essence(original)


@pytest.mark.parametrize("path", CONVERTED, ids=[p.name for p in CONVERTED])
def test_matches_its_golden_file(path: Path, checked: dict[str, dict[str, Any]]) -> None:
    _need(path)
    golden = path.with_name(path.name + ".golden.json")
    if os.environ.get("UPDATE_GOLDEN") == "1":
        golden.write_text(json.dumps(checked[path.name], ensure_ascii=False, indent=2) + "\n",
                          encoding="utf-8")
    assert golden.exists(), f"no golden file; run UPDATE_GOLDEN=1 for {path.name}"
    assert checked[path.name] == json.loads(golden.read_text(encoding="utf-8"))


ACCEPTANCE = [p for p in CONVERTED
              if (original_of(p).parent / f"{p.stem}.expect.json").exists()]


@pytest.mark.parametrize("path", ACCEPTANCE, ids=[p.name for p in ACCEPTANCE])
def test_meets_the_acceptance_expectation(path: Path,
                                          checked: dict[str, dict[str, Any]]) -> None:
    _need(path)
    expect_file = original_of(path).parent / f"{path.stem}.expect.json"
    expect = json.loads(expect_file.read_text(encoding="utf-8"))
    got = checked[path.name]
    found = problems(expect, got, None)
    if found:
        pytest.fail(f"{path.name}:\n- " + "\n- ".join(found) + f"\n{findings_text(got)}",
                    pytrace=False)
