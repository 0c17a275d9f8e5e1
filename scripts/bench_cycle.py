"""Time one intake cycle over a private Dovecot INBOX (a benchmark, not a test).

    python scripts/bench_cycle.py --messages 50

Starts a private Dovecot and an SMTP sink on 127.0.0.1, fills the INBOX with a mix of
submissions (valid DOCX/XLSX, forms with errors, forgotten attachments) and other mail, runs
`poll --once` twice and prints the wall time of each cycle and per message."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.pipeline_kit import (
    BTC_BROKEN,
    BTC_FIXED,
    SUBJECT,
    docx_mail,
    outlook_nameless_xlsx,
    plain,
    poll,
    write_config,
)
from tests.servers.dovecot import Dovecot, MailboxAccount
from tests.servers.smtp import SmtpSink


def backlog(n: int) -> list[bytes]:
    makers = [
        lambda i: docx_mail(f"Văn thư {i} <vt{i}@mof.gov.vn>"),
        lambda i: outlook_nameless_xlsx(f"Sở {i} <so{i}@bacninh.gov.vn>", BTC_FIXED),
        lambda i: docx_mail(f"Văn thư {i} <vt{i}@moh.gov.vn>", BTC_BROKEN),
        lambda i: plain(f"Văn thư {i} <vt{i}@mic.gov.vn>", SUBJECT, "Gửi mẫu đăng ký."),
        lambda i: plain(f"Người dân {i} <nd{i}@example.vn>", "Hỏi về chứng thư số"),
    ]
    return [makers[i % len(makers)](i) for i in range(n)]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=50)
    args = parser.parse_args()
    server = Dovecot()
    server.start()
    sink = SmtpSink("bench", "bench-password")
    sink.start()
    try:
        server.add_user("bench", "pw")
        box = MailboxAccount(server, server.host, server.imap_port, "bench", "pw")
        for raw in backlog(args.messages):
            box.append(raw)
        config = write_config(Path(tempfile.mkdtemp(prefix="bcy-bench-")), box, sink)
        for label in ("first cycle (all new)", "second cycle (nothing new)"):
            started = time.perf_counter()
            status = poll(config)
            took = time.perf_counter() - started
            print(f"{label}: {took:.2f} s, status {status}, "
                  f"{took / args.messages * 1000:.0f} ms per message in the INBOX")
        print(f"messages: {args.messages}, replies sent: {len(sink.messages)}, "
              f"left in INBOX: {len(box.list('INBOX'))}")
    finally:
        sink.stop()
        server.stop()
        server.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
