"""A private Dovecot instance for integration tests: own folders, own port, 127.0.0.1 only.

Nothing of the system's Dovecot (config, sockets, users) is used, so tests can run while a
system instance is running, and several instances can run side by side.
"""

from __future__ import annotations

import imaplib
import os
import re
import shutil
import signal
import smtplib
import subprocess
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple, Self

from imap_tools import MailBoxUnencrypted
from imap_tools.imap_utf7 import utf7_encode

from demo.loopback import with_parent_death_signal

from . import LOOPBACK, free_port, port_accepts, wait_for_port

ROOT_MAIL_ID = 5000  # Dovecot refuses uid 0 for mail users
LMTP_BINARY_DIRS = ("/usr/lib/dovecot", "/usr/libexec/dovecot")
START_TIMEOUT = 15.0
STOP_TIMEOUT = 10.0


class DovecotUnavailable(RuntimeError):
    """Dovecot is not installed here, or it would not start."""


class StoredMessage(NamedTuple):
    uid: int
    flags: tuple[str, ...]
    raw: bytes


Messages = list[StoredMessage]


def find_dovecot() -> str:
    """The dovecot binary; BCY_DOVECOT overrides the search (e.g. to test the missing case)."""
    override = os.environ.get("BCY_DOVECOT")
    for candidate in [override] if override else (shutil.which("dovecot"), "/usr/sbin/dovecot"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    raise DovecotUnavailable(
        "Dovecot is not installed (no `dovecot` on PATH, no /usr/sbin/dovecot). "
        "Install it with: apt-get install -y dovecot-imapd dovecot-lmtpd "
        "(scripts/test.sh does this when run as root)."
    )


def _has_lmtp() -> bool:
    return any(Path(d, "lmtp").exists() for d in LMTP_BINARY_DIRS)


def _quote(folder: str) -> str:
    """A quoted IMAP mailbox name (modified UTF-7 is ASCII, so str is safe for imaplib)."""
    encoded = utf7_encode(folder).decode("ascii")
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Dovecot:
    """One Dovecot master process (`dovecot -F`) with IMAP and, if installed, LMTP."""

    host = LOOPBACK

    def __init__(self, root: Path | None = None, binary: str | None = None,
                 tls: tuple[Path, Path] | None = None) -> None:
        """`tls`: (certificate, key) PEM files; then IMAPS listens on `imaps_port` and the
        plain port offers STARTTLS."""
        self.binary = binary or find_dovecot()
        self.tls = tls
        self.root = Path(root) if root else Path(tempfile.mkdtemp(prefix="bcy-dovecot-"))
        self.root.chmod(0o755)  # the mail uid must traverse it
        self.imap_port = free_port()
        self.lmtp_port = free_port() if _has_lmtp() else None
        self.imaps_port = free_port() if tls else 0
        self.as_root = os.geteuid() == 0
        self.mail_uid = ROOT_MAIL_ID if self.as_root else os.getuid()
        self.mail_gid = ROOT_MAIL_ID if self.as_root else os.getgid()
        self.users_dir = self.root / "users"
        self.config_file = self.root / "dovecot.conf"
        self.log_file = self.root / "dovecot.log"
        self.base_dir = self.root / "run"
        self._users: dict[str, str] = {}
        self._process: subprocess.Popen[bytes] | None = None
        self.start_seconds = 0.0

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        if self._process is not None:
            return
        self.users_dir.mkdir(mode=0o755, exist_ok=True)
        (self.root / "home").mkdir(mode=0o755, exist_ok=True)
        self.config_file.write_text(self._config())
        shutil.rmtree(self.base_dir, ignore_errors=True)  # stale sockets stall the 1st login
        began = time.monotonic()
        with open(self.root / "master.stderr", "wb") as stderr:
            self._process = subprocess.Popen(
                with_parent_death_signal([self.binary, "-F", "-c", str(self.config_file)]),
                stdin=subprocess.DEVNULL,
                stdout=stderr,
                stderr=stderr,
            )
        if not wait_for_port(self.imap_port, START_TIMEOUT) or self._process.poll() is not None:
            self.stop()
            raise DovecotUnavailable(f"Dovecot did not start:\n{self.diagnostics()}")
        self.start_seconds = time.monotonic() - began

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=STOP_TIMEOUT)
        # Children (imap-login, ...) may hold the listener a moment longer than the master.
        deadline = time.monotonic() + STOP_TIMEOUT
        for _ in range(200):
            if not port_accepts(self.imap_port) or time.monotonic() > deadline:
                break
            time.sleep(0.05)

    def restart(self) -> None:
        self.stop()
        self.start()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()

    def diagnostics(self) -> str:
        parts = []
        for name in ("master.stderr", "dovecot.log"):
            path = self.root / name
            if path.exists():
                parts.append(f"--- {path}\n{path.read_text(errors='replace')[-4000:]}")
        return "\n".join(parts) or "(no output)"

    # -- users and mail --------------------------------------------------------------------

    def add_user(self, name: str, password: str) -> None:
        """Add a mail user (its own passwd-file, read by Dovecot at the next login)."""
        if not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", name) or ":" in password:
            raise ValueError(f"unsupported user name or password for passwd-file: {name!r}")
        home = self.root / "home" / name
        home.mkdir(mode=0o700, exist_ok=True)
        if self.as_root:
            os.chown(home, self.mail_uid, self.mail_gid)
        self._users[name] = password
        # One passwd-file per user: Dovecot re-stats a passwd-file at most once a second, so
        # a user added to a shared file right after another login would not be found yet.
        line = f"{name}:{{PLAIN}}{password}:{self.mail_uid}:{self.mail_gid}::{home}::\n"
        staged = self.users_dir / f".{name}.new"
        staged.write_text(line)
        staged.chmod(0o644)
        os.replace(staged, self.users_dir / name)

    def connect(self, user: str) -> imaplib.IMAP4:
        imap = imaplib.IMAP4(self.host, self.imap_port, timeout=10)
        imap.login(user, self._users[user])
        return imap

    def append(
        self, user: str, raw: bytes, folder: str = "INBOX", flags: Iterable[str] = ()
    ) -> int:
        """IMAP APPEND; returns the new UID (UIDPLUS)."""
        flag_list = " ".join(flags)
        imap = self.connect(user)
        try:
            typ, data = imap.append(
                _quote(folder), f"({flag_list})" if flag_list else "", None, raw
            )
            if typ != "OK":
                raise RuntimeError(f"APPEND to {folder!r} failed: {data!r}")
            match = re.search(rb"APPENDUID \d+ (\d+)", b" ".join(d for d in data if d))
            return int(match.group(1)) if match else 0
        finally:
            imap.logout()

    def deliver(self, user: str, raw: bytes, mail_from: str = "sender@example.org") -> None:
        """Deliver through LMTP, the way an MTA would (adds Return-Path, Delivered-To)."""
        if self.lmtp_port is None:
            raise DovecotUnavailable("dovecot-lmtpd is not installed")
        with smtplib.LMTP(self.host, self.lmtp_port, timeout=10) as lmtp:
            lmtp.sendmail(mail_from, [f"{user}@localhost"], raw)

    def create_folder(self, user: str, name: str) -> None:
        imap = self.connect(user)
        try:
            typ, data = imap.create(_quote(name))
            if typ != "OK":
                raise RuntimeError(f"CREATE {name!r} failed: {data!r}")
            imap.subscribe(_quote(name))
        finally:
            imap.logout()

    def list_messages(self, user: str, folder: str = "INBOX") -> Messages:
        """Every message with its flags, read with EXAMINE + BODY.PEEK (no \\Seen set)."""
        imap = self.connect(user)
        try:
            typ, data = imap.select(_quote(folder), readonly=True)
            if typ != "OK":
                raise RuntimeError(f"EXAMINE {folder!r} failed: {data!r}")
            if int(data[0] or 0) == 0:
                return []
            _, meta = imap.uid("FETCH", "1:*", "(UID FLAGS)")
            found = []
            for line in meta:
                text = line[0] if isinstance(line, tuple) else line
                match = re.search(rb"UID (\d+) FLAGS \(([^)]*)\)", text or b"")
                if match:
                    flags = tuple(f.decode() for f in match.group(2).split())
                    found.append((int(match.group(1)), flags))
            return [StoredMessage(uid, flags, self._body(imap, uid)) for uid, flags in found]
        finally:
            imap.logout()

    @staticmethod
    def _body(imap: imaplib.IMAP4, uid: int) -> bytes:
        _, data = imap.uid("FETCH", str(uid), "(BODY.PEEK[])")
        for part in data:
            if isinstance(part, tuple):
                return bytes(part[1])
        raise RuntimeError(f"no body returned for UID {uid}")

    # -- configuration ---------------------------------------------------------------------

    def _ssl_settings(self) -> str:
        if self.tls is None:
            return "ssl = no"
        cert, key = self.tls
        return f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{key}"

    def _config(self) -> str:
        lmtp = ""
        if self.lmtp_port is not None:
            lmtp = (
                "service lmtp {\n"
                f"  inet_listener lmtp {{\n    address = {LOOPBACK}\n"
                f"    port = {self.lmtp_port}\n  }}\n}}\n"
            )
        unprivileged = ""
        chroot = ""
        if not self.as_root:
            import grp
            import pwd

            me = pwd.getpwuid(os.getuid()).pw_name
            group = grp.getgrgid(os.getgid()).gr_name
            unprivileged = (
                f"default_internal_user = {me}\ndefault_internal_group = {group}\n"
                f"default_login_user = {me}\n"
            )
            chroot = "  chroot =\n"
        return f"""\
# Private test instance written by tests/servers/dovecot.py. Not the system config.
base_dir = {self.base_dir}
state_dir = {self.root / "state"}
log_path = {self.log_file}
info_log_path = {self.log_file}
{unprivileged}listen = {LOOPBACK}
protocols = imap{" lmtp" if self.lmtp_port else ""}
{self._ssl_settings()}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_username_format = %Ln
auth_failure_delay = 0
mail_location = maildir:~/Maildir
mail_fsync = never
first_valid_uid = {min(self.mail_uid, 500) or 1}
first_valid_gid = {min(self.mail_gid, 500) or 1}
mail_max_userip_connections = 100
mailbox_idle_check_interval = 1 secs
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Drafts {{
    special_use = \\Drafts
  }}
  mailbox Junk {{
    special_use = \\Junk
  }}
  mailbox Sent {{
    special_use = \\Sent
  }}
  mailbox Trash {{
    special_use = \\Trash
  }}
}}
passdb {{
  driver = passwd-file
  args = {self.users_dir}/%u
}}
userdb {{
  driver = passwd-file
  args = {self.users_dir}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = {LOOPBACK}
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    address = {LOOPBACK}
    port = {self.imaps_port}
  }}
{chroot}}}
{lmtp}service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
{chroot}}}
"""


@dataclass
class MailboxAccount:
    """One fresh IMAP user on the session's Dovecot."""

    server: Dovecot
    host: str
    port: int
    user: str
    password: str

    def append(self, raw: bytes, folder: str = "INBOX", flags: Iterable[str] = ()) -> int:
        return self.server.append(self.user, raw, folder, flags)

    def deliver(self, raw: bytes, mail_from: str = "sender@example.org") -> None:
        self.server.deliver(self.user, raw, mail_from)

    def list(self, folder: str = "INBOX") -> Messages:
        return self.server.list_messages(self.user, folder)

    def create_folder(self, name: str) -> None:
        self.server.create_folder(self.user, name)

    def login(self) -> MailBoxUnencrypted:
        """An imap-tools client, logged in; use it as a context manager."""
        return MailBoxUnencrypted(self.host, self.port).login(self.user, self.password)
