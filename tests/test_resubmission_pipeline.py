"""Resubmissions end to end, through a real Dovecot INBOX and a real SMTP listener: the
acknowledgement of a new form says what changed against the agency's previous counted form (or
that nothing did), and `submissions show` gives the agency's history."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from bot.commands.cli import main
from tests.pipeline_kit import BTC, BTC_BROKEN, BTC_FIXED, docx_mail, poll, received, write_config
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink

SENDER = "Văn thư <vanthu@mof.gov.vn>"


def _body(reply: EmailMessage, kind: str = "plain") -> str:
    body = reply.get_body((kind,))
    assert body is not None
    return str(body.get_content())


def _send(mailbox: MailboxAccount, config: Path, sink: SmtpSink, filling: object,
          message_id: str) -> EmailMessage:
    mailbox.append(docx_mail(SENDER, filling, message_id=message_id))  # type: ignore[arg-type]
    assert poll(config) == 0
    return next(m for m in received(sink) if str(m["In-Reply-To"]).strip() == message_id)


def test_the_acknowledgement_says_what_changed(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path, mailbox, smtp_sink)
    first = _send(mailbox, config, smtp_sink, BTC, "<v1@mof.gov.vn>")
    assert first["X-BCY-Intake-Standing"] == "counted"
    assert "So với Mẫu đăng ký" not in _body(first) and "không thay đổi" not in _body(first)

    second = _send(mailbox, config, smtp_sink, BTC_FIXED, "<v2@mof.gov.vn>")
    text = _body(second)
    assert "So với Mẫu đăng ký đã ghi nhận trước đây (mã BCY-CTS-2021-0001, nhận ngày " in text
    lines = [" ".join(line.split()) for line in text.splitlines()]
    changes = lines[lines.index(next(x for x in lines if x.startswith("Loại chứng thư số Năm"))):]
    assert changes[1:5] == ["Cơ quan, tổ chức — USB Token 2021 120 125",
                            "Cơ quan, tổ chức — USB Token 2022 80 85",
                            "Cá nhân — SIM PKI 2023 1.000 0",
                            "Cá nhân — SD Secure 2024 0 7"]
    assert "Tổng cộng 1.200 217" in changes
    assert "Cộng Cá nhân — SIM PKI 1.000 0" in changes
    html = _body(second, "html")
    assert "Trước đây" in html and "<strong>125</strong>" in html

    third = _send(mailbox, config, smtp_sink, BTC_FIXED, "<v3@mof.gov.vn>")
    assert "Số liệu không thay đổi so với Mẫu đăng ký đã ghi nhận trước đây (mã " \
        "BCY-CTS-2021-0002" in " ".join(_body(third).split())
    broken = _send(mailbox, config, smtp_sink, BTC_BROKEN, "<v4@mof.gov.vn>")
    assert broken["X-BCY-Intake-Verdict"] == "needs_correction"
    assert "So với Mẫu đăng ký" not in _body(broken)

    capsys.readouterr()
    assert main(["--config", str(config), "submissions", "show", "BCY-CTS-2021-0003"]) == 0
    shown = capsys.readouterr().out
    history = shown.split("Các hồ sơ của Bộ Tài chính (4, cũ trước")[1].splitlines()[1:]
    assert [line[2:19] for line in history if line[2:6] == "BCY-"] == [
        f"BCY-CTS-2021-000{n}" for n in (1, 2, 3, 4)]
    assert history[0].startswith("  BCY-CTS-2021-0001") and "tổng 1.200" in history[0]
    assert "hồ sơ đầu tiên" in history[1]
    assert "so với BCY-CTS-2021-0001: Cơ quan, tổ chức — USB Token 2021: 120 → 125;" \
        in history[3] and "(tổng 1.200 → 217)" in history[3]
    assert history[4].startswith("> BCY-CTS-2021-0003")
    assert "không thay đổi so với BCY-CTS-2021-0002" in history[5]
    assert "Cần chỉnh sửa" in history[6]

    # a reply sent again after reprocessing compares with the one before, not with itself
    before = len(received(smtp_sink))
    assert main(["--config", str(config), "reprocess", "BCY-CTS-2021-0002", "--reply"]) == 0
    [again] = received(smtp_sink)[before:]
    assert "(mã BCY-CTS-2021-0001," in _body(again) and "Tổng cộng" in _body(again)
