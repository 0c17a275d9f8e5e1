"""The staff console under test: a store filled by a real intake cycle (a private Dovecot INBOX,
the SMTP sink, `poll --once`), a staff account made by `staff add`, and the real
`bcy-intake web` process (gunicorn) on 127.0.0.1 with a free port. `Client` speaks HTTP to it
with http.client: it keeps cookies, never follows a redirect, and can send from another
loopback address (127.0.0.2) to play a second machine."""

from __future__ import annotations

import http.client
import io
import re
import secrets
import signal
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass, field
from email.utils import formataddr
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import pytest

from bot.commands.cli import main
from demo.forms import Filling
from demo.loopback import free_port, wait_for_port, with_parent_death_signal
from tests.pipeline_kit import BTC, BTC_BROKEN, docx_mail, plain, poll, write_config
from tests.servers import SINK_PASSWORD, SINK_USER
from tests.servers.dovecot import Dovecot, MailboxAccount
from tests.servers.smtp import SmtpSink
from tests.store_kit import ON_POSTGRES

REPO = Path(__file__).resolve().parent.parent
STAFF, PASSWORD = "canbo.a", "mật khẩu đủ dài 2021"
START_SECONDS = 60.0
# Text from mail and forms that would run in a page that failed to escape it.
SCRIPT = "<script>window.pwned=1;alert('x')</script>"
IMG = '"><img src=x onerror="window.pwned=2">'
HOSTILE_NAME = f"javascript:alert(1) {SCRIPT}{IMG}"
HOSTILE_SUBJECT = f"Đề xuất nhu cầu cấp mới chứng thư số {SCRIPT}{IMG}"
HOSTILE_FILE = f'{IMG}javascript:alert(3).docx'
# A header with both < and > reads as the blank form's placeholder: the agency attacks with
# quotes instead, the number and a cell with tags.
QUOTES = "\" onmouseover=\"window.pwned=3\" x='javascript:alert(4)'"
HOSTILE_FORM = Filling(f"BỘ NGOẠI LAI{QUOTES}", f"Bộ Ngoại Lai{QUOTES}", f"9/{IMG}",
                       numbers={"organization_usb_token": {"2021": SCRIPT, "2022": 4}})
# A valid form of Bộ Y tế from a free-mail address no registry names: held for staff.
HELD_SENDER = "cntt.byt@gmail.com"
BYT = Filling("BỘ Y TẾ", "Bộ Y tế", "88/BYT-CNTT",
              numbers={"organization_usb_token": {"2021": 40}, "personal_sim_pki": {"2022": 9}})


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    raw: bytes

    @property
    def text(self) -> str:
        return self.raw.decode("utf-8")

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


@dataclass
class Client:
    port: int
    source: str | None = None  # a loopback address to send from, e.g. 127.0.0.2
    cookies: dict[str, str] = field(default_factory=dict)
    set_cookies: list[str] = field(default_factory=list)  # every Set-Cookie seen, raw

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: Mapping[str, str] | None = None) -> Reply:
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=60,
            source_address=(self.source, 0) if self.source else None)
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            reply = Reply(response.status, response.headers, response.read())
        finally:
            conn.close()
        for line in reply.headers.get_all("Set-Cookie") or []:
            self.set_cookies.append(line)
            for name, morsel in SimpleCookie(line).items():
                if morsel.value:
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)
        return reply

    def get(self, path: str, headers: Mapping[str, str] | None = None) -> Reply:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, fields: Mapping[str, str],
             headers: Mapping[str, str] | None = None) -> Reply:
        body = urllib.parse.urlencode(fields).encode()
        return self.request("POST", path, body, {
            "Content-Type": "application/x-www-form-urlencoded", **(headers or {})})

    def token(self, path: str = "/login") -> str:
        """The CSRF token of the first form on `path`."""
        page = self.get(path)
        found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert found, f"no CSRF token on {path} ({page.status})"
        return found.group(1)

    def login(self, user: str = STAFF, password: str = PASSWORD,
              headers: Mapping[str, str] | None = None) -> Reply:
        return self.post("/login", {"csrf_token": self.token(), "username": user,
                                    "password": password, "next": ""}, headers)

    def act(self, path: str, fields: Mapping[str, str] | None = None,
            page: str = "/") -> Reply:
        """A POST as the page's own form sends it: with the CSRF token of `page`."""
        return self.post(path, {"csrf_token": self.token(page), **(fields or {})})


@dataclass
class Console:
    tmp: Path
    config: Path
    port: int
    references: dict[str, str]  # what each mail of the scenario became
    sink: SmtpSink
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.tmp / "web.log"

    def client(self, source: str | None = None) -> Client:
        return Client(self.port, source)

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                with_parent_death_signal([sys.executable, "-m", "bot", "--config",
                                          str(self.config), "web", "--listen",
                                          f"127.0.0.1:{self.port}"]),
                cwd=REPO, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        if not wait_for_port(self.port, START_SECONDS, self.process):
            self.stop()
            raise RuntimeError(f"bcy-intake web did not start:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> int | None:
        """SIGTERM to our own server process, as systemd stops it; its exit status."""
        process, self.process = self.process, None
        if process is None:
            return None
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
            raise

    def restart(self) -> None:
        self.stop()
        self.start()


def cli(config: Path, *argv: str, stdin: str = "") -> tuple[int, str]:
    """The command line in this process, with `stdin` as its standard input; the exit status
    and what it printed."""
    out = io.StringIO()
    real_stdin = sys.stdin
    sys.stdin = io.StringIO(stdin)
    try:
        with redirect_stdout(out):
            code = main(["--config", str(config), *argv])
    except SystemExit as exit_:  # argparse refusing the arguments
        code = int(exit_.code or 0)
    finally:
        sys.stdin = real_stdin
    return code, out.getvalue()


def fill_store(tmp: Path, box: MailboxAccount, sink: SmtpSink, web: str = "") -> tuple[
        Path, dict[str, str]]:
    """The scenario's mail through one real intake cycle; the config (with `web` appended as
    its [web] section) and the reference each submission got."""
    box.append(docx_mail("Văn thư <vanthu@mof.gov.vn>", BTC, message_id="<btc-1@mof.gov.vn>"))
    box.append(docx_mail("Văn thư <vanthu@mof.gov.vn>", BTC_BROKEN,
                         message_id="<btc-2@mof.gov.vn>"))
    box.append(docx_mail(formataddr((HOSTILE_NAME, "hostile@evil.example")), HOSTILE_FORM,
                         subject=HOSTILE_SUBJECT, filename=HOSTILE_FILE,
                         message_id="<hostile-1@evil.example>"))
    box.append(plain(formataddr((HOSTILE_NAME, "hoi@evil.example")), f"Hỏi {SCRIPT}{IMG}",
                     message_id="<question-1@evil.example>"))
    box.append(docx_mail(f"Phòng CNTT <{HELD_SENDER}>", BYT, message_id="<byt-1@gmail.com>"))
    config = write_config(tmp, box, sink)
    with config.open("a", encoding="utf-8") as fh:
        # beside a SQLite store the key has its default place; a PostgreSQL one has no folder
        key = f'secret_key_file = "{(tmp / "web-secret.key").as_posix()}"\n' if ON_POSTGRES else ""
        fh.write(f"\n[web]\nworkers = 2\n{key}{web}\n")
    assert poll(config) == 0
    references = {"btc": "BCY-CTS-2021-0001", "btc_broken": "BCY-CTS-2021-0002",
                  "hostile": "BCY-CTS-2021-0003", "held": "BCY-CTS-2021-0004"}
    assert cli(config, "staff", "add", STAFF, stdin=PASSWORD + "\n")[0] == 0
    return config, references


@contextmanager
def running_console(tmp: Path, box: MailboxAccount, sink: SmtpSink, web: str = ""
                    ) -> Iterator[Console]:
    config, references = fill_store(tmp, box, sink, web)
    console = Console(tmp, config, free_port(), references, sink)
    console.start()
    try:
        yield console
    finally:
        console.stop()


def module_mailbox(server: Dovecot, name: str) -> MailboxAccount:
    """A fresh IMAP user for a module's console (the `mailbox` fixture is per test)."""
    user, password = f"{name}-{secrets.token_hex(3)}", secrets.token_urlsafe(12)
    server.add_user(user, password)
    return MailboxAccount(server, server.host, server.imap_port, user, password)


@contextmanager
def console_for_module(server: Dovecot, tmp: Path, web: str = "") -> Iterator[Console]:
    with SmtpSink(SINK_USER, SINK_PASSWORD) as sink, running_console(
            tmp, module_mailbox(server, tmp.name), sink, web) as console:
        yield console


def console_fixture(name: str, web: str = "") -> Any:
    """A module-scoped `console` fixture: the scenario's store and the running console, with
    `web` as the config's [web] section."""
    @pytest.fixture(scope="module")
    def console(dovecot_server: Dovecot, tmp_path_factory: pytest.TempPathFactory
                ) -> Iterator[Console]:
        with console_for_module(dovecot_server, tmp_path_factory.mktemp(name), web) as running:
            yield running
    return console
