"""The daemon reads attachments in a child process: a hang or a memory blow-up there is a
verdict, not a stuck or dead service."""

from __future__ import annotations

import multiprocessing
import os
import select
import signal
import socket
import time

import pytest

from bot.intake.isolated import read_attachment_isolated, run_isolated
from parsers.form.parse import FormReport, read_form
from parsers.spec.campaign import Campaign, default_campaign
from replies.forms.blank_xlsx import blank_form_xlsx


def _hang(data: bytes, name: str, campaign: Campaign, roots: tuple[bytes, ...] = ()
          ) -> list[FormReport]:
    time.sleep(30)
    return [read_form(data, name, campaign)]


def test_a_form_reads_the_same_in_the_child() -> None:
    data = blank_form_xlsx(default_campaign())
    inside = read_attachment_isolated(data, "mau.xlsx", default_campaign())
    assert inside == [read_form(data, "mau.xlsx", default_campaign())]


def test_a_hang_is_stopped_and_answered() -> None:
    import bot.intake.isolated as isolated

    original = isolated.read_attachment
    isolated.read_attachment = _hang  # the child runs this instead of the real reader
    try:
        started = time.monotonic()
        [report] = read_attachment_isolated(b"PK", "treo.xlsx", default_campaign(), seconds=1.0)
    finally:
        isolated.read_attachment = original
    assert time.monotonic() - started < 10
    assert report.verdict == "unreadable"
    assert [f.code for f in report.findings] == ["file-too-complex"]


def _address_space() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        line = next(x for x in status if x.startswith("VmSize:"))
    return int(line.split()[1]) * 1024


def _greedy(data: bytes, name: str, campaign: Campaign, roots: tuple[bytes, ...] = ()
            ) -> list[FormReport]:
    hoard = bytearray(1024 ** 3)  # what a decompression bomb would do
    return [read_form(data + bytes(hoard[:0]), name, campaign)]


def test_running_out_of_memory_is_answered() -> None:
    import bot.intake.isolated as isolated

    data = blank_form_xlsx(default_campaign())
    original = isolated.read_attachment
    isolated.read_attachment = _greedy
    try:
        [limited] = read_attachment_isolated(data, "lon.xlsx", default_campaign(),
                                             memory=_address_space() + 256 * 1024 ** 2)
    finally:
        isolated.read_attachment = original
    assert [f.code for f in limited.findings] == ["file-too-complex"]


# The reader process is kept from one file to the next, and replaced whenever it cannot be
# trusted to answer the next one as a fresh one would.

def _fail() -> None:
    raise ValueError("a file nobody foresaw")


def _reader_pid() -> int:
    pid = run_isolated(os.getpid, (), "who reads")
    assert pid is not None and pid != os.getpid()
    return pid


def test_the_reader_is_kept_from_one_file_to_the_next() -> None:
    first = _reader_pid()
    data = blank_form_xlsx(default_campaign())
    read_attachment_isolated(data, "mau.xlsx", default_campaign())
    assert _reader_pid() == first


def test_a_reader_that_hung_failed_or_was_killed_is_replaced() -> None:
    first = _reader_pid()
    assert run_isolated(time.sleep, (30,), "a hang", seconds=0.5) is None
    second = _reader_pid()
    assert second != first
    with pytest.raises(ProcessLookupError):  # killed, and reaped
        os.kill(first, 0)
    assert run_isolated(_fail, (), "a failure") is None
    third = _reader_pid()
    assert third not in (first, second)
    os.kill(third, signal.SIGTERM)  # as systemd stops the service's whole cgroup
    deadline = time.monotonic() + 10
    while _alive(third) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _reader_pid() not in (first, second, third)


def _alive(pid: int) -> bool:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        return stat.read().split(") ")[1][0] != "Z"


def test_another_memory_limit_gets_another_reader() -> None:
    first = _reader_pid()
    assert run_isolated(os.getpid, (), "who reads", memory=_address_space() + 1024 ** 3) != first


def test_the_reader_lets_go_of_the_parents_sockets_and_pipes() -> None:
    ours, peer = socket.socketpair()
    reading, writing = os.pipe()  # like the stdin of a process the parent started
    _reader_pid()  # whatever reader there is...
    assert run_isolated(time.sleep, (30,), "a hang", seconds=0.2) is None
    _reader_pid()  # ...a fresh one, started while `ours` is open
    ours.close()
    os.close(writing)
    peer.settimeout(5)
    assert peer.recv(1) == b""  # EOF: no reader holds a copy of our end
    assert select.select([reading], [], [], 5)[0]  # readable at once: EOF, no writer left
    assert os.read(reading, 1) == b""
    peer.close()
    os.close(reading)


def test_a_forked_process_starts_a_reader_of_its_own() -> None:
    parents = _reader_pid()
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=lambda: sender.send(_reader_pid()))
    child.start()
    assert receiver.poll(30)
    theirs = receiver.recv()
    child.join(10)
    assert theirs != parents
    assert _reader_pid() == parents  # and ours is still there


def test_a_forked_process_never_takes_the_answer_to_its_parents_call() -> None:
    from bot.intake.isolated import begin

    parents = _reader_pid()
    begin(_pid_after, (0.3,), role="read")
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=lambda: sender.send(run_isolated(_pid_after, (0.3,), "the same call")))
    child.start()
    assert receiver.poll(30)
    theirs = receiver.recv()
    child.join(10)
    assert theirs not in (None, parents)  # its own reader answered it
    started = time.monotonic()
    assert run_isolated(_pid_after, (0.3,), "the call begun") == parents
    assert time.monotonic() - started < 5



def _filled(n: int) -> bytes:
    from demo.forms import Filling, fill_xlsx

    return fill_xlsx(default_campaign(), Filling(
        "BỘ TÀI CHÍNH", "Bộ Tài chính", f"{n}/BTC-THTK",
        numbers={"organization_usb_token": {"2021": n}}))


def _counted(reports: list[FormReport]) -> object:
    return reports[0].quantities["organization_usb_token"]["2021"]  # type: ignore[index]


def test_a_reading_ahead_is_the_answer_to_the_same_call_and_never_to_another() -> None:
    """The cycle begins reading the next mail's file while it answers the one before; the
    answer must reach the call for that file, and no other, whatever runs in between."""
    import bot.intake.isolated as isolated
    from bot.intake.isolated import read_ahead

    campaign = default_campaign()
    one, two, three = _filled(11), _filled(22), _filled(33)
    read_ahead(one, "a.xlsx", campaign)
    marker = run_isolated(os.getpid, (), "marking", role="mark")  # another reader, meanwhile
    assert _counted(read_attachment_isolated(one, "a.xlsx", campaign)) == 11
    assert marker != run_isolated(os.getpid, (), "who reads")
    read_ahead(one, "a.xlsx", campaign)
    run_isolated(os.getpid, (), "marking", role="mark")
    assert _counted(read_attachment_isolated(two, "b.xlsx", campaign)) == 22  # not one's answer
    read_ahead(two, "b.xlsx", campaign, depth=2)
    read_ahead(three, "c.xlsx", campaign, depth=2)  # two readings ahead at a time
    read_ahead(one, "a.xlsx", campaign, depth=2)  # not begun: the reader has two to answer
    assert len(isolated._readers["read"].begun) == 2
    assert _counted(read_attachment_isolated(three, "c.xlsx", campaign)) == 33
    assert _counted(read_attachment_isolated(two, "b.xlsx", campaign)) == 22  # kept meanwhile
    assert _counted(read_attachment_isolated(two, "other-name.xlsx", campaign)) == 22
    assert _counted(read_attachment_isolated(one, "a.xlsx", campaign)) == 11


def test_a_hanging_reading_ahead_that_nobody_asks_for_is_stopped() -> None:
    import bot.intake.isolated as isolated

    original = isolated.read_attachment
    isolated.read_attachment = _hang
    try:
        isolated.read_ahead(b"PK", "treo.xlsx", default_campaign())
        started = time.monotonic()
        assert run_isolated(os.getpid, (), "who reads") not in (None, os.getpid())
        assert time.monotonic() - started < 10
    finally:
        isolated.read_attachment = original
    data = _filled(5)
    assert _counted(read_attachment_isolated(data, "mau.xlsx", default_campaign())) == 5


def test_the_time_limit_of_a_reading_ahead_counts_from_when_it_began() -> None:
    import bot.intake.isolated as isolated

    original = isolated.read_attachment
    isolated.read_attachment = _hang
    try:
        isolated.read_ahead(b"PK", "treo.xlsx", default_campaign())
        time.sleep(1.5)
        started = time.monotonic()
        [report] = read_attachment_isolated(b"PK", "treo.xlsx", default_campaign(), seconds=2.0)
    finally:
        isolated.read_attachment = original
    assert time.monotonic() - started < 1.5
    assert [f.code for f in report.findings] == ["file-too-complex"]


def test_a_call_begun_ahead_in_any_reader_answers_only_the_same_call() -> None:
    from bot.intake.isolated import begin

    begin(pow, (2, 10), role="mark")
    begin(pow, (5, 2), role="mark")  # one call ahead per reader: not begun
    assert run_isolated(pow, (3, 2), "marking", role="mark") == 9
    begin(pow, (2, 10), role="mark")
    read_attachment_isolated(_filled(1), "a.xlsx", default_campaign())  # the other reader
    assert run_isolated(pow, (2, 10), "marking", role="mark") == 1024
    assert run_isolated(pow, (5, 2), "marking", role="mark") == 25


def _pid_after(seconds: float) -> int:
    time.sleep(seconds)
    return os.getpid()


def _die() -> None:
    os._exit(3)


def test_a_call_behind_calls_begun_ahead_is_answered_after_them_and_theirs_are_kept() -> None:
    """The cycle begins the next two mails' files; a second file of the mail being decided
    waits behind them, and their answers wait for their asking."""
    from bot.intake.isolated import begin

    reader = run_isolated(os.getpid, (), "who marks", role="mark")
    begin(_pid_after, (0.3,), role="mark", depth=2)
    begin(pow, (2, 5), role="mark", depth=2)
    started = time.monotonic()
    assert run_isolated(pow, (3, 3), "marking", role="mark") == 27
    assert time.monotonic() - started >= 0.25  # behind the first
    started = time.monotonic()
    assert run_isolated(pow, (2, 5), "marking", role="mark") == 32
    assert run_isolated(_pid_after, (0.3,), "marking", role="mark") == reader  # kept, not run
    assert time.monotonic() - started < 0.25
    assert run_isolated(os.getpid, (), "who marks", role="mark") == reader  # the same reader


def test_calls_begun_behind_a_failure_or_a_death_are_answered_by_a_fresh_reader() -> None:
    from bot.intake.isolated import begin

    before = run_isolated(os.getpid, (), "who marks", role="mark")
    begin(_fail, (), role="mark", depth=2)
    begin(pow, (2, 6), role="mark", depth=2)  # queued behind a call the reader ends after
    assert run_isolated(pow, (2, 6), "marking", role="mark") == 64
    assert run_isolated(_fail, (), "a failure", role="mark") is None
    after = run_isolated(os.getpid, (), "who marks", role="mark")
    assert after not in (None, before)
    begin(_die, (), role="mark", depth=2)
    begin(pow, (2, 7), role="mark", depth=2)
    assert run_isolated(pow, (2, 7), "marking", role="mark") == 128
    assert run_isolated(_die, (), "a death", role="mark") is None  # its answer: it died
    assert run_isolated(os.getpid, (), "who marks", role="mark") not in (None, before, after)


_HOARD: list[bytearray] = []


def _grow(megabytes: int) -> int:
    _HOARD.append(bytearray(megabytes * 1024 * 1024))  # touched: resident
    return os.getpid()


def test_a_reader_that_grew_makes_way_for_a_fresh_one() -> None:
    """Whatever a reader leaves behind call after call (a marked file's library caches), it
    never grows more than RECYCLE_GROWTH past where it was forked."""
    from bot.intake.isolated import RECYCLE_GROWTH

    assert RECYCLE_GROWTH < 60 * 1024
    small = run_isolated(_grow, (1,), "a little")
    assert run_isolated(_grow, (1,), "a little") == small  # kept
    grown = run_isolated(_grow, (60,), "a lot")  # well under RECYCLE_RSS
    assert grown == small
    assert run_isolated(os.getpid, (), "who reads") not in (None, grown)
