"""The agency registry: the 2021 data file, header and domain matching, and the file checks."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from pathlib import Path

import pytest

from parsers.spec.registry import Registry, RegistryError, load_registry, words

LETTER_DATE = dt.date(2021, 4, 1)
DATA = Path(__file__).resolve().parents[1] / "parsers" / "spec" / "agencies" / "agencies-2021.toml"


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


# --- the 2021 data file -----------------------------------------------------------------------

def test_expected_count_in_2021(registry: Registry) -> None:
    expected = registry.expected(LETTER_DATE)
    print(f"expected agencies on {LETTER_DATE}: {len(expected)}")
    assert len(expected) == 100
    assert Counter(a.group for a in expected) == {
        "bo": 18, "co-quan-ngang-bo": 4, "co-quan-thuoc-chinh-phu": 8, "tinh-thanh": 63,
        "dang": 1, "quoc-hoi-tu-phap-khac": 6,
    }
    assert registry.expected(dt.date(2021, 5, 15)) == expected  # the deadline


def test_2025_mergers_are_dated_but_do_not_touch_2021(registry: Registry) -> None:
    assert sum(a.group == "tinh-thanh" for a in registry.expected(dt.date(2025, 7, 1))) == 34
    binh_duong = registry.get("tinh-binh-duong")
    assert binh_duong.valid_on(dt.date(2025, 6, 30))
    assert not binh_duong.valid_on(dt.date(2025, 7, 1))
    assert not registry.get("bo-ke-hoach-va-dau-tu").valid_on(dt.date(2025, 3, 1))
    later = dt.date(2025, 8, 1)
    assert registry.identify("UBND TỈNH BÌNH DƯƠNG", "a@binhduong.gov.vn", later).agency is None


def test_keys_are_unique_stable_slugs(registry: Registry) -> None:
    keys = [a.key for a in registry.agencies]
    assert len(keys) == len(set(keys))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", k) for k in keys)
    for a in registry.agencies:
        if a.group == "tinh-thanh":
            assert a.key.startswith(("tinh-", "thanh-pho-"))
            assert a.name.startswith(("Ủy ban nhân dân tỉnh ", "Ủy ban nhân dân thành phố "))


def test_the_63_provinces(registry: Registry) -> None:
    provinces = [a for a in registry.agencies if a.group == "tinh-thanh"]
    cities = {a.key for a in provinces if a.key.startswith("thanh-pho-")}
    assert cities == {"thanh-pho-ha-noi", "thanh-pho-ho-chi-minh", "thanh-pho-hai-phong",
                      "thanh-pho-da-nang", "thanh-pho-can-tho"}
    assert len(provinces) == 63
    for a in provinces:  # one entry answers for the UBND, the HĐND and the Tỉnh ủy/Thành ủy
        assert any(words(s)[:3] == ("hoi", "dong", "nhan") for s in a.aliases), a.key
        assert any(words(s)[:2] in {("tinh", "uy"), ("thanh", "uy")} for s in a.aliases), a.key
        assert a.domains, a.key


def test_every_spelling_resolves_to_its_own_agency(registry: Registry) -> None:
    for a in registry.agencies:
        for s in a.spellings:
            found = registry.match_header(s, LETTER_DATE)
            assert found is not None and found.key == a.key, (s, found and found.key, a.key)
            assert registry.match_header(s.upper(), LETTER_DATE) == a, s


def test_no_alias_or_domain_is_shared(registry: Registry) -> None:
    owners: dict[tuple[str, ...], set[str]] = {}
    domains: dict[str, set[str]] = {}
    for a in registry.agencies:
        for s in a.spellings:
            owners.setdefault(words(s), set()).add(a.key)
        for d in a.domains:
            domains.setdefault(d, set()).add(a.key)
    assert {s: k for s, k in owners.items() if len(k) > 1} == {}
    assert {d: k for d, k in domains.items() if len(k) > 1} == {}
    assert all(d == d.lower() and "@" not in d for d in domains)


def test_default_registry_is_the_packaged_file(registry: Registry) -> None:
    assert load_registry(DATA).agencies == registry.agencies


# --- headers ----------------------------------------------------------------------------------

HEADERS = [
    ("BỘ TÀI CHÍNH", "bo-tai-chinh"),
    ("Bộ Tài Chính", "bo-tai-chinh"),
    ("BO TAI CHINH", "bo-tai-chinh"),
    ("BỘ TÀI CHÍNH\nCỤC TIN HỌC VÀ THỐNG KÊ TÀI CHÍNH", "bo-tai-chinh"),
    ("BỘ TÀI CHÍNH\r\nCỤC THUẾ TỈNH BẮC NINH", "bo-tai-chinh"),
    ("CỤC THUẾ TỈNH BẮC NINH", "bo-tai-chinh"),
    ("SỞ THÔNG TIN VÀ TRUYỀN THÔNG TỈNH NAM ĐỊNH", "tinh-nam-dinh"),
    ("UBND TỈNH NAM ĐỊNH\nSỞ THÔNG TIN VÀ TRUYỀN THÔNG", "tinh-nam-dinh"),
    ("SỞ TT&TT TỈNH QUẢNG NAM", "tinh-quang-nam"),
    ("SỞ TT&TT TỈNH QUẢNG NINH", "tinh-quang-ninh"),
    ("SỞ TT&TT TỈNH QUẢNG NGÃI", "tinh-quang-ngai"),
    ("BỘ THÔNG TIN VÀ TRUYỀN THÔNG\nCỤC AN TOÀN THÔNG TIN", "bo-thong-tin-va-truyen-thong"),
    ("Bộ TT&TT", "bo-thong-tin-va-truyen-thong"),
    ("ỦY BAN NHÂN DÂN\nTỈNH BẮC NINH", "tinh-bac-ninh"),
    ("ỦY BAN NHÂN DÂN TỈNH\nBẮC NINH", "tinh-bac-ninh"),
    (unicodedata.normalize("NFD", "Ủy ban nhân dân tỉnh Bắc Ninh"), "tinh-bac-ninh"),
    ("UỶ BAN NHÂN DÂN TỈNH KHÁNH HOÀ", "tinh-khanh-hoa"),
    ("Ủy ban nhân dân tỉnh Khánh Hòa", "tinh-khanh-hoa"),
    ("UBND tỉnh Thanh Hoá", "tinh-thanh-hoa"),
    ("HỘI ĐỒNG NHÂN DÂN TỈNH HÒA BÌNH", "tinh-hoa-binh"),
    ("HĐND TỈNH HOÀ BÌNH", "tinh-hoa-binh"),
    ("TỈNH ỦY BÌNH ĐỊNH", "tinh-binh-dinh"),
    ("TỈNH UỶ BÌNH DƯƠNG", "tinh-binh-duong"),
    ("ĐẢNG BỘ TỈNH BÌNH PHƯỚC\nTỈNH ỦY", "tinh-binh-phuoc"),
    ("UBND tỉnh Bình Thuận", "tinh-binh-thuan"),
    ("UBND TỈNH NINH BÌNH", "tinh-ninh-binh"),
    ("VĂN PHÒNG UBND TỈNH NINH THUẬN", "tinh-ninh-thuan"),
    ("UBND TỈNH TÂY NINH", "tinh-tay-ninh"),
    ("UBND TỈNH HÀ NAM", "tinh-ha-nam"),
    ("UBND TỈNH HÀ TĨNH", "tinh-ha-tinh"),
    ("UBND TỈNH HÀ GIANG", "tinh-ha-giang"),
    ("UBND TỈNH VĨNH LONG", "tinh-vinh-long"),
    ("UBND TỈNH LONG AN", "tinh-long-an"),
    ("THÀNH ỦY HÀ NỘI", "thanh-pho-ha-noi"),
    ("UBND TP. Hà Nội", "thanh-pho-ha-noi"),
    ("UBND TP Hà Nội", "thanh-pho-ha-noi"),
    ("UBND Tp.Hà Nội", "thanh-pho-ha-noi"),
    ("ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI", "thanh-pho-ha-noi"),
    ("UBND TP.HCM", "thanh-pho-ho-chi-minh"),
    ("UBND TPHCM", "thanh-pho-ho-chi-minh"),
    ("ỦY BAN NHÂN DÂN THÀNH PHỐ HỒ CHÍ MINH", "thanh-pho-ho-chi-minh"),
    ("UBND tỉnh Bà Rịa-Vũng Tàu", "tinh-ba-ria-vung-tau"),
    ("UBND TỈNH BÀ RỊA – VŨNG TÀU", "tinh-ba-ria-vung-tau"),
    ("UBND tỉnh BR-VT", "tinh-ba-ria-vung-tau"),
    ("UBND TỈNH THỪA THIÊN - HUẾ", "tinh-thua-thien-hue"),
    ("UBND TỈNH ĐĂK LĂK", "tinh-dak-lak"),
    ("UBND tỉnh Đắc Lắc", "tinh-dak-lak"),
    ("UBND TỈNH ĐẮK NÔNG", "tinh-dak-nong"),
    ("UBND TỈNH BẮC KẠN", "tinh-bac-kan"),
    ("UBND TỈNH BẮC CẠN", "tinh-bac-kan"),
    ("ỦY BAN DÂN TỘC", "uy-ban-dan-toc"),
    ("NGÂN HÀNG NHÀ NƯỚC VIỆT NAM\nCHI NHÁNH TỈNH BẮC NINH", "ngan-hang-nha-nuoc-viet-nam"),
    ("VĂN PHÒNG CHÍNH PHỦ", "van-phong-chinh-phu"),
    ("THANH TRA CHÍNH PHỦ", "thanh-tra-chinh-phu"),
    ("HỌC VIỆN CHÍNH TRỊ QUỐC GIA HỒ CHÍ MINH", "hoc-vien-chinh-tri-quoc-gia-ho-chi-minh"),
    ("VIỆN HÀN LÂM KHOA HỌC VÀ CÔNG NGHỆ VIỆT NAM",
     "vien-han-lam-khoa-hoc-va-cong-nghe-viet-nam"),
    ("BỘ KHOA HỌC VÀ CÔNG NGHỆ", "bo-khoa-hoc-va-cong-nghe"),
    ("VIỆN HÀN LÂM KHOA HỌC XÃ HỘI VIỆT NAM", "vien-han-lam-khoa-hoc-xa-hoi-viet-nam"),
    ("BẢO HIỂM XÃ HỘI TỈNH BẮC NINH", "bao-hiem-xa-hoi-viet-nam"),
    ("BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", "bo-lao-dong-thuong-binh-va-xa-hoi"),
    ("SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI TỈNH LONG AN", "tinh-long-an"),
    ("BỘ NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN", "bo-nong-nghiep-va-phat-trien-nong-thon"),
    ("Bộ Văn hoá, Thể thao và Du lịch", "bo-van-hoa-the-thao-va-du-lich"),
    ("ỦY BAN TRUNG ƯƠNG\nMẶT TRẬN TỔ QUỐC VIỆT NAM", "uy-ban-trung-uong-mat-tran-to-quoc-viet-nam"),
    ("UBTW MTTQ VN", "uy-ban-trung-uong-mat-tran-to-quoc-viet-nam"),
    ("TÒA ÁN NHÂN DÂN TỐI CAO", "toa-an-nhan-dan-toi-cao"),
    ("VIỆN KIỂM SÁT NHÂN DÂN TỐI CAO", "vien-kiem-sat-nhan-dan-toi-cao"),
    ("KIỂM TOÁN NHÀ NƯỚC", "kiem-toan-nha-nuoc"),
    ("VĂN PHÒNG QUỐC HỘI", "van-phong-quoc-hoi"),
    ("VĂN PHÒNG CHỦ TỊCH NƯỚC", "van-phong-chu-tich-nuoc"),
    ("BAN CHẤP HÀNH TRUNG ƯƠNG\n*\nVĂN PHÒNG", "van-phong-trung-uong-dang"),
    ("CÔNG AN TỈNH BẮC NINH", "bo-cong-an"),
    ("BỘ QUỐC PHÒNG\nBAN CƠ YẾU CHÍNH PHỦ", "bo-quoc-phong"),
    ("UBND TỈNH LÀO CAI\nCỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc",
     "tinh-lao-cai"),
    ("UBND TỈNH HÀ NAM\nSố: 12/UBND-VP\nHà Nội, ngày 01 tháng 4 năm 2021", "tinh-ha-nam"),
]


@pytest.mark.parametrize(("header", "key"), HEADERS)
def test_header(registry: Registry, header: str, key: str) -> None:
    found = registry.match_header(header, LETTER_DATE)
    assert found is not None and found.key == key


@pytest.mark.parametrize("header", [
    "",
    "CÔNG TY CỔ PHẦN ABC",
    "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",   # which province? not the ministry
    "Thông tin và Truyền thông",
    "BAN CƠ YẾU CHÍNH PHỦ",
    "BAN CHẤP HÀNH TRUNG ƯƠNG",
    "QUỐC HỘI\nỦY BAN KINH TẾ",
    "Hà Nội, ngày 01 tháng 4 năm 2021",  # the place of the date line is not the sender
    "Số: 12/UBND-VP\nLào Cai, ngày 5 tháng 5 năm 2021",
    "Bình", "Quảng", "Hà", "UBND TỈNH", "ỦY BAN NHÂN DÂN",
])
def test_header_without_agency(registry: Registry, header: str) -> None:
    assert registry.match_header(header, LETTER_DATE) is None


# --- sender domains ---------------------------------------------------------------------------

@pytest.mark.parametrize(("address", "key"), [
    ("a@mof.gov.vn", "bo-tai-chinh"),
    ("Nguyễn Văn A <a@mail.mof.gov.vn>", "bo-tai-chinh"),
    ("x@xyz.bacninh.gov.vn", "tinh-bac-ninh"),
    ("X@BACNINH.GOV.VN", "tinh-bac-ninh"),
    ("x@hanam.gov.vn", "tinh-ha-nam"),
    ("x@hanoi.gov.vn", "thanh-pho-ha-noi"),
    ("x@tphcm.gov.vn", "thanh-pho-ho-chi-minh"),
    ("x@mic.gov.vn", "bo-thong-tin-va-truyen-thong"),
    ("x@stttt.namdinh.gov.vn", "tinh-nam-dinh"),
    ("x@chinhphu.vn", "van-phong-chinh-phu"),
])
def test_domain(registry: Registry, address: str, key: str) -> None:
    found = registry.match_address(address, LETTER_DATE)
    assert found is not None and found.key == key


@pytest.mark.parametrize("address", [
    "", "x@gmail.com", "not an address", "x@notmof.gov.vn", "x@mof.gov.vn.example.com",
    "x@baochinhphu.vn", "mof.gov.vn",
])
def test_domain_without_agency(registry: Registry, address: str) -> None:
    assert registry.match_address(address, LETTER_DATE) is None


# --- identify ---------------------------------------------------------------------------------

def test_identify_header_and_domain_agree(registry: Registry) -> None:
    i = registry.identify("SỞ TT&TT TỈNH NAM ĐỊNH", "stttt@namdinh.gov.vn", LETTER_DATE)
    assert i.agency is not None and i.agency.key == "tinh-nam-dinh"
    assert (i.by, i.mismatch) == ("both", False)


def test_identify_header_only(registry: Registry) -> None:
    i = registry.identify("UBND TỈNH BẮC NINH", "someone@gmail.com", LETTER_DATE)
    assert i.agency is not None and i.agency.key == "tinh-bac-ninh"
    assert (i.by, i.mismatch, i.domain_agency) == ("header", False, None)


def test_identify_domain_only(registry: Registry) -> None:
    for header in (None, "", "CÔNG VĂN"):
        i = registry.identify(header, "a@mail.mof.gov.vn", LETTER_DATE)
        assert i.agency is not None and i.agency.key == "bo-tai-chinh"
        assert (i.by, i.mismatch, i.header_agency) == ("domain", False, None)


@pytest.mark.parametrize(("header", "address", "said", "domain"), [
    ("BỘ TÀI CHÍNH", "x@bacninh.gov.vn", "bo-tai-chinh", "tinh-bac-ninh"),
    ("SỞ THÔNG TIN VÀ TRUYỀN THÔNG TỈNH NAM ĐỊNH", "x@mic.gov.vn",
     "tinh-nam-dinh", "bo-thong-tin-va-truyen-thong"),
    ("UBND TỈNH HÀ NAM", "x@hanoi.gov.vn", "tinh-ha-nam", "thanh-pho-ha-noi"),
])
def test_identify_mismatch_keeps_the_header(
    registry: Registry, header: str, address: str, said: str, domain: str
) -> None:
    i = registry.identify(header, address, LETTER_DATE)
    assert i.agency is not None and i.agency.key == said
    assert (i.by, i.mismatch) == ("header", True)
    assert i.domain_agency is not None and i.domain_agency.key == domain


def test_identify_nothing(registry: Registry) -> None:
    assert registry.identify(None, None, LETTER_DATE) == registry.identify(
        "CÔNG TY ABC", "x@gmail.com", LETTER_DATE)
    i = registry.identify(None, None, LETTER_DATE)
    assert (i.agency, i.by, i.mismatch) == (None, None, False)


# --- the file checks staff rely on ------------------------------------------------------------

ENTRY = """
[[agency]]
key = "{key}"
name = "{name}"
aliases = [{aliases}]
domains = [{domains}]
group = "{group}"
valid_from = {valid_from}
{extra}
"""


def _entry(key: str = "bo-a", name: str = "Bộ A", aliases: str = "", domains: str = "",
           group: str = "bo", valid_from: str = "2021-01-01", extra: str = "") -> str:
    return ENTRY.format(key=key, name=name, aliases=aliases, domains=domains, group=group,
                        valid_from=valid_from, extra=extra)


def _load(tmp_path: Path, text: str) -> Registry:
    path = tmp_path / "agencies.toml"
    path.write_text(text, encoding="utf-8")
    return load_registry(path)


def test_small_file_loads(tmp_path: Path) -> None:
    r = _load(tmp_path, _entry() + _entry(key="bo-b", name="Bộ B", domains='"b.gov.vn"',
                                           extra="valid_to = 2025-03-01"))
    assert [a.key for a in r.expected(LETTER_DATE)] == ["bo-a", "bo-b"]
    assert [a.key for a in r.expected(dt.date(2025, 3, 1))] == ["bo-a"]


@pytest.mark.parametrize(("text", "message"), [
    ("", "no [[agency]]"),
    (_entry() + _entry(), "duplicate key"),
    (_entry() + _entry(key="bo-b", aliases='"Bộ A"'), "names both"),
    (_entry(aliases='"BỘ B"') + _entry(key="bo-b", name="Bo B"), "names both"),
    (_entry(domains='"a.gov.vn"') + _entry(key="bo-b", name="Bộ B", domains='"a.gov.vn"'),
     "domain"),
    (_entry(extra='alias = ["x"]'), "unknown field"),
    (_entry(group="ministry"), "group"),
    (_entry(key="Bộ A"), "slug"),
    (_entry(valid_from='"2021"'), "valid_from"),
    (_entry(extra="valid_to = 2020-01-01"), "valid_to"),
    (_entry(domains='"a@b.gov.vn"'), "not a domain"),
    (_entry(aliases='"--"'), "no letters"),
    (_entry(domains='"gmail.com"'), "free-mail domain"),
    (_entry(domains='"hn.vnn.vn"'), "free-mail domain"),
    (_entry(extra='addresses = ["not-an-address"]'), "not an e-mail address"),
    (_entry(extra='addresses = ["a@gmail.com"]')
     + _entry(key="bo-b", name="Bộ B", extra='addresses = ["A@gmail.com"]'), "address"),
])
def test_broken_file_is_refused(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(RegistryError, match=re.escape(message)):
        _load(tmp_path, text)


def test_alias_may_pass_from_a_ceased_agency_to_its_successor(tmp_path: Path) -> None:
    r = _load(tmp_path, _entry(extra="valid_to = 2025-03-01")
              + _entry(key="bo-a-moi", name="Bộ A", valid_from="2025-03-01"))
    assert r.identify("BỘ A", None, LETTER_DATE).agency == r.get("bo-a")
    assert r.identify("BỘ A", None, dt.date(2025, 3, 1)).agency == r.get("bo-a-moi")


def test_whole_addresses_may_be_free_mail(tmp_path: Path) -> None:
    r = _load(tmp_path, _entry(domains='"a.gov.vn"',
                               extra='addresses = ["CNTT.BoA@Gmail.com"]'))
    assert r.get("bo-a").addresses == ("cntt.boa@gmail.com",)
