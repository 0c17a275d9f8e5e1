"""Staff read why a reply was not sent, and what a warning is about, in Vietnamese: the
service stores codes (smtputf8-missing, own-mail-returned...), `submissions show`, the digest
and the console say them in words (labels [send_error]); the server's own reply is quoted."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from pathlib import Path

import pytest

from bot.commands.cli import main
from bot.staff.labels import readable
from tests.pipeline_kit import OURS, docx_mail, poll, received, write_config
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink

pytestmark = pytest.mark.filterwarnings(
    "ignore:Requiring AUTH while not requiring TLS:UserWarning")
ENGLISH = re.compile(r"\b(?:the server|does not|refused|deferred|outbox|own-mail-\w+|"
                     r"smtputf8-missing|message\(s\))\b", re.IGNORECASE)


def _run(capsys: pytest.CaptureFixture[str], config: Path, *argv: str) -> str:
    capsys.readouterr()
    assert main(["--config", str(config), *argv]) == 0
    return capsys.readouterr().out


def _returned(ours: bytes) -> bytes:
    """A naive responder returning our reply as an attachment: a loop, cut and noted."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "Văn thư <vt@moh.gov.vn>", OURS, "Re: thư"
    msg["Message-ID"] = "<naive@moh.gov.vn>"
    msg.set_content("Cảm ơn.")
    msg.add_attachment(email.message_from_bytes(ours, policy=email.policy.default))
    return msg.as_bytes()


def test_staff_read_send_refusals_and_loops_in_vietnamese(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        capsys: pytest.CaptureFixture[str]) -> None:
    utf8 = docx_mail("Văn thư <vt@mof.gov.vn>", message_id="<u@mof.gov.vn>")
    mailbox.append(b"Reply-To: =?utf-8?b?TmfGsOG7nWk=?= <ng\xc6\xb0\xe1\xbb\x9di@mof.gov.vn>\r\n"
                   + utf8)
    mailbox.append(docx_mail("Văn thư <vt@moh.gov.vn>", message_id="<ok@moh.gov.vn>"))
    config = write_config(tmp_path, mailbox, smtp_sink)
    assert poll(config) == 0
    [sent] = received(smtp_sink)
    mailbox.append(_returned(smtp_sink.messages[0].raw))
    assert poll(config) == 0
    refused = next(line for line in _run(capsys, config, "submissions", "list").splitlines()
                   if "mof.gov.vn" in line or "người@" in line)
    reference = re.search(r"BCY-CTS-\d{4}-\d{4}", refused)
    assert reference and reference.group(0) != sent["X-BCY-Intake-Reference"]
    shown = _run(capsys, config, "submissions", "show", reference.group(0))
    assert "không hỗ trợ SMTPUTF8" in shown
    digest = _run(capsys, config, "digest")
    assert "không hỗ trợ SMTPUTF8" in digest and "bị gửi ngược lại" in digest
    for text in (shown, digest):
        assert not ENGLISH.search(text), ENGLISH.search(text)


def test_codes_become_words_and_the_servers_reply_is_kept() -> None:
    assert readable("deferred: 451 4.3.0 try again later") == "tạm hoãn: 451 4.3.0 try again later"
    assert "SMTPUTF8" in readable("refused: smtputf8-missing")
    assert readable("login-refused: 535 5.7.8 bad") .endswith(": 535 5.7.8 bad")
    assert readable("x-smtputf8-missing-y") == "x-smtputf8-missing-y"  # a code, not a piece
    assert readable(None) == ""
