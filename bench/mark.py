"""Marking one Word file or workbook for a correction request, the lean markers against
python-docx's and openpyxl's.

    python bench/mark.py [--runs 30] [--seconds 60]

For the backlog's broken form (bench/mailkit.py's BTC_BROKEN, its findings' marks) and three
files of the shared corpus (every cell of their tables marked), one round times, in turn:
`annotate_docx` (the zip checks, the lean marker), python-docx's marking as it was before (the
same zip checks, `docx.Document`, the marks, `save`), and the floor under any marker that keeps
those checks (the checks, the main part parsed and serialized by lxml, the archive copied with
it: no table walked, nothing marked). Medians of the rounds, the ratio taken round by round.

Then, for the golden XLSX form (its findings' marks) and three corpus workbooks (every cell of
their first sheet marked, at most 300): `annotate_xlsx` (the zip and workbook checks, the lean
marker) against openpyxl's marking as it was before (the same checks, load, marks, save).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lxml import etree  # noqa: E402

from demo.forms import fill_docx  # noqa: E402
from parsers.form.parse import read_form  # noqa: E402
from parsers.read.document import Location  # noqa: E402
from parsers.read.read_docx import read_docx  # noqa: E402
from parsers.read.read_xlsx import read_xlsx  # noqa: E402
from parsers.read.safe_zip import check_zip  # noqa: E402
from parsers.read.xlsx_guard import check_workbook_parts  # noqa: E402
from parsers.read.xml_prolog import parse_checked  # noqa: E402
from parsers.spec.campaign import default_campaign  # noqa: E402
from replies.annotate.docx import annotate_docx  # noqa: E402
from replies.annotate.docx_library import library_marked  # noqa: E402
from replies.annotate.marks import Mark, marks_of  # noqa: E402
from replies.annotate.xlsx import annotate_xlsx  # noqa: E402
from replies.annotate.xlsx_library import library_marked as openpyxl_marked  # noqa: E402
from replies.annotate.zip_copy import replaced  # noqa: E402
from replies.findings import finding_message, location_text  # noqa: E402
from tests.pipeline_kit import BTC_BROKEN  # noqa: E402

# the shared corpus beside the checkout, else where this machine keeps it
SHARED = next((p for p in (ROOT.parent / "shared", Path("/work/shared")) if p.is_dir()),
              ROOT.parent / "shared")
CORPUS = SHARED / "corpus" / "docx-python-docx"
CORPUS_FILES = ("features_steps_test_files_tbl-props.docx",
                "features_steps_test_files_tbl-having-tables.docx",
                "tests_test_files_having-images.docx")
WORKBOOKS = SHARED / "corpus" / "spreadsheets-calamine"
WORKBOOK_FILES = ("issue_553.xlsx", "issue_261_fixed_by_excel.xlsx", "issue_174.xlsx")
GOLDEN_XLSX = ROOT / "tests" / "golden" / "template-cell-errors.xlsx"
MAX_XLSX_MARKS = 300
MAIN = "word/document.xml"  # in every file benchmarked
MAX_RUNS = 1_000
Step = Callable[[bytes, Sequence[Mark]], object]


def _every_cell(data: bytes) -> list[Mark]:
    return [Mark("error" if c % 2 else "warning", f"ô {c}", f"bảng {g.name}",
                 Location(table=int(g.name), row=r + 1, grid_column=c))
            for g in read_docx(data).grids for r, row in enumerate(g.rows)
            for c in range(len(row))]


def cases() -> list[tuple[str, bytes, list[Mark]]]:
    campaign = default_campaign()
    broken = fill_docx(campaign, BTC_BROKEN)
    report = read_form(broken, "mau-dang-ky.docx", campaign)
    found = [("BTC_BROKEN", broken, marks_of(report.findings, finding_message, location_text))]
    for name in CORPUS_FILES:
        path = CORPUS / name
        if path.is_file():
            data = path.read_bytes()
            found.append((name.rsplit("_", 1)[-1], data, _every_cell(data)))
    return found


def xlsx_cases() -> list[tuple[str, bytes, list[Mark]]]:
    campaign = default_campaign()
    golden = GOLDEN_XLSX.read_bytes()
    report = read_form(golden, "mau-dang-ky.xlsx", campaign)
    found = [(GOLDEN_XLSX.name, golden,
              marks_of(report.findings, finding_message, location_text))]
    for name in WORKBOOK_FILES:
        path = WORKBOOKS / name
        if path.is_file():
            data = path.read_bytes()
            grid = read_xlsx(data).grids[0]
            found.append((name, data, [Mark("error" if n % 3 else "warning", f"ô {n}", "",
                                            c.location)
                                       for n, c in enumerate(c for row in grid.rows
                                                             for c in row)][:MAX_XLSX_MARKS]))
    return found


def _openpyxl(data: bytes, marks: Sequence[Mark]) -> object:
    check_workbook_parts(check_zip(data))
    return openpyxl_marked(data, marks)


def _old(data: bytes, marks: Sequence[Mark]) -> object:
    check_zip(data)
    return library_marked(data, marks)


def _floor(data: bytes, marks: Sequence[Mark]) -> object:
    archive = check_zip(data)
    root = parse_checked(archive.read(MAIN), MAIN)
    return replaced(data, archive, MAIN, etree.tostring(root, encoding="UTF-8", standalone=True))


def _clock(step: Step, data: bytes, marks: Sequence[Mark]) -> float:
    start = time.perf_counter()
    step(data, marks)
    return time.perf_counter() - start


def _rounds(steps: dict[str, Step], data: bytes, marks: Sequence[Mark], runs: int,
            seconds: float) -> dict[str, list[float]]:
    spent: dict[str, list[float]] = {k: [] for k in steps}
    for step in steps.values():
        step(data, marks)  # warm: imports and caches out of the rounds
    deadline = time.monotonic() + seconds
    for _ in range(min(runs, MAX_RUNS)):
        for key, step in steps.items():
            spent[key].append(_clock(step, data, marks))
        if time.monotonic() > deadline:
            break
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=60.0, help="stop a file's rounds then")
    args = parser.parse_args()
    _table("DOCX", {"lean": annotate_docx, "python-docx": _old, "floor": _floor}, cases(),
           args.runs, args.seconds)
    print()
    _table("XLSX", {"lean": annotate_xlsx, "openpyxl": _openpyxl}, xlsx_cases(), args.runs,
           args.seconds)


def _table(kind: str, steps: dict[str, Step], files: Iterable[tuple[str, bytes, list[Mark]]],
           runs: int, seconds: float) -> None:
    """One line per file: each step's median, and the library's time over the lean marker's
    (the second step over the first), round by round."""
    lean, library, *_ = steps
    print(f"marking one {kind}, median of up to {runs} rounds (ms; ratio round by round)")
    print(f"{'file':<30}{'KiB':>5}{'marks':>6}" + "".join(f"{k:>12}" for k in steps)
          + f"{library + '/' + lean:>18}")
    for name, data, marks in files:
        spent = _rounds(steps, data, marks, runs, seconds)
        ms = {k: statistics.median(v) * 1000 for k, v in spent.items()}
        ratio = statistics.median(o / n for o, n in zip(spent[library], spent[lean],
                                                        strict=True))
        print(f"{name:<30}{len(data) / 1024:5.0f}{len(marks):6}"
              + "".join(f"{ms[k]:12.2f}" for k in steps) + f"{ratio:17.1f}×")

if __name__ == "__main__":
    main()
