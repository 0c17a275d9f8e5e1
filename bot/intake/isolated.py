"""Reading an attachment in a child process with a time and a memory limit, so a file nobody
foresaw can cost the daemon neither a hang nor its memory: the child dies, the verdict is
`unreadable`, and the service goes on. Archives are opened there too, signed PDFs are validated
there (pyHanko), and LibreOffice (for a .doc) is started from there, inside the same
address-space limit; the agency's own file is marked for a correction request there too
(`run_isolated`). Only plain data comes back."""

from __future__ import annotations

import logging
import multiprocessing
import resource
import time
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from bot.intake.notify import heartbeat
from parsers.codes import FindingCode
from parsers.form.parse import FormReport, unreadable_report
from parsers.form.unpack import preload, read_attachment
from parsers.spec.campaign import Campaign

log = logging.getLogger(__name__)
TIME_LIMIT = 60.0  # seconds; a form reads in well under one (bench/parse.py --hostile)
MEMORY_LIMIT = 2 * 1024 ** 3  # address space of the child, bytes
WAIT_SLICE = 1.0  # seconds: the watchdog hears from us while a child reads
T = TypeVar("T")


def wait_for(receiver: Connection, seconds: float) -> bool:
    """True when the child has answered within `seconds`; pings the watchdog meanwhile."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        heartbeat()
        if receiver.poll(min(WAIT_SLICE, left)):
            return True
    return receiver.poll(0)


def _child(conn: Connection, memory: int, function: Callable[..., Any], args: tuple[Any, ...]
           ) -> None:
    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        result: tuple[bool, Any] = (True, function(*args))
    except BaseException as exc:  # noqa: BLE001 - MemoryError too: the parent always hears
        result = (False, f"{type(exc).__name__}: {exc}"[:500])
    conn.send(result)
    conn.close()


def run_isolated(function: Callable[..., T], args: tuple[Any, ...], what: str,
                 seconds: float | None = None, memory: int | None = None) -> T | None:
    """`function(*args)` in a child process with a time and an address-space limit: its
    result, or None (logged, naming `what`) when it raised, hung or died. `function` and the
    result cross a pipe: plain data only. `seconds` and `memory` default to TIME_LIMIT and
    MEMORY_LIMIT as they are when called."""
    seconds = TIME_LIMIT if seconds is None else seconds
    memory = MEMORY_LIMIT if memory is None else memory
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, args=(sender, memory, function, args), daemon=True)
    child.start()
    sender.close()
    try:
        if not wait_for(receiver, seconds):
            log.warning("%s took over %.0f s: stopped", what, seconds)
            child.kill()  # it had its time; waiting below for it to end by itself would not help
            return None
        done, value = receiver.recv()
        if not done:
            log.warning("%s failed: %s", what, value)
            return None
        result: T = value
        return result
    except (EOFError, OSError):
        log.warning("%s ended its process (exit %s)", what, child.exitcode)
        return None
    finally:
        receiver.close()
        child.join(1)
        if child.is_alive():
            child.kill()
            child.join()


def _read(data: bytes, name: str, campaign: Campaign, roots: tuple[bytes, ...]
          ) -> list[FormReport]:
    return read_attachment(data, name, campaign, roots)  # looked up when run: tests swap it


def read_attachment_isolated(data: bytes, name: str, campaign: Campaign,
                             seconds: float | None = None, memory: int | None = None,
                             roots: Sequence[bytes] = ()) -> list[FormReport]:
    """`read_attachment` in a child process: the reports of the file (one per form in an
    archive), or one `file-too-complex` report when the child hangs or dies. `roots` are the
    trust roots of signed PDFs (DER)."""
    preload()  # the readers are imported lazily: here once, not in every child
    reports = run_isolated(_read, (data, name, campaign, tuple(roots)), f"reading {name}",
                           seconds, memory)
    return reports if reports is not None else [
        unreadable_report(name, FindingCode.FILE_TOO_COMPLEX)]
