"""The reader marks a broken form's file right after reading it (bot.intake.premark): the copy
is the one the marking process would make, it serves only the very call the reply would make,
once, and what the lean marker cannot mark (or a big file) is left to the marking process. The
cycle gives the reader the next two mails' files while it answers one."""

from __future__ import annotations

import io
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.comments import Comment

import bot.intake.extras as extras
import bot.intake.isolated as isolated
from bot.intake import premark
from bot.intake.extras import marked_file
from bot.intake.isolated import read_attachment_isolated
from demo.forms import fill_docx, fill_xlsx
from parsers.form.parse import read_form
from replies.annotate.copy import annotated_copy, lean_copy
from replies.annotate.zip_copy import NoLibrary
from tests.pipeline_kit import BTC, BTC_BROKEN, CAMPAIGN, docx_mail, poll, received, write_config
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink

DOCX_KIND = "vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture(autouse=True)
def _nothing_kept() -> Any:
    premark._kept.clear()
    yield
    premark._kept.clear()


def _mail_with(name: str, data: bytes) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Văn thư <vanthu@mof.gov.vn>"
    msg["Subject"] = "Đăng ký"
    msg.set_content("Gửi hồ sơ.")
    msg.add_attachment(data, maintype="application", subtype=DOCX_KIND, filename=name)
    return msg


def _no_marking_process(*_args: object, **_kw: object) -> None:
    raise AssertionError("the marking process was asked")


def test_a_broken_form_comes_back_marked_by_the_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    data = fill_docx(CAMPAIGN, BTC_BROKEN)
    [report] = read_attachment_isolated(data, "mau.docx", CAMPAIGN)
    assert report.verdict == "needs_correction"
    monkeypatch.setattr(extras, "run_isolated", _no_marking_process)
    monkeypatch.setattr(extras, "begin", _no_marking_process)
    msg = _mail_with("mau.docx", data)
    extras.mark_ahead(msg, report)  # already marked: nothing begun
    marked = marked_file(msg, report).marked
    assert marked is not None and marked.filename == "mau-can-sua.docx"
    assert marked.data == annotated_copy(data, "docx", premark.form_marks(report))
    # handed out once: a second reply for it goes to the marking process
    with pytest.raises(AssertionError, match="marking process"):
        marked_file(msg, report)


def test_an_accepted_form_is_not_marked() -> None:
    data = fill_xlsx(CAMPAIGN, BTC)
    [report] = read_attachment_isolated(data, "mau.xlsx", CAMPAIGN)
    assert report.verdict == "accepted"
    assert not premark._kept and premark.premark(data, [report]) == []


def test_a_copy_serves_only_the_call_it_was_made_for() -> None:
    data = fill_xlsx(CAMPAIGN, BTC_BROKEN)
    report = read_form(data, "mau.xlsx", CAMPAIGN)
    marks = premark.form_marks(report)
    [(kind, made_with, copy)] = premark.premark(data, [report])
    assert (kind, list(made_with)) == ("xlsx", marks)
    assert load_workbook(io.BytesIO(copy))  # a workbook
    premark.keep(data, [(kind, made_with, copy)])
    assert premark.take(data, "xlsx", marks[:-1]) is None  # other marks (the registry's)
    assert premark.take(data + b"\0", "xlsx", marks) is None  # other bytes
    assert premark.take(data, "docx", marks) is None
    assert premark.waiting(data, "xlsx", marks)
    assert premark.take(data, "xlsx", marks) == copy
    assert premark.take(data, "xlsx", marks) is None and not premark.waiting(data, "xlsx", marks)


def test_what_needs_a_library_or_is_big_is_left_to_the_marking_process(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # a sheet with comments already is marked through openpyxl, which the reader never loads
    book = load_workbook(io.BytesIO(fill_xlsx(CAMPAIGN, BTC_BROKEN)))
    book.worksheets[0]["A1"].comment = Comment("ghi chú", "Văn thư")
    out = io.BytesIO()
    book.save(out)
    commented = out.getvalue()
    report = read_form(commented, "mau.xlsx", CAMPAIGN)
    assert report.verdict == "needs_correction"
    marks = premark.form_marks(report)
    with pytest.raises(NoLibrary):
        lean_copy(commented, "xlsx", marks)
    assert premark.premark(commented, [report]) == []
    assert annotated_copy(commented, "xlsx", marks)  # the marking process still can
    data = fill_docx(CAMPAIGN, BTC_BROKEN)
    monkeypatch.setattr(premark, "PREMARK_BYTES", len(data) - 1)
    broken = read_form(data, "mau.docx", CAMPAIGN)
    assert broken.verdict == "needs_correction"
    assert premark.premark(data, [broken]) == []
    monkeypatch.undo()
    assert premark.premark(data, [broken], read_seconds=premark.QUICK_READ + 1) == []
    assert premark.premark(data, [broken])  # quick and small: marked


def test_the_cycle_gives_the_reader_the_next_two_mails_while_it_answers_one(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Each mail's file is sent to the reader two mails before it is asked for (one of them
    broken: read and marked there), and every mail is answered as before."""
    events: list[tuple[str, str]] = []
    send, ask = isolated._send, isolated.run_isolated

    def sending(call: tuple[Any, ...], role: str) -> Any:
        if role == "read":
            events.append(("sent", call[1][1]))
        return send(call, role)

    def asking(function: Any, args: tuple[Any, ...], what: str, *rest: Any, **kw: Any) -> Any:
        if function is isolated._read:
            events.append(("asked", args[1]))
        return ask(function, args, what, *rest, **kw)

    monkeypatch.setattr(isolated, "_send", sending)
    monkeypatch.setattr(isolated, "run_isolated", asking)
    config = write_config(tmp_path, mailbox, smtp_sink)
    for n in range(4):
        mailbox.append(docx_mail(f"Văn thư {n} <vt{n}@mof{n}.gov.vn>",
                                 BTC_BROKEN if n == 2 else BTC, filename=f"mau-{n}.docx"))
    assert poll(config) == 0
    sent = [name for kind, name in events if kind == "sent"]
    asked = [name for kind, name in events if kind == "asked"]
    assert asked == [f"mau-{n}.docx" for n in range(4)]
    assert sent == asked  # each once, in order
    assert events.index(("sent", "mau-2.docx")) < events.index(("asked", "mau-1.docx"))
    assert events.index(("sent", "mau-3.docx")) < events.index(("asked", "mau-2.docx"))
    replies = received(smtp_sink)
    assert len(replies) == 4
    marked = [p.get_filename() for r in replies for p in r.iter_attachments()
              if "can-sua" in str(p.get_filename())]
    assert marked == ["mau-2-can-sua.docx"]
