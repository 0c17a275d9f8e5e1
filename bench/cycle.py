"""Time one intake cycle over a private Dovecot INBOX (a benchmark, not a test).

    .venv/bin/python bench/cycle.py --messages 50

Starts a private Dovecot and an SMTP sink on 127.0.0.1, fills the INBOX with a mix of
submissions (valid DOCX/XLSX, forms with errors, forgotten attachments) and other mail, runs
`poll --once` twice and prints the wall time of each cycle and per message, and the longest
time the systemd watchdog went without a ping during the first (WatchdogSec is 120 s)."""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mailkit import NO_CAPS

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


class WatchdogEar:
    """Listens on a $NOTIFY_SOCKET for WATCHDOG=1 and keeps the longest silence."""

    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(0.2)
        os.environ["NOTIFY_SOCKET"] = str(path)
        self.last = time.monotonic()
        self.longest = 0.0
        self.pings = 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._listen, daemon=True)
        self.thread.start()

    def _listen(self) -> None:
        while not self.done.is_set():
            try:
                data = self.sock.recv(64)
            except TimeoutError:
                continue
            if data == b"WATCHDOG=1":
                now = time.monotonic()
                self.longest, self.last = max(self.longest, now - self.last), now
                self.pings += 1

    def stop(self) -> float:
        self.done.set()
        self.thread.join(2)
        self.sock.close()
        del os.environ["NOTIFY_SOCKET"]
        return max(self.longest, time.monotonic() - self.last)


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
        work = Path(tempfile.mkdtemp(prefix="bcy-bench-"))
        # caps out of the way: this measures the cycle, not how many replies may go out
        config = write_config(work, box, sink, limits=NO_CAPS)
        for label in ("first cycle (all new)", "second cycle (nothing new)"):
            ear = WatchdogEar(work / f"notify-{len(label)}.sock")
            started = time.perf_counter()
            status = poll(config)
            took = time.perf_counter() - started
            silence = ear.stop()
            print(f"{label}: {took:.2f} s, status {status}, "
                  f"{took / args.messages * 1000:.0f} ms per message in the INBOX; "
                  f"watchdog: {ear.pings} pings, longest silence {silence:.1f} s")
        print(f"messages: {args.messages}, replies sent: {len(sink.messages)}, "
              f"left in INBOX: {len(box.list('INBOX'))}")
    finally:
        sink.stop()
        server.stop()
        server.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
