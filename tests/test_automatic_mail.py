"""No reply to automatic mail: labelled bounces, auto-replies and complaints from other
projects' test sets, and the kinds the issue found taken for people's mail (tests/
automatic_mail/README.md says where each came from). Each is automatic by its own signs, also
without the Return-Path a delivering server adds; all of them in one real INBOX beside one
real submission draw exactly one reply, the submission's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.mail.classify import classify
from bot.mail.mime_parts import parse_message
from bot.store.database import Store
from parsers.spec.campaign import default_campaign
from tests.pipeline_kit import OURS, docx_mail, poll, received, write_config
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink
from tests.store_kit import store_url

FIXTURES = Path(__file__).resolve().parent / "automatic_mail"
MAILS = sorted(FIXTURES.glob("*.eml"))
CAMPAIGN = default_campaign()
# the sign each mail made here must be told by (the list, one case each)
MADE = {
    "made-x-loop-ticket-system.eml": "x-autoreply",
    "made-precedence-twice.eml": "precedence-bulk",
    "made-e500-smtp-mail-service.eml": "mailer-daemon",
    "made-arf-rewrapped-mixed.eml": "delivery-status",
    "made-apple-vacation.eml": "x-autoreply",
    "made-ooo-vi.eml": "auto-reply-subject",
    "made-ooo-vi-2.eml": "auto-reply-subject",
    "made-ooo-en.eml": "auto-reply-subject",
    "made-ooo-en-2.eml": "auto-reply-subject",
    "made-ooo-fr.eml": "auto-reply-subject",
    "made-ooo-de.eml": "auto-reply-subject",
    "made-ooo-de-2.eml": "auto-reply-subject",
    "made-provider-notification.eml": "mailer-daemon",
    "made-noreply-notification.eml": "mailer-daemon",
}


def _without_return_path(raw: bytes) -> bytes:
    return re.sub(rb"(?im)^Return-Path:[^\n]*\n", b"", raw)


def test_the_set_is_several_dozen_and_documented() -> None:
    assert len(MAILS) >= 30
    readme = (FIXTURES / "README.md").read_text(encoding="utf-8")
    for path in MAILS:
        stem = path.stem.removeprefix("sisimai-").removeprefix("made-")
        assert stem.split("-0")[0] in readme, path.name
    assert set(MADE) == {p.name for p in MAILS if p.name.startswith("made-")}


@pytest.mark.parametrize("path", MAILS, ids=[p.stem for p in MAILS])
def test_every_one_is_automatic(path: Path) -> None:
    for raw in (path.read_bytes(), _without_return_path(path.read_bytes())):
        result = classify(parse_message(raw), CAMPAIGN, {OURS})
        assert result.kind == "automatic", result
    if path.name in MADE:
        assert result.reason == MADE[path.name]


@pytest.mark.parametrize("subject", [
    "Re: Đề xuất nhu cầu cấp mới chứng thư số [BCY-CTS-2021-0001]",
    "Tra loi: mau dang ky chung thu so",
    "Gửi lại Mẫu đăng ký (đã sửa theo yêu cầu)",
    "Automobile registry forms",  # "auto" alone is a word, not a prefix
    "Out of stock: Đề xuất nhu cầu",
])
def test_people_writing_about_the_campaign_are_not_robots(subject: str) -> None:
    raw = (f"From: Văn thư <vanthu@soyte.example.gov.vn>\r\nTo: {OURS}\r\n"
           f"Subject: {subject}\r\n\r\nKính gửi Ban Cơ yếu.\r\n").encode()
    assert classify(parse_message(raw), CAMPAIGN, {OURS}).kind != "automatic"


def test_none_of_them_is_answered_in_a_real_mailbox(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    for path in MAILS:
        mailbox.append(_without_return_path(path.read_bytes()))
    mailbox.append(docx_mail("Văn thư <vt@mof.gov.vn>", message_id="<person@mof.gov.vn>"))
    assert poll(write_config(tmp_path, mailbox, smtp_sink)) == 0
    [reply] = received(smtp_sink)
    assert reply["In-Reply-To"] == "<person@mof.gov.vn>"
    store = Store.open(store_url(tmp_path))
    kinds = [store.messages.get(i).kind for i in range(1, len(MAILS) + 2)]
    assert kinds.count("automatic") == len(MAILS) and kinds.count("submission") == 1
    assert len(mailbox.list("INBOX")) == len(MAILS)  # left where they were, for a person
