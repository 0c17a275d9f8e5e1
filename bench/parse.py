"""Parse + validate one form, side by side with the floors under it, in one run.

    python bench/parse.py [--runs 30] [--seconds 120] [--hostile] [--hostile-runs 3]
                          [--code DIR]
    python bench/parse.py --profile docx [--runs 200]     (needs pyinstrument)

For each format (DOCX and XLSX filled by demo.forms, XLS/ODS/ODT converted by LibreOffice in
tests/forms/converted) one round times, in turn: `read_form` (parse + validate, what the
daemon does per attachment), the library's own load as the reader uses it (`docx.Document`,
`openpyxl.load_workbook(read_only=True)`, `xlrd.open_workbook(formatting_info=True)` with its
sheets loaded), and
the physical floor (open the zip, parse the main part with lxml). The ratios are taken round
by round, so they hold when the machine's speed drifts; the medians are printed. The peak
memory of one parse is its Python heap peak (tracemalloc) and, in a forked child, the growth
of the process's peak RSS. After the library's load its garbage is collected, untimed:
python-docx and openpyxl leave reference cycles that the next step allocating enough would
otherwise free for them (1.2-1.4 ms of a DOCX parse that followed `docx.Document`).

`--code DIR` times another checkout's parsers (and demo forms) with this script, e.g. the
main checkout beside this one, each with its own venv, in turn:
`/work/main/.venv/bin/python bench/parse.py --code /work/main`.

`--hostile` adds huge and hostile files (what scripts/bench_parsers.py measured before it
moved here): each in a forked child, so that its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import gc
import io
import multiprocessing as mp
import random
import resource
import statistics
import sys
import time
import tracemalloc
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _code(argv: list[str]) -> Path:
    """The checkout whose code is timed (`--code DIR`), known before anything is imported."""
    for i, arg in enumerate(argv):
        if arg == "--code" and i + 1 < len(argv):
            return Path(argv[i + 1]).resolve()
        if arg.startswith("--code="):
            return Path(arg.split("=", 1)[1]).resolve()
    return ROOT


sys.path.insert(0, str(_code(sys.argv)))

from lxml import etree  # noqa: E402

from parsers.form.parse import read_form  # noqa: E402
from parsers.spec.campaign import Campaign, default_campaign  # noqa: E402

CONVERTED = ROOT / "tests" / "forms" / "converted"
MAX_RUNS = 1_000
Step = Callable[[bytes], object]


@dataclass(frozen=True)
class Case:
    kind: str
    data: bytes
    library: tuple[str, Step] | None  # the library load the old reader was built on
    main_part: str | None  # the part a bare zip + lxml parse reads


def _docx_library(data: bytes) -> object:
    import docx

    return docx.Document(io.BytesIO(data))


def _xlsx_library(data: bytes) -> object:
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True,
                                    keep_vba=False, keep_links=False)
    wb.close()
    return wb


def _xls_library(data: bytes) -> object:
    import xlrd

    book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True,
                              logfile=io.StringIO())
    sheets = [book.sheet_by_index(i) for i in range(book.nsheets)]  # as the reader loads them
    book.release_resources()
    return sheets


def _bare(part: str) -> Step:
    def parse(data: bytes) -> object:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return etree.fromstring(archive.read(part))
    return parse


def cases(campaign: Campaign) -> list[Case]:
    from demo.forms import Filling, fill_docx, fill_xlsx

    filling = Filling("BỘ TÀI CHÍNH", "Bộ Tài chính", "215/BTC-THTK", numbers={
        spec.key: {year: 10 + i for i, year in enumerate(campaign.years)}
        for spec in campaign.quantity_rows})
    return [
        Case("docx", fill_docx(campaign, filling), ("docx.Document", _docx_library),
             "word/document.xml"),
        Case("xlsx", fill_xlsx(campaign, filling), ("openpyxl read-only", _xlsx_library),
             "xl/worksheets/sheet1.xml"),
        Case("xls", (CONVERTED / "template-clean.xls").read_bytes(),
             ("xlrd.open_workbook", _xls_library), None),
        Case("ods", (CONVERTED / "template-clean.ods").read_bytes(), None, "content.xml"),
        Case("odt", (CONVERTED / "template-clean.odt").read_bytes(), None, "content.xml"),
    ]


def _clock(step: Step, data: bytes) -> float:
    started = time.perf_counter()
    step(data)
    return time.perf_counter() - started


def _rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _rss_child(data: bytes, conn: Connection) -> None:
    campaign = default_campaign()
    before = _rss_kib()
    read_form(data, "bench", campaign)
    conn.send(_rss_kib() - before)


def _in_child(target: Callable[..., None], *args: object) -> object:
    parent, child = mp.Pipe()
    process = mp.get_context("fork").Process(target=target, args=(*args, child))
    process.start()
    got = parent.recv() if parent.poll(600) else None
    process.join(10)
    return got


def heap_peak_kib(data: bytes, campaign: Campaign) -> float:
    tracemalloc.start()
    read_form(data, "bench", campaign)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:8.2f}" if values else "       —"


def _ratio(a: list[float], b: list[float]) -> str:
    if not b:
        return "     —"
    return f"{statistics.median(x / y for x, y in zip(a, b, strict=True)):5.2f}×"


def bench_forms(campaign: Campaign, runs: int, seconds: float) -> None:
    code = Path(read_form.__code__.co_filename).parents[2]
    print(f"parse + validate ({code}), median of up to {runs} rounds (ms; ratios round by round)")
    print(f"{'file':<6}{'KiB':>6}{'parse':>9}{'library':>9}{'zip+lxml':>9}"
          f"{'/library':>10}{'/zip+lxml':>10}  {'heap KiB':>8} {'RSS+KiB':>7}  library")
    deadline = time.monotonic() + seconds
    for case in cases(campaign):
        def parse(data: bytes) -> object:
            return read_form(data, "bench", campaign)
        report = read_form(case.data, "warm", campaign)  # imports, caches
        assert report.verdict == "accepted", (case.kind, report.findings)
        library = case.library[1] if case.library else None
        bare = _bare(case.main_part) if case.main_part else None
        if library:
            library(case.data)
        spent: dict[str, list[float]] = {"parse": [], "library": [], "bare": []}
        for _ in range(runs):
            spent["parse"].append(_clock(parse, case.data))
            if library:
                spent["library"].append(_clock(library, case.data))
                gc.collect()  # its reference cycles: not the next step's to free
            if bare:
                spent["bare"].append(_clock(bare, case.data))
            if time.monotonic() > deadline:
                break
        rss = _in_child(_rss_child, case.data)
        print(f"{case.kind:<6}{len(case.data) / 1024:6.0f}{_ms(spent['parse'])} "
              f"{_ms(spent['library'])} {_ms(spent['bare'])}"
              f"{_ratio(spent['parse'], spent['library']):>10}"
              f"{_ratio(spent['parse'], spent['bare']):>10}"
              f"  {heap_peak_kib(case.data, campaign):8.0f} {rss!s:>7}  "
              f"{case.library[0] if case.library else '—'} (x{len(spent['parse'])})")


# ---------------------------------------------------------------- huge and hostile files

def _hostile_child(data: bytes, runs: int, conn: Connection) -> None:
    campaign = default_campaign()
    before = _rss_kib()
    times, verdict = [], ""
    for _ in range(runs):
        started = time.perf_counter()
        report = read_form(data, "bench", campaign)
        times.append(time.perf_counter() - started)
        verdict = f"{report.verdict} {','.join(f.code for f in report.findings[:2])}"
    conn.send((times, before, _rss_kib(), verdict))


def _hostile_cases() -> list[tuple[str, Callable[[], bytes], int]]:
    from tests import test_hostile_files as hostile

    docx, xlsx = hostile.DOCX_CASE.read_bytes(), hostile.XLSX_CASE.read_bytes()
    rng = random.Random(5)

    def big_document() -> bytes:
        return hostile.docx_body("".join(
            f"<w:p><w:r><w:t>Đoạn {rng.getrandbits(64):x} {rng.getrandbits(64):x}</w:t></w:r>"
            "</w:p>" for _ in range(500_000)))

    def deep_tables() -> bytes:
        inner = ""
        for _ in range(50):
            inner = hostile._table(inner + "<w:p/>")
        return hostile.docx_body(inner)

    def wide_sheet() -> bytes:  # the form, then 1,000 rows of 3,000 cells (~50 MB of XML)
        sheet = hostile.members_of(xlsx)["xl/worksheets/sheet1.xml"].decode()
        wide = "".join(f"<c><v>{n}</v></c>" for n in range(3_000))
        rows = "".join(f'<row r="{r}">{wide}</row>' for r in range(200, 1_200))
        return hostile.patched(xlsx, {"xl/worksheets/sheet1.xml": sheet.replace(
            "</sheetData>", rows + "</sheetData>").encode()})

    def span_attack() -> bytes:
        wide = '<w:tc><w:tcPr><w:gridSpan w:val="2147483647"/></w:tcPr><w:p/></w:tc>'
        merged = "<w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc>"
        rows = "<w:tr>" + wide + "</w:tr>" + ("<w:tr>" + merged * 60 + "</w:tr>") * 250
        return hostile.docx_body("<w:tbl>" + rows + "</w:tbl>")

    return [
        ("form .docm", lambda: hostile.docm_of(docx), 5),
        ("form .xlsm", lambda: hostile.xlsm_of(xlsx), 5),
        ("sheet of 100,000 rows", lambda: hostile.long_sheet(
            hostile.sheet_rows(hostile.XLSX_CASE), 100_000), 3),
        ("sheet of 1,000 rows x 3,000 cells", wide_sheet, 1),
        ("docx, ~45 MB document.xml", big_document, 1),
        ("docx, 500 tables", lambda: hostile.docx_body(
            (hostile._table("", rows=3, cols=3) + "<w:p/>") * 500), 3),
        ("docx, tables nested 50 deep", deep_tables, 3),
        ("docx, gridSpan 2^31 + 250x60 vMerge", span_attack, 3),
        ("zip bomb: 1:1000 member (50 MB)", lambda: hostile.ratio_bomb(docx), 5),
        ("zip bomb: directory lies (80 MB)", lambda: hostile.with_central_size(
            hostile.zip_of({"word/document.xml": bytes(80 * 1024 * 1024)}),
            "word/document.xml", 60 * 1024 * 1024), 3),
        ("billion laughs .docx", lambda: hostile.patched(docx, {"word/document.xml": (
            hostile.LAUGHS + "<r>&lol9;</r>").encode()}), 5),
        ("2,001 members", lambda: hostile.patched(docx, {
            f"m{i}": b"" for i in range(2_001)}), 3),
    ]


def bench_hostile(runs: int) -> None:
    print("\nhuge and hostile files, each in a forked child (ms; peak RSS of the child)")
    for name, build, default_runs in _hostile_cases():
        data = build()
        got = _in_child(_hostile_child, data, min(default_runs, runs))
        if got is None:
            print(f"{name:<38} no answer in 600 s")
            continue
        times, before, peak, verdict = got  # type: ignore[misc]
        median = statistics.median(times) * 1000
        print(f"{name:<38}{len(data) / 1024:>9.0f} KiB  median {median:8.1f}"
              f"  max {max(times) * 1000:8.1f}  RSS {before / 1024:5.0f} → {peak / 1024:5.0f} MiB"
              f"  [{verdict}] x{len(times)}")


def profile(campaign: Campaign, kind: str, runs: int) -> None:
    """The call tree of `runs` parses of one format, by pyinstrument (a dev tool: `pip install
    pyinstrument`), so the next change goes where the time goes."""
    from pyinstrument import Profiler

    [case] = [c for c in cases(campaign) if c.kind == kind]
    read_form(case.data, "warm", campaign)
    profiler = Profiler(interval=0.0002)
    profiler.start()
    for _ in range(runs):
        read_form(case.data, "bench", campaign)
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=30, help="rounds per format (max 1000)")
    parser.add_argument("--seconds", type=float, default=120, help="time bound per format")
    parser.add_argument("--hostile", action="store_true", help="huge and hostile files too")
    parser.add_argument("--hostile-runs", type=int, default=3)
    parser.add_argument("--code", type=Path, default=ROOT,
                        help="the checkout whose parsers are timed (default: this one)")
    parser.add_argument("--profile", choices=("docx", "xlsx", "xls", "ods", "odt"),
                        help="instead: the profile of --runs parses of one format")
    args = parser.parse_args()
    campaign = default_campaign()
    if args.profile:
        profile(campaign, args.profile, max(1, min(args.runs, MAX_RUNS)))
        return 0
    bench_forms(campaign, max(1, min(args.runs, MAX_RUNS)), args.seconds)
    if args.hostile:
        bench_hostile(max(1, min(args.hostile_runs, 20)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
