"""Text from mail, forms and certificates never becomes a formula in a workbook we write: the
export and the workbook attached to the digest, saved and read back, every text cell of every
sheet (Tổng hợp, Cộng theo loại, năm, Chưa gửi, Chi tiết with its signatures column, Biểu
đồ)."""

from __future__ import annotations

import email
import email.policy
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import Workbook, load_workbook

from bot.intake.service import open_service
from bot.staff.digest.mail import compose_digest
from bot.staff.digest.period import digest_period
from bot.staff.digest.report import build_digest
from bot.store.records import Signature
from replies.cells import write_cell
from replies.render import showable
from tests.staff_data import add_submission, grid, mail, open_store, run, write_config

HOSTILE = ('=HYPERLINK("http://evil.example/x","Bấm vào đây")', "=cmd|' /C calc'!A0", "+1",
           "@SUM(A1)", "-2+3", "=1+1", "#N/A", "\t=2*3", "\r=4")
T0 = datetime(2021, 5, 10, 2, 30, tzinfo=UTC)
AWAITING = ("bo-tai-chinh", "bo-y-te", "bo-cong-an", "bo-quoc-phong", "bo-ngoai-giao",
            "tinh-bac-ninh", "thanh-pho-ha-noi", "bo-noi-vu", "bo-tu-phap")
SHEETS = {"Tổng hợp", "Cộng theo loại, năm", "Chưa gửi", "Chi tiết", "Biểu đồ"}


def _signed_by(text: str) -> Signature:
    """A signature whose certificate names its signer and organisation `text` (a CA writes what
    it is asked to: the subject is outside text like any other)."""
    return Signature(file="cong-van.pdf", field="Sig1", signer=f"CN={text}, O={text}",
                     signer_cn=text, signer_o=f"{text} (O)", signer_ou=None, issuer=text,
                     serial="1F", signing_time=T0, timestamp_time=None, intact=True,
                     coverage="entire-file", modification="none", trusted=False,
                     trust_problem="no-chain")


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """One counted, accepted submission per hostile value, each text field carrying it, with a
    signed cover letter whose signer carries it too."""
    cfg = write_config(tmp_path)
    store = open_store(tmp_path)
    for n, text in enumerate(HOSTILE):
        # an agency outside the registry is shown by the name the form gave
        add_submission(store, agency_key=f"ngoai-danh-sach-{n}", agency=text, sender=text,
                       verdict="accepted", received_at=T0, quantities=grid(n),
                       document_number=text,
                       findings=[{"code": text, "severity": "warning", "field": "x",
                                  "location": text, "message": text}],
                       raw=mail("vanthu@example.vn", f"Công văn {n}"),
                       signatures=(_signed_by(text),))
        # a registry agency whose only form waits for confirmation: listed under "Chưa gửi"
        # with that form's reference and sender
        add_submission(store, agency_key=AWAITING[n], agency=text, sender=text,
                       verdict="accepted", received_at=T0, quantities=grid(n),
                       document_number=text, standing="awaiting-confirmation",
                       raw=mail("la@example.vn", f"Công văn chờ {n}"))
    store.close()
    return cfg


def _text_cells(data: bytes) -> dict[tuple[str, str], tuple[object, str]]:
    wb = load_workbook(io.BytesIO(data))
    return {(ws.title, cell.coordinate): (cell.value, cell.data_type)
            for ws in wb.worksheets for row in ws.iter_rows() for cell in row
            if isinstance(cell.value, str)}


def _assert_no_formula(data: bytes) -> None:
    cells = _text_cells(data)
    assert {kind for _, kind in cells.values()} == {"s"}, [
        (where, v) for where, (v, kind) in cells.items() if kind != "s"]
    values = {v for v, _ in cells.values()}
    assert {sheet for sheet, _ in cells} == SHEETS
    for text in HOSTILE:
        assert text in values, text  # written as it came, not altered
        assert f"Lưu ý: {text} ({text})" in values  # a finding line of "Chi tiết"
        # the signatures column of "Chi tiết": the signer's names first, as the certificate
        # gave them, less the control characters (a CR too) every rendered line drops
        shown = showable(text)
        assert any(v.startswith(f"{shown} — {shown} (O): tài liệu nguyên vẹn từ khi ký")
                   for v in values), text
    # the agency and number columns of the summaries, the sender and the reference of the
    # held form under "Chưa gửi", agency, sender and number in "Chi tiết"
    for sheet, least in (("Tổng hợp", 2), ("Cộng theo loại, năm", 2), ("Chưa gửi", 1),
                         ("Chi tiết", 3)):
        on_sheet = [v for (s, _), (v, _) in cells.items() if s == sheet]
        assert all(on_sheet.count(text) >= least for text in HOSTILE), sheet


def test_export_writes_hostile_text_as_text(config: Path, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "tong-hop.xlsx"
    assert run(capsys, config, "export", "-o", str(out))[0] == 0
    _assert_no_formula(out.read_bytes())


def test_digest_workbook_writes_hostile_text_as_text(config: Path) -> None:
    service = open_service(str(config))
    try:
        tz = ZoneInfo(service.cfg.digest.timezone)
        now = T0 + timedelta(days=1)
        period = digest_period(service.store, tz, now, T0.date())
        msg = email.message_from_bytes(  # as it goes on the wire
            compose_digest(build_digest(service, period, now), service).as_bytes(),
            policy=email.policy.default)
    finally:
        service.store.close()
    [workbook] = list(msg.iter_attachments())
    data = workbook.get_payload(decode=True)
    assert isinstance(data, bytes)
    _assert_no_formula(data)


def test_text_xml_cannot_carry_is_dropped_not_fatal() -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    write_cell(ws, 1, 1, "Bộ\x00 Tài\x1b chính\x07")
    write_cell(ws, 2, 1, 42)
    buffer = io.BytesIO()
    wb.save(buffer)
    back = load_workbook(io.BytesIO(buffer.getvalue())).active
    assert back is not None
    assert back["A1"].value == "Bộ Tài chính" and back["A1"].data_type == "s"
    assert back["A2"].value == 42 and back["A2"].data_type == "n"
