"""Reading an attachment in a child process with a time and a memory limit, so a file nobody
foresaw can cost the daemon neither a hang nor its memory: the child dies, the verdict is
`unreadable`, and the service goes on. Archives are opened there too, signed PDFs are validated
there (pyHanko), and LibreOffice (for a .doc) is started from there, inside the same
address-space limit; the agency's own file is marked for a correction request there too
(`run_isolated`). Only plain data comes back.

The child is kept and reused from one attachment to the next (a fork of the daemon costs more
than reading a form): it is replaced when it ran out of time (killed), failed or died, after
`RECYCLE_CALLS` files or once its peak RSS passed `RECYCLE_RSS` or grew by `RECYCLE_GROWTH`
since it was forked, and whenever what it would
run has changed in the parent (another memory limit, another reader, another environment)."""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import signal
import stat
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any, TypeVar

from bot.intake.notify import heartbeat
from bot.intake.premark import Premarked, keep, premark
from parsers.codes import FindingCode
from parsers.form.parse import FormReport, unreadable_report
from parsers.form.unpack import read_attachment
from parsers.spec.campaign import Campaign

log = logging.getLogger(__name__)
TIME_LIMIT = 60.0  # seconds; a form reads in well under one (bench/parse.py --hostile)
MEMORY_LIMIT = 2 * 1024 ** 3  # address space of the child, bytes
WAIT_SLICE = 1.0  # seconds: the watchdog hears from us while a child reads
RECYCLE_CALLS = 500  # files one reader reads before a fresh one takes over
RECYCLE_RSS = 300 * 1024  # KiB of peak RSS after which a reader makes way for a fresh one
# ... or once it grew by this much since it was forked: marking a file with python-docx or
# openpyxl leaves some 0.5 MB behind each time, and a marking process (never recycled by
# count on a normal day) reached 160 MB over 2,000 mails; forked from a daemon of ≈ 75 MB,
# a reader now stays near 120 MB
RECYCLE_GROWTH = 48 * 1024
OUT_OF_BAND = 64 * 1024  # bytes: a bigger bytes argument crosses the pipe as it is, unpickled
BEHIND_SECONDS = 2.0  # how long a call waits behind one begun before it that nobody asked for
MAX_BEHIND = 8  # calls begun ahead one call may wait behind (the loop's bound)
EARLY_KEPT = 4  # answers received before they were asked for, kept (the oldest dropped)
T = TypeVar("T")


def wait_for(receiver: Connection, seconds: float) -> bool:
    """True when the child has answered within `seconds`; pings the watchdog meanwhile."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        heartbeat()
        if receiver.poll(min(WAIT_SLICE, left)):
            return True
    return receiver.poll(0)


def _let_go(keep: Connection) -> None:
    """Let go of the parent's sockets and pipes (IMAP, SMTP, PostgreSQL, a child's stdin, the
    parent's end of our own pipe): a reader that outlives them must not hold them open (no
    EOF would reach their other end), and must hear EOF when the parent goes. Each is
    replaced by /dev/null rather than closed, so a copied object that still names the number
    closes nothing of ours. Signals: the service's own handlers are not
    the reader's; SIGTERM ends it, Ctrl-C is the parent's to handle."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    null = os.open(os.devnull, os.O_RDWR)
    for name in os.listdir("/proc/self/fd") if os.path.isdir("/proc/self/fd") else ():
        fd = int(name)
        try:
            mode = os.fstat(fd).st_mode
            if fd > 2 and fd != keep.fileno() and (stat.S_ISSOCK(mode) or stat.S_ISFIFO(mode)):
                os.dup2(null, fd)
        except OSError:
            continue  # the listing's own descriptor, gone meanwhile
    os.close(null)


def _peak_rss() -> int:
    """KiB: this process's peak resident size so far (a forked one starts at its parent's)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _serve(conn: Connection, memory: int) -> None:
    """The reader: one call after another, until a call fails, the parent goes or it is due
    to make way for a fresh reader."""
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    _let_go(conn)
    forked = _peak_rss()
    for _ in range(RECYCLE_CALLS):
        try:
            function, args = conn.recv()
            args = tuple(conn.recv_bytes() if isinstance(a, _Bytes) else a for a in args)
        except (EOFError, OSError):
            return  # the parent is gone or replaced us
        try:
            result: tuple[bool, Any] = (True, function(*args))
        except BaseException as exc:  # noqa: BLE001 - MemoryError too: the parent always hears
            result = (False, f"{type(exc).__name__}: {exc}"[:500])
        peak = _peak_rss()
        worn = peak > RECYCLE_RSS or peak - forked > RECYCLE_GROWTH
        conn.send((*result, not result[0] or worn))
        if not result[0] or worn:
            return  # after a failure or a big file, a fresh reader is cheaper than doubt
    conn.close()


class _Bytes:
    """Stands in the pickled call for a big bytes argument, sent after it with send_bytes:
    pickling would copy the file once more in the parent (25 MB for a 25 MB attachment)."""


def _send_call(conn: Connection, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    big = [isinstance(a, bytes) and len(a) > OUT_OF_BAND for a in args]
    conn.send((function, tuple(_Bytes() if b else a for a, b in zip(args, big, strict=True))))
    for arg, b in zip(args, big, strict=True):
        if b:
            conn.send_bytes(arg)


def start_reader(memory: int | None = None) -> None:
    """Start the reader now, if none is ready: forked while the caller holds no mail, it
    does not carry the parent's pages of a big mail along (they count in its RSS)."""
    _fit_reader(MEMORY_LIMIT if memory is None else memory, "read")


class Reader:
    """One child process that reads, its pipe, what it was started for, and the calls sent
    to it whose answers are still to be received, in the order it answers them."""

    def __init__(self, memory: int) -> None:
        context = multiprocessing.get_context("fork")
        self.conn, theirs = context.Pipe(duplex=True)
        self.key = _key(memory)
        self.calls = 0
        self.begun: list[_Ahead] = []
        self.process: BaseProcess = context.Process(target=_serve, args=(theirs, memory),
                                                    daemon=True)
        self.process.start()
        theirs.close()
        self.owner = os.getpid()

    def close(self, kill: bool = False) -> None:
        self.conn.close()
        if self.owner != os.getpid():
            return  # a copy inherited by a forked process: the child is not ours to reap
        if kill:
            self.process.kill()
        self.process.join(1)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()


_readers: dict[str, Reader] = {}


@dataclass
class _Ahead:
    """A call sent to a reader, and since when it runs (for a call queued behind another:
    since the answer before it was received, at the earliest)."""

    call: tuple[Any, ...]  # function, arguments, memory limit
    began: float


@dataclass(frozen=True)
class _Answer:
    """What a reader answered to a call: its value when `done`, else what went wrong."""

    call: tuple[Any, ...]
    done: bool
    value: Any


# answers to calls begun ahead, received before anyone asked for them (while waiting for a
# call behind them), by role
_early: dict[str, list[_Answer]] = {}


def _key(memory: int) -> tuple[object, ...]:
    """What a reader was started with and keeps as it was: its memory limit, the reader
    function as the module names it, the environment (e.g. where LibreOffice is)."""
    return memory, read_attachment, hash(frozenset(os.environ.items()))


def _serves(reader: Reader, memory: int) -> bool:
    """Is the kept reader ours, alive, started for calls with this memory limit and not due
    to make way for a fresh one?"""
    return (reader.owner == os.getpid() and reader.process.is_alive()
            and reader.key == _key(memory) and reader.calls < RECYCLE_CALLS)


def _fit_reader(memory: int, role: str) -> Reader:
    """The reader to use: the kept one if it `_serves` this call, else a fresh one."""
    reader = _readers.get(role)
    if reader is not None and not _serves(reader, memory):
        _drop(role)
        reader = None
    if reader is None:
        reader = _readers[role] = Reader(memory)
    return reader


def _drop(role: str, kill: bool = False) -> None:
    """Let the `role` reader go (killed when asked, or when it has calls to answer: nobody
    waits for them)."""
    reader = _readers.pop(role, None)
    if reader is not None:
        reader.close(kill=kill or bool(reader.begun))


def _keep_early(role: str, answer: _Answer) -> None:
    early = _early.setdefault(role, [])
    early.append(answer)
    del early[:-EARLY_KEPT]


def _take_early(role: str, call: tuple[Any, ...]) -> _Answer | None:
    early = _early.get(role, [])
    for n, answer in enumerate(early):
        if answer.call == call:
            return early.pop(n)
    return None


def run_isolated(function: Callable[..., T], args: tuple[Any, ...], what: str,
                 seconds: float | None = None, memory: int | None = None,
                 role: str = "read") -> T | None:
    """`function(*args)` in the `role` reader process with a time and an address-space limit:
    its result, or None (logged, naming `what`) when it raised, hung or died. `function` (a
    module-level function), its arguments and its result cross a pipe: plain data only.
    `seconds` and `memory` default to TIME_LIMIT and MEMORY_LIMIT as they are when called.
    A call begun ahead (`begin`) is answered from there; the calls begun before it are
    answered first and their answers kept for when they are asked for."""
    seconds = TIME_LIMIT if seconds is None else seconds
    memory = MEMORY_LIMIT if memory is None else memory
    call = (function, args, memory)
    answer = _take_early(role, call)
    if answer is None:
        answer = _answer(role, call, what, seconds)
    if answer is None:
        return None
    if not answer.done:
        log.warning("%s failed: %s", what, answer.value)
        return None
    result: T = answer.value
    return result


def _answer(role: str, call: tuple[Any, ...], what: str, seconds: float
            ) -> _Answer | None:
    """Wait for the answer to `call`, sending it unless it is begun already; None when it
    hung or its reader died (logged). A call begun before it that keeps it waiting over
    `BEHIND_SECONDS` (nobody asked for it yet) is given up with its reader."""
    reader = _readers.get(role)
    if reader is not None and reader.owner != os.getpid():
        _drop(role)  # a forked process's copy: the calls begun there are its parent's
        reader = None
    if reader is None or all(ahead.call != call for ahead in reader.begun):
        reader = _send(call, role)
    waiting_since = time.monotonic()
    for _ in range(MAX_BEHIND + 1):  # each turn takes one begun call off the reader
        if reader is None or not reader.begun:
            return None
        head = reader.begun[0]
        mine = head.call == call
        limit = head.began + seconds if mine else min(head.began + TIME_LIMIT,
                                                       waiting_since + BEHIND_SECONDS)
        try:
            answered = wait_for(reader.conn, limit - time.monotonic())
            got = reader.conn.recv() if answered else None
        except (EOFError, OSError):
            reader.process.join(1)
            exit_code = reader.process.exitcode
            if mine:
                log.warning("%s ended its process (exit %s)", what, exit_code)
                _drop(role, kill=True)
                return None
            # the file begun before ours ended the reader: that is its answer
            _keep_early(role, _Answer(head.call, False, f"ended its process (exit {exit_code})"))
            reader = _resend(role, reader, skip=1)
            continue
        if got is None:
            if mine:
                log.warning("%s took over %.0f s: stopped", what, seconds)
                _drop(role, kill=True)
                return None
            reader = _resend(role, reader, skip=len(reader.begun), then=call)  # given up
            continue
        done, value, spent = got
        reader.begun.pop(0)
        if reader.begun:  # the next call runs from now, at the earliest
            reader.begun[0].began = max(reader.begun[0].began, time.monotonic())
        answer = _Answer(head.call, done, value)
        if spent:  # failed or worn: the child ends, a fresh one answers what it still had
            reader = _resend(role, reader, skip=0)
        if mine:
            return answer
        _keep_early(role, answer)
    return None


def _resend(role: str, reader: Reader, skip: int, then: tuple[Any, ...] | None = None
            ) -> Reader | None:
    """The calls `reader` still had (but the first `skip`, and `then` after them if it is not
    among them) sent again, in order, to a fresh reader that replaces it."""
    calls = [ahead.call for ahead in reader.begun[skip:]]
    if then is not None and then not in calls:
        calls.append(then)
    _drop(role, kill=True)
    fresh: Reader | None = None
    for call in calls:
        fresh = _send(call, role)
        if fresh is None:
            return None
    return fresh


def _send(call: tuple[Any, ...], role: str) -> Reader | None:
    function, args, memory = call
    reader = _fit_reader(memory, role)
    reader.calls += 1
    try:
        _send_call(reader.conn, function, args)
    except OSError:
        _drop(role, kill=True)
        return None
    reader.begun.append(_Ahead(call, time.monotonic()))
    return reader


def begin(function: Callable[..., Any], args: tuple[Any, ...], role: str,
          memory: int | None = None, depth: int = 1) -> None:
    """Begin `function(*args)` in the `role` reader and return at once: `run_isolated` with
    the same call receives its answer. Nothing when that reader has `depth` calls begun
    already, or this one (or when it is due to make way for a fresh one)."""
    memory = MEMORY_LIMIT if memory is None else memory
    call = (function, args, memory)
    if any(answer.call == call for answer in _early.get(role, ())):
        return  # answered already
    reader = _readers.get(role)
    if reader is not None and reader.begun and (
            len(reader.begun) >= depth or any(ahead.call == call for ahead in reader.begun)
            or not _serves(reader, memory)):
        return  # begun already, enough begun, or a fresh reader would cost those begun
    _send(call, role)


def read_ahead(data: bytes, name: str, campaign: Campaign, roots: Sequence[bytes] = (),
               depth: int = 1) -> None:
    """Begin reading an attachment the parent will soon ask for with the same arguments
    (`read_attachment_isolated`), and return at once; `depth`: files the reader may have
    begun (the mails the cycle keeps ahead)."""
    begin(_read, (data, name, campaign, tuple(roots)), "read", depth=depth)


def _read(data: bytes, name: str, campaign: Campaign, roots: tuple[bytes, ...]
          ) -> tuple[list[FormReport], list[Premarked]]:
    """The reports of a file, and the file marked for those that need correction (made here,
    while the parent is busy with the mail before: bot.intake.premark)."""
    began = time.monotonic()
    reports = read_attachment(data, name, campaign, roots)  # looked up when run: tests swap it
    return reports, premark(data, reports, time.monotonic() - began)


def read_attachment_isolated(data: bytes, name: str, campaign: Campaign,
                             seconds: float | None = None, memory: int | None = None,
                             roots: Sequence[bytes] = ()) -> list[FormReport]:
    """`read_attachment` in a child process: the reports of the file (one per form in an
    archive), or one `file-too-complex` report when the child hangs or dies. `roots` are the
    trust roots of signed PDFs (DER)."""
    answer = run_isolated(_read, (data, name, campaign, tuple(roots)), f"reading {name}",
                          seconds, memory)
    if answer is None:
        return [unreadable_report(name, FindingCode.FILE_TOO_COMPLEX)]
    reports, marked = answer
    keep(data, marked)
    return reports
