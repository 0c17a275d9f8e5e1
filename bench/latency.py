#!/usr/bin/env python3
"""From APPEND to the reply at the SMTP listener with `bcy-intake run` on IDLE, against Dovecot's
own IDLE wake-up (a benchmark, not a test).

    .venv/bin/python bench/latency.py [--rounds 20]

Starts a private Dovecot and an SMTP sink on 127.0.0.1 and `bcy-intake run` in a child
process. Each round, a bare imap-tools client IDLEs on the same INBOX, one submission is
appended, and two times are taken from that APPEND: when the bare client hears EXISTS (the
floor) and when the reply reaches the sink. Prints p50/p95 of both and their ratio (the
target: p95 ≤ 1.2× the floor's p95). Each round is bounded (30 s), the run too."""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mailkit import REPO, Rig, append_all, rig, submission

ROUND = 30.0  # seconds a round may take


class BareIdle:
    """A bare imap-tools client in IDLE on the INBOX, in a thread: when did EXISTS come?"""

    def __init__(self, r: Rig) -> None:
        self.client = r.box.login()
        self.ready = threading.Event()
        self.heard: float | None = None
        self.thread = threading.Thread(target=self._listen, daemon=True)
        self.thread.start()

    def _listen(self) -> None:
        deadline = time.monotonic() + ROUND
        self.client.idle.start()
        self.ready.set()
        while self.heard is None and time.monotonic() < deadline:
            for line in self.client.idle.poll(timeout=1.0):
                if b"EXISTS" in line:
                    self.heard = time.perf_counter()
        self.client.idle.stop()
        self.client.logout()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=20)
    p.add_argument("--code", type=Path, default=REPO,
                   help="the checkout to run (e.g. an older commit unpacked with git archive)")
    args = p.parse_args()
    floor: list[float] = []
    reply: list[float] = []
    with rig() as r:
        log = (r.work / "run.log").open("w+b")
        daemon = subprocess.Popen([sys.executable, "-m", "bot", "--config", str(r.config), "run"],
                                  cwd=args.code, stdout=subprocess.DEVNULL, stderr=log,
                                  env=dict(os.environ, PYTHONUNBUFFERED="1",
                                           PYTHONPATH=str(args.code)))
        try:
            append_all(r.box, [submission(10_000)])  # warm-up: the daemon is up and in IDLE
            r.sink.wait_for(1, timeout=60)
            time.sleep(1.0)
            for n in range(args.rounds):
                bare = BareIdle(r)
                bare.ready.wait(ROUND)
                time.sleep(0.2)  # both clients settled in IDLE
                before = len(r.sink.messages)
                began = time.perf_counter()
                append_all(r.box, [submission(n)])
                r.sink.wait_for(before + 1, timeout=ROUND)
                reply.append(time.perf_counter() - began)
                bare.thread.join(ROUND)
                if bare.heard is not None:
                    floor.append(bare.heard - began)
                time.sleep(0.3)
        finally:
            daemon.terminate()
            try:
                daemon.wait(timeout=30)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait()
            log.seek(0)
            err = log.read()
            log.close()
        if daemon.returncode not in (0, -15):
            print(err.decode("utf-8", "replace")[-3000:])
    print(f"rounds: {len(reply)} replies, {len(floor)} IDLE wake-ups heard")
    for label, values in (("Dovecot IDLE wake-up (bare imap-tools)", floor),
                          ("APPEND → reply at the sink (run)", reply)):
        print(f"{label}: p50 {statistics.median(values):.3f} s, "
              f"p95 {percentile(values, 0.95):.3f} s")
    print(f"ratio p95: {percentile(reply, 0.95) / percentile(floor, 0.95):.2f}×, "
          f"p50: {statistics.median(reply) / statistics.median(floor):.2f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
