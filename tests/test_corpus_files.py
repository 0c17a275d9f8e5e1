"""Every third-party spreadsheet and Word file gets a verdict: no exception, no hang."""

from __future__ import annotations

import time

import pytest

from bot.commands.forms.check import check_file
from parsers.spec.campaign import default_campaign
from replies.findings import report_json
from tests.shared_corpus import corpus

VERDICTS = {"accepted", "needs_correction", "unreadable"}


@pytest.mark.parametrize("name", ["spreadsheets-calamine", "docx-python-docx"])
def test_every_corpus_file_gets_a_verdict(name: str) -> None:
    files = sorted(p for p in corpus(name).iterdir() if p.is_file() and p.name != "SOURCE")
    assert len(files) > 20
    slowest = 0.0
    for path in files:
        started = time.monotonic()
        report = report_json(check_file(str(path), default_campaign()))
        slowest = max(slowest, time.monotonic() - started)
        assert report["verdict"] in VERDICTS, path.name
        # none of these files is a registration form
        assert report["verdict"] == "unreadable", (path.name, report["findings"])
    assert slowest < 30


def test_legacy_and_open_spreadsheets_are_opened_not_turned_away() -> None:
    """The .xls and .ods of the corpus reach their readers: a broken one is `file-unreadable`
    or `file-protected`, a sound one `form-not-found` — never "send another format"."""
    files = sorted(p for p in corpus("spreadsheets-calamine").iterdir()
                   if p.suffix in (".xls", ".ods"))
    assert len(files) >= 40
    codes = {p.name: check_file(str(p), default_campaign()).findings[0].code for p in files}
    opened = [n for n, code in codes.items() if code == "form-not-found"]
    assert len(opened) >= 0.85 * len(files), codes
    turned_away = [n for n, code in codes.items() if code == "file-type-unsupported"]
    assert all(check_file(str(corpus("spreadsheets-calamine") / n), default_campaign()).kind
               in ("other", "ole") for n in turned_away)
