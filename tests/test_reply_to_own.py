"""A Reply-To naming one of our own mailboxes (in any case, with a +tag) is passed over: the
reply goes to the From address, where the agency reads, and the submission's sender is that
address; a Reply-To naming anyone else is still obeyed (CONTRACT.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.store.database import Store
from tests.pipeline_kit import BTC_FIXED, OURS, docx_mail, poll, received, write_config
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink
from tests.store_kit import store_url

AGENCY = "vt.rt@mof.gov.vn"


@pytest.mark.parametrize("reply_to", ["CA@BCY.GOV.VN", f"Ban Cơ yếu <{OURS}>",
                                      "ca+intake@bcy.gov.vn", "imap-user"])
def test_a_reply_to_of_ours_is_passed_over(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink, reply_to: str) -> None:
    if reply_to == "imap-user":
        reply_to = mailbox.user if "@" in mailbox.user else OURS
    mailbox.append(docx_mail(f"Văn thư <{AGENCY}>", BTC_FIXED, headers={"Reply-To": reply_to}))
    assert poll(write_config(tmp_path, mailbox, smtp_sink)) == 0
    [sent] = smtp_sink.messages
    assert sent.rcpt_tos == (AGENCY,)
    [reply] = received(smtp_sink)
    assert reply["To"].addresses[0].addr_spec == AGENCY
    store = Store.open(store_url(tmp_path))
    sub = store.submissions.by_reference(reply["X-BCY-Intake-Reference"])
    assert sub is not None and sub.sender == AGENCY


def test_a_reply_to_of_someone_else_is_obeyed(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    mailbox.append(docx_mail(f"Văn thư <{AGENCY}>", BTC_FIXED,
                             headers={"Reply-To": "ca@bcy.gov.vn, vanthu@mof.gov.vn"}))
    assert poll(write_config(tmp_path, mailbox, smtp_sink)) == 0
    [sent] = smtp_sink.messages
    assert sent.rcpt_tos == ("vanthu@mof.gov.vn",)
