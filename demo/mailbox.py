"""A throwaway mailbox for the README demo: no root, nothing but pip packages.

IMAP is pymap's in-memory `dict` backend in a subprocess; SMTP is an aiosmtpd sink in this
process that keeps what the bot sends (and writes it to `outbox_dir` as .eml files, if given).
Both listen on 127.0.0.1 only. pymap has bugs the bot must avoid (see NOTES-mail-servers.md):
no bulk fetch right after APPEND, no SORT, no keyword flags, never MOVE into the selected folder.

Run `python -m demo.mailbox --ready-file F` to keep one up; F receives KEY=value lines.
"""

from __future__ import annotations

import argparse
import imaplib
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO, Any, Self

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from imap_tools.imap_utf7 import utf7_encode

from demo.loopback import LOOPBACK, free_port, wait_for_port, with_parent_death_signal

HOST = LOOPBACK
START_TIMEOUT = 20.0
STOP_TIMEOUT = 5.0
PYMAP_MAIN = "import sys; from pymap.main import main; sys.exit(main())"


@dataclass(frozen=True)
class SentMessage:
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes


class _SinkHandler:
    """Accepts every message; AUTH (optional) must use the demo credentials."""

    def __init__(self, box: DemoMailbox) -> None:
        self.box = box

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        raw = content if isinstance(content, bytes) else content.encode()
        self.box._keep(SentMessage(envelope.mail_from or "", tuple(envelope.rcpt_tos), raw))
        return "250 2.0.0 OK: kept by the demo mailbox"

    def authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        expected = (self.box.user.encode(), self.box.password.encode())
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == expected
        return AuthResult(success=ok, handled=False, auth_data=data if ok else None)


class DemoMailbox:
    """pymap IMAP on `imap_port` + SMTP sink on `smtp_port`, both on 127.0.0.1."""

    host = HOST

    def __init__(
        self, user: str = "intake", password: str = "demo-password", outbox_dir: Path | None = None
    ) -> None:
        self.user = user
        self.password = password
        self.outbox_dir = outbox_dir
        self.imap_port = 0
        self.smtp_port = 0
        self._sent: list[SentMessage] = []
        self._lock = threading.Lock()
        self._pymap: subprocess.Popen[bytes] | None = None
        self._pymap_log: IO[bytes] | None = None
        self._smtp: Controller | None = None

    def start(self) -> None:
        try:
            self._start_pymap()
            self._start_smtp()
        except BaseException:
            self.stop()
            raise

    def _start_pymap(self) -> None:
        self.imap_port = free_port()
        self._pymap_log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as pymap
        # pymap's options come before the backend name; `--no-tls` is required for plain IMAP.
        command = [sys.executable, "-c", PYMAP_MAIN, "--host", HOST, "--port", str(self.imap_port)]
        command += ["--no-tls", "--no-service", "admin", "dict"]
        command += ["--demo-user", self.user, "--demo-password", self.password]
        self._pymap = subprocess.Popen(
            with_parent_death_signal(command),
            stdin=subprocess.DEVNULL,
            stdout=self._pymap_log,
            stderr=self._pymap_log,
        )
        if not wait_for_port(self.imap_port, START_TIMEOUT, alive=self._pymap):
            raise RuntimeError(f"pymap did not start on {HOST}:{self.imap_port}:\n{self.log()}")

    def _start_smtp(self) -> None:
        handler = _SinkHandler(self)
        self.smtp_port = free_port()
        self._smtp = Controller(
            handler,
            hostname=HOST,
            port=self.smtp_port,
            ready_timeout=START_TIMEOUT,
            authenticator=handler.authenticate,
            auth_require_tls=False,
        )
        self._smtp.start()

    def stop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.stop()
        pymap, self._pymap = self._pymap, None
        if pymap is not None and pymap.poll() is None:
            pymap.terminate()
            try:
                pymap.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:  # pymap can deadlock (MOVE into selected folder)
                pymap.kill()
                pymap.wait(timeout=STOP_TIMEOUT)
        log, self._pymap_log = self._pymap_log, None
        if log is not None:
            log.close()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def log(self) -> str:
        if self._pymap_log is None:
            return ""
        self._pymap_log.seek(0)
        return self._pymap_log.read()[-4000:].decode(errors="replace")

    def append(self, raw: bytes, folder: str = "INBOX") -> int:
        """Put one message into the demo mailbox (as a sender's MTA would); returns its UID."""
        imap = imaplib.IMAP4(HOST, self.imap_port, timeout=10)
        try:
            imap.login(self.user, self.password)
            quoted = utf7_encode(folder).decode("ascii").replace("\\", "\\\\").replace('"', '\\"')
            typ, data = imap.append(f'"{quoted}"', "", None, raw)
            if typ != "OK":
                raise RuntimeError(f"APPEND to {folder!r} failed: {data!r}")
            found = re.search(rb"APPENDUID \d+ (\d+)", b" ".join(d for d in data if d))
            return int(found.group(1)) if found else 0
        finally:
            imap.logout()

    def sent(self) -> list[SentMessage]:
        """Everything the bot sent through the SMTP sink, oldest first."""
        with self._lock:
            return list(self._sent)

    def _keep(self, message: SentMessage) -> None:
        with self._lock:
            self._sent.append(message)
            number = len(self._sent)
        if self.outbox_dir is not None:
            self.outbox_dir.mkdir(parents=True, exist_ok=True)
            staged = self.outbox_dir / f".{number:04d}.eml.tmp"
            staged.write_bytes(message.raw)
            os.replace(staged, self.outbox_dir / f"{number:04d}.eml")

    def settings(self) -> dict[str, str]:
        """Connection settings, as KEY=value pairs for a shell script or a config file."""
        return {
            "BCY_DEMO_IMAP_HOST": HOST,
            "BCY_DEMO_IMAP_PORT": str(self.imap_port),
            "BCY_DEMO_SMTP_HOST": HOST,
            "BCY_DEMO_SMTP_PORT": str(self.smtp_port),
            "BCY_DEMO_USER": self.user,
            "BCY_DEMO_PASSWORD": self.password,
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo.mailbox", description=__doc__)
    parser.add_argument("--user", default="intake")
    parser.add_argument("--password", default="demo-password")
    parser.add_argument("--outbox", type=Path, help="write each sent message here as NNNN.eml")
    parser.add_argument("--ready-file", type=Path, help="write KEY=value settings here when up")
    parser.add_argument("--max-seconds", type=float, default=4 * 3600, help="stop after this")
    args = parser.parse_args(argv)

    stopping = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    with DemoMailbox(args.user, args.password, args.outbox) as box:
        lines = "".join(f"{key}={value}\n" for key, value in box.settings().items())
        if args.ready_file:
            staged = args.ready_file.with_name(args.ready_file.name + ".tmp")
            staged.write_text(lines)
            os.replace(staged, args.ready_file)
        print(lines, end="", flush=True)
        stopping.wait(args.max_seconds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
