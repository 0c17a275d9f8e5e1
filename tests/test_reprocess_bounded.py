"""`reprocess` decides stored mail the way `poll` does: the size limits of the config and the
reader in a child process with a time and a memory limit. A hostile stored mail (a reader that
hangs, one that eats memory, a mail over the size limit) gets the same verdict from both, in
bounded time, and the command goes on."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import bot.intake.decide
import bot.intake.isolated
from bot.commands.cli import main
from bot.store.database import Store
from parsers.form.parse import FormReport, read_form
from parsers.spec.campaign import Campaign
from tests.pipeline_kit import docx_mail, poll, write_config
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink
from tests.store_kit import store_url

AGENCY = "Văn thư <vanthu@mof.gov.vn>"
READER_SECONDS = 0.5


def _hang(data: bytes, name: str, campaign: Campaign) -> FormReport:
    time.sleep(30)
    return read_form(data, name, campaign)


def _greedy(data: bytes, name: str, campaign: Campaign) -> FormReport:
    hoard = bytearray(1024 ** 3)  # what a decompression bomb would do
    return read_form(data + bytes(hoard[:0]), name, campaign)


def _address_space() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        line = next(x for x in status if x.startswith("VmSize:"))
    return int(line.split()[1]) * 1024


def _hostile_reader(monkeypatch: pytest.MonkeyPatch,
                    reader: Callable[[bytes, str, Campaign], FormReport]) -> None:
    def read_attachment(data: bytes, name: str, campaign: Campaign) -> list[FormReport]:
        return [reader(data, name, campaign)]

    monkeypatch.setattr(bot.intake.isolated, "read_attachment", read_attachment)  # the child's
    monkeypatch.setattr(bot.intake.isolated, "TIME_LIMIT", READER_SECONDS)
    monkeypatch.setattr(bot.intake.isolated, "MEMORY_LIMIT", _address_space() + 256 * 1024 ** 2)


def _never_unpacked(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kw: Any) -> Any:
        raise AssertionError("an oversized mail must not be unpacked")

    monkeypatch.setattr(bot.intake.decide, "find_attachments", refuse)
    monkeypatch.setattr(bot.intake.decide, "read_attachment", refuse)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(store_url(tmp_path))
    yield opened
    opened.close()


def _outcome(store: Store, reference: str) -> tuple[str, list[str]]:
    sub = store.submissions.by_reference(reference)
    assert sub is not None
    return sub.verdict, [f["code"] for f in json.loads(sub.findings_json or "[]")]


@pytest.mark.parametrize("hostile,code", [("hang", "file-too-complex"),
                                          ("memory", "file-too-complex"),
                                          ("oversized", "file-too-large")])
def test_reprocess_of_a_hostile_stored_mail_is_bounded_like_poll(
        hostile: str, code: str, tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    first = docx_mail(AGENCY, message_id="<hostile-1@mof.gov.vn>")
    mailbox.append(first)
    config = write_config(tmp_path, mailbox, smtp_sink)
    assert poll(config) == 0
    assert _outcome(store, "BCY-CTS-2021-0001") == ("accepted", [])

    if hostile == "hang":
        _hostile_reader(monkeypatch, _hang)
    elif hostile == "memory":
        _hostile_reader(monkeypatch, _greedy)
    else:
        config = write_config(tmp_path, mailbox, smtp_sink,
                              limits={"max_message_bytes": len(first) - 1})
        _never_unpacked(monkeypatch)

    started = time.monotonic()
    assert main(["--config", str(config), "reprocess", "BCY-CTS-2021-0001"]) == 0
    assert time.monotonic() - started < READER_SECONDS + 10
    # the same mail again, taken in by poll under the same conditions
    mailbox.append(docx_mail(AGENCY, message_id="<hostile-2@mof.gov.vn>"))
    assert poll(config) == 0
    assert _outcome(store, "BCY-CTS-2021-0001") == ("unreadable", [code])
    assert _outcome(store, "BCY-CTS-2021-0002") == ("unreadable", [code])


def test_reprocess_all_stops_each_hanging_read(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink, store: Store,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for n in range(2):
        mailbox.append(docx_mail(AGENCY, message_id=f"<hang-{n}@mof.gov.vn>"))
    config = write_config(tmp_path, mailbox, smtp_sink)
    assert poll(config) == 0
    _hostile_reader(monkeypatch, _hang)
    capsys.readouterr()
    started = time.monotonic()
    assert main(["--config", str(config), "reprocess", "--all"]) == 0
    assert time.monotonic() - started < 2 * READER_SECONDS + 10
    assert "Đã xử lý lại 2 hồ sơ; 2 hồ sơ thay đổi kết quả." in capsys.readouterr().out
    assert [_outcome(store, s.reference) for s in store.submissions.find()] == [
        ("unreadable", ["file-too-complex"])] * 2
