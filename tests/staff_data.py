"""Shared setup of the staff-side tests: a config file on a temporary SQLite store, and
submissions saved the way the intake saves them (raw mail first, then the outcome)."""

from __future__ import annotations

import json
from datetime import date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from bot.commands.cli import main
from bot.store.database import Store
from bot.store.records import Signature, Standing
from bot.store.schema import NewOutbox, NewSubmission, Verdict
from tests.store_kit import store_url

FROM = "ca@bcy.gov.vn"
RECIPIENTS = ("cts@bcy.gov.vn", "lanhdao@bcy.gov.vn")
_uids = iter(range(1, 10_000))


def write_config(tmp_path: Path, smtp_port: int = 25, smtp_user: str | None = None,
                 smtp_password: str | None = None) -> Path:
    auth = f'username = "{smtp_user}"\npassword = "{smtp_password}"\n' if smtp_user else ""
    path = tmp_path / "config.toml"
    path.write_text(f"""
[imap]
host = "127.0.0.1"
port = 1143
security = "none"
username = "{FROM}"
password = "not-used"

[smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
from_address = "{FROM}"
timeout = 5
{auth}
[store]
url = "{store_url(tmp_path)}"

[digest]
recipients = {json.dumps(list(RECIPIENTS))}
""", encoding="utf-8")
    return path


def open_store(tmp_path: Path) -> Store:
    return Store.open(store_url(tmp_path))


def grid(base: int) -> dict[str, dict[str, int]]:
    """Distinct numbers for every row × year, so a misplaced cell shows."""
    rows = ("organization_usb_token", "personal_usb_token", "personal_sim_pki",
            "personal_sd_secure", "device_service_software")
    return {row: {str(2021 + y): base + 10 * r + y for y in range(5)}
            for r, row in enumerate(rows)}


def mail(sender: str, subject: str, attachment: Path | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = FROM
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{next(_uids)}.{sender}>"
    msg["Date"] = "Mon, 10 May 2021 09:00:00 +0700"
    msg.set_content("Kính gửi Ban Cơ yếu Chính phủ.")
    if attachment is not None:
        msg.add_attachment(attachment.read_bytes(), maintype="application",
                           subtype="vnd.openxmlformats-officedocument.wordprocessingml.document",
                           filename=attachment.name)
    return msg.as_bytes()


def add_submission(store: Store, *, agency_key: str | None, agency: str | None, sender: str,
                   verdict: Verdict, received_at: datetime,
                   quantities: dict[str, dict[str, int]] | None = None,
                   findings: list[dict[str, Any]] | None = None, document_number: str = "",
                   document_date: date | None = None, raw: bytes | None = None,
                   standing: Standing = "counted", signatures: tuple[Signature, ...] = ()
                   ) -> str:
    uid = next(_uids)
    raw = raw or mail(sender, f"Công văn số {uid}")  # no form: reprocess leaves it
    message_id = store.messages.save_raw(folder="INBOX", uidvalidity=1, uid=uid, raw=raw,
                                         message_id=f"<{uid}@test>", from_addr=sender,
                                        subject=str(uid))
    found = findings or []
    sub = NewSubmission(
        reference_prefix="BCY-CTS-2021", sender=sender, verdict=verdict,
        received_at=received_at, agency=agency, agency_key=agency_key,
        record_json=json.dumps({"file": "mau.docx", "findings": found}, ensure_ascii=False),
        findings_json=json.dumps(found, ensure_ascii=False),
        document_number=document_number or None, document_date=document_date,
        quantities=quantities or {}, standing=standing, signatures=signatures)
    ref = store.submissions.save_outcome(message_id, sub, lambda r: [
        NewOutbox("reply", sender, f"Subject: Re [{r}]\r\nX-BCY-Intake-Reference: {r}\r\n"
                                   f"\r\nreply\r\n".encode())])
    assert ref is not None
    return ref


def run(capsys: pytest.CaptureFixture[str], config: Path, *argv: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["--config", str(config), *argv])
    return code, capsys.readouterr().out

