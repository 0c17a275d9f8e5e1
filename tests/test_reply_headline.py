"""A mail with several forms gets one reply whose headers describe ONE submission, the one that
most needs the agency (the worst verdict, then one awaiting confirmation): Reference, Verdict
and Standing never mix two forms; and the text says which forms wait for confirmation."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

from bot.store.database import Store
from demo.forms import Filling, fill_docx, fill_xlsx
from demo.sample_mail import DOCX_TYPE, XLSX_TYPE, build_mail
from tests.pipeline_kit import (
    BTC_BROKEN,
    BTC_FIXED,
    CAMPAIGN,
    OURS,
    SUBJECT,
    poll,
    received,
    reply_text,
    write_config,
)
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink
from tests.store_kit import store_url

BYT = Filling("BỘ Y TẾ", "Bộ Y tế", "310/BYT-CNTT",
              numbers={"personal_sim_pki": {"2021": 31, "2022": 32}})


def _two_forms(first: tuple[str, bytes, str], second: tuple[str, bytes, str]) -> bytes:
    return build_mail(sender="Văn thư <vt.two@mof.gov.vn>", to=OURS, subject=SUBJECT,
                      body="Kính gửi Ban Cơ yếu.", attachments=[first, second])


def _reply_of_two(tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
                  raw: bytes) -> tuple[EmailMessage, dict[str, tuple[str, str]]]:
    mailbox.append(raw)
    assert poll(write_config(tmp_path, mailbox, smtp_sink)) == 0
    [reply] = received(smtp_sink)
    store = Store.open(store_url(tmp_path))
    refs = str(reply["X-BCY-Intake-References"]).split()
    assert len(refs) == 2
    subs = {ref: store.submissions.by_reference(ref) for ref in refs}
    return reply, {ref: (s.verdict, s.standing) for ref, s in subs.items() if s}


def test_counted_and_awaiting_forms_headers_name_the_awaiting_one(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    raw = _two_forms(("btc.docx", fill_docx(CAMPAIGN, BTC_FIXED), DOCX_TYPE),
                     ("byt.xlsx", fill_xlsx(CAMPAIGN, BYT), XLSX_TYPE))
    reply, stored = _reply_of_two(tmp_path, mailbox, smtp_sink, raw)
    waiting = [r for r, (_, s) in stored.items() if s == "awaiting-confirmation"]
    counted = [r for r, (_, s) in stored.items() if s == "counted"]
    assert len(waiting) == 1 and len(counted) == 1
    assert reply["X-BCY-Intake-Reference"] == waiting[0]
    assert (reply["X-BCY-Intake-Verdict"], reply["X-BCY-Intake-Standing"]) == \
        stored[waiting[0]]
    text = reply_text(reply)
    # the paragraph about confirmation names the waiting form, not "the numbers above"
    assert f"số liệu của Mẫu đăng ký mã {waiting[0]} chưa được đưa vào bảng tổng hợp" in text
    assert "số liệu trên chưa được đưa vào bảng tổng hợp" not in text


def test_good_and_bad_forms_headers_name_the_bad_one(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    raw = _two_forms(("tot.docx", fill_docx(CAMPAIGN, BTC_FIXED), DOCX_TYPE),
                     ("loi.docx", fill_docx(CAMPAIGN, BTC_BROKEN), DOCX_TYPE))
    reply, stored = _reply_of_two(tmp_path, mailbox, smtp_sink, raw)
    [bad] = [r for r, (v, _) in stored.items() if v == "needs_correction"]
    assert reply["X-BCY-Intake-Reference"] == bad
    assert (reply["X-BCY-Intake-Verdict"], reply["X-BCY-Intake-Standing"]) == stored[bad]
