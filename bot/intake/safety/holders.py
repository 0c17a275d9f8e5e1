"""Who is at work on a mail or an outbox row: a process named by this machine, its process id
and when it started (`reader_id`, `claim_holder`), and whether that process is still running
(`reader_alive`, `holder_gone`): a mark left by a dead process of this machine is free at once.

Standard library only: the sender process beside the cycle (bot.intake.sending.spawned) names
itself with it without loading what deciding a mail needs."""

from __future__ import annotations

import os
import socket
import time


def _boot_time() -> int:
    """When this machine booted, in whole minutes of the epoch (same value in every process
    of one boot, another after a reboot, without reading /proc)."""
    return round((time.time() - time.clock_gettime(time.CLOCK_BOOTTIME)) / 60)


def _start_ticks(pid: int) -> str | None:
    """When process `pid` started, in clock ticks since boot (None if it is not there)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rpartition(")")[2].split()[19]
    except (OSError, IndexError):
        return None


def reader_id(pid: int | None = None) -> str:
    """Who reads: boot, process id and its start, so a reused pid is not taken for us."""
    pid = os.getpid() if pid is None else pid
    return f"{_boot_time()}:{pid}:{_start_ticks(pid) or '?'}"


def claim_holder(reader: str | None = None) -> str:
    """Who holds a claim (bot.store.claims): this machine's name and the reader's mark, so
    that a claim of a dead process of this machine is free at once, while one of another
    machine's waits for its lease to run out (its processes cannot be seen from here)."""
    return f"{socket.gethostname()[:120]} {reader or reader_id()}"


def holder_gone(holder: str) -> bool:
    """Is the holder of a claim a process of this machine that has died?"""
    host, _, reader = holder.partition(" ")
    return host == socket.gethostname()[:120] and not reader_alive(reader)


def reader_alive(mark: str) -> bool:
    """Is the process that left `mark` still running?"""
    try:
        boot, pid_text, start = mark.split(":")
        pid = int(pid_text)
    except ValueError:
        return False
    if abs(int(boot) - _boot_time()) > 2:
        return False  # another boot: every reader of then is gone
    if start != "?":
        return _start_ticks(pid) == start
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
