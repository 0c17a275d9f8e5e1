"""`bcy-intake export`: the consolidated workbook, read back cell by cell."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from bot.commands.cli import main
from parsers.spec.campaign import default_campaign
from tests.staff_data import add_submission, grid, open_store, run, write_config

T0 = datetime(2021, 5, 10, 2, 30, tzinfo=UTC)  # 09:30 in Hà Nội
T1 = datetime(2021, 5, 12, 17, 5, tzinfo=UTC)  # 00:05 on 13/5 in Hà Nội
FIRST_Q = 8  # column H: the first quantity


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


def test_summary_has_latest_valid_numbers_per_agency(
        config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "tong-hop.xlsx"
    assert run(capsys, config, "export", "-o", str(out))[0] == 0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    ws = load_workbook(out)["Tổng hợp"]
    campaign = default_campaign()
    assert [ws.cell(1, c).value for c in range(1, FIRST_Q)] == [
        "TT", "Cơ quan", "Địa chỉ gửi", "Số, ký hiệu văn bản", "Ngày văn bản",
        "Thời điểm nhận", "Mã tiếp nhận"]
    assert ws.cell(1, FIRST_Q).value == campaign.quantity_rows[0].short
    assert ws.cell(1, FIRST_Q + 5).value == campaign.quantity_rows[1].short
    assert [ws.cell(2, c).value for c in range(FIRST_Q, FIRST_Q + 6)] == [
        2021, 2022, 2023, 2024, 2025, 2021]
    assert "H1:L1" in {str(r) for r in ws.merged_cells.ranges}
    assert "A1:A2" in {str(r) for r in ws.merged_cells.ranges}
    # the Ministry of Finance comes first (registry order) with its corrected numbers
    assert [ws.cell(3, c).value for c in range(1, FIRST_Q)] == [
        1, "Bộ Tài chính", "cntt@mof.gov.vn", "15/BTC-CNTT", datetime(2021, 5, 12),
        datetime(2021, 5, 13, 0, 5), "BCY-CTS-2021-0004"]
    assert [ws.cell(4, c).value for c in range(1, FIRST_Q)] == [
        2, "Ủy ban nhân dân tỉnh Bắc Ninh", "vanthu@bacninh.gov.vn", "45/UBND-KGVX",
        datetime(2021, 5, 8), datetime(2021, 5, 10, 9, 30), "BCY-CTS-2021-0002"]
    expected = {3: grid(1000), 4: grid(100)}
    for row, numbers in expected.items():
        for n, spec in enumerate(campaign.quantity_rows):
            for i, year in enumerate(campaign.years):
                cell = ws.cell(row, FIRST_Q + 5 * n + i)
                assert cell.value == numbers[spec.key][year], cell.coordinate
                assert cell.number_format == "#,##0"
    assert ws.cell(5, 1).value == "Tổng cộng"
    assert ws.max_row == 5
    last = FIRST_Q + 24
    for col in range(FIRST_Q, last + 1):
        letter = get_column_letter(col)
        total = ws.cell(5, col).value  # a stored number: readable without computing
        assert total == sum(ws[f"{letter}{r}"].value for r in (3, 4))
        spec = campaign.quantity_rows[(col - FIRST_Q) // 5]
        year = campaign.years[(col - FIRST_Q) % 5]
        assert total == grid(1000)[spec.key][year] + grid(100)[spec.key][year]
    assert ws.freeze_panes == "C3"
    assert ws.auto_filter.ref == f"A2:{get_column_letter(last)}4"
    assert ws.cell(1, 1).font.bold and ws.cell(2, FIRST_Q).font.bold
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert ws.page_setup.fitToWidth == 1 and ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.column_dimensions["B"].width > 30


def test_detail_lists_every_submission_with_findings(
        config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "tong-hop.xlsx"
    assert run(capsys, config, "export", "-o", str(out))[0] == 0
    ws = load_workbook(out)["Chi tiết"]
    assert ws.cell(1, 1).value == "Mã tiếp nhận" and ws.cell(1, 10).value == "Nội dung cần lưu ý"
    assert ws.cell(1, 6).value == "Tình trạng"
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert [r[0] for r in rows] == [f"BCY-CTS-2021-000{n}" for n in (1, 2, 3, 4)]
    assert [r[4] for r in rows] == ["Được chấp nhận", "Được chấp nhận", "Cần chỉnh sửa",
                                    "Được chấp nhận"]
    assert [r[5] for r in rows] == ["Được tính"] * 4  # the store's default standing
    assert rows[0][8] == "BCY-CTS-2021-0004"  # the first form was replaced by the fourth
    assert rows[3][8] is None
    assert rows[2][9] == ("quantity-negative: Số lượng không được âm.\n"
                          "unit-not-cts: Đơn vị tính không phải CTS.")
    assert ws.cell(4, 10).alignment.wrap_text
    assert ws.cell(2, 8).number_format == "dd/mm/yyyy"
    assert rows[2][1] == datetime(2021, 5, 13, 0, 5)


def test_export_refuses_a_non_xlsx_name(config: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(config), "export", "-o", str(tmp_path / "x.csv")]) == 64
    assert "xlsx" in capsys.readouterr().err


def test_export_of_an_empty_store_still_has_totals(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "rong.xlsx"
    assert run(capsys, write_config(tmp_path), "export", "-o", str(out))[0] == 0
    ws = load_workbook(out)["Tổng hợp"]
    assert ws.cell(3, 1).value == "Tổng cộng" and ws.cell(3, FIRST_Q).value == 0
