"""`bcy-intake remind`: who is reminded, at which address, once per step, through a real SMTP
sink; the letter's words follow the deadline in force (a faked clock with --now)."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.servers import SINK_PASSWORD, SINK_USER
from tests.staff_data import add_submission, grid, open_store, run, write_config

if TYPE_CHECKING:
    from tests.servers.smtp import SmtpSink

REGISTRY = """
[[agency]]
key = "bo-tai-chinh"
name = "Bộ Tài chính"
domains = ["mof.gov.vn"]
group = "bo"
valid_from = 2021-01-01

[[agency]]
key = "bo-cong-an"
name = "Bộ Công an"
domains = ["bocongan.gov.vn"]
group = "bo"
valid_from = 2021-01-01

[[agency]]
key = "tinh-bac-ninh"
name = "Ủy ban nhân dân tỉnh Bắc Ninh"
contacts = ["vanphong@bacninh.gov.vn", "cntt@bacninh.gov.vn"]
group = "tinh-thanh"
valid_from = 2021-01-01

[[agency]]
key = "tinh-ha-nam"
name = "Ủy ban nhân dân tỉnh Hà Nam"
group = "tinh-thanh"
valid_from = 2021-01-01
"""
STEP_3 = "2021-05-12T08:00"  # three days before 15/05/2021
RECEIVED = datetime(2021, 5, 10, 3, 0, tzinfo=UTC)


def _config(tmp_path: Path, port: int = 25, extra: str = "") -> Path:
    cfg = write_config(tmp_path, port, SINK_USER, SINK_PASSWORD)
    (tmp_path / "agencies.toml").write_text(REGISTRY, encoding="utf-8")
    with cfg.open("a", encoding="utf-8") as fh:
        fh.write(f'\n[registry]\nfile = "agencies.toml"\n{extra}')
    store = open_store(tmp_path)
    add_submission(store, agency_key="bo-tai-chinh", agency="Bộ Tài chính",
                   sender="vanthu@mof.gov.vn", verdict="accepted", received_at=RECEIVED,
                   quantities=grid(1))
    add_submission(store, agency_key="bo-cong-an", agency="Bộ Công an",
                   sender="vanthu@bocongan.gov.vn", verdict="needs_correction",
                   received_at=RECEIVED)
    store.close()
    return cfg


def _letters(sink: SmtpSink) -> list[EmailMessage]:
    found = []
    for m in sink.messages:
        msg = email.message_from_bytes(m.raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        if msg["X-BCY-Intake-Reminder"]:
            found.append(msg)
    return found


def test_dry_run_lists_each_agency_with_its_address(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, _config(tmp_path), "remind", "--now", STEP_3)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("Nhắc hạn: bước 3 ngày trước hạn gửi (12/05/2021")
    body = [line for line in lines[1:] if "→" in line]
    assert len(body) == 3  # Bộ Tài chính has a counted form
    assert body[0].startswith("Bộ Công an → vanthu@bocongan.gov.vn [Cần chỉnh sửa")
    assert body[1].startswith("Ủy ban nhân dân tỉnh Bắc Ninh → vanphong@bacninh.gov.vn, "
                              "cntt@bacninh.gov.vn [Chưa gửi; sẽ gửi]")
    assert "Hà Nam → (chưa có địa chỉ)" in body[2]
    assert "2 thư sẽ được gửi" in out and "--send" in out


def test_send_once_per_step_with_the_blank_form(tmp_path: Path, smtp_sink: SmtpSink,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _config(tmp_path, smtp_sink.port)
    assert run(capsys, cfg, "remind", "--send", "--now", STEP_3)[0] == 0
    letters = _letters(smtp_sink)
    assert sorted(r for m in smtp_sink.messages for r in m.rcpt_tos
                  if b"X-BCY-Intake-Reminder" in m.raw) == [
        "cntt@bacninh.gov.vn", "vanphong@bacninh.gov.vn", "vanthu@bocongan.gov.vn"]
    police = next(m for m in letters if "bocongan" in str(m["To"]))
    text = police.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert text.startswith("Kính gửi: Bộ Công an.")
    assert "Công văn số 86/BCY-CTSBMTT ngày 01/04/2021" in text
    assert "trước ngày 15/05/2021" in text and "BCY-CTS-2021-0002" in text
    assert police["Auto-Submitted"] == "auto-generated"
    assert sorted(str(a.get_filename()) for a in police.iter_attachments()) == [
        "mau-dang-ky-cts-2021-2025.docx", "mau-dang-ky-cts-2021-2025.xlsx"]
    out = run(capsys, cfg, "remind", "--send", "--now", "2021-05-13T08:00")[1]
    assert len(_letters(smtp_sink)) == len(letters)  # the same step: nobody twice
    assert out.count("đã nhắc ở bước này") == 2
    digest = run(capsys, cfg, "digest")[1]  # the last 24 hours: the letters just queued
    assert "Thư nhắc hạn đã gửi trong kỳ (2)" in digest


def test_no_step_after_the_deadline_and_none_before_the_first(
        tmp_path: Path, smtp_sink: SmtpSink, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _config(tmp_path, smtp_sink.port)
    for moment in ("2021-04-20T08:00", "2021-05-16T08:00"):
        code, out = run(capsys, cfg, "remind", "--send", "--now", moment)
        assert code == 0 and "không có bước nhắc hạn nào đến hạn" in out
    assert _letters(smtp_sink) == []


def test_an_extended_deadline_moves_the_steps_and_the_words(
        tmp_path: Path, smtp_sink: SmtpSink, capsys: pytest.CaptureFixture[str]) -> None:
    campaign = tmp_path / "campaign.toml"
    from importlib import resources
    text = resources.files("parsers.spec").joinpath("campaigns", "cts-2021-2025.toml")
    campaign.write_text(text.read_text(encoding="utf-8").replace(
        "deadline = 2021-05-15\n", "deadline = 2021-05-15\nextended_deadline = 2021-05-31\n"),
        encoding="utf-8")
    cfg = _config(tmp_path, smtp_sink.port, f'\n[campaign]\nfile = "{campaign}"\n')
    out = run(capsys, cfg, "remind", "--send", "--now", "2021-05-20T08:00")[1]
    assert out.startswith("Nhắc hạn: bước 14 ngày trước hạn gửi (17/05/2021; hạn gửi 31/05/2021)")
    [letter, *_] = _letters(smtp_sink)
    words = letter.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "trước ngày 31/05/2021" in words and "15/05/2021" not in words


def test_caps_apply(tmp_path: Path, smtp_sink: SmtpSink,
                    capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _config(tmp_path, smtp_sink.port)
    text = cfg.read_text(encoding="utf-8") + "\n[limits]\nreminders_per_run = 1\n"
    cfg.write_text(text, encoding="utf-8")
    out = run(capsys, cfg, "remind", "--send", "--now", STEP_3)[1]
    assert len(_letters(smtp_sink)) == 1
    assert "quá giới hạn" in out
