"""A hostile and misleading INBOX, handled in one cycle against a real Dovecot and SMTP
listener: poison addresses fail alone, every other reply is delivered in the same cycle, no
automatic mail and no mail of ours coming back is answered, big mail is answered from its
outline, and nothing a stranger wrote reaches our headers as it was."""

from __future__ import annotations

import base64
import email
import email.policy
import re
from email.message import EmailMessage
from pathlib import Path

from demo.sample_mail import build_mail
from parsers.spec.campaign import default_campaign
from replies.mail.compose import ReplyInput, compose_reply
from tests.pipeline_kit import OURS, SUBJECT, docx_mail, plain, poll, received, write_config
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink
from tests.store_kit import rows

AUTOMATIC = Path(__file__).resolve().parent / "automatic_mail"
MB = 1024 * 1024


def _b64(text: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


def _raw_header(raw: bytes, line: str) -> bytes:
    return line.encode() + b"\r\n" + raw


def _returned_reply() -> bytes:
    """A responder returning, as an attachment, a reply of ours it got earlier."""
    ours = compose_reply(ReplyInput("BCY-CTS-2021-0042", "needs_correction", None, None,
                                    SUBJECT, "01/05/2021", "<old@moh.gov.vn>", None),
                         default_campaign(), to="vt@moh.gov.vn", from_address=OURS).as_bytes()
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "vt@moh.gov.vn", OURS, f"Re: {SUBJECT}"
    msg["Message-ID"] = "<loop@moh.gov.vn>"
    msg.set_content("Đã nhận.")
    msg.add_attachment(email.message_from_bytes(ours, policy=email.policy.default))
    return msg.as_bytes()


def test_a_hostile_inbox_in_one_cycle(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    good = [docx_mail(f"Văn thư <vt@agency{n}.gov.vn>", message_id=f"<good-{n}@x.vn>")
            for n in range(3)]
    hostile = [
        _raw_header(docx_mail("A <a@poison.gov.vn>", message_id="<utf8@x.vn>"),
                    "Reply-To: người.nhận@poison.gov.vn"),
        docx_mail("Văn thư <gone@refused.gov.vn>", message_id="<refused@x.vn>"),
        docx_mail("x <vt@trap.gov.vn>", message_id="<trap@x.vn>").replace(
            b"From: x <", f"From: {_b64('victim@elsewhere.example, ')} <".encode()),
        plain("Văn thư <vt@ctrl.gov.vn>", "x", message_id="<ctrl@x.vn>").replace(
            b"Subject: x", f"Subject: {_b64(SUBJECT + chr(0) + chr(27) + '[2J')}".encode()),
        plain("Văn thư <vt@long.gov.vn>", SUBJECT + " ấ" * 50_000, message_id="<long@x.vn>"),
        build_mail(sender="Văn thư <vt@big.gov.vn>", to=OURS, subject=SUBJECT, body="Kính gửi.",
                   message_id="<big@x.vn>",
                   attachments=[("mau-dang-ky.docx", b"\0" * (2 * MB), "application/msword")]),
        _returned_reply(),
        *(re.sub(rb"(?im)^Return-Path:[^\n]*\n", b"", (AUTOMATIC / name).read_bytes())
          for name in ("sisimai-lhost-dragonfly-01.eml", "made-ooo-vi.eml",
                       "made-x-loop-ticket-system.eml", "sisimai-rfc3834-02.eml")),
    ]
    for raw in hostile[:3] + good + hostile[3:]:  # poison first in line
        mailbox.append(raw)
    smtp_sink.refuse_recipients = {"gone@refused.gov.vn"}
    config = write_config(tmp_path, mailbox, smtp_sink, limits={"max_message_bytes": MB})
    assert poll(config) == 0
    answered = {str(r["In-Reply-To"]): r for r in received(smtp_sink)}
    assert set(answered) == {"<good-0@x.vn>", "<good-1@x.vn>", "<good-2@x.vn>", "<trap@x.vn>",
                             "<ctrl@x.vn>", "<long@x.vn>", "<big@x.vn>"}
    trap = next(m for m in smtp_sink.messages
                if b"<trap@x.vn>" in m.raw.split(b"\r\n\r\n", 1)[0])
    assert trap.rcpt_tos == ("vt@trap.gov.vn",)
    ctrl = str(answered["<ctrl@x.vn>"]["Subject"])
    assert "\x00" not in ctrl and "\x1b" not in ctrl and "[2J [BCY-CTS-" in ctrl
    assert len(str(answered["<long@x.vn>"]["Subject"])) < 300
    assert answered["<big@x.vn>"]["X-BCY-Intake-Verdict"] == "unreadable"
    refused = rows(tmp_path, "SELECT recipient FROM outbox WHERE failed_at IS NOT NULL "
                             "ORDER BY recipient")
    kinds = dict(rows(tmp_path, "SELECT message_id, kind FROM messages"))
    assert refused == [("gone@refused.gov.vn",), ("người.nhận@poison.gov.vn",)]
    assert kinds["<loop@moh.gov.vn>"] == "automatic"
    assert sum(k == "automatic" for k in kinds.values()) == 5
    smtp_sink.clear()
    assert poll(config) == 0 and smtp_sink.messages == []  # nothing left, no second round
