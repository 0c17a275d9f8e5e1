"""Fuzz read_form with mutated real forms, for as long as asked.

    python scripts/fuzz_parsers.py --seconds 300 [--workers 2] [--limit 10] [--out DIR]

Seeds are the blank forms and every .docx/.xlsx in tests/forms/cases/. Each case is a seed
mutated at byte level or inside its zip members (the XML changed, then re-zipped). Cases run in
worker processes with a memory cap; a case still running after --limit seconds has its worker
killed. Any exception or timeout is saved under --out and makes the exit status 1.
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing as mp
import os
import resource
import sys
import time
import traceback
from multiprocessing.connection import Connection, wait
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.fuzz_mutations import load_seeds, mutate

MEMORY_CAP = 2 * 1024**3


def _worker(conn: Connection) -> None:
    from parsers.form.parse import read_form
    from parsers.spec.campaign import default_campaign

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    campaign, seeds = default_campaign(), load_seeds()
    while True:
        seed = conn.recv()
        if seed is None:
            return
        data, label = mutate(seeds, seed)
        started = time.monotonic()
        try:
            report = read_form(data, label, campaign)
            outcome = ("ok", report.verdict, ",".join(f.code for f in report.findings[:1]))
        except BaseException:  # noqa: BLE001  # everything is a finding, MemoryError included
            outcome = ("error", traceback.format_exc(limit=8), "")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        conn.send((seed, label, time.monotonic() - started, peak, *outcome))


class Slot:
    def __init__(self) -> None:
        self.conn, child = mp.Pipe()
        self.process = mp.Process(target=_worker, args=(child,), daemon=True)
        self.process.start()
        self.seed: int | None = None
        self.since = 0.0

    def give(self, seed: int) -> None:
        self.seed, self.since = seed, time.monotonic()
        self.conn.send(seed)

    def kill(self) -> None:
        self.process.kill()
        self.process.join()


class Tally:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.cases = 0
        self.verdicts: collections.Counter[str] = collections.Counter()
        self.codes: collections.Counter[str] = collections.Counter()
        self.errors: list[tuple[str, str]] = []
        self.timeouts: list[str] = []
        self.slowest = (0.0, "", 0)
        self.peak_kib = 0

    def save(self, seed: int, kind: str) -> str:
        data, label = mutate(load_seeds(), seed)
        self.out.mkdir(parents=True, exist_ok=True)
        path = self.out / f"{kind}-{seed}-{label.replace('/', '_')}"
        path.write_bytes(data)
        return str(path)

    def result(self, seed: int, label: str, seconds: float, peak: int, status: str,
               detail: str, code: str) -> None:
        self.cases += 1
        self.peak_kib = max(self.peak_kib, peak)
        if seconds > self.slowest[0]:
            self.slowest = (seconds, label, seed)
        if status == "ok":
            self.verdicts[detail] += 1
            self.codes[code or "-"] += 1
        else:
            self.errors.append((self.save(seed, "error"), detail))

    def timeout(self, seed: int) -> None:
        self.cases += 1
        self.timeouts.append(self.save(seed, "timeout"))

    def print(self, elapsed: float) -> None:
        print(f"cases: {self.cases} in {elapsed:.0f} s ({self.cases / max(elapsed, 1):.1f}/s)")
        print("verdicts:", dict(self.verdicts.most_common()))
        print("first codes:", dict(self.codes.most_common()))
        print(f"slowest: {self.slowest[0]:.2f} s  {self.slowest[1]} (seed {self.slowest[2]})")
        print(f"worker peak RSS: {self.peak_kib / 1024:.0f} MiB")
        print(f"exceptions: {len(self.errors)}  timeouts: {len(self.timeouts)}")
        for path, trace in self.errors[:20]:
            print(f"--- {path}\n{trace}")
        for path in self.timeouts[:20]:
            print(f"--- timeout: {path}")


def run(seconds: float, workers: int, limit: float, out: Path, first_seed: int) -> Tally:
    tally, slots = Tally(out), [Slot() for _ in range(workers)]
    next_seed, started = first_seed, time.monotonic()
    for slot in slots:
        slot.give(next_seed)
        next_seed += 1
    while any(s.seed is not None for s in slots):
        for conn in wait([s.conn for s in slots if s.seed is not None], timeout=0.5):
            slot = next(s for s in slots if s.conn is conn)
            try:
                tally.result(*slot.conn.recv())
            except EOFError:  # the worker died (a crash in C code, or the memory cap)
                tally.errors.append((tally.save(slot.seed or 0, "crash"), "worker died"))
                slot.kill()
                slots[slots.index(slot)] = slot = Slot()
            slot.seed = None
            if time.monotonic() - started < seconds:
                slot.give(next_seed)
                next_seed += 1
        for i, slot in enumerate(slots):
            if slot.seed is not None and time.monotonic() - slot.since > limit:
                tally.timeout(slot.seed)
                slot.kill()
                slots[i] = Slot()
                if time.monotonic() - started < seconds:
                    slots[i].give(next_seed)
                    next_seed += 1
    for slot in slots:
        slot.conn.send(None)
        slot.process.join(timeout=5)
    tally.print(time.monotonic() - started)
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description="fuzz the form parsers")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=max(1, (os.cpu_count() or 2)))
    parser.add_argument("--limit", type=float, default=10.0, help="seconds allowed per case")
    parser.add_argument("--out", type=Path, default=Path("/tmp/fuzz-parsers"))
    parser.add_argument("--seed", type=int, default=int(time.time()) * 1000)
    args = parser.parse_args()
    print(f"first seed: {args.seed} (cases are reproducible from their seed)")
    tally = run(args.seconds, args.workers, args.limit, args.out, args.seed)
    return 1 if tally.errors or tally.timeouts else 0


if __name__ == "__main__":
    raise SystemExit(main())
