#!/usr/bin/env python3
"""Crash-safety soak: a backlog in a private Dovecot INBOX, `bcy-intake run` SIGKILLed at random
moments and restarted, then checks that every submission was stored once, answered once, filed,
and that nothing was left behind.

    python scripts/soak.py --messages 60 --kills 25 --seed 1 [--max-seconds 600] [--keep]

Exit status 0 when every check passed, 1 otherwise. tests/test_crash_safety.py runs a short one.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import logging
import os
import random
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from demo.forms import Filling, fill_xlsx  # noqa: E402 - after the sys.path line above
from demo.sample_mail import XLSX_TYPE, build_mail  # noqa: E402 - after the sys.path line above
from tests.pipeline_kit import (  # noqa: E402 - after the sys.path line above
    BTC,
    BTC_BROKEN,
    CAMPAIGN,
    OURS,
    SUBJECT,
    docx_mail,
    plain,
    write_config,
)
from tests.servers import SINK_PASSWORD, SINK_USER  # noqa: E402 - after the sys.path line above
from tests.servers.dovecot import Dovecot, MailboxAccount  # noqa: E402 - after the sys.path line above
from tests.servers.smtp import SmtpSink  # noqa: E402 - after the sys.path line above

PROCESSED = "BCY-Intake/Processed"
READY_TIMEOUT = 20.0
STOP_TIMEOUT = 20.0


@dataclass(frozen=True)
class SoakOptions:
    messages: int = 60
    kills: int = 25
    seed: int = 1
    max_seconds: float = 600.0
    min_kill: float = 0.05
    max_kill: float = 1.5
    keep: bool = False


@dataclass(frozen=True)
class Mail:
    message_id: str
    raw: bytes
    submission: bool


@dataclass
class SoakResult:
    messages: int = 0
    submissions: int = 0
    kills: int = 0
    kills_with_progress: int = 0
    replies: int = 0
    doubles: int = 0
    maybe_doubled_events: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def figures(self) -> str:
        return (f"kills survived={self.kills} (with progress: {self.kills_with_progress}) "
                f"messages={self.messages} submissions={self.submissions} "
                f"replies={self.replies} doubles={self.doubles} "
                f"reply-maybe-doubled events={self.maybe_doubled_events} "
                f"time={self.seconds:.1f}s problems={len(self.problems)}")


# --- the backlog ----------------------------------------------------------------------------

def _submission(i: int, rng: random.Random) -> bytes:
    sender = f"Văn thư {i} <vt{i}@agency{i}.gov.vn>"
    mid = f"<soak-{i}@agency{i}.gov.vn>"
    shape = rng.choice(("valid", "valid", "errors", "no-form", "xlsx"))
    if shape == "errors":
        return docx_mail(sender, BTC_BROKEN, message_id=mid)
    if shape == "no-form":
        return plain(sender, SUBJECT, "Gửi Ban Cơ yếu mẫu đăng ký.", message_id=mid)
    if shape == "xlsx":
        filling = Filling(BTC.agency, BTC.agency_in_text, f"{i}/BTC", numbers=BTC.numbers)
        return build_mail(sender=sender, to=OURS, subject=SUBJECT, body="Kính gửi.",
                          attachments=[("mau.xlsx", fill_xlsx(CAMPAIGN, filling), XLSX_TYPE)],
                          message_id=mid)
    return docx_mail(sender, Filling(BTC.agency, BTC.agency_in_text, f"{i}/BTC",
                                     numbers=BTC.numbers), message_id=mid)


def _other(i: int) -> bytes:
    sender = f"Người dân {i} <dan{i}@example.vn>"
    mid = f"<soak-{i}@example.vn>"
    if i % 2:
        return plain(sender, "Trả lời tự động", message_id=mid,
                     headers={"Auto-Submitted": "auto-replied"})
    return plain(sender, "Hỏi về gia hạn chứng thư số", "Xin hỏi thủ tục.", message_id=mid)


def backlog(count: int, rng: random.Random) -> list[Mail]:
    """`count` distinct mails, about one in six not a submission."""
    mails = []
    for i in range(count):
        if i % 6 == 5:
            mails.append(Mail(f"<soak-{i}@example.vn>", _other(i), False))
        else:
            mails.append(Mail(f"<soak-{i}@agency{i}.gov.vn>", _submission(i, rng), True))
    return mails


# --- the daemon under test ------------------------------------------------------------------

class Daemon:
    """`python -m bot run` with $NOTIFY_SOCKET pointing here, so READY=1 is heard."""

    def __init__(self, config: Path, workdir: Path) -> None:
        self.config = config
        self.log = workdir / "daemon.log"
        self.sock_path = workdir / "notify.sock"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(self.sock_path))
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> bool:
        """Start and wait for READY=1; False when it did not come in time."""
        self.sock.setblocking(False)
        for _ in range(10_000):  # drain WATCHDOG=1 left by the previous run
            try:
                self.sock.recv(256)
            except BlockingIOError:
                break
        env = dict(os.environ, NOTIFY_SOCKET=str(self.sock_path))
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot", "--config", str(self.config), "run"],
                cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        deadline = time.monotonic() + READY_TIMEOUT
        self.sock.settimeout(0.2)
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                if b"READY=1" in self.sock.recv(256):
                    return True
            except TimeoutError:
                continue
        return False

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=STOP_TIMEOUT)

    def stop(self) -> int | None:
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            return None

    def close(self) -> None:
        self.kill()
        self.sock.close()


# --- checks ---------------------------------------------------------------------------------

def _db(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)


def _progress(db: Path, sink: SmtpSink) -> tuple[int, int, int]:
    try:
        with _db(db) as conn:
            kept = conn.execute("SELECT count(*) FROM messages").fetchone()[0]
            done = conn.execute("SELECT count(*) FROM messages WHERE state != 'new' "
                                "AND mailbox_action_done").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet, or no schema yet
        return (0, 0, len(sink.messages))
    return (kept, done, len(sink.messages))


def _finished(db: Path, box: MailboxAccount, sink: SmtpSink, mails: list[Mail]) -> bool:
    wanted = sum(m.submission for m in mails)
    if len(sink.messages) < wanted:
        return False
    try:
        with _db(db) as conn:
            unsent = conn.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL"
                                  ).fetchone()[0]
            undone = conn.execute("SELECT count(*) FROM messages WHERE state = 'new' "
                                  "OR NOT mailbox_action_done").fetchone()[0]
    except sqlite3.OperationalError:
        return False
    return not unsent and not undone and len(box.list("INBOX")) == len(mails) - wanted


def _message_id(raw: bytes) -> str:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    return str(msg.get("Message-ID", "")).strip()


def check(db: Path, box: MailboxAccount, sink: SmtpSink, mails: list[Mail],
          result: SoakResult) -> None:
    problems = result.problems
    subs = {m.message_id for m in mails if m.submission}
    others = {m.message_id for m in mails if not m.submission}
    with _db(db) as conn:
        stored = Counter(r[0] for r in conn.execute("SELECT message_id FROM messages"))
        answered = Counter(r[0] for r in conn.execute(
            "SELECT m.message_id FROM submissions s JOIN messages m ON m.id = s.message_id"))
        unsent = conn.execute("SELECT count(*) FROM outbox WHERE sent_at IS NULL").fetchone()[0]
        quarantined = conn.execute(
            "SELECT count(*) FROM messages WHERE state = 'quarantined'").fetchone()[0]
        result.maybe_doubled_events = conn.execute(
            "SELECT count(*) FROM events WHERE kind = 'reply-maybe-doubled'").fetchone()[0]
    problems += [f"{mid} stored {stored[mid]} times" for m in mails
                 if stored[(mid := m.message_id)] != 1]
    problems += [f"{mid}: {answered[mid]} submissions" for mid in subs if answered[mid] != 1]
    problems += [f"{mid}: a submission row for a non-submission" for mid in others
                 if answered[mid]]
    replies = [email.message_from_bytes(m.raw, policy=email.policy.default)
               for m in sink.messages]
    result.replies = len(replies)
    to = Counter(str(r.get("In-Reply-To", "")).strip() for r in replies)
    refs = Counter(str(r.get("X-BCY-Intake-Reference", "")) for r in replies)
    result.doubles = sum(n - 1 for n in to.values() if n > 1)
    problems += [f"{mid}: {to[mid]} replies" for mid in subs if to[mid] == 0]
    problems += [f"reply to non-submission {mid}" for mid in others if to[mid]]
    problems += [f"reference {ref} sent {n} times" for ref, n in refs.items()
                 if n > 1 and result.doubles > result.maybe_doubled_events]
    if result.doubles > result.maybe_doubled_events:
        problems.append(f"{result.doubles} doubled replies, only "
                        f"{result.maybe_doubled_events} detected")
    inbox = box.list("INBOX")
    if sorted(_message_id(m.raw) for m in inbox) != sorted(others):
        problems.append(f"INBOX holds {len(inbox)} mails, expected the {len(others)} others")
    problems += [f"INBOX uid {m.uid} is \\Seen" for m in inbox if "\\Seen" in m.flags]
    filed = {_message_id(m.raw) for m in box.list(PROCESSED)}
    if filed != subs:
        problems.append(f"{PROCESSED} holds {len(filed)} distinct mails, expected {len(subs)}")
    if unsent:
        problems.append(f"{unsent} outbox rows unsent")
    if quarantined:
        problems.append(f"{quarantined} mails quarantined")


# --- the soak -------------------------------------------------------------------------------

def _config(workdir: Path, box: MailboxAccount, sink: SmtpSink, opts: SoakOptions) -> Path:
    # The default max_attempts: being killed while reading a mail is no evidence against it,
    # so however often the soak kills, no clean mail may be quarantined.
    return write_config(workdir, box, sink, batch_size=5, idle_renew_seconds=30)


def _kill_loop(daemon: Daemon, opts: SoakOptions, rng: random.Random, db: Path,
               sink: SmtpSink, deadline: float, result: SoakResult,
               trickle: Callable[[int], None], say: Callable[[str], None],
               share: int) -> None:
    for n in range(opts.kills):
        if time.monotonic() > deadline:
            result.problems.append(f"time ran out after {n} kills")
            return
        before = _progress(db, sink)
        if not daemon.start():
            result.problems.append(f"run {n + 1}: no READY=1 within {READY_TIMEOUT:.0f} s")
        trickle(share)
        time.sleep(rng.uniform(opts.min_kill, opts.max_kill))
        daemon.kill()
        result.kills += 1
        after = _progress(db, sink)
        result.kills_with_progress += after != before
        say(f"kill {n + 1}/{opts.kills}: kept/done/replies {before} -> {after}")


def run_soak(opts: SoakOptions, server: Dovecot | None = None,
             say: Callable[[str], None] = print) -> SoakResult:
    """The whole soak on `server` (a fresh private Dovecot when None); returns the figures."""
    began = time.monotonic()
    deadline = began + opts.max_seconds
    rng = random.Random(opts.seed)
    result = SoakResult()
    workdir = Path(tempfile.mkdtemp(prefix="bcy-soak-"))
    own_server = server is None
    dovecot = server or Dovecot()
    sink = SmtpSink(SINK_USER, SINK_PASSWORD)
    daemon: Daemon | None = None
    try:
        if own_server:
            dovecot.start()
        user, password = f"soak-{secrets.token_hex(3)}", secrets.token_urlsafe(12)
        dovecot.add_user(user, password)
        box = MailboxAccount(dovecot, dovecot.host, dovecot.imap_port, user, password)
        sink.start()
        mails = backlog(opts.messages, rng)
        half = (len(mails) + 1) // 2
        for mail in mails[:half]:
            box.append(mail.raw)
        box.append(next(m.raw for m in mails if m.submission))  # a duplicate delivery
        later = [m.raw for m in mails[half:]]
        share = -(-len(later) // max(1, opts.kills))

        def trickle(count: int) -> None:  # more mail while the daemon runs: IDLE wakes it
            for _ in range(min(count, len(later))):
                box.append(later.pop(0))

        result.messages = len(mails)
        result.submissions = sum(m.submission for m in mails)
        say(f"{half} mails (+1 duplicate) in INBOX, {len(later)} more during the kills; "
            f"workdir {workdir}")
        db = workdir / "intake.db"
        daemon = Daemon(_config(workdir, box, sink, opts), workdir)
        _kill_loop(daemon, opts, rng, db, sink, began + opts.max_seconds * 0.6, result,
                   trickle, say, share)
        trickle(len(later))
        daemon.start()
        while time.monotonic() < deadline and not _finished(db, box, sink, mails):
            time.sleep(0.5)
        status = daemon.stop()
        if status != 0:
            result.problems.append(f"the last run ended with status {status}")
        check(db, box, sink, mails, result)
    finally:
        if daemon is not None:
            daemon.close()
        sink.stop()
        if own_server:
            dovecot.cleanup()
        result.seconds = time.monotonic() - began
        if opts.keep or result.problems:
            say(f"kept for inspection: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="SIGKILL soak of `bcy-intake run`")
    p.add_argument("--messages", type=int, default=60)
    p.add_argument("--kills", type=int, default=25)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--max-seconds", type=float, default=600.0)
    p.add_argument("--keep", action="store_true", help="keep the work folder")
    a = p.parse_args(argv)
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)  # aiosmtpd's chatter
    result = run_soak(SoakOptions(a.messages, a.kills, a.seed, a.max_seconds, keep=a.keep))
    for problem in result.problems[:50]:
        print(f"PROBLEM: {problem}")
    print(result.figures())
    return 1 if result.problems else 0


if __name__ == "__main__":
    sys.exit(main())
