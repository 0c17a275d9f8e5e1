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
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from demo.sample_mail import build_mail  # noqa: E402 - after the sys.path line above
from tests.pipeline_kit import OURS, SUBJECT, write_config  # noqa: E402 - after the sys.path line
from tests.servers.dovecot import Dovecot, MailboxAccount  # noqa: E402 - after the sys.path line
from tests.servers.smtp import SmtpSink  # noqa: E402 - after the sys.path line above

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
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    server, sink = Dovecot(), SmtpSink("bench", "bench-password")
    server.start()
    sink.start()
    try:
        server.add_user("bench", "pw")
        box = MailboxAccount(server, server.host, server.imap_port, "bench", "pw")
        began = time.monotonic()
        for n in range(args.mails):
            box.append(big_mail(n, args.mb * MB))
        print(f"{args.mails} mails of {args.mb} MB appended in {time.monotonic() - began:.0f} s")
        work = Path(tempfile.mkdtemp(prefix="bcy-bench-big-"))
        config = write_config(work, box, sink, limits={"max_message_bytes": args.limit_mb * MB})
        env = dict(os.environ, PYTHONPATH=str(args.code))
        began = time.monotonic()
        # GNU time reports the poll process's own peak, not that of earlier children (Dovecot)
        done = subprocess.run(["/usr/bin/time", "-f", "%M", sys.executable, "-m", "bot",
                               "--config", str(config), "poll", "--once"], cwd=args.code,
                              env=env, capture_output=True, text=True, check=False)
        took = time.monotonic() - began
        peak = int(done.stderr.strip().splitlines()[-1]) / 1024
        db = work / "intake.db"
        size = sum(f.stat().st_size for f in work.glob("intake.db*")) / MB
        print(f"code: {args.code}")
        print(f"poll --once: status {done.returncode}, {took:.1f} s, peak RSS {peak:.0f} MB")
        print(f"database: {size:.1f} MB ({db}), replies sent: {len(sink.messages)}")
        if done.returncode:
            print(done.stderr[-2000:])
    finally:
        sink.stop()
        server.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
