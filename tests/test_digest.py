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


def test_digest_text_names_the_days_submissions(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, text = run(capsys, _seed(tmp_path), "digest")
    assert code == 0
    assert "BCY-CTS-2021-0002" in text and "BCY-CTS-2021-0003" in text
    assert "BCY-CTS-2021-0001" not in text.split("\nII. ")[0]  # received on another day
    assert "Ủy ban nhân dân tỉnh Bắc Ninh" in text and "Cần chỉnh sửa" in text
    assert "Quá hạn" in text  # received today, long after the 2021 deadline
    counts = text.split("\nII. ")[1].split("\nIII. ")[0]
    assert [line.split()[-1] for line in counts.strip().splitlines()[1:]] == [
        "1", "1", "0", "1", "1"]
    assert "Đã có số liệu hợp lệ: 2/100 cơ quan" in text
    assert "    - Bộ Công an" in text and "    - Bộ Tài chính" not in text
    assert "«Tệp hỏng»" in text and "bad zip" in text and "harmless" not in text
    totals = text.split("\nIV. ")[1].split("\nV. ")[0]
    org = grid(1)["organization_usb_token"]["2021"] + grid(100)["organization_usb_token"]["2021"]
    assert f" {org} " in totals


def test_digest_of_a_past_day_is_on_time(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    code, text = run(capsys, _seed(tmp_path), "digest", "--date", "2021-05-10")
    assert code == 0
    day = text.split("\nII. ")[0]
    assert "BCY-CTS-2021-0001" in day and "Đúng hạn" in day and "Quá hạn" not in day
    assert "BCY-CTS-2021-0002" not in day


def test_bad_date_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        run(capsys, _seed(tmp_path), "digest", "--date", "10/05/2021")
    assert exited.value.code == 64
    assert "not a date" in capsys.readouterr().err


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
    [workbook] = list(msg.iter_attachments())
    assert str(workbook.get_filename()).endswith(".xlsx")
    assert bytes(workbook.get_content()).startswith(b"PK")

    assert run(capsys, cfg, "digest", "--send")[0] == 0
    assert len(_digests(smtp_sink)) == len(RECIPIENTS)  # not again the same day
    assert run(capsys, cfg, "digest", "--send", "--force")[0] == 0
    assert len(_digests(smtp_sink)) == 2 * len(RECIPIENTS)
    store = open_store(tmp_path)
    assert store.outbox.digest_sent(datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date())
    assert [o.kind for o in store.outbox.unsent()] == []
    store.close()


def test_force_without_send_is_a_usage_error(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, _seed(tmp_path), "digest", "--force")[0] == 64
