"""Text from outside reaches staff as text: an encoded subject or display name carrying ESC
sequences and BEL is shown without them in `digest` (printed and mailed), `submissions show`
and the console, and the renderer drops them from every value it prints."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from markupsafe import Markup

from bot.commands.cli import main
from replies.render import environment, showable
from tests.pipeline_kit import BTC, docx_mail, poll, received, write_config
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink

HOSTILE_SUBJECT = "Hỏi \x1b]0;pwned\x07\x1b[2J\x1b[31mđỏ\x9b31m \u202eabc"
HOSTILE_NAME = "Văn thư \x1b[31mĐỏ\x1b[0m"
CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _encoded(text: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


def _hostile_mail() -> bytes:
    raw = docx_mail("Van thu <vt@mof.gov.vn>", BTC, subject="PLACEHOLDER")
    raw = raw.replace(b"Subject: PLACEHOLDER", b"Subject: " + _encoded(HOSTILE_SUBJECT).encode())
    return raw.replace(b"From: Van thu <", b"From: " + _encoded(HOSTILE_NAME).encode() + b" <")


def test_no_control_character_reaches_staff(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        capsys: pytest.CaptureFixture[str]) -> None:
    mailbox.append(_hostile_mail())
    config = write_config(tmp_path, mailbox, smtp_sink)
    assert poll(config) == 0
    [reply] = received(smtp_sink)
    assert not CONTROLS.search(str(reply["Subject"]))
    reference = reply["X-BCY-Intake-Reference"]
    capsys.readouterr()
    assert main(["--config", str(config), "submissions", "show", reference]) == 0
    shown = capsys.readouterr().out
    assert "Hỏi ]0;pwned" in shown and "Đỏ" in shown  # the words are still there
    assert not CONTROLS.search(shown)
    assert main(["--config", str(config), "digest"]) == 0
    digest = capsys.readouterr().out
    assert reference in digest and not CONTROLS.search(digest)
    smtp_sink.clear()
    assert main(["--config", str(config), "digest", "--send"]) == 0
    [mailed] = received(smtp_sink)
    for part in mailed.walk():
        if part.get_content_maintype() == "text":
            assert not CONTROLS.search(part.get_content().replace("\r\n", "\n"))


def test_the_renderer_drops_controls_and_keeps_markup() -> None:
    assert showable("a\x1b[2Jb\x07\nc\td\u202e") == "a[2Jb\nc\td"
    kept = showable(Markup("<b>x\x1b</b>"))
    assert isinstance(kept, Markup) and kept == Markup("<b>x</b>")
    assert showable(12) == 12
    page = environment(True).from_string("<p>{{ s }}</p>").render(s="<x>\x1b[31m")
    assert page == "<p>&lt;x&gt;[31m</p>"
