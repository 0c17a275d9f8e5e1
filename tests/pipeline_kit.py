"""Shared pieces of the pipeline tests: a config for the test servers, mail in several client
shapes, and reading what the SMTP sink received."""

from __future__ import annotations

import email
import email.policy
import email.utils
import importlib.util
import json
import sys
from collections.abc import Mapping
from email.header import Header
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path
from types import ModuleType

from bot.commands.cli import main
from demo.forms import Filling, fill_docx, fill_xlsx
from demo.sample_mail import DOCX_TYPE, WIRE_POLICY, build_mail
from parsers.spec.campaign import default_campaign
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink
from tests.store_kit import store_url

CAMPAIGN = default_campaign()
OURS = "ca@bcy.gov.vn"
SUBJECT = "Đề xuất nhu cầu cấp mới chứng thư số giai đoạn 2021-2025"
BTC = Filling("BỘ TÀI CHÍNH", "Bộ Tài chính", "215/BTC-THTK",
              numbers={"organization_usb_token": {"2021": 120, "2022": 80},
                       "personal_sim_pki": {"2023": "1.000"}})
BTC_FIXED = Filling("BỘ TÀI CHÍNH", "Bộ Tài chính", "230/BTC-THTK",
                    numbers={"organization_usb_token": {"2021": 125, "2022": 85},
                             "personal_sd_secure": {"2024": 7}})
BTC_BROKEN = Filling("BỘ TÀI CHÍNH", "Bộ Tài chính", "215/BTC-THTK",
                     numbers={"organization_usb_token": {"2021": "mười"}})


def _toml_lines(values: Mapping[str, object]) -> str:
    def value(v: object) -> str:
        return ("true" if v else "false") if isinstance(v, bool) else json.dumps(v)
    return "".join(f"{k} = {value(v)}\n" for k, v in values.items())


def write_config(tmp: Path, box: MailboxAccount, sink: SmtpSink, *,
                 smtp: Mapping[str, object] | None = None,
                 limits: Mapping[str, object] | None = None, store: str | None = None,
                 **imap: object) -> Path:
    """A config for the test servers; keyword arguments add [imap] keys, `smtp` and
    `limits` add keys to those sections; `store` is the store's URL (else the test's own,
    tests/store_kit.py)."""
    extra = _toml_lines(imap)
    path = tmp / "config.toml"
    path.write_text(f"""
[imap]
host = "{box.host}"
port = {box.port}
security = "none"
username = "{box.user}"
password = "{box.password}"
folder = "INBOX"
{extra}
[smtp]
host = "{sink.host}"
port = {sink.port}
security = "none"
username = "{sink.user}"
password = "{sink.password}"
from_address = "{OURS}"
from_name = "Ban Cơ yếu Chính phủ"
{_toml_lines(smtp or {})}
[limits]
{_toml_lines(limits or {})}
[store]
url = "{store or store_url(tmp)}"

[digest]
recipients = ["cts@bcy.gov.vn"]
""", encoding="utf-8")
    return path


def poll(config: Path) -> int:
    return main(["--config", str(config), "poll", "--once"])


def received(sink: SmtpSink) -> list[EmailMessage]:
    out = []
    for m in sink.messages:
        msg = email.message_from_bytes(m.raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        out.append(msg)
    return out


def docx_mail(sender: str, filling: Filling = BTC, subject: str = SUBJECT,
              filename: str = "mau-dang-ky.docx", **kw: object) -> bytes:
    return build_mail(sender=sender, to=OURS, subject=subject, body="Kính gửi Ban Cơ yếu.",
                      attachments=[(filename, fill_docx(CAMPAIGN, filling), DOCX_TYPE)],
                      **kw)  # type: ignore[arg-type]


def outlook_nameless_xlsx(sender: str, filling: Filling = BTC) -> bytes:
    """multipart/mixed > multipart/alternative + an octet-stream part with no file name."""
    outer = MIMEMultipart("mixed")
    name, addr = email.utils.parseaddr(sender)
    outer["From"] = email.utils.formataddr((name, addr), charset="utf-8")
    outer["To"] = OURS
    outer["Subject"] = Header("Gửi Ban Cơ yếu", "utf-8").encode()
    outer["Message-ID"] = "<nameless-xlsx@example.gov.vn>"
    alt = MIMEMultipart("alternative")
    alt.attach(MIMEText("Kính gửi Ban Cơ yếu Chính phủ.", "plain", "utf-8"))
    alt.attach(MIMEText("<p>Kính gửi Ban Cơ yếu Chính phủ.</p>", "html", "utf-8"))
    outer.attach(alt)
    part = MIMEApplication(fill_xlsx(CAMPAIGN, filling), "octet-stream")
    outer.attach(part)
    return outer.as_bytes(policy=WIRE_POLICY)


def plain(sender: str, subject: str, body: str = "Xin chào.", **kw: object) -> bytes:
    return build_mail(sender=sender, to=OURS, subject=subject, body=body, **kw)  # type: ignore[arg-type]


def pdf_only(sender: str) -> bytes:
    return build_mail(sender=sender, to=OURS, subject=SUBJECT, body="Gửi kèm bản PDF.",
                      attachments=[("de-xuat.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n<<>>\nendobj\n",
                                    "application/pdf")])


def bounce() -> bytes:
    return (b"From: Mail Delivery System <MAILER-DAEMON@mail.example.gov.vn>\r\n"
            b"To: ca@bcy.gov.vn\r\nSubject: Undelivered Mail Returned to Sender\r\n"
            b"Message-ID: <bounce-1@mail.example.gov.vn>\r\n"
            b"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n"
            b"MIME-Version: 1.0\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nmau dang ky\r\n"
            b"--b\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n\r\n--b--\r\n")


def soak_module() -> ModuleType:
    """scripts/soak.py as a module (it is a script, not a package)."""
    path = Path(__file__).resolve().parents[1] / "scripts" / "soak.py"
    spec = importlib.util.spec_from_file_location("bcy_soak", path)
    assert spec is not None and spec.loader is not None
    if spec.name in sys.modules:
        return sys.modules[spec.name]
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def reply_text(reply: EmailMessage) -> str:
    """The plain text of a reply, its whitespace runs made one space."""
    body = reply.get_body(("plain",))
    assert body is not None
    return " ".join(body.get_content().split())
