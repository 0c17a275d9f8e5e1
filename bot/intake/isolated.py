"""Reading an attachment in a child process with a time and a memory limit, so a file nobody
foresaw can cost the daemon neither a hang nor its memory: the child dies, the verdict is
`unreadable`, and the service goes on. Archives are opened there too, signed PDFs are validated
there (pyHanko), and LibreOffice (for a .doc) is started from there, inside the same
address-space limit. Only plain data comes back."""

from __future__ import annotations

import logging
import multiprocessing
import resource
from collections.abc import Sequence
from multiprocessing.connection import Connection

from parsers.codes import FindingCode
from parsers.form.parse import FormReport, unreadable_report
from parsers.form.unpack import read_attachment
from parsers.spec.campaign import Campaign

log = logging.getLogger(__name__)
TIME_LIMIT = 60.0  # seconds; a form reads in well under one (scripts/bench_parsers.py)
MEMORY_LIMIT = 2 * 1024 ** 3  # address space of the child, bytes


def _child(conn: Connection, data: bytes, name: str, campaign: Campaign, memory: int,
           roots: tuple[bytes, ...]) -> None:
    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        reports = read_attachment(data, name, campaign, roots)
    except BaseException:  # noqa: BLE001 - MemoryError too: the parent always gets a verdict
        reports = [_too_complex(name)]
    conn.send(reports)
    conn.close()


def _too_complex(name: str) -> FormReport:
    return unreadable_report(name, FindingCode.FILE_TOO_COMPLEX)


def read_attachment_isolated(data: bytes, name: str, campaign: Campaign,
                             seconds: float | None = None, memory: int | None = None,
                             roots: Sequence[bytes] = ()) -> list[FormReport]:
    """`read_attachment` in a child process: the reports of the file (one per form in an
    archive), or one `file-too-complex` report when the child hangs or dies. `seconds` and
    `memory` default to TIME_LIMIT and MEMORY_LIMIT as they are when called; `roots` are the
    trust roots of signed PDFs (DER)."""
    seconds = TIME_LIMIT if seconds is None else seconds
    memory = MEMORY_LIMIT if memory is None else memory
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_child, daemon=True,
                            args=(sender, data, name, campaign, memory, tuple(roots)))
    child.start()
    sender.close()
    try:
        if receiver.poll(seconds):
            reports: list[FormReport] = receiver.recv()
            return reports
        log.warning("reading %s took over %.0f s: stopped", name, seconds)
        child.kill()  # it had its time; waiting below for it to end by itself would not help
        return [_too_complex(name)]
    except (EOFError, OSError):
        log.warning("reading %s ended the reader process (exit %s)", name, child.exitcode)
        return [_too_complex(name)]
    finally:
        receiver.close()
        child.join(1)
        if child.is_alive():
            child.kill()
            child.join()
