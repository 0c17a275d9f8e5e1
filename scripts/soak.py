#!/usr/bin/env python3
"""Crash-safety soak: a backlog in a private Dovecot INBOX, `bcy-intake run` SIGKILLed at random
moments and restarted, then checks that every submission was stored once, answered once, filed,
and that nothing was left behind; and at each kill, that the sender process beside the cycle
(a cycle of `--sender-process-from` new mails or more has one) is gone within seconds.

    python scripts/soak.py --messages 60 --kills 25 --seed 1 [--max-seconds 600] [--keep]
    python scripts/soak.py --daemons 2 --store postgresql+psycopg://… [--claim-seconds 3]
    python scripts/soak.py --sender-process-from 1000000   # replies beside the cycle by thread

With `--daemons 2` two daemons (as on two machines: each in a UTS namespace of its own with
another host name, where that can be made) share the INBOX and one PostgreSQL store; each
kill hits one of them at random, and it is restarted a round later, so the other one must
take over its claimed mail and outbox rows once their claims run out. `--store` takes the
store's URL (default: a SQLite file in the work folder, or the tests' PostgreSQL under
BCY_TEST_STORE=postgresql; a fresh database of the tests' own PostgreSQL with --daemons 2).

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
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy

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
from tests.sender_kit import gone, spawned_children  # noqa: E402 - after the sys.path line above
from tests.servers import SINK_PASSWORD, SINK_USER  # noqa: E402 - after the sys.path line above
from tests.servers.dovecot import Dovecot, MailboxAccount  # noqa: E402 - after the sys.path line above
from tests.servers.smtp import SmtpSink  # noqa: E402 - after the sys.path line above
from tests.store_kit import new_postgres_url, query_url, store_url  # noqa: E402 - after the sys.path line above

PROCESSED = "BCY-Intake/Processed"
READY_TIMEOUT = 60.0  # a start on a machine under load, with the migrations of a new store
STOP_TIMEOUT = 20.0
SENDER_GONE = 10.0  # seconds a killed daemon's sender process may take to stop


@dataclass(frozen=True)
class SoakOptions:
    messages: int = 60
    kills: int = 25
    seed: int = 1
    max_seconds: float = 600.0
    min_kill: float = 0.05
    max_kill: float = 1.5
    keep: bool = False
    daemons: int = 1
    store: str | None = None  # the store's URL; None: the work folder's (tests/store_kit.py)
    claim_seconds: int = 3  # [limits] claim_seconds of every daemon: takeover after a kill
    # [limits] sender_process_from: most cycles of the soak send from a process of their own
    sender_process_from: int = 10


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
    kills_with_sender: int = 0  # the killed daemon had a sender process beside its cycle
    replies: int = 0
    doubles: int = 0
    maybe_doubled_events: int = 0
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    def figures(self) -> str:
        return (f"kills survived={self.kills} (with progress: {self.kills_with_progress}, "
                f"with a sender process: {self.kills_with_sender}) "
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

    def __init__(self, config: Path, workdir: Path, node: str | None = None) -> None:
        self.config = config
        self.log = workdir / "daemon.log"
        self.sock_path = workdir / "notify.sock"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(self.sock_path))
        self.proc: subprocess.Popen[bytes] | None = None
        self.senders_seen = False  # the last kill found a sender process beside the cycle
        # another machine's name: its claims are not seen as this machine's processes
        self.prefix = ["unshare", "--uts", "sh", "-c", 'hostname "$0" && exec "$@"', node] \
            if node else []

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

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
                [*self.prefix, sys.executable, "-m", "bot", "--config", str(self.config),
                 "run"],
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

    def kill(self) -> list[int]:
        """SIGKILL; the sender processes it had beside its cycle that outlived it by more
        than SENDER_GONE seconds (none: they die with it)."""
        if self.proc is None or self.proc.poll() is not None:
            return []
        senders = spawned_children(self.proc.pid)
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=STOP_TIMEOUT)
        self.senders_seen = bool(senders)
        deadline = time.monotonic() + SENDER_GONE
        while any(not gone(pid) for pid in senders) and time.monotonic() < deadline:
            time.sleep(0.05)
        return [pid for pid in senders if not gone(pid)]

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

def _count(url: str, sql: str) -> int | None:
    """One count from the store; None while it is not there yet (no file, no schema)."""
    try:
        return int(query_url(url, sql))
    except sqlalchemy.exc.SQLAlchemyError:
        return None


def _progress(url: str, sink: SmtpSink) -> tuple[int, int, int]:
    kept = _count(url, "SELECT count(*) FROM messages")
    done = _count(url, "SELECT count(*) FROM messages WHERE state != 'new' "
                       "AND mailbox_action_done")
    return (kept or 0, done or 0, len(sink.messages))


def _finished(url: str, box: MailboxAccount, sink: SmtpSink, mails: list[Mail]) -> bool:
    wanted = sum(m.submission for m in mails)
    if len(sink.messages) < wanted:
        return False
    unsent = _count(url, "SELECT count(*) FROM outbox WHERE sent_at IS NULL")
    undone = _count(url, "SELECT count(*) FROM messages WHERE state = 'new' "
                         "OR NOT mailbox_action_done")
    return (unsent == 0 and undone == 0
            and len(box.list("INBOX")) == len(mails) - wanted)


def _message_id(raw: bytes) -> str:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    return str(msg.get("Message-ID", "")).strip()


def check(url: str, box: MailboxAccount, sink: SmtpSink, mails: list[Mail],
          result: SoakResult) -> None:
    problems = result.problems
    subs = {m.message_id for m in mails if m.submission}
    others = {m.message_id for m in mails if not m.submission}
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as conn:
            def one(sql: str) -> int:
                return int(conn.execute(sqlalchemy.text(sql)).scalar_one())

            def column(sql: str) -> Counter[str]:
                return Counter(str(r[0]) for r in conn.execute(sqlalchemy.text(sql)))

            stored = column("SELECT message_id FROM messages")
            answered = column("SELECT m.message_id FROM submissions s "
                              "JOIN messages m ON m.id = s.message_id")
            unsent = one("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
            quarantined = one("SELECT count(*) FROM messages WHERE state = 'quarantined'")
            result.maybe_doubled_events = one(
                "SELECT count(*) FROM events WHERE kind = 'reply-maybe-doubled'")
    finally:
        engine.dispose()
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

def _config(workdir: Path, box: MailboxAccount, sink: SmtpSink, url: str,
            opts: SoakOptions) -> Path:
    # The default max_attempts: being killed while reading a mail is no evidence against it,
    # so however often the soak kills, no clean mail may be quarantined.
    workdir.mkdir(parents=True, exist_ok=True)
    return write_config(workdir, box, sink, store=url, batch_size=5, idle_renew_seconds=30,
                        limits={"claim_seconds": opts.claim_seconds,
                                "sender_process_from": opts.sender_process_from})


def _nodes(count: int) -> list[str | None]:
    """Host names for `count` daemons, as on as many machines, where a UTS namespace can be
    made (root, util-linux); else all on this one (a dead daemon's claims then come free
    at its neighbour at once, not after their lease)."""
    if count == 1:
        return [None]
    try:
        made = subprocess.run(["unshare", "--uts", "hostname", "soak-probe"], timeout=10,
                              stdin=subprocess.DEVNULL, capture_output=True).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        made = False
    return [f"soak-node-{n}" if made else None for n in range(count)]


def _start(daemons: list[Daemon], result: SoakResult, n: int) -> None:
    for daemon in daemons:
        if not daemon.running and not daemon.start():
            result.problems.append(f"run {n + 1}: no READY=1 within {READY_TIMEOUT:.0f} s")


def _kill_loop(daemons: list[Daemon], opts: SoakOptions, rng: random.Random, url: str,
               sink: SmtpSink, deadline: float, result: SoakResult,
               trickle: Callable[[int], None], say: Callable[[str], None],
               share: int) -> None:
    """Each round: start the daemons that are down (one killed a round ago stayed down
    meanwhile, so the other had to take over), more mail, a pause, one daemon killed."""
    for n in range(opts.kills):
        if time.monotonic() > deadline:
            result.problems.append(f"time ran out after {n} kills")
            return
        before = _progress(url, sink)
        victim = rng.randrange(len(daemons))
        _start([daemons[victim]], result, n)
        trickle(share)
        time.sleep(rng.uniform(opts.min_kill, opts.max_kill))
        outlived = daemons[victim].kill()
        result.problems += [f"kill {n + 1}: sender process {pid} still there "
                            f"{SENDER_GONE:.0f} s after its daemon died" for pid in outlived]
        result.kills_with_sender += daemons[victim].senders_seen
        # the others, one killed a round ago included: it stayed down meanwhile
        _start([d for i, d in enumerate(daemons) if i != victim], result, n)
        result.kills += 1
        after = _progress(url, sink)
        result.kills_with_progress += after != before
        say(f"kill {n + 1}/{opts.kills} (daemon {victim + 1}): kept/done/replies "
            f"{before} -> {after}")


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
    daemons: list[Daemon] = []
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
        url = opts.store or store_url(workdir)
        for n, node in enumerate(_nodes(opts.daemons)):
            folder = workdir / f"daemon-{n + 1}" if opts.daemons > 1 else workdir
            daemons.append(Daemon(_config(folder, box, sink, url, opts), folder, node))
        _kill_loop(daemons, opts, rng, url, sink, began + opts.max_seconds * 0.6, result,
                   trickle, say, share)
        trickle(len(later))
        _start(daemons, result, opts.kills)
        while time.monotonic() < deadline and not _finished(url, box, sink, mails):
            time.sleep(0.5)
        for n, daemon in enumerate(daemons):
            status = daemon.stop()
            if status != 0:
                result.problems.append(f"the last run of daemon {n + 1} ended with {status}")
        check(url, box, sink, mails, result)
    finally:
        for daemon in daemons:
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
    p.add_argument("--daemons", type=int, default=1, help="daemons sharing mailbox and store")
    p.add_argument("--store", help="the store's URL (PostgreSQL for more than one daemon)")
    p.add_argument("--claim-seconds", type=int, default=3, help="[limits] claim_seconds")
    p.add_argument("--sender-process-from", type=int, default=10,
                   help="[limits] sender_process_from (new mails in a cycle)")
    a = p.parse_args(argv)
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    logging.getLogger("mail.log").setLevel(logging.CRITICAL)  # aiosmtpd's chatter
    store = a.store or (new_postgres_url() if a.daemons > 1 else None)
    result = run_soak(SoakOptions(a.messages, a.kills, a.seed, a.max_seconds, keep=a.keep,
                                  daemons=a.daemons, store=store,
                                  claim_seconds=a.claim_seconds,
                                  sender_process_from=a.sender_process_from))
    for problem in result.problems[:50]:
        print(f"PROBLEM: {problem}")
    print(result.figures())
    return 1 if result.problems else 0


if __name__ == "__main__":
    sys.exit(main())
