"""`bcy-intake digest`: the day's text, and sending it once per day through a real SMTP sink."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from tests.pipeline_kit import BTC, docx_mail, plain, poll
from tests.pipeline_kit import write_config as server_config
from tests.servers import SINK_PASSWORD, SINK_USER
from tests.staff_data import (
    FROM,
    RECIPIENTS,
    add_submission,
    grid,
    open_store,
    run,
    write_config,
)

if TYPE_CHECKING:
    from tests.servers.dovecot import MailboxAccount
    from tests.servers.smtp import ReceivedMessage, SmtpSink

ON_TIME = datetime(2021, 5, 10, 3, 0, tzinfo=UTC)  # 10:00 on 10/5/2021 in Hà Nội


def _seed(tmp_path: Path, smtp_port: int = 25) -> Path:
    cfg = write_config(tmp_path, smtp_port, SINK_USER, SINK_PASSWORD)
    store = open_store(tmp_path)
    now = datetime.now(UTC) - timedelta(seconds=5)
    add_submission(store, agency_key="bo-tai-chinh", agency="Bộ Tài chính",
                   sender="vanthu@mof.gov.vn", verdict="accepted", received_at=ON_TIME,
                   quantities=grid(1), document_date=date(2021, 5, 7))
    add_submission(store, agency_key="tinh-bac-ninh", agency="UBND tỉnh Bắc Ninh",
                   sender="vanthu@bacninh.gov.vn", verdict="accepted", received_at=now,
                   quantities=grid(100), document_date=date(2021, 5, 8))
    add_submission(store, agency_key="bo-cong-an", agency="Bộ Công an",
                   sender="vanthu@bocongan.gov.vn", verdict="needs_correction",
                   received_at=now, quantities={})
    other = store.messages.save_raw(folder="INBOX", uidvalidity=1, uid=9001,
                                    raw=b"Subject: hoi\r\n\r\nx", message_id="<o@x>")
    store.submissions.save_outcome(other, None, kind="other")
    auto = store.messages.save_raw(folder="INBOX", uidvalidity=1, uid=9002,
                                   raw=b"Subject: auto\r\n\r\nx", message_id="<a@x>")
    store.submissions.save_outcome(auto, None, kind="automatic")
    broken = store.messages.save_raw(folder="INBOX", uidvalidity=1, uid=9003,
                                     raw=b"Subject: hong\r\n\r\nx", message_id="<b@x>",
                                    from_addr="ai.do@example.vn", subject="Tệp hỏng")
    store.messages.mark(broken, state="quarantined", error="ValueError: bad zip")
    store.events.record("quarantined", "ValueError: bad zip", level="error", message_id=broken)
    store.events.record("agency-mismatch", "harmless", level="info")
    store.close()
    return cfg


def _section(text: str, number: str) -> str:
    """One numbered section of the text digest ("I." … "V.")."""
    numerals = ["I", "II", "III", "IV", "V"]
    start = text.index(f"\n{number}. ")
    later = numerals[numerals.index(number) + 1:]
    ends = [text.index(f"\n{n}. ", start) for n in later if f"\n{n}. " in text[start:]]
    return text[start:min(ends, default=len(text))]


def test_digest_text_names_the_periods_submissions(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    code, text = run(capsys, _seed(tmp_path), "digest")
    assert code == 0
    received = _section(text, "V")
    assert "BCY-CTS-2021-0002" in received and "BCY-CTS-2021-0003" in received
    assert "BCY-CTS-2021-0001" not in received  # long before the last 24 hours
    assert "Ủy ban nhân dân tỉnh Bắc Ninh" in received and "Cần chỉnh sửa" in received
    assert "Quá hạn" in received  # received today, long after the 2021 deadline
    counts = received.split("Thư đến trong kỳ:")[1].strip().splitlines()[:5]
    assert [line.split()[-1] for line in counts] == ["1", "1", "0", "1", "1"]
    assert "2/100 cơ quan đã có số liệu hợp lệ" in text
    missing = _section(text, "IV")
    assert "Bộ Công an (cần chỉnh sửa)" in missing and "Bộ Tài chính" not in missing
    assert "và 12 cơ quan khác" in missing  # 17 ministries missing: 5 named, 12 counted
    todo = _section(text, "I")
    assert "Không có việc nào" not in text
    assert "«Tệp hỏng»" not in todo and "Tệp hỏng" in todo and "bad zip" in todo
    assert "BCY-CTS-2021-0003" in todo  # the correction Bộ Công an still owes
    assert "harmless" not in text
    totals = _section(text, "III")
    org = grid(1)["organization_usb_token"]["2021"] + grid(100)["organization_usb_token"]["2021"]
    assert f" {org} " in totals
    progress = _section(text, "II")
    # Bộ: expected, counted, awaiting confirmation, needs correction, never wrote
    assert progress.splitlines()[3].split()[-5:] == ["18", "1", "0", "1", "16"]


def test_digest_of_a_past_day_is_on_time(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, text = run(capsys, _seed(tmp_path), "digest", "--date", "2021-05-10")
    assert code == 0
    assert "Kỳ báo cáo: ngày 10/05/2021." in text
    day = _section(text, "V")
    assert "BCY-CTS-2021-0001" in day and "Đúng hạn" in day and "Quá hạn" not in day
    assert "BCY-CTS-2021-0002" not in day


def test_nothing_to_do_is_said_only_when_nothing_waits(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = write_config(tmp_path)
    store = open_store(tmp_path)
    add_submission(store, agency_key="bo-tai-chinh", agency="Bộ Tài chính",
                   sender="vanthu@mof.gov.vn", verdict="accepted", received_at=ON_TIME,
                   quantities=grid(1))
    store.close()
    text = run(capsys, cfg, "digest")[1]
    assert "Không có việc nào cần cán bộ xử lý." in _section(text, "I")
    store = open_store(tmp_path)
    other = store.messages.save_raw(folder="INBOX", uidvalidity=1, uid=77, raw=b"x",
                                    message_id="<q@x>", from_addr="an@hanoi.gov.vn",
                                    subject="Hỏi về gia hạn")
    store.submissions.save_outcome(other, None, kind="other")
    store.close()
    text = run(capsys, cfg, "digest")[1]
    assert "Không có việc nào" not in text
    assert "an@hanoi.gov.vn | Hỏi về gia hạn" in _section(text, "I")


def test_bad_date_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run(capsys, _seed(tmp_path), "digest", "--date", "10/05/2021")
    assert exited.value.code == 64
    assert "không phải là ngày" in capsys.readouterr().err


def _digests(sink: SmtpSink) -> list[ReceivedMessage]:
    return [m for m in sink.messages if b"X-BCY-Intake-Digest" in m.raw]


def test_send_once_per_day_unless_forced(tmp_path: Path, smtp_sink: SmtpSink,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _seed(tmp_path, smtp_sink.port)
    assert run(capsys, cfg, "digest", "--send")[0] == 0
    sent = _digests(smtp_sink)
    assert sorted(r for m in sent for r in m.rcpt_tos) == sorted(RECIPIENTS)
    msg = email.message_from_bytes(sent[0].raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    assert msg["From"] == FROM and msg["Auto-Submitted"] == "auto-generated"
    assert "Báo cáo tổng hợp" in str(msg["Subject"])
    body = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert body is not None and "BCY-CTS-2021-0002" in body.get_content()
    assert html is not None and "BCY-CTS-2021-0003" in html.get_content()
    page = html.get_content()
    assert "<script" not in page.lower() and "http" not in page.replace(
        "http-equiv", "")  # no remote image, no link a client would block
    assert "white-space: nowrap" in page and "text-align: right" in page
    [chart] = [p for p in msg.walk() if p.get_content_type() == "image/png"]
    cid = str(chart["Content-ID"]).strip("<>")
    assert f'src="cid:{cid}"' in page and bytes(chart.get_content()).startswith(b"\x89PNG")
    [workbook] = list(msg.iter_attachments())
    assert str(workbook.get_filename()).endswith(".xlsx")
    assert bytes(workbook.get_content()).startswith(b"PK")

    assert run(capsys, cfg, "digest", "--send")[0] == 0
    assert len(_digests(smtp_sink)) == len(RECIPIENTS)  # not again the same day
    assert run(capsys, cfg, "digest", "--send", "--force")[0] == 0
    assert len(_digests(smtp_sink)) == 2 * len(RECIPIENTS)
    store = open_store(tmp_path)
    assert store.outbox.digest_sent(datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date())
    assert store.outbox.last_digest_end() is not None
    assert [o.kind for o in store.outbox.unsent()] == []
    store.close()


def test_force_without_send_is_a_usage_error(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, _seed(tmp_path), "digest", "--force")[0] == 64


def _morning(moment: datetime, tz: ZoneInfo) -> datetime:
    """07:30 in `tz` of the day of `moment`."""
    local = moment.astimezone(tz)
    return local.replace(hour=7, minute=30, second=0, microsecond=0)


def test_the_morning_digest_lists_the_previous_days_submissions(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The timer's scenario with a faked clock: the digest sent at 07:30 yesterday, forms
    arriving during the day through a real cycle, the digest at 07:30 the next morning."""
    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    now = datetime.now(tz)
    today = _morning(now, tz) + (timedelta(days=1) if now >= _morning(now, tz) else timedelta())
    yesterday = today - timedelta(days=1)  # the mail below arrives between the two
    cfg = server_config(tmp_path, mailbox, smtp_sink)
    assert run(capsys, cfg, "digest", "--send", "--now", yesterday.isoformat())[0] == 0
    mailbox.append(docx_mail("Văn thư Bộ Tài chính <vanthu@mof.gov.vn>", BTC))
    mailbox.append(plain("Nguyễn An <an@hanoi.gov.vn>", "Hỏi về gia hạn chứng thư số"))
    assert poll(cfg) == 0
    code = run(capsys, cfg, "digest", "--send", "--now", today.isoformat())[0]
    assert code == 0
    digests = [email.message_from_bytes(m.raw, policy=email.policy.default)
               for m in _digests(smtp_sink)]
    assert len(digests) == 2
    first, second = (d.get_body(("plain",)).get_content() for d in digests)  # type: ignore[union-attr]
    assert "BCY-CTS-2021-0001" not in first
    period = f"Kỳ báo cáo: từ {yesterday:%d/%m/%Y %H:%M} đến {today:%d/%m/%Y %H:%M}."
    assert period in second
    assert "BCY-CTS-2021-0001" in _section(second, "V")
    assert "Hỏi về gia hạn chứng thư số" in _section(second, "I")
    # --date keeps the calendar day: the form's day has it, the day before does not
    arrived = datetime.now(tz).date()
    assert "BCY-CTS-2021-0001" in _section(run(capsys, cfg, "digest", "--date",
                                               arrived.isoformat())[1], "V")
    assert "BCY-CTS-2021-0001" not in _section(run(capsys, cfg, "digest", "--date", (
        arrived - timedelta(days=1)).isoformat())[1], "V")
    # sent once per morning: the same morning again sends nothing new
    assert run(capsys, cfg, "digest", "--send", "--now", today.isoformat())[0] == 0
    assert len(_digests(smtp_sink)) == 2
