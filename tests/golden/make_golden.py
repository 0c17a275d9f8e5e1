"""Writes the template-based golden inputs: the official blank form filled the ways clerks fill
it. Run `python tests/golden/make_golden.py`; then `UPDATE_GOLDEN=1 pytest tests/test_golden.py`
writes the expected JSON next to each input, to be read and checked by a person."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from demo.forms import Filling, fill_docx, fill_xlsx
from parsers.spec.campaign import default_campaign

HERE = Path(__file__).parent
CAMPAIGN = default_campaign()
ALL = dict.fromkeys(CAMPAIGN.years, 5)

VARIANTS: dict[str, Filling] = {
    "clean": Filling("BỘ TÀI CHÍNH", "Bộ Tài chính", "215/BTC-THTK",
                     numbers={"organization_usb_token": ALL, "personal_usb_token": {"2021": 7},
                              "personal_sim_pki": {"2022": 3}, "personal_sd_secure": {"2023": 2},
                              "device_service_software": {"2025": 1}}),
    "province-two-lines": Filling("ỦY BAN NHÂN DÂN\nTỈNH HÀ GIANG", "UBND tỉnh Hà Giang",
                                  "88/UBND-KGVX", "Hà Giang, ngày 3 tháng 5 năm 2021",
                                  numbers={"personal_usb_token": ALL}),
    "text-numbers": Filling("BỘ Y TẾ", "Bộ Y tế", "1234/BYT-CNTT",
                            numbers={"organization_usb_token": {"2021": "1.000", "2022": "05"},
                                     "personal_sim_pki": {"2021": "50 CTS", "2022": "-"}}),
    "nfd-old-tones": Filling(unicodedata.normalize("NFD", "ỦY BAN NHÂN DÂN TỈNH KHÁNH HOÀ"),
                             unicodedata.normalize("NFD", "Uỷ ban nhân dân tỉnh Khánh Hoà"),
                             "15/UBND-VP", unicodedata.normalize(
                                 "NFD", "Khánh Hoà, ngày 12 tháng 5 năm 2021"),
                             numbers={"device_service_software": ALL}),
    "cell-errors": Filling("BỘ XÂY DỰNG", "Bộ Xây dựng", "77/BXD-VP",
                           numbers={"organization_usb_token": {"2021": "mười", "2022": "2,5"},
                                    "personal_usb_token": {"2023": "-3", "2024": "10-20"},
                                    "personal_sd_secure": {"2025": "khoảng 50"}}),
    "placeholders-left": Filling("<TÊN CƠ QUAN ĐẢNG, NHÀ NƯỚC>", "<tên cơ quan Đảng, Nhà nước>",
                                 "<Số, ký hiệu>", "<Địa danh>, ngày ... tháng ... năm 2021",
                                 numbers={"organization_usb_token": ALL}),
    "late-and-large": Filling("BỘ CÔNG AN", "Bộ Công an", "9/BCA-H05",
                              "Hà Nội, ngày 20 tháng 5 năm 2021",
                              numbers={"personal_usb_token": {"2021": 900000}}),
    "empty-table": Filling("BỘ TƯ PHÁP", "Bộ Tư pháp", "5/BTP-CNTT"),
}


def main() -> None:
    for name, filling in VARIANTS.items():
        (HERE / f"template-{name}.docx").write_bytes(fill_docx(CAMPAIGN, filling))
        (HERE / f"template-{name}.xlsx").write_bytes(fill_xlsx(CAMPAIGN, filling))


if __name__ == "__main__":
    main()
