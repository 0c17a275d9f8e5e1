"""`bcy-intake export`: the consolidated workbook, read back cell by cell."""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from bot.commands.cli import main
from parsers.spec.campaign import default_campaign
from tests.staff_data import add_submission, grid, open_store, run, write_config

T0 = datetime(2021, 5, 10, 2, 30, tzinfo=UTC)  # 09:30 in Hà Nội
T1 = datetime(2021, 5, 12, 17, 5, tzinfo=UTC)  # 00:05 on 13/5 in Hà Nội


@pytest.fixture
def config(tmp_path: Path) -> Path:
    cfg = write_config(tmp_path)
    store = open_store(tmp_path)
    add_submission(store, agency_key="bo-tai-chinh", agency="Bộ Tài chính",
                   sender="vanthu@mof.gov.vn", verdict="accepted", received_at=T0,
                   quantities=grid(1), document_number="12/BTC-CNTT",
                   document_date=date(2021, 5, 7))
    add_submission(store, agency_key="tinh-bac-ninh", agency="UBND tỉnh Bắc Ninh",
                   sender="vanthu@bacninh.gov.vn", verdict="accepted", received_at=T0,
                   quantities=grid(100), document_number="45/UBND-KGVX",
                   document_date=date(2021, 5, 8))
    add_submission(store, agency_key="bo-tai-chinh", agency="Bộ Tài chính",
                   sender="vanthu@mof.gov.vn", verdict="needs_correction", received_at=T1,
                   quantities=grid(7), findings=[
                       {"code": "quantity-negative", "severity": "error", "field": "x",
                        "location": "Sheet1!E9", "message": "Số lượng không được âm."},
                       {"code": "unit-not-cts", "severity": "warning", "field": "y",
                        "location": None, "message": "Đơn vị tính không phải CTS."}])
    add_submission(store, agency_key="bo-tai-chinh", agency="Bộ Tài chính",
                   sender="cntt@mof.gov.vn", verdict="accepted", received_at=T1,
                   quantities=grid(1000), document_number="15/BTC-CNTT",
                   document_date=date(2021, 5, 12))
    store.close()
    return cfg


def _header_row(ws: Worksheet) -> int:
    """The first header row: the one whose first cell is "TT" (under the title block)."""
    return next(r for r in range(1, 12) if ws.cell(r, 1).value in ("TT", "Mã tiếp nhận",
                                                                   "Loại chứng thư số"))


def readme_sheets() -> list[str]:
    """The sheets the README's paragraph on the workbook describes ("Name": …), in order."""
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    paragraph = readme.split("**The workbook**", 1)[1].split("\n\n", 1)[0]
    return re.findall(r'"([^"]+)":', paragraph)


def test_summary_has_latest_valid_numbers_per_agency(
        config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "tong-hop.xlsx"
    assert run(capsys, config, "export", "-o", str(out))[0] == 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    wb = load_workbook(out)
    assert wb.sheetnames == ["Tổng hợp", "Cộng theo loại, năm", "Chưa gửi", "Chi tiết",
                             "Biểu đồ"]
    assert readme_sheets() == wb.sheetnames
    ws = wb["Tổng hợp"]
    campaign = default_campaign()
    assert str(ws["A1"].value).startswith("TỔNG HỢP ĐỀ XUẤT NHU CẦU CẤP MỚI CHỨNG THƯ SỐ")
    assert "86/BCY-CTSBMTT" in str(ws["A2"].value) and "15/05/2021" in str(ws["A2"].value)
    assert "Lập lúc" in str(ws["A3"].value) and "2/100" in str(ws["A3"].value)
    top = _header_row(ws)
    types, years = len(campaign.quantity_rows), len(campaign.years)
    first, last = 5, 5 + types * years
    assert [ws.cell(top, c).value for c in range(1, first)] == [
        "TT", "Cơ quan", "Số, ký hiệu văn bản", "Mã tiếp nhận"]
    assert [ws.cell(top, first + n * years).value for n in range(types)] == [
        spec.short for spec in campaign.quantity_rows]
    assert f"{get_column_letter(first)}{top}:{get_column_letter(first + 4)}{top}" in {
        str(r) for r in ws.merged_cells.ranges}
    assert [ws.cell(top + 1, first + n).value for n in range(6)] == [
        2021, 2022, 2023, 2024, 2025, 2021]
    assert ws.cell(top, last).value == "Tổng cộng"
    # the Ministry of Finance comes first (registry order) with its corrected numbers
    body = top + 2
    assert [ws.cell(body, c).value for c in range(1, first)] == [
        1, "Bộ Tài chính", "15/BTC-CNTT", "BCY-CTS-2021-0004"]
    assert [ws.cell(body + 1, c).value for c in range(1, first)] == [
        2, "Ủy ban nhân dân tỉnh Bắc Ninh", "45/UBND-KGVX", "BCY-CTS-2021-0002"]
    for row, numbers in {body: grid(1000), body + 1: grid(100)}.items():
        flat = [numbers[s.key][y] for s in campaign.quantity_rows for y in campaign.years]
        assert [ws.cell(row, c).value for c in range(first, last + 1)] == [*flat, sum(flat)]
        assert ws.cell(row, first).number_format == "#,##0"
    totals = body + 2
    assert ws.cell(totals, 1).value == "Tổng cộng" and ws.max_row == totals
    for col in range(first, last + 1):  # stored numbers: readable without computing
        assert ws.cell(totals, col).value == ws.cell(body, col).value + ws.cell(body + 1, col).value
    assert {c.font.name for row in ws.iter_rows() for c in row if c.value is not None} == {
        "Times New Roman"}
    assert ws.print_title_rows == f"${top}:${top + 1}" and ws.print_title_cols == "$A:$B"
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    # two pages across, split between two types, at a scale that fits the wider half
    assert [b.id for b in ws.col_breaks.brk] == [first - 1 + 2 * years]
    assert 50 <= int(ws.page_setup.scale) < 100 and not ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.pageOrder == "overThenDown"
    assert "&P" in ws.oddFooter.center.text
    assert ws.column_dimensions["B"].width > 30
    compact = wb["Cộng theo loại, năm"]
    ctop = _header_row(compact)
    by_type = [sum(grid(1000)[s.key].values()) for s in campaign.quantity_rows]
    by_year = [sum(grid(1000)[s.key][y] for s in campaign.quantity_rows)
               for y in campaign.years]
    assert [compact.cell(ctop + 2, first + n).value for n in range(types + years + 1)] == [
        *by_type, *by_year, sum(by_type)]
    assert compact.page_setup.fitToWidth == 1


def test_missing_sheet_tells_each_agency_state(
        config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "tong-hop.xlsx"
    store = open_store(tmp_path)
    add_submission(store, agency_key="bo-cong-an", agency="Bộ Công an",
                   sender="vanthu@bocongan.gov.vn", verdict="needs_correction", received_at=T1)
    store.close()
    assert run(capsys, config, "export", "-o", str(out))[0] == 0
    ws = load_workbook(out)["Chưa gửi"]
    top = _header_row(ws)
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=top + 1)]
    assert len(rows) == 98  # 100 expected, two counted
    by_name = {r[1]: r for r in rows}
    assert "Bộ Tài chính" not in by_name
    assert by_name["Bộ Công an"][3] == "Cần chỉnh sửa, chưa gửi lại"
    assert by_name["Bộ Công an"][4] is None  # not reminded
    assert by_name["Bộ Công an"][5] == "BCY-CTS-2021-0005"
    assert by_name["Bộ Công an"][7] == "vanthu@bocongan.gov.vn"
    assert by_name["Bộ Công an"][8] == "vanthu@bocongan.gov.vn"  # where a reminder would go
    assert by_name["Bộ Quốc phòng"][3] == "Chưa gửi" and by_name["Bộ Quốc phòng"][5] is None
    assert rows[0][1] == "Bộ Công an"  # in its group, those that must correct come first


def test_detail_lists_every_submission_with_findings(
        config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "tong-hop.xlsx"
    assert run(capsys, config, "export", "-o", str(out))[0] == 0
    ws = load_workbook(out)["Chi tiết"]
    top = _header_row(ws)
    assert ws.cell(top, 1).value == "Mã tiếp nhận" and ws.cell(top, 10).value == (
        "Nội dung cần lưu ý")
    assert ws.cell(top, 6).value == "Tình trạng"
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=top + 1)]
    assert [r[0] for r in rows] == [f"BCY-CTS-2021-000{n}" for n in (1, 2, 3, 4)]
    assert [r[4] for r in rows] == ["Được chấp nhận", "Được chấp nhận", "Cần chỉnh sửa",
                                    "Được chấp nhận"]
    assert [r[5] for r in rows] == ["Được tính"] * 4  # the store's default standing
    assert rows[0][8] == "BCY-CTS-2021-0004"  # the first form was replaced by the fourth
    assert rows[3][8] is None
    assert rows[2][9] == ("Lỗi: Số lượng không được âm. (Sheet1!E9)\n"
                          "Lưu ý: Đơn vị tính không phải CTS.")
    assert ws.cell(top + 3, 10).alignment.wrap_text
    assert ws.row_dimensions[top + 3].height >= 2 * 15
    assert rows[2][1] == datetime(2021, 5, 13, 0, 5)


def test_outside_text_is_never_a_formula(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    cfg = write_config(tmp_path)
    store = open_store(tmp_path)
    add_submission(store, agency_key=None, agency='=HYPERLINK("http://x.example","bấm")',
                   sender="+84@example.vn", verdict="accepted", received_at=T0,
                   quantities=grid(1), document_number="=1+1")
    store.close()
    out = tmp_path / "x.xlsx"
    assert run(capsys, cfg, "export", "-o", str(out))[0] == 0
    wb = load_workbook(out)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    outside = [c for c in cells if str(c.value).startswith(("=HYPERLINK", "=1+1", "+84"))]
    assert len(outside) >= 3 and all(c.data_type == "s" for c in outside)


def test_charts_are_native_and_drawn_from_the_sheet(
        config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "tong-hop.xlsx"
    assert run(capsys, config, "export", "-o", str(out))[0] == 0
    with zipfile.ZipFile(out) as z:
        charts = sorted(n for n in z.namelist() if n.startswith("xl/charts/chart"))
        xml = [z.read(n).decode() for n in charts]
    assert len(charts) == 2
    assert "Biểu đồ" in xml[0] or "'Biểu đồ'" in xml[0]  # series point at the sheet's cells
    assert 'barDir val="col"' in xml[0] and 'barDir val="bar"' in xml[1]
    assert 'grouping val="stacked"' in xml[1]


def test_export_refuses_a_non_xlsx_name(config: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config), "export", "-o", str(tmp_path / "x.csv")]) == 64
    assert "xlsx" in capsys.readouterr().err


def test_export_of_an_empty_store_still_has_totals(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "rong.xlsx"
    assert run(capsys, write_config(tmp_path), "export", "-o", str(out))[0] == 0
    ws = load_workbook(out)["Tổng hợp"]
    top = _header_row(ws)
    assert ws.cell(top + 2, 1).value == "Tổng cộng" and ws.cell(top + 2, 5).value == 0


def test_the_digest_the_workbook_and_the_console_agree_on_each_agency(
        config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One source of agency states (bot.staff.standing): an agency whose only form waits for
    confirmation is 'awaiting confirmation' (not counted, its numbers not in the export), one
    reminded says when, one whose forms staff rejected never wrote; the same in the digest,
    `agencies missing`, the workbook's "Chưa gửi" and the console's rows."""
    from bot.intake.service import open_service
    from bot.staff.agencies import agency_rows
    from bot.staff.standing import standings
    from bot.store.schema import NewOutbox

    store = open_store(tmp_path)
    held = add_submission(store, agency_key="bo-y-te", agency="Bộ Y tế",
                          sender="cntt.byt@gmail.com", verdict="accepted", received_at=T1,
                          quantities=grid(5000), standing="awaiting-confirmation")
    add_submission(store, agency_key="bo-cong-an", agency="Bộ Công an", sender="ke@evil.example",
                   verdict="accepted", received_at=T1, quantities=grid(9000),
                   standing="rejected")
    store.reminders.queue("cts-2021-2025", "bo-y-te", date(2021, 5, 15), 3,
                          [NewOutbox("reminder", "vanthu@moh.gov.vn", b"Subject: x\r\n\r\nx")])
    store.close()
    service = open_service(str(config))
    try:
        states = {s.agency.key: s for s in standings(service.store, service.registry,
                                                    service.campaign)}
        rows = {r.key: r for r in agency_rows(service.store, service.registry,
                                              service.campaign)}
        campaign_id = service.campaign.id
    finally:
        service.store.close()
    assert campaign_id == "cts-2021-2025"
    assert states["bo-y-te"].state == rows["bo-y-te"].state == "awaiting_confirmation"
    assert states["bo-y-te"].reminded == rows["bo-y-te"].reminded is not None
    assert states["bo-cong-an"].state == rows["bo-cong-an"].state == "never_wrote"
    assert states["bo-tai-chinh"].state == rows["bo-tai-chinh"].state == "counted"
    reminded_on = states["bo-y-te"].reminded
    assert reminded_on is not None
    day = reminded_on.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%d/%m/%Y")

    out = tmp_path / "tong-hop.xlsx"
    assert run(capsys, config, "export", "-o", str(out))[0] == 0
    book = load_workbook(out)
    ws = book["Chưa gửi"]
    top = _header_row(ws)
    by_name = {r[1]: r for r in ([c.value for c in row]
                                 for row in ws.iter_rows(min_row=top + 1))}
    assert by_name["Bộ Y tế"][3] == "Chờ xác nhận người gửi"
    assert by_name["Bộ Y tế"][4] is not None and by_name["Bộ Y tế"][5] == held
    assert by_name["Bộ Công an"][3] == "Chưa gửi" and by_name["Bộ Công an"][5] is None
    summary = [c.value for row in book["Tổng hợp"].iter_rows() for c in row]
    assert "Bộ Y tế" not in summary and "Bộ Công an" not in summary  # only counted numbers

    code, digest = run(capsys, config, "digest", "--date", "2021-05-13")
    assert code == 0
    assert f"Bộ Y tế (chờ xác nhận; đã nhắc {day})" in digest
    assert held in digest.split("II. TIẾN ĐỘ")[0]  # first among the things to do
    code, missing = run(capsys, config, "agencies", "missing")
    assert code == 0
    assert f"Bộ Y tế (chờ xác nhận người gửi: {held})" in missing
