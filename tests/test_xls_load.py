"""The XLS reader skips xlrd's colour audit (a walk over every XF record for its verbose log):
every workbook of the tests and the corpus reads the same with it and without it, the same
verdict where it cannot be read, and the audit is back in place once a workbook is open."""

from __future__ import annotations

from pathlib import Path

import pytest
import xlrd.formatting

from parsers.read import read_xls as read_xls_module
from parsers.read.errors import UnreadableFile
from parsers.read.read_xls import read_xls
from tests.shared_corpus import CANDIDATES

TESTS = Path(__file__).resolve().parent
CORPUS = next((r / "corpus" / "spreadsheets-calamine" for r in CANDIDATES
               if (r / "corpus" / "spreadsheets-calamine").is_dir()), None)
FILES = sorted(TESTS.rglob("*.xls")) + (sorted(CORPUS.glob("*.xls")) if CORPUS else [])


def _reading(data: bytes) -> object:
    try:
        return [(g.name, g.rows) for g in read_xls(data).grids]
    except UnreadableFile as exc:
        return exc.code, exc.detail


def test_every_xls_reads_the_same_without_the_colour_audit(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    assert len(FILES) >= 20
    audit = xlrd.formatting.check_colour_indexes_in_obj
    lean = {path.name: _reading(path.read_bytes()) for path in FILES}
    assert xlrd.formatting.check_colour_indexes_in_obj is audit  # put back
    calls: list[int] = []

    def counted(book: object, obj: object, orig_index: int) -> None:
        calls.append(orig_index)
        audit(book, obj, orig_index)

    monkeypatch.setattr(read_xls_module, "_no_audit", counted)  # the audit, as xlrd runs it
    for path in FILES:
        assert _reading(path.read_bytes()) == lean[path.name], path.name
    assert calls  # it ran where the reader had put its stand-in
