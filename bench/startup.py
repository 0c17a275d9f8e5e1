"""Start-up of the command line: each command against `python -c pass` and against a Python
that imports only what that command needs, side by side in one run.

    python bench/startup.py [--runs 10] [--seconds 300]

Every run is a new process (`python -m bot ...`, as the installed `bcy-intake` script runs
it); its wall time is measured around it and its CPU time (user + system) is the kernel's
account of the finished child. The three commands of a row run in turn, round after round,
and the ratios are taken round by round, so they hold on a noisy machine. `submissions list`
runs with a config whose SQLite store is made (migrated) before the first counted run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORM = ROOT / "tests" / "golden" / "template-clean.docx"
MAX_RUNS = 100
PYTHON = sys.executable


@dataclass(frozen=True)
class Row:
    name: str
    argv: tuple[str, ...]  # after `python -m bot`
    needs: str  # the imports a program doing only this job would have to make


def rows(folder: Path) -> list[Row]:
    config = folder / "config.toml"
    config.write_text(f"""
[imap]
host = "127.0.0.1"
port = 1
security = "none"
username = "bench"
password = "bench"
[smtp]
host = "127.0.0.1"
port = 1
security = "none"
username = "bench"
password = "bench"
from_address = "ca@bcy.gov.vn"
[store]
url = "sqlite:///{(folder / 'intake.db').as_posix()}"
[digest]
recipients = ["cts@bcy.gov.vn"]
""", encoding="utf-8")
    return [
        Row("--help", ("--help",), "import argparse"),
        Row("--version", ("--version",), "import argparse, importlib.metadata as m; "
            "m.version('bcy-intake')"),
        Row("check FILE", ("check", str(FORM)), "import argparse, zipfile, tomllib, "
            "unicodedata, lxml.etree, jinja2"),
        Row("template -o x.docx", ("template", "-o", str(folder / "blank.docx")),
            "import argparse, tomllib, docx"),
        Row("codes", ("codes",), "import argparse, jinja2"),
        Row("submissions list", ("--config", str(config), "submissions", "list"),
            "import argparse, tomllib, jinja2, sqlalchemy, sqlite3"),
    ]


def run(argv: list[str]) -> tuple[float, float]:
    """(wall, cpu) seconds of one child process."""
    before = os.times()
    started = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   check=False, timeout=120)
    wall = time.perf_counter() - started
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system)
    return wall, cpu


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:7.0f}"


def _ratio(a: list[float], b: list[float]) -> str:
    return f"{statistics.median(x / y for x, y in zip(a, b, strict=True)):6.1f}×"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="rounds per command (max 100)")
    parser.add_argument("--seconds", type=float, default=300, help="time bound of the whole run")
    args = parser.parse_args()
    runs = max(1, min(args.runs, MAX_RUNS))
    deadline = time.monotonic() + args.seconds
    pass_ = [PYTHON, "-c", "pass"]
    print(f"start-up, median of up to {runs} rounds (ms); wall / CPU of a new process")
    print(f"{'command':<20}{'wall':>7}{'cpu':>7}{'pass':>7}{'needs':>7}"
          f"{'cpu/pass':>9}{'cpu/needs':>10}  needs")
    with tempfile.TemporaryDirectory(prefix="bcy-bench-") as tmp:
        for row in rows(Path(tmp)):
            command = [PYTHON, "-m", "bot", *row.argv]
            needs = [PYTHON, "-c", row.needs]
            for argv in (command, needs):
                run(argv)  # warm-up: the page cache, the store's migrations
            got: dict[str, list[float]] = {"wall": [], "cpu": [], "pass": [], "needs": []}
            for _ in range(runs):
                wall, cpu = run(command)
                got["wall"].append(wall)
                got["cpu"].append(cpu)
                got["pass"].append(run(pass_)[1])
                got["needs"].append(run(needs)[1])
                if time.monotonic() > deadline:
                    break
            # CPU time is counted in clock ticks (10 ms): a floor of 0 would divide by zero
            floor = [max(x, 0.01) for x in got["pass"]]
            needs_cpu = [max(x, 0.01) for x in got["needs"]]
            print(f"{row.name:<20}{_ms(got['wall'])}{_ms(got['cpu'])}{_ms(got['pass'])}"
                  f"{_ms(got['needs'])}{_ratio(got['cpu'], floor):>9}"
                  f"{_ratio(got['cpu'], needs_cpu):>10}  {row.needs}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
