"""Our own mail coming back is never answered: a loop is cut at the first round. A bounce of
one of our replies marks it undelivered on its submission, and staff see it in the digest and
in `submissions show`; a person correcting their form in answer to our reply is answered."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from bot.commands.cli import main
from bot.store.database import Store
from demo.forms import fill_docx
from tests.pipeline_kit import (
    BTC_BROKEN,
    BTC_FIXED,
    CAMPAIGN,
    OURS,
    SUBJECT,
    docx_mail,
    poll,
    received,
    write_config,
)
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink
from tests.store_kit import store_url

AGENCY = "vt@mof.gov.vn"
DOCX = "vnd.openxmlformats-officedocument.wordprocessingml.document"


def _base(sender: str, subject: str, message_id: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, OURS, subject
    msg["Message-ID"] = message_id
    return msg


def _returned_as_attachment(ours: bytes) -> bytes:
    """A naive responder: 'thanks', with our reply attached as it came."""
    msg = _base(f"Văn thư <{AGENCY}>", "Re: thư của Quý Ban", "<naive-1@mof.gov.vn>")
    msg.set_content("Cảm ơn. Thư của Quý Ban được gửi kèm.")
    msg.add_attachment(email.message_from_bytes(ours, policy=email.policy.default))
    return msg.as_bytes()


def _blank_form_sent_back(blank: bytes) -> bytes:
    """A responder re-attaching the files it got: our blank form, unchanged."""
    msg = _base(f"Văn thư <{AGENCY}>", f"Re: {SUBJECT}", "<naive-2@mof.gov.vn>")
    msg.set_content("Xin gửi lại mẫu đăng ký.")
    msg.add_attachment(blank, maintype="application", subtype=DOCX, filename="mau.docx")
    return msg.as_bytes()


def _pasted(ours: bytes) -> bytes:
    """A responder pasting our whole mail, headers and all, into its text."""
    msg = _base(f"Văn thư <{AGENCY}>", f"Fwd: {SUBJECT}", "<naive-3@mof.gov.vn>")
    msg.set_content("---------- Forwarded message ----------\n"
                    + ours.decode("ascii", "replace").replace("\r\n", "\n"))
    return msg.as_bytes()


def _gateway_bounce(ours: bytes) -> bytes:
    """A bounce from a non-null sender that is no mailer-daemon, carrying our reply."""
    msg = _base("Microsoft Outlook <MicrosoftExchange329e71ec@mof.gov.vn>",
                f"Undeliverable: Re: {SUBJECT}", "<ndr-1@mof.gov.vn>")
    msg.set_content("Delivery has failed to these recipients: vt@mof.gov.vn")
    msg.add_attachment(email.message_from_bytes(ours, policy=email.policy.default))
    return msg.as_bytes()


def _dsn_headers_only(ours: bytes) -> bytes:
    """A DSN that keeps only our headers (text/rfc822-headers)."""
    head = ours.split(b"\r\n\r\n", 1)[0].decode("ascii")
    return (f"From: Mail Delivery System <MAILER-DAEMON@mof.gov.vn>\r\nTo: {OURS}\r\n"
            "Subject: Delivery Status Notification (Failure)\r\n"
            "Message-ID: <dsn-1@mof.gov.vn>\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/report; report-type=delivery-status; boundary="R"\r\n\r\n'
            "--R\r\nContent-Type: text/plain\r\n\r\nUser unknown\r\n"
            "--R\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
            f"Final-Recipient: rfc822; {AGENCY}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
            f"--R\r\nContent-Type: text/rfc822-headers\r\n\r\n{head}\r\n--R--\r\n").encode()


def _person_corrects(ours: EmailMessage) -> bytes:
    """A person answering our correction request: our words quoted (our reference in them),
    the corrected form attached."""
    body = ours.get_body(("plain",))
    assert body is not None
    quoted = "\n".join("> " + line for line in body.get_content().splitlines())
    msg = _base(f"Văn thư <{AGENCY}>", f"Re: {ours['Subject']}", "<fixed@mof.gov.vn>")
    msg["In-Reply-To"] = msg["References"] = ours["Message-ID"]
    msg.set_content(f"Xin gửi lại mẫu đã sửa.\n\n{quoted}")
    msg.add_attachment(fill_docx(CAMPAIGN, BTC_FIXED), maintype="application", subtype=DOCX,
                       filename="mau-da-sua.docx")
    return msg.as_bytes()


@pytest.fixture
def first_reply(tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink
                ) -> tuple[Path, bytes, EmailMessage]:
    mailbox.append(docx_mail(f"Văn thư <{AGENCY}>", BTC_BROKEN, message_id="<first@mof.gov.vn>"))
    config = write_config(tmp_path, mailbox, smtp_sink)
    assert poll(config) == 0
    [raw] = [m.raw for m in smtp_sink.messages]
    [reply] = received(smtp_sink)
    assert reply["X-BCY-Intake-Verdict"] == "needs_correction"
    return config, raw, reply


def test_our_mail_coming_back_is_never_answered_and_a_person_is(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        first_reply: tuple[Path, bytes, EmailMessage]) -> None:
    config, ours, reply = first_reply
    [blank] = [p.get_content() for p in reply.iter_attachments()
               if p.get_filename() == "mau-dang-ky-cts-2021-2025.docx"]
    for raw in (_returned_as_attachment(ours), _blank_form_sent_back(blank), _pasted(ours),
                _gateway_bounce(ours), _dsn_headers_only(ours), _person_corrects(reply)):
        mailbox.append(raw)
    smtp_sink.clear()
    assert poll(config) == 0
    [answer] = received(smtp_sink)  # the person only
    assert answer["In-Reply-To"] == "<fixed@mof.gov.vn>"
    assert answer["X-BCY-Intake-Verdict"] == "accepted"
    store = Store.open(store_url(tmp_path))
    reasons = {store.messages.get(i).message_id: store.messages.get(i).kind
               for i in range(2, 8)}
    assert reasons == {"<naive-1@mof.gov.vn>": "automatic", "<naive-2@mof.gov.vn>": "automatic",
                       "<naive-3@mof.gov.vn>": "automatic", "<ndr-1@mof.gov.vn>": "automatic",
                       "<dsn-1@mof.gov.vn>": "automatic", "<fixed@mof.gov.vn>": "submission"}
    first = store.outbox.latest_reply(store.submissions.by_reference(
        reply["X-BCY-Intake-Reference"]))  # type: ignore[arg-type]
    assert first is not None and first.undelivered_at is not None
    events = [(e.kind, e.detail) for e in store.events.find()]
    undelivered = [d for k, d in events if k == "reply-undelivered"]
    assert len(undelivered) == 1 and reply["X-BCY-Intake-Reference"] in undelivered[0]
    assert sum(k == "mail-loop" for k, _ in events) == 3
    smtp_sink.clear()
    assert poll(config) == 0 and smtp_sink.messages == []  # no second round


def test_staff_see_the_bounce(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        first_reply: tuple[Path, bytes, EmailMessage], capsys: pytest.CaptureFixture[str]
        ) -> None:
    config, ours, reply = first_reply
    mailbox.append(_gateway_bounce(ours))
    assert poll(config) == 0
    reference = reply["X-BCY-Intake-Reference"]
    capsys.readouterr()
    assert main(["--config", str(config), "submissions", "show", reference]) == 0
    shown = capsys.readouterr().out
    assert f"KHÔNG đến được {AGENCY}" in shown
    assert main(["--config", str(config), "digest"]) == 0
    digest = capsys.readouterr().out
    block = digest.split(BOUNCED_TITLE, 1)[1].split("\n\n", 1)[0]
    assert reference in block and AGENCY in block
    # sent again: the bounce is dealt with, the block is gone
    assert main(["--config", str(config), "resend", reference]) == 0
    capsys.readouterr()
    assert main(["--config", str(config), "digest"]) == 0
    assert BOUNCED_TITLE not in capsys.readouterr().out


BOUNCED_TITLE = "Thư trả lời không đến được cơ quan"


def test_every_event_the_service_records_has_a_meaning_for_staff() -> None:
    import re

    from bot.staff.labels import labels
    kinds = {kind for path in (Path(__file__).parents[1] / "bot").rglob("*.py")
             for kind in re.findall(r'\.(?:record|log_event)\(\s*"([a-z-]+)"',
                                    path.read_text(encoding="utf-8"))}
    kinds |= {kind for path in (Path(__file__).parents[1] / "bot").rglob("*.py")
              for kind in re.findall(r'_event\(\s*"([a-z-]+)"', path.read_text(encoding="utf-8"))}
    assert len(kinds) > 15
    assert sorted(kinds - set(labels("staff/labels.toml.j2")["event"])) == []
