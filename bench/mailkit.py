"""What the mailbox benchmarks share (backlog, latency, memory): private servers on 127.0.0.1
from tests/servers, a config for them with the caps out of the way, the mail they append, a
`bcy-intake` child process timed and weighed with wait4, and py-spy's raw stacks folded into
a short text table. Not a test and not part of the product."""

from __future__ import annotations

import collections
import contextlib
import os
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.pipeline_kit import (  # noqa: E402 - after the sys.path line above
    BTC_BROKEN,
    BTC_FIXED,
    docx_mail,
    outlook_nameless_xlsx,
    plain,
    write_config,
)
from tests.servers.dovecot import Dovecot, MailboxAccount  # noqa: E402
from tests.servers.smtp import SmtpSink  # noqa: E402

# caps out of the way: the benchmarks measure the work, not how many replies may go out
# (each at the most the config allows; every clerk of a backlog writes from an address of
# their own, so only the hourly ceiling could bite)
NO_CAPS = {"replies_per_sender_per_day": 1000, "replies_per_recipient_per_day": 1000,
           "replies_per_domain_per_day": 100_000, "replies_per_hour": 100_000}


@dataclass
class Rig:
    server: Dovecot
    sink: SmtpSink
    box: MailboxAccount
    work: Path
    config: Path


@contextlib.contextmanager
def rig(**limits: object) -> Iterator[Rig]:
    """A private Dovecot with one user, an SMTP sink and a config for both."""
    warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
    server, sink = Dovecot(), SmtpSink("bench", "bench-password")
    server.start()
    sink.start()
    try:
        server.add_user("bench", "pw")
        box = MailboxAccount(server, server.host, server.imap_port, "bench", "pw")
        work = Path(tempfile.mkdtemp(prefix="bcy-bench-"))
        config = write_config(work, box, sink, limits={**NO_CAPS, **limits})
        yield Rig(server, sink, box, work, config)
    finally:
        sink.stop()
        server.cleanup()


def submission(i: int) -> bytes:
    """The i-th of a backlog of submissions, each from its own clerk: valid DOCX, valid XLSX
    (Outlook's nameless part) and a DOCX with an error, in turn."""
    kind = i % 3
    if kind == 0:
        return docx_mail(f"Văn thư {i} <vt{i}@mof{i}.gov.vn>")
    if kind == 1:
        return outlook_nameless_xlsx(f"Sở {i} <so{i}@bacninh{i}.gov.vn>", BTC_FIXED).replace(
            b"<nameless-xlsx@example.gov.vn>", f"<nameless-{i}@example.gov.vn>".encode())
    return docx_mail(f"Văn thư {i} <vt{i}@moh{i}.gov.vn>", BTC_BROKEN)


def other_mail(i: int) -> bytes:
    """Mail that is not a submission: it stays in the INBOX, seen once and then known."""
    return plain(f"Người dân {i} <nd{i}@example{i}.vn>", f"Hỏi về chứng thư số {i}")


def append_all(box: MailboxAccount, mails: Iterator[bytes] | list[bytes]) -> int:
    """APPEND over one connection (the kit's `append` logs in for each mail)."""
    count = 0
    with box.login() as client:
        for raw in mails:
            client.append(raw, "INBOX", dt=None, flag_set=())
            count += 1
    return count


@dataclass
class Run:
    status: int
    wall: float
    cpu: float  # with every child it waited for (the attachment readers, a sender process)
    peak_mb: float  # the process itself, VmHWM (not its readers)
    tree_peak_mb: float  # the largest of the process and its children (their VmHWM)
    stderr: str


def bcy(config: Path, *args: str, profile: Path | None = None, timeout: float = 3600.0,
        code: Path = REPO) -> Run:
    """`python -m bot --config CONFIG ARGS` in a child process: wall, CPU and peak RSS.
    With `profile`, under `py-spy record --subprocesses --format raw` into that file; `code`:
    another checkout to run (an older commit unpacked with `git archive`), to compare."""
    command = [sys.executable, "-m", "bot", "--config", str(config), *args]
    if profile is not None:
        spy = Path(sys.executable).with_name("py-spy")
        command = [str(spy), "record", "--subprocesses", "--format", "raw", "--rate", "200",
                   "--output", str(profile), "--", *command]
    with tempfile.TemporaryFile() as err:
        began = time.perf_counter()
        child = subprocess.Popen(command, cwd=code, stdout=subprocess.DEVNULL, stderr=err,
                                 env=dict(os.environ, PYTHONPATH=str(code)))
        # under py-spy the pid is py-spy's: then only the tree's peak (wait4) is known
        status, usage, peak, tree = _reap(child, timeout, watch=profile is None)
        wall = time.perf_counter() - began
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
    # wait4 counts the children the process reaped (its readers) in CPU; its ru_maxrss is
    # no measure of them: it counts this benchmark's own pages the child had before its exec
    return Run(os.waitstatus_to_exitcode(status), wall, usage.ru_utime + usage.ru_stime,
               peak / 1024, (usage.ru_maxrss if profile else tree) / 1024, text)


def _reap(child: subprocess.Popen[bytes], timeout: float, watch: bool
          ) -> tuple[int, Any, int, int]:
    """Wait for `child` (killed after `timeout` s): its status, rusage and, with `watch`,
    its own peak RSS and the largest of its own and its children's, in KiB, read from
    /proc every 20 ms while it runs (a child that lives less than that may be missed)."""
    deadline = time.monotonic() + timeout
    peak = tree = 0
    while True:
        if watch:
            peak = max(peak, _high_water(child.pid))
            tree = max(tree, peak, *map(_high_water, _children(child.pid)))
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            child.kill()
            pid, status, usage = os.wait4(child.pid, 0)
            break
        time.sleep(0.02)
    child.returncode = os.waitstatus_to_exitcode(status)
    return status, usage, peak, tree


def _children(pid: int) -> list[int]:
    """The live children of a process (its attachment readers), from /proc."""
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as listed:
                found += [int(x) for x in listed.read().split()]
    return found


def _high_water(pid: int) -> int:
    """VmHWM of a live process, KiB (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            line = next((x for x in status if x.startswith("VmHWM:")), "VmHWM: 0 kB")
    except OSError:
        return 0
    return int(line.split()[1])


def top_of_profile(raw: Path, count: int = 15) -> str:
    """py-spy's raw (collapsed) stacks as two tables: the functions most often on the stack
    (inclusive) and most often at its top (self), in per cent of the samples."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        frames = [f.split(" (")[0] + " " + f.rsplit("/", 1)[-1].split(":")[0].rstrip(")")
                  for f in stack.split(";")[1:]]  # the first frame names the process
        total += int(n)
        for frame in set(frames):
            inclusive[frame] += int(n)
        if frames:
            own[frames[-1]] += int(n)
    lines = [f"{total} samples"]
    for title, counter in (("inclusive", inclusive), ("self", own)):
        lines.append(f"-- {title} --")
        lines += [f"{n * 100 / max(total, 1):5.1f}%  {frame}"
                  for frame, n in counter.most_common(count)]
    return "\n".join(lines)
