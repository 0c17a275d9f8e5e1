"""The reply greets the agency by the registry's name when the agency was recognised, never by
whatever the form's cell says (a formula, a link); an unrecognised name that is a formula is
greeted as "Quý cơ quan"."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from demo.forms import Filling
from tests.pipeline_kit import docx_mail, poll, received, write_config
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink

NUMBERS = {"personal_sim_pki": {"2021": 3}}


@pytest.mark.parametrize(("sender", "letterhead", "agency", "greeting"), [
    ("vt.f3@moh.gov.vn", "BỘ Y TẾ", '=HYPERLINK("http://evil.example","Bộ Y tế")', "Bộ Y tế"),
    ("vt.f3@moh.gov.vn", "BỘ Y TẾ", "+Bộ Y tế xem http://evil.example", "Bộ Y tế"),
    ("someone@gmail.com", "CÔNG TY ABC", '=HYPERLINK("http://evil.example","ABC")',
     "Quý cơ quan"),
])
def test_the_greeting_names_the_recognised_agency(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        sender: str, letterhead: str, agency: str, greeting: str) -> None:
    filling = Filling(letterhead, agency, "12/BYT-CNTT", numbers=NUMBERS)
    mailbox.append(docx_mail(f"Văn thư <{sender}>", filling))
    assert poll(write_config(tmp_path, mailbox, smtp_sink)) == 0
    [reply] = received(smtp_sink)
    for kind in ("plain", "html"):
        body = reply.get_body((kind,))
        assert body is not None
        text = " ".join(re.sub(r"<[^>]+>", "", body.get_content()).split())
        assert f"Kính gửi: {greeting}." in text
        assert "evil.example" not in text.split("Mã tiếp nhận", 1)[0]
