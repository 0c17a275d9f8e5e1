"""Time and peak memory of read_form on ordinary, huge and hostile files.

    python scripts/bench_parsers.py [--runs 20]

Each case runs in a fresh forked process so that its peak RSS (ru_maxrss) is its own; the
input is built before the fork and the RSS before parsing is printed next to the peak.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import resource
import statistics
import sys
import time
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from parsers.form.parse import read_form
from parsers.spec.campaign import default_campaign
from tests import test_hostile_files as hostile


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _measure(data: bytes, runs: int, conn: Connection) -> None:
    campaign = default_campaign()
    read_form(hostile.DOCX_CASE.read_bytes(), "warm.docx", campaign)  # imports, caches
    before = _rss_mib()
    times, verdict = [], ""
    for _ in range(runs):
        started = time.perf_counter()
        report = read_form(data, "bench", campaign)
        times.append(time.perf_counter() - started)
        verdict = f"{report.verdict} {','.join(f.code for f in report.findings[:2])}"
    conn.send((times, before, _rss_mib(), verdict))


def bench(name: str, build: Callable[[], bytes], runs: int) -> None:
    data = build()
    parent, child = mp.Pipe()
    process = mp.get_context("fork").Process(target=_measure, args=(data, runs, child))
    process.start()
    times, before, peak, verdict = parent.recv()
    process.join()
    mean = statistics.mean(times) * 1000
    worst = max(times) * 1000
    print(f"{name:<34} {len(data) / 1024:>9.0f} KiB  mean {mean:>8.1f} ms  max {worst:>8.1f} ms"
          f"  RSS {before:>5.0f} → {peak:>5.0f} MiB  [{verdict}] x{runs}")


def _long_sheet() -> bytes:
    return hostile.long_sheet(hostile.sheet_rows(hostile.XLSX_CASE), 100_000)


def _big_document() -> bytes:
    rng = random.Random(5)
    return hostile.docx_body("".join(
        f"<w:p><w:r><w:t>Đoạn {rng.getrandbits(64):x} {rng.getrandbits(64):x}</w:t></w:r></w:p>"
        for _ in range(500_000)))


def _deep_tables() -> bytes:
    inner = ""
    for _ in range(50):
        inner = hostile._table(inner + "<w:p/>")
    return hostile.docx_body(inner)


def _span_attack() -> bytes:
    wide = '<w:tc><w:tcPr><w:gridSpan w:val="2147483647"/></w:tcPr><w:p/></w:tc>'
    merged = "<w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc>"
    rows = "<w:tr>" + wide + "</w:tr>" + ("<w:tr>" + merged * 60 + "</w:tr>") * 250
    return hostile.docx_body("<w:tbl>" + rows + "</w:tbl>")


def main() -> int:
    parser = argparse.ArgumentParser(description="bench the form parsers")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    docx, xlsx = hostile.DOCX_CASE.read_bytes(), hostile.XLSX_CASE.read_bytes()
    cases: list[tuple[str, Callable[[], bytes], int]] = [
        ("filled form .docx", lambda: docx, args.runs),
        ("filled form .xlsx", lambda: xlsx, args.runs),
        ("filled form .docm", lambda: hostile.docm_of(docx), args.runs),
        ("sheet of 100,000 rows", _long_sheet, 3),
        ("docx, ~45 MB document.xml", _big_document, 1),
        ("docx, 500 tables", lambda: hostile.docx_body(
            (hostile._table("", rows=3, cols=3) + "<w:p/>") * 500), 3),
        ("docx, tables nested 50 deep", _deep_tables, 3),
        ("docx, gridSpan 2^31 + 250x60 vMerge", _span_attack, 3),
        ("zip bomb: 1:1000 member (50 MB)", lambda: hostile.ratio_bomb(docx), args.runs),
        ("zip bomb: directory lies (80 MB)", lambda: hostile.with_central_size(
            hostile.zip_of({"word/document.xml": bytes(80 * 1024 * 1024)}),
            "word/document.xml", 60 * 1024 * 1024), 3),
        ("billion laughs .docx", lambda: hostile.patched(docx, {"word/document.xml": (
            hostile.LAUGHS + "<r>&lol9;</r>").encode()}), args.runs),
        ("2,001 members", lambda: hostile.patched(docx, {
            f"m{i}": b"" for i in range(2_001)}), 3),
    ]
    for name, build, runs in cases:
        bench(name, build, runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
