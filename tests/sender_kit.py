"""What the tests of the sender process share: the real sender run in a spawned process that
then writes down the modules it loaded, and the processes a daemon started, seen in /proc.

Imported by the spawned process too: standard library and the sender's own module only."""

from __future__ import annotations

import os
import sys
from multiprocessing.connection import Connection
from pathlib import Path

from bot.intake.sending.spawned import SenderSettings, serve

SPAWNED = b"--multiprocessing-fork"  # on the command line of a process started by "spawn"


def serve_and_list(pipe: Connection, settings: SenderSettings, listing: str) -> None:
    """The sender (`serve`), then the names of the modules it had loaded into `listing`."""
    serve(pipe, settings)
    Path(listing).write_text("\n".join(sorted(sys.modules)), encoding="utf-8")


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rpartition(")")[2].split()
    except OSError:
        return None


def spawned_children(parent: int) -> list[int]:
    """The processes `parent` started with multiprocessing's "spawn" (not its forked ones)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or (stat := _stat(int(entry))) is None or stat[1] != str(parent):
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if SPAWNED in cmdline.split(b"\0"):
            found.append(int(entry))
    return found


def gone(pid: int) -> bool:
    """The process is over (no longer there, or a zombie nobody reaped yet)."""
    stat = _stat(pid)
    return stat is None or stat[0] in ("Z", "X")


def holder_pid(holder: str) -> int:
    """The process id in a claim holder's name (bot.intake.safety.holders.claim_holder)."""
    return int(holder.rpartition(" ")[2].split(":")[1])
