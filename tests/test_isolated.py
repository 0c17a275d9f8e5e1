"""The daemon reads attachments in a child process: a hang or a memory blow-up there is a
verdict, not a stuck or dead service."""

from __future__ import annotations

import time

from bot.intake.isolated import read_attachment_isolated
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
