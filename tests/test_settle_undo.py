"""Settling a submission, as staff would try it: references in any case; an unknown one exits 1
for every command (show, resend, confirm, reject); rejecting a confirmed submission takes back
the address confirming it trusted (and says so), rejecting a counted one says what changed;
`remind` writes to an agency's trusted addresses when it names no contact."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.commands.cli import main
from bot.store.database import Store
from bot.store.schema import NewOutbox, NewSubmission
from tests.servers import SINK_PASSWORD, SINK_USER
from tests.staff_data import add_submission, mail, open_store, run, write_config
from tests.test_remind import RECEIVED, REGISTRY, STEP_3

CLERK = "vanthu.hanam@gmail.com"


def _waiting(store: Store, sender: str) -> str:
    message_id = store.messages.save_raw(folder="INBOX", uidvalidity=1, uid=9001,
                                         raw=mail(sender, "Công văn"), message_id="<w@test>",
                                         from_addr=sender, subject="w")
    sub = NewSubmission(
        reference_prefix="BCY-CTS-2021", sender=sender, verdict="accepted",
        received_at=RECEIVED, agency="Ủy ban nhân dân tỉnh Hà Nam", agency_key="tinh-ha-nam",
        record_json=json.dumps({"file": "mau.docx", "findings": []}), findings_json="[]",
        document_number=None, document_date=None, quantities={},
        standing="awaiting-confirmation", standing_reason="unknown-sender", author=sender)
    ref = store.submissions.save_outcome(message_id, sub, lambda r: [
        NewOutbox("reply", sender, f"Subject: Re [{r}]\r\nX-BCY-Intake-Reference: {r}\r\n"
                                   "\r\nreply\r\n".encode())])
    assert ref is not None
    return ref


@pytest.fixture
def config(tmp_path: Path) -> Path:
    cfg = write_config(tmp_path, 25, SINK_USER, SINK_PASSWORD)
    (tmp_path / "agencies.toml").write_text(REGISTRY, encoding="utf-8")
    with cfg.open("a", encoding="utf-8") as fh:
        fh.write('\n[registry]\nfile = "agencies.toml"\n')
    return cfg


def _trusted(tmp_path: Path) -> list[str]:
    store = open_store(tmp_path)
    try:
        return [e.sender for e in store.senders.find("tinh-ha-nam")]
    finally:
        store.close()


def test_reject_after_confirm_takes_back_the_trusted_address(
        tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = open_store(tmp_path)
    ref = _waiting(store, CLERK)
    store.close()
    lower = ref.lower()
    code, out = run(capsys, config, "submissions", "confirm", lower, "--add-address")
    assert code == 0 and CLERK in out and _trusted(tmp_path) == [CLERK]
    code, out = run(capsys, config, "remind", "--now", STEP_3)
    assert code == 0  # counted now: Hà Nam is not reminded
    code, out = run(capsys, config, "submissions", "reject", lower)
    assert code == 0
    assert f"Địa chỉ {CLERK}" in out and "không còn được tính ngay" in out
    assert "đang được tính (do cán bộ xác nhận)" in out
    assert _trusted(tmp_path) == []
    code, out = run(capsys, config, "submissions", "show", lower)
    assert code == 0 and ref in out


def test_remind_writes_to_the_trusted_address(
        tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = open_store(tmp_path)
    store.senders.add(("tinh-ha-nam", CLERK), "cli:test")
    store.close()
    code, out = run(capsys, config, "remind", "--now", STEP_3)
    assert code == 0
    [line] = [line for line in out.splitlines() if "Hà Nam" in line]
    assert f"Hà Nam → {CLERK}" in line


def test_rejecting_a_counted_submission_says_what_changed(
        tmp_path: Path, config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = open_store(tmp_path)
    ref = add_submission(store, agency_key="bo-tai-chinh", agency="Bộ Tài chính",
                         sender="vanthu@mof.gov.vn", verdict="accepted", received_at=RECEIVED)
    store.close()
    code, out = run(capsys, config, "submissions", "reject", ref)
    assert code == 0
    assert "đang được tính (người gửi được tin cậy)" in out and "không còn được tính" in out
    code, out = run(capsys, config, "submissions", "reject", ref)
    assert code == 0 and "đã bị từ chối từ trước" in out


@pytest.mark.parametrize("argv", [("submissions", "show"), ("resend",),
                                  ("submissions", "confirm"), ("submissions", "reject")])
def test_an_unknown_reference_exits_1_for_every_command(
        config: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]) -> None:
    capsys.readouterr()
    assert main(["--config", str(config), *argv, "bcy-cts-2021-9999"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "9999" in err[0]
