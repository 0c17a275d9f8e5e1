#!/usr/bin/env python3
"""A backlog of submissions in a Dovecot INBOX → every reply at the SMTP sink, against its floors
(a benchmark, not a test).

    .venv/bin/python bench/backlog.py --messages 1000 [--seen 10000] [--profile DIR]

Starts a private Dovecot and an SMTP sink on 127.0.0.1 and appends `--messages` submissions
(valid DOCX, valid XLSX, DOCX with an error, in turn; each from its own clerk). In the same run:
- the fetch floor: imap-tools fetching the same raw messages from the INBOX, one connection;
- the library floor: `docx.Document` / `openpyxl.load_workbook` once on each attachment;
- `bcy-intake poll --once` in a child process until every reply reached the sink: wall, CPU
  (its own, and with its attachment readers), peak RSS, submissions/s and the ratio to the
  sum of the floors (the target: ≥ 100/s and ≤ 2×);
- with `--seen N`: N mails that are not submissions are added; one poll sees them, and a
  second poll over the mailbox already seen is timed (target ≤ 1 s); with `--against DIR`
  as well, in turn with that checkout's (an older commit unpacked with git archive) on the
  same mailbox and a store of its own, `--rounds` times each, medians side by side.
`--profile DIR` runs the timed polls under py-spy (raw stacks in DIR) and prints the top
entries (py-spy's own sampling slows them: take the numbers from a run without it)."""

from __future__ import annotations

import argparse
import email
import email.policy
import io
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mailkit import (
    NO_CAPS,
    REPO,
    Rig,
    append_all,
    bcy,
    other_mail,
    rig,
    submission,
    top_of_profile,
)

from tests.pipeline_kit import write_config

DEADLINE = 1800.0  # seconds for any one poll


def attachments(raws: list[bytes]) -> list[tuple[str, bytes]]:
    found = []
    for raw in raws:
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        for part in msg.walk():
            data = part.get_payload(decode=True) if not part.is_multipart() else None
            if isinstance(data, bytes) and data[:2] == b"PK":
                found.append((part.get_filename() or "", data))
    return found


def library_floor(files: list[tuple[str, bytes]]) -> float:
    import docx
    import openpyxl
    began = time.perf_counter()
    for _, data in files:
        if b"word/" in data[:4096] or b"word/document.xml" in data:
            docx.Document(io.BytesIO(data))
        else:
            openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    return time.perf_counter() - began


def fetch_floor(r: object, count: int) -> float:
    box = r.box  # type: ignore[attr-defined]
    began = time.perf_counter()
    with box.login() as client:
        got = sum(1 for _ in client.fetch(mark_seen=False, bulk=200, headers_only=False))
    took = time.perf_counter() - began
    if got < count:
        raise SystemExit(f"the fetch floor saw {got} of {count} messages")
    return took


def side_by_side(r: Rig, ours: Path, theirs: Path, rounds: int) -> None:
    """The seen poll of two checkouts in turn over one mailbox, each with its own store (an
    older checkout may not know our store's newest revision): medians and their ratio."""
    (r.work / "against").mkdir(exist_ok=True)
    other = write_config(r.work / "against", r.box, r.sink,
                         limits=NO_CAPS, store=f"sqlite:///{r.work / 'against' / 'store.sqlite'}")
    first = bcy(other, "poll", "--once", timeout=DEADLINE, code=theirs)  # sees it all once
    print(f"{theirs}: first poll status {first.status}, {first.wall:.1f} s")
    times: dict[str, list[tuple[float, float]]] = {"ours": [], "theirs": []}
    for _ in range(rounds):
        for name, config, code in (("ours", r.config, ours), ("theirs", other, theirs)):
            run = bcy(config, "poll", "--once", timeout=DEADLINE, code=code)
            if run.status:
                print(run.stderr[-3000:])
            times[name].append((run.wall, run.cpu))
    wall = {k: statistics.median(w for w, _ in v) for k, v in times.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in times.items()}
    print(f"seen poll, median of {rounds} in turn: ours {wall['ours']:.2f} s wall, CPU "
          f"{cpu['ours']:.2f} s; {theirs}: {wall['theirs']:.2f} s wall, CPU "
          f"{cpu['theirs']:.2f} s; ours/theirs {wall['ours'] / wall['theirs']:.2f}× wall, "
          f"{cpu['ours'] / cpu['theirs']:.2f}× CPU")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--messages", type=int, default=1000)
    p.add_argument("--seen", type=int, default=0, help="mails that are not submissions, too")
    p.add_argument("--profile", type=Path, help="a folder for py-spy's raw stacks")
    p.add_argument("--code", type=Path, default=REPO,
                   help="the checkout to run (e.g. an older commit unpacked with git archive)")
    p.add_argument("--against", type=Path,
                   help="with --seen: another checkout's seen poll, timed in turn with ours")
    p.add_argument("--rounds", type=int, default=5, help="seen polls of each, with --against")
    args = p.parse_args()
    raws = [submission(i) for i in range(args.messages)]
    files = attachments(raws)
    with rig() as r:
        began = time.perf_counter()
        append_all(r.box, raws)
        append_all(r.box, (other_mail(i) for i in range(args.seen)))
        print(f"{args.messages} submissions + {args.seen} other mails appended in "
              f"{time.perf_counter() - began:.1f} s")
        fetch = statistics.median(fetch_floor(r, args.messages + args.seen) for _ in range(3))
        library = library_floor(files)
        if args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)
        first = bcy(r.config, "poll", "--once", timeout=DEADLINE, code=args.code,
                    profile=args.profile / "backlog.raw" if args.profile else None)
        replies = len(r.sink.messages)
        if first.status or replies < args.messages:
            print(first.stderr[-3000:])
        rate = args.messages / first.wall
        print(f"fetch floor (imap-tools, {args.messages + args.seen} raw): {fetch:.2f} s")
        print(f"library floor ({len(files)} attachments, docx/openpyxl once each): "
              f"{library:.2f} s")
        print(f"poll --once: status {first.status}, {first.wall:.1f} s wall, CPU {first.cpu:.1f} s "
              f"(with its readers), peak RSS {first.peak_mb:.0f} MB (its readers: "
              f"{first.tree_peak_mb:.0f} MB at most)")
        print(f"replies at the sink: {replies} of {args.messages}")
        print(f"backlog: {rate:.1f} submissions/s; {first.wall / (fetch + library):.2f}× "
              f"(fetch + library floor = {fetch + library:.2f} s)")
        if args.seen:
            again = bcy(r.config, "poll", "--once", timeout=DEADLINE, code=args.code,
                        profile=args.profile / "seen.raw" if args.profile else None)
            print(f"second poll over {args.seen} mails already seen: status {again.status}, "
                  f"{again.wall:.2f} s wall, CPU {again.cpu:.2f} s, peak RSS "
                  f"{again.peak_mb:.0f} MB")
            if again.status:
                print(again.stderr[-3000:])
            if args.against:
                side_by_side(r, args.code, args.against, args.rounds)
        if args.profile:
            for name in ("backlog.raw", "seen.raw"):
                if (args.profile / name).exists():
                    print(f"\n== profile {name} ==\n{top_of_profile(args.profile / name)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
