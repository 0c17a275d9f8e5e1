#!/usr/bin/env python3
"""Peak RSS of `bcy-intake poll --once` through a big mailbox, through the same mailbox twice as
big, and through one 25 MB attachment (a benchmark, not a test).

    .venv/bin/python bench/memory.py [--messages 10000] [--attachment-mb 25]

Each case in a fresh private Dovecot INBOX (127.0.0.1) with its own store. The mailbox is a mix
like a real one: every fifth mail a submission (DOCX, XLSX or a DOCX with an error, in turn),
the others mail that is not a submission. Prints, per case, the poll process's own peak RSS
(VmHWM, read while it runs) and the largest of its tree (its reader process, from wait4), with
wall and CPU time. The target: ≤ 150 MB, flat from N to 2N mails."""

from __future__ import annotations

import argparse
import io
import os
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mailkit import REPO, Run, append_all, bcy, other_mail, rig, submission

from demo.forms import fill_docx
from demo.sample_mail import DOCX_TYPE, build_mail
from tests.pipeline_kit import BTC, CAMPAIGN, OURS, SUBJECT

MB = 1024 * 1024


def mixed(n: int) -> Iterator[bytes]:
    for i in range(n):
        yield submission(i // 5) if i % 5 == 0 else other_mail(i)


def big_form(mb: int) -> bytes:
    """Our DOCX form carrying `mb` MB of incompressible media, so the file is that big."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(fill_docx(CAMPAIGN, BTC))) as form, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as big:
        for item in form.infolist():
            big.writestr(item, form.read(item))
        big.writestr(zipfile.ZipInfo("word/media/scan.bin"), os.urandom(mb * MB),
                     compress_type=zipfile.ZIP_STORED)
    return out.getvalue()


def case(label: str, mails: Iterator[bytes], code: Path, deadline: float, **limits: object
         ) -> Run:
    with rig(**limits) as r:
        count = append_all(r.box, mails)
        run = bcy(r.config, "poll", "--once", timeout=deadline, code=code)
        cut = f" (stopped at the deadline, {deadline:.0f} s)" if run.wall >= deadline else ""
        print(f"{label}: {count} mails, status {run.status}{cut}, {run.wall:.1f} s wall, "
              f"CPU {run.cpu:.1f} s; peak RSS {run.peak_mb:.0f} MB "
              f"(tree {run.tree_peak_mb:.0f} MB); replies {len(r.sink.messages)}", flush=True)
        if run.status:
            print(run.stderr[-3000:])
        return run


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--messages", type=int, default=10_000)
    p.add_argument("--attachment-mb", type=int, default=25)
    p.add_argument("--only-attachment", action="store_true", help="the 25 MB case alone")
    p.add_argument("--code", type=Path, default=REPO,
                   help="the checkout to run (e.g. an older commit unpacked with git archive)")
    p.add_argument("--deadline", type=float, default=30.0,
                   help="minutes one poll may take before it is stopped (its peak so far is "
                        "printed, marked as stopped)")
    args = p.parse_args()
    n, size, deadline = args.messages, args.attachment_mb, args.deadline * 60
    big = case(f"one {size} MB attachment",
               iter([_big_mail(size)]), args.code, deadline,
               max_message_bytes=(2 * size + 10) * MB,
               max_attachment_bytes=(size + 5) * MB, max_batch_bytes=(2 * size + 10) * MB)
    if args.only_attachment:
        return 0
    one = case(f"mailbox of {n}", mixed(n), args.code, deadline)
    two = case(f"mailbox of {2 * n}", mixed(2 * n), args.code, deadline)
    print(f"flat? peak RSS {one.peak_mb:.0f} MB at {n} mails, {two.peak_mb:.0f} MB at {2 * n} "
          f"({two.peak_mb / one.peak_mb:.2f}×); with one {size} MB attachment "
          f"{big.peak_mb:.0f} MB")
    return 0


def _big_mail(mb: int) -> bytes:
    return build_mail(sender="Văn thư <vt@mof.gov.vn>", to=OURS, subject=SUBJECT,
                      body="Kính gửi Ban Cơ yếu.",
                      attachments=[("mau-dang-ky.docx", big_form(mb), DOCX_TYPE)])


if __name__ == "__main__":
    raise SystemExit(main())
