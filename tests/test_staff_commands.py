"""Staff commands over a real SQLite store: submissions list/show, reprocess, resend, agencies."""

from __future__ import annotations

import io
import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from bot.commands.cli import main
from bot.staff.progress import Progress, with_progress
from tests.servers import SINK_PASSWORD, SINK_USER
from tests.staff_data import add_submission, grid, mail, open_store, run, write_config

if TYPE_CHECKING:
    from tests.servers.smtp import SmtpSink

T0 = datetime(2021, 5, 10, 2, 30, tzinfo=UTC)
T1 = datetime(2021, 5, 11, 2, 30, tzinfo=UTC)
FORM = Path(__file__).parent / "forms" / "cases" / "d01_btc_template_layout.docx"
FINDING = {"code": "quantity-negative", "severity": "error",
           "field": "quantities.personal_sim_pki.2023", "location": "Sheet1!F9",
           "message": "Số lượng phải là số nguyên không âm; ô F9 đang ghi \"-3\"."}


def _seed(tmp_path: Path, smtp_port: int = 25) -> Path:
    cfg = write_config(tmp_path, smtp_port, SINK_USER, SINK_PASSWORD)
    store = open_store(tmp_path)
    add_submission(store, agency_key="bo-tai-chinh", agency="Bộ Tài chính",
                   sender="vanthu@mof.gov.vn", verdict="accepted", received_at=T0,
                   quantities=grid(1), document_number="12/BTC-CNTT",
                   document_date=date(2021, 5, 7))
    add_submission(store, agency_key="tinh-bac-ninh", agency="UBND tỉnh Bắc Ninh",
                   sender="vanthu@bacninh.gov.vn", verdict="accepted", received_at=T0,
                   quantities=grid(100))
    # the real form of the ministry, stored with an outdated verdict (a rule has changed)
    add_submission(store, agency_key="bo-tai-chinh", agency="Bộ Tài chính",
                   sender="vanthu@mof.gov.vn", verdict="needs_correction", received_at=T1,
                   quantities=grid(7), findings=[FINDING],
                   raw=mail("vanthu@mof.gov.vn", "Đề xuất nhu cầu chứng thư số", FORM))
    for item in store.outbox.unsent():
        store.outbox.mark_sent(item.id)
    store.close()
    return cfg


def test_submissions_list_and_filters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _seed(tmp_path)
    code, out = run(capsys, cfg, "submissions", "list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["Mã", "tiếp", "nhận"]
    assert lines[2].split() == ["BCY-CTS-2021-0001", "10/05/2021", "09:30", "Bộ", "Tài",
                                "chính", "Được", "chấp", "nhận", "Được", "tính",
                                "vanthu@mof.gov.vn"]
    assert "vanthu@bacninh.gov.vn" in lines[3] and "Cần chỉnh sửa" in lines[4]
    assert "Tổng số: 3 hồ sơ." in out
    out = run(capsys, cfg, "submissions", "list", "--agency", "TAI CHINH")[1]
    assert "BCY-CTS-2021-0001" in out and "0002" not in out and "0003" in out
    out = run(capsys, cfg, "submissions", "list", "--verdict", "needs_correction")[1]
    assert "0003" in out and "0001" not in out
    out = run(capsys, cfg, "submissions", "list", "--date", "2021-05-11")[1]
    assert "0003" in out and "0001" not in out
    out = run(capsys, cfg, "submissions", "list", "--date", "2021-06-01")[1]
    assert out.strip() == "Không có hồ sơ nào phù hợp."


def test_submissions_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _seed(tmp_path)
    code, out = run(capsys, cfg, "submissions", "show", "BCY-CTS-2021-0003")
    assert code == 0
    assert "Mã tiếp nhận:        BCY-CTS-2021-0003" in out
    assert "Kết quả:             Cần chỉnh sửa" in out
    assert "Thời điểm nhận:      11/05/2021 09:30" in out
    assert "Cá nhân — SIM PKI" in out and "Tổng cộng" in out
    assert "[LỖI] quantity-negative (Sheet1!F9): Số lượng phải là số nguyên" in out
    with pytest.raises(SystemExit):
        main(["--config", str(cfg), "submissions"])
    assert main(["--config", str(cfg), "submissions", "show", "BCY-CTS-2021-9999"]) == 1


def test_reprocess_rewrites_in_place_without_reply(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _seed(tmp_path)
    code, out = run(capsys, cfg, "reprocess", "BCY-CTS-2021-0003")
    assert code == 0
    assert "BCY-CTS-2021-0003" in out and "Cần chỉnh sửa → Được chấp nhận" in out
    store = open_store(tmp_path)
    sub = store.submissions.by_reference("BCY-CTS-2021-0003")
    assert sub is not None and sub.verdict == "accepted" and sub.received_at == T1
    expected = json.loads(FORM.with_suffix(".expect.json").read_text("utf-8"))
    assert sub.quantities == {row: dict(years.items())
                              for row, years in expected["quantities"].items()}
    assert sub.document_number == "123/BTC-CNTT" and json.loads(sub.findings_json) == []
    # the corrected form now replaces the ministry's earlier numbers
    first = store.submissions.by_reference("BCY-CTS-2021-0001")
    assert first is not None and first.superseded_by == sub.id
    assert {s.reference for s in store.submissions.latest_valid()} == {
        "BCY-CTS-2021-0002", "BCY-CTS-2021-0003"}
    assert store.outbox.unsent() == []  # no new reply without --reply
    store.close()


def test_reprocess_usage(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _seed(tmp_path)
    assert main(["--config", str(cfg), "reprocess"]) == 64
    assert main(["--config", str(cfg), "reprocess", "BCY-CTS-2021-0001", "--all"]) == 64


def test_reprocess_all_with_reply_and_resend(tmp_path: Path, smtp_sink: SmtpSink,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    cfg = _seed(tmp_path, smtp_sink.port)
    code, out = run(capsys, cfg, "reprocess", "--all", "--reply")
    assert code == 0
    # the synthetic mails carry no form: they are left as they were
    assert "Đã xử lý lại 3 hồ sơ; 1 hồ sơ thay đổi kết quả." in out
    [reply] = smtp_sink.wait_for(1)
    assert reply.rcpt_tos == ("vanthu@mof.gov.vn",)
    assert b"X-BCY-Intake-Reference: BCY-CTS-2021-0003" in reply.raw
    assert b"X-BCY-Intake-Verdict: accepted" in reply.raw

    code, out = run(capsys, cfg, "resend", "BCY-CTS-2021-0003")
    assert code == 0 and "Đã gửi lại thư trả lời hồ sơ BCY-CTS-2021-0003" in out
    again = smtp_sink.wait_for(2)[1]
    assert again.raw == reply.raw.replace(b"\r\n", b"\n") or again.raw == reply.raw

    code, out = run(capsys, cfg, "resend", "BCY-CTS-2021-0002")
    assert code == 0 and "vanthu@bacninh.gov.vn" in out
    assert b"BCY-CTS-2021-0002" in smtp_sink.wait_for(3)[2].raw


def test_agencies_missing_by_group(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, _seed(tmp_path), "agencies", "missing")
    assert code == 0
    assert out.startswith("Các cơ quan chưa gửi số liệu hợp lệ: 98/100.")
    assert "\nBộ (17):\n" in out and "  - Bộ Công an\n" in out
    assert "Bộ Tài chính" not in out and "Ủy ban nhân dân tỉnh Bắc Ninh" not in out
    assert "\nTỉnh, thành phố trực thuộc Trung ương (62):\n" in out


def test_progress_bar_only_on_a_terminal(tmp_path: Path) -> None:
    with open(tmp_path / "log", "w") as stream:
        bar = Progress(3, stream)
        bar.step()
        bar.close()
    assert (tmp_path / "log").read_text() == ""


def test_progress_bar_draws_on_a_terminal() -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Tty()
    assert list(with_progress(["a", "b"], 2, stream)) == ["a", "b"]
    assert stream.getvalue().endswith(f"\r[{'#' * 30}] 2/2\n")


def test_show_writes_unreadable_cells_as_check_does(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """A cell `check` could not read is "—" in `submissions show` too, never a 0."""
    from bot.store.schema import NewSubmission

    form = Path(__file__).parent / "golden" / "template-cell-errors.xlsx"
    capsys.readouterr()
    assert main(["check", str(form)]) == 1
    checked = capsys.readouterr().out
    report = json.loads(Path(f"{form}.golden.json").read_text(encoding="utf-8"))
    cfg = write_config(tmp_path)
    store = open_store(tmp_path)
    raw_id = store.messages.save_raw(folder="INBOX", uidvalidity=1, uid=1, raw=b"x",
                                     message_id="<cells@x>")
    quantities = {row: {y: v for y, v in years.items() if v is not None}
                  for row, years in report["quantities"].items() if years}
    ref = store.submissions.save_outcome(raw_id, NewSubmission(
        reference_prefix="BCY-CTS-2021", sender="vanthu@moc.gov.vn", verdict="needs_correction",
        received_at=T0, record_json=json.dumps(report, ensure_ascii=False),
        findings_json=json.dumps(report["findings"], ensure_ascii=False),
        agency="Bộ Xây dựng", agency_key="bo-xay-dung", quantities=quantities))
    store.close()
    shown = run(capsys, cfg, "submissions", "show", str(ref))[1]

    def cells(text: str, label: str) -> list[str]:
        line = next(x for x in text.splitlines() if x.startswith(label))
        return line[len(label):].split()[:5]

    for label in ("Cơ quan, tổ chức — USB Token", "Cá nhân — USB Token"):
        assert cells(shown, label) == cells(checked, label)
        assert "—" in cells(shown, label)


def test_reprocess_judges_a_stored_strangers_form_under_the_trust_rule(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A form a stranger sent before standing existed was stored counted (migration 0004);
    reprocessing judges it again and says so."""
    cfg = write_config(tmp_path)
    store = open_store(tmp_path)
    ref = add_submission(store, agency_key="bo-tai-chinh", agency="Bộ Tài chính",
                         sender="ke@evil.example", verdict="accepted", received_at=T0,
                         quantities=grid(1),
                         raw=mail("ke@evil.example", "Đề xuất nhu cầu chứng thư số", FORM))
    assert [s.reference for s in store.submissions.latest_valid()] == [ref]
    store.close()
    code, out = run(capsys, cfg, "reprocess", ref)
    assert code == 0
    assert f"{ref}" in out and "Được tính → Chờ xác nhận" in out
    assert "1 hồ sơ thay đổi kết quả" in out
    store = open_store(tmp_path)
    assert store.submissions.latest_valid() == []
    store.close()
