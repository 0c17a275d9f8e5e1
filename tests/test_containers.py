"""Forms inside containers — .zip, .7z, .rar, winmail.dat — read like the files themselves, with
names decoded right; hostile containers (passwords, bombs, nesting, floods) get a verdict."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import pytest
import rarfile

from bot.intake.isolated import read_attachment_isolated
from parsers.archive.members import MAX_DEPTH, MAX_FILES
from parsers.form.parse import FormReport, read_form
from parsers.form.unpack import read_attachment
from parsers.spec.campaign import default_campaign
from replies.findings import finding_message
from tests.archive_kit import rar_of, seven_zip_of, winmail_dat, zip_of
from tests.conftest import REPO_ROOT, servers_required
from tests.test_hostile_files import with_encryption_flag
from tests.vietnamese_bytes import cp1258_bytes, tcvn3_bytes

GOLDEN = Path(__file__).resolve().parent / "golden"
DOCX = (GOLDEN / "template-clean.docx").read_bytes()
XLSX = (GOLDEN / "template-province-two-lines.xlsx").read_bytes()
CAMPAIGN = default_campaign()
SECONDS = 20.0
NAME = "Mẫu đăng ký nhu cầu chứng thư số.xlsx"


def read(data: bytes, name: str) -> list[FormReport]:
    started = time.monotonic()
    reports = read_attachment(data, name, CAMPAIGN)
    assert time.monotonic() - started < SECONDS, f"{name} took too long"
    return reports


def codes(reports: list[FormReport]) -> list[list[str]]:
    return [[f.code for f in r.findings] for r in reports]


def same_as_the_file(report: FormReport, data: bytes) -> None:
    alone = read_form(data, "x", CAMPAIGN)
    assert (report.verdict, report.agency, report.quantities, codes([report])) == (
        alone.verdict, alone.agency, alone.quantities, codes([alone]))


# --- zip --------------------------------------------------------------------------------------

def test_forms_in_a_zip_are_each_read_and_the_rest_left_out() -> None:
    data = zip_of({"ho so/Mẫu BTC.docx": DOCX, "ho so/bang.xlsx": XLSX,
                   "ho so/cong-van.pdf": b"%PDF-1.4\n", "__MACOSX/ho so/._bang.xlsx": b"\0\5",
                   "ho so/Thumbs.db": b"\0"})
    reports = read(data, "ho-so.zip")
    assert [r.file for r in reports] == ["ho-so.zip/Mẫu BTC.docx", "ho-so.zip/bang.xlsx"]
    same_as_the_file(reports[0], DOCX)
    same_as_the_file(reports[1], XLSX)


@pytest.mark.parametrize("raw", [
    lambda n: n.encode("utf-8"),  # Linux and macOS zip: UTF-8 without the flag
    cp1258_bytes,  # Windows Explorer on a Vietnamese system
    tcvn3_bytes,  # old Vietnamese tools with ABC fonts
], ids=["utf-8-unflagged", "cp1258", "tcvn3"])
def test_member_names_without_the_utf8_flag(raw: object) -> None:
    assert callable(raw)
    data = zip_of({NAME: XLSX}, raw_names={NAME: raw(NAME)})
    [report] = read(data, "a.zip")
    assert report.file == f"a.zip/{NAME}"


def test_member_names_with_the_utf8_flag_and_the_unicode_path_field() -> None:
    [flagged] = read(zip_of({NAME: XLSX}), "a.zip")  # zipfile sets bit 11 for non-ASCII
    assert flagged.file == f"a.zip/{NAME}"
    data = zip_of({NAME: XLSX}, raw_names={NAME: b"M?u dang ky.xlsx"}, unicode_path=True)
    [field] = read(data, "b.zip")
    assert field.file == f"b.zip/{NAME}"


def test_a_cp437_name_is_read_as_cp437() -> None:
    name = "Résumé Müller.xlsx"
    [report] = read(zip_of({name: XLSX}, raw_names={name: name.encode("cp437")}), "c.zip")
    assert report.file == f"c.zip/{name}"


def test_a_password_protected_zip_is_named_as_such() -> None:
    [report] = read(with_encryption_flag(zip_of({"a.xlsx": XLSX})), "khoa.zip")
    assert (report.verdict, codes([report])) == ("unreadable", [["file-protected"]])
    message = finding_message(report.findings[0])
    assert "Tệp nén khoa.zip" in message and "mật khẩu" in message


def test_nesting_is_read_down_to_the_limit_and_no_further() -> None:
    data = XLSX
    for level in range(MAX_DEPTH):
        data = zip_of({f"muc{level}.zip" if level else "bang.xlsx": data})
    [report] = read(data, "ngoai.zip")
    assert report.verdict == "accepted"
    assert report.file == "ngoai.zip/muc2.zip/muc1.zip/bang.xlsx"
    [too_deep] = read(zip_of({"them.zip": data}), "ngoai.zip")
    assert codes([too_deep]) == [["file-too-complex"]]


def test_a_zip_bomb_is_refused_before_inflating() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("bom.xlsx", bytes(60 * 1024 * 1024))
    [report] = read(out.getvalue(), "bom.zip")
    assert report.verdict == "unreadable"
    assert codes([report])[0][0] in ("file-unreadable", "file-too-large")


def test_a_flood_of_members_stops_at_the_budget() -> None:
    files = {f"{n:03d}.txt": b"x" for n in range(MAX_FILES + 20)}
    reports = read(zip_of(files), "nhieu.zip")
    assert len(reports) == MAX_FILES + 20
    assert codes(reports)[-1] == ["file-too-complex"]


def test_an_archive_without_a_form_says_what_each_file_is() -> None:
    reports = read(zip_of({"cong-van.pdf": b"%PDF-1.4\n", "anh.png": b"\x89PNG\r\n\x1a\n"}),
                   "ho-so.zip")
    assert [r.file for r in reports] == ["ho-so.zip/cong-van.pdf", "ho-so.zip/anh.png"]
    assert all(r.verdict == "unreadable" for r in reports)
    [empty] = read(zip_of({}), "rong.zip")
    assert (empty.file, codes([empty])) == ("rong.zip", [["form-not-found"]])


# --- 7z ---------------------------------------------------------------------------------------

def test_a_form_in_a_7z() -> None:
    [report] = read(seven_zip_of({f"thư mục/{NAME}": XLSX, "ghi chu.txt": b"x"}), "a.7z")
    assert report.file == f"a.7z/{NAME}"
    same_as_the_file(report, XLSX)


def test_a_password_protected_7z() -> None:
    [report] = read(seven_zip_of({"a.xlsx": XLSX}, password="bi-mat"), "khoa.7z")
    assert codes([report]) == [["file-protected"]]


def test_a_7z_bomb_is_refused() -> None:
    [report] = read(seven_zip_of({"bom.xlsx": bytes(40 * 1024 * 1024)}), "bom.7z")
    assert report.verdict == "unreadable"


# --- rar --------------------------------------------------------------------------------------

def test_forms_in_a_rar() -> None:
    reports = read(rar_of({"bang.xlsx": XLSX, "Mẫu BTC.docx": DOCX}), "a.rar")
    assert [r.file for r in reports] == ["a.rar/bang.xlsx", "a.rar/Mẫu BTC.docx"]
    same_as_the_file(reports[0], XLSX)


def test_a_rar_through_the_extraction_tool(monkeypatch: pytest.MonkeyPatch) -> None:
    if not (shutil.which("unar") or shutil.which("bsdtar")):
        if servers_required():
            pytest.fail("neither unar nor bsdtar is installed: RAR extraction is NOT tested")
        pytest.skip("neither unar nor bsdtar is installed")
    monkeypatch.setattr(rarfile, "FORCE_TOOL", True)  # as for a compressed member
    [report] = read(rar_of({"bang.xlsx": XLSX}), "a.rar")
    same_as_the_file(report, XLSX)
    # the tool also runs under the isolated reader's address-space limit (forked: same setting)
    [inside] = read_attachment_isolated(rar_of({"bang.xlsx": XLSX}), "a.rar", CAMPAIGN)
    same_as_the_file(inside, XLSX)


def test_a_compressed_rar_without_a_tool_asks_for_a_zip(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_tool(*args: object, **kw: object) -> None:
        raise rarfile.RarCannotExec("Cannot find working tool")

    monkeypatch.setattr(rarfile, "CURRENT_SETUP", None)
    monkeypatch.setattr(rarfile, "tool_setup", no_tool)
    [report] = read(rar_of({"bang.xlsx": XLSX}, compressed_flag=True), "nen.rar")
    assert codes([report]) == [["file-converter-missing"]]
    assert ".zip" in finding_message(report.findings[0])


def test_a_password_protected_rar() -> None:
    data = bytearray(rar_of({"a.xlsx": XLSX}))
    at = data.index(b"\x74", 7 + 13)  # the file header; its flags follow the type byte
    data[at + 1] |= 0x04  # LHD_PASSWORD
    size = int.from_bytes(data[at + 3:at + 5], "little")
    data[at - 2:at] = (zlib.crc32(bytes(data[at:at - 2 + size])) & 0xFFFF).to_bytes(2, "little")
    [report] = read(bytes(data), "khoa.rar")
    assert codes([report]) == [["file-protected"]]


# --- winmail.dat ------------------------------------------------------------------------------

def test_a_form_in_winmail_dat() -> None:
    [report] = read(winmail_dat({NAME: XLSX, "logo.png": b"\x89PNG\r\n\x1a\n"}), "winmail.dat")
    assert report.file == f"winmail.dat/{NAME}"
    same_as_the_file(report, XLSX)


def test_winmail_dat_title_in_the_windows_code_page() -> None:
    name = "Mẫu đăng ký.xlsx"
    [report] = read(winmail_dat({name: XLSX}, title=cp1258_bytes, long_names=False),
                    "winmail.dat")
    assert report.file == f"winmail.dat/{name}"


def test_a_winmail_dat_flood_is_cut_short() -> None:
    header = winmail_dat({})
    flood = header + b"\x01\x00\x80\x01\x00\x00\x00\x00\x00\x00\x00" * 200_000
    [report] = read(flood, "winmail.dat")
    assert codes([report]) == [["file-too-complex"]]


# --- through the command line -----------------------------------------------------------------

def _check_json(*paths: Path) -> tuple[int, object]:
    proc = subprocess.run([sys.executable, "-m", "bot", "check", "--json", *map(str, paths)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
                          check=False)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)


def test_check_json_reports_each_form_inside_containers(tmp_path: Path) -> None:
    files = {
        "hai-co-quan.zip": zip_of({"BTC.docx": DOCX, "HaGiang.xlsx": XLSX}),
        "mot.7z": seven_zip_of({NAME: XLSX}),
        "mot.rar": rar_of({"BTC.docx": DOCX}),
        "winmail.dat": winmail_dat({NAME: XLSX}),
        "khoa.zip": with_encryption_flag(zip_of({"a.xlsx": XLSX})),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    code, out = _check_json(*(tmp_path / n for n in files))
    assert isinstance(out, list)
    # one object per path given, so a batch script sees one verdict per path; an archive
    # holding several forms lists them under "files"
    assert len(out) == len(files) and out[0]["file"] == "hai-co-quan.zip"
    both = out[0]
    assert (both["verdict"], both["agency"], both["quantities"]) == ("accepted", None, None)
    got = [(o["file"], o["verdict"], o["agency"]) for o in [*both["files"], *out[1:]]]
    assert got == [
        ("hai-co-quan.zip/BTC.docx", "accepted", "Bộ Tài chính"),
        ("hai-co-quan.zip/HaGiang.xlsx", "accepted", "UBND tỉnh Hà Giang"),
        (f"mot.7z/{NAME}", "accepted", "UBND tỉnh Hà Giang"),
        ("mot.rar/BTC.docx", "accepted", "Bộ Tài chính"),
        (f"winmail.dat/{NAME}", "accepted", "UBND tỉnh Hà Giang"),
        ("khoa.zip", "unreadable", None),
    ]
    assert both["files"][0]["quantities"]["organization_usb_token"] == dict.fromkeys(
        CAMPAIGN.years, 5)
    assert code == 2


def test_check_json_of_a_zip_with_one_form_is_one_object(tmp_path: Path) -> None:
    path = tmp_path / "ho-so.zip"
    path.write_bytes(zip_of({"cong-van.pdf": b"%PDF-1.4\n", NAME: XLSX}))
    code, out = _check_json(path)
    assert isinstance(out, dict)
    assert (out["file"], out["verdict"], code) == (f"ho-so.zip/{NAME}", "accepted", 0)


def test_the_budget_caps_the_bytes_taken_out_of_one_attachment() -> None:
    from parsers.archive.containers import Budget, members

    found = members(zip_of({"a.xlsx": XLSX, "b.xlsx": XLSX}), "zip",
                    Budget(size=len(XLSX) + 10))
    assert [(m.name, m.problem) for m in found] == [("a.xlsx", None),
                                                    ("b.xlsx", "file-too-large")]
    assert found[0].data == XLSX and found[1].data is None
