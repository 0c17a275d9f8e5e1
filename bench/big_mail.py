#!/usr/bin/env python3
"""Peak memory of one intake cycle over a mailbox of big mail (a benchmark, not a test).

    .venv/bin/python bench/big_mail.py --mails 20 --mb 40 [--code DIR] [--limit-mb 25]

Starts a private Dovecot and an SMTP sink on 127.0.0.1, appends `--mails` mails of `--mb` MB
each (a named form-like attachment of random bytes, so each is a submission too large to
take in), runs `python -m bot poll --once` in a child process and prints its peak RSS (the
largest process of its tree), its wall time, the database size and the replies sent.
`--code DIR` runs another checkout (e.g. an older commit unpacked with `git archive`) against
the same mailbox, to compare."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mailkit import REPO, bcy, rig

from demo.sample_mail import build_mail
from tests.pipeline_kit import OURS, SUBJECT

MB = 1024 * 1024


def big_mail(n: int, size: int) -> bytes:
    return build_mail(sender=f"Văn thư {n} <vt{n}@agency{n}.gov.vn>", to=OURS, subject=SUBJECT,
                      body="Kính gửi Ban Cơ yếu, xin gửi mẫu đăng ký.",
                      message_id=f"<big-{n}@agency{n}.gov.vn>",
                      attachments=[(f"mau-dang-ky-{n}.docx", os.urandom(size),
                                    "application/octet-stream")])


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mails", type=int, default=20)
    p.add_argument("--mb", type=int, default=40)
    p.add_argument("--limit-mb", type=int, default=25, help="[limits] max_message_bytes")
    p.add_argument("--code", type=Path, default=REPO, help="the checkout to run")
    args = p.parse_args()
    with rig(max_message_bytes=args.limit_mb * MB) as r:
        began = time.monotonic()
        for n in range(args.mails):
            r.box.append(big_mail(n, args.mb * MB))
        print(f"{args.mails} mails of {args.mb} MB appended in {time.monotonic() - began:.0f} s")
        done = bcy(r.config, "poll", "--once", code=args.code)
        db = r.work / "intake.db"
        size = sum(f.stat().st_size for f in r.work.glob("intake.db*")) / MB
        print(f"code: {args.code}")
        print(f"poll --once: status {done.status}, {done.wall:.1f} s, peak RSS "
              f"{done.peak_mb:.0f} MB")
        print(f"database: {size:.1f} MB ({db}), replies sent: {len(r.sink.messages)}")
        if done.status:
            print(done.stderr[-2000:])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
