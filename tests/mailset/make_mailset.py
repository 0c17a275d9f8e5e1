"""Build a realistic set of .eml files for the acceptance test of the mail pipeline.

Every message is assembled by hand (raw bytes, fixed boundaries) to imitate what a real client
sends: Outlook, Thunderbird, Gmail, Apple Mail, Roundcube/Zimbra, webmails, auto-responders,
MTAs. Writes tests/mailset/messages/NN_name.eml, tests/mailset/expect.json (per file: the
expected reply or none, and whether the message must still be in the INBOX) and
tests/mailset/expect_export.json (the 25 numbers of each agency's latest valid form).

Run: /work/venv/bin/python -m tests.mailset.make_mailset   (from the repository root)
"""

from __future__ import annotations

import base64
import json
import quopri
import shutil
import subprocess
import sys
import tempfile
import unicodedata
from email.header import Header
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


from demo.forms import Filling, fill_docx, fill_xlsx  # noqa: E402 - after the sys.path line above
from parsers.spec.campaign import default_campaign  # noqa: E402 - after the sys.path line above

CAMPAIGN = default_campaign()
OURS = "ca@bcy.gov.vn"
YEARS = ["2021", "2022", "2023", "2024", "2025"]
ROWS = ["organization_usb_token", "personal_usb_token", "personal_sim_pki",
        "personal_sd_secure", "device_service_software"]
DOCX_T = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_T = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SUBJ = "V/v đề xuất nhu cầu cấp mới chứng thư số giai đoạn 2021-2025"

# 1x1 PNG (a "logo")
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
JPG = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
       + bytes(range(256)) * 8 + b"\xff\xd9")
PDF = (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
       b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n"
       b"%%EOF\n")


# ------------------------------------------------------------------------------------------
# MIME helpers (raw bytes, CRLF)

def h(text: str) -> str:
    """RFC 2047 (base64, UTF-8) when not ASCII."""
    try:
        text.encode("ascii")
        return text
    except UnicodeEncodeError:
        return Header(text, "utf-8").encode(maxlinelen=76).replace("\n", "\r\n")


def h_q(text: str) -> str:
    """RFC 2047 Q-encoding (Thunderbird/Roundcube style), one encoded word per 40 chars."""
    raw = text.encode("utf-8")
    words, chunk = [], b""
    for ch in text:
        b = ch.encode("utf-8")
        if len(chunk) + len(b) > 40:
            words.append(chunk)
            chunk = b""
        chunk += b
    if chunk:
        words.append(chunk)
    del raw
    out = []
    for w in words:
        enc = "".join(
            chr(c) if (48 <= c <= 57 or 65 <= c <= 90 or 97 <= c <= 122) else
            ("_" if c == 32 else f"={c:02X}") for c in w)
        out.append(f"=?UTF-8?Q?{enc}?=")
    return "\r\n ".join(out)


def addr(name: str, email: str) -> str:
    return f"{h(name)} <{email}>" if name else email


def b64(data: bytes) -> str:
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i:i + 76] for i in range(0, len(s), 76))


def qp(text: str) -> str:
    return quopri.encodestring(text.replace("\r\n", "\n").encode("utf-8")).decode() \
        .replace("\n", "\r\n")


def part(headers: list[tuple[str, str]], body: str) -> str:
    return "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n" + body


def text_part(text: str, subtype: str = "plain", enc: str = "base64",
              charset: str = "utf-8") -> str:
    body = b64(text.encode("utf-8")) if enc == "base64" else qp(text) \
        if enc == "quoted-printable" else text
    return part([("Content-Type", f'text/{subtype}; charset="{charset}"'),
                 ("Content-Transfer-Encoding", enc)], body)


def multipart(subtype: str, boundary: str, parts: list[str], extra: str = "") -> str:
    out = part([("Content-Type", f'multipart/{subtype};{extra}\r\n\tboundary="{boundary}"')], "")
    for p in parts:
        out += f"--{boundary}\r\n{p}\r\n"
    return out + f"--{boundary}--\r\n"


def message(headers: list[tuple[str, str]], body_part: str) -> bytes:
    head = "".join(f"{k}: {v}\r\n" for k, v in headers) + "MIME-Version: 1.0\r\n"
    return (head + body_part).encode("utf-8")


def att_outlook(data: bytes, filename: str, ctype: str) -> str:
    enc = h(filename)
    return part([("Content-Type", f'{ctype};\r\n\tname="{enc}"'),
                 ("Content-Description", enc),
                 ("Content-Disposition",
                  (f'attachment;\r\n\tfilename="{enc}"; size={len(data)};\r\n'
                   '\tcreation-date="Mon, 10 May 2021 02:11:03 GMT";\r\n'
                   '\tmodification-date="Mon, 10 May 2021 02:11:03 GMT"')),
                 ("Content-Transfer-Encoding", "base64")], b64(data))


def rfc2231(filename: str) -> str:
    v = "UTF-8''" + quote(filename.encode("utf-8"), safe="")
    if len(v) < 60:
        return f" filename*={v}"
    pieces = [v[i:i + 60] for i in range(0, len(v), 60)]
    # do not split a %XX escape
    fixed, carry = [], ""
    for p in pieces:
        p = carry + p
        cut = p.rfind("%")
        carry = ""
        if cut >= len(p) - 2 and cut != -1:
            p, carry = p[:cut], p[cut:]
        fixed.append(p)
    if carry:
        fixed.append(carry)
    return ";".join(f"\r\n filename*{i}*={p}" for i, p in enumerate(fixed))


def att_thunderbird(data: bytes, filename: str, ctype: str) -> str:
    return part([("Content-Type", f'{ctype};\r\n name="{h_q(filename)}"'),
                 ("Content-Disposition", f"attachment;{rfc2231(filename)}"),
                 ("Content-Transfer-Encoding", "base64")], b64(data))


def att_gmail(data: bytes, filename: str, att_id: str) -> str:
    enc = h(filename)
    return part([("Content-Type", f'application/octet-stream; name="{enc}"'),
                 ("Content-Disposition", f'attachment; filename="{enc}"'),
                 ("Content-Transfer-Encoding", "base64"),
                 ("X-Attachment-Id", att_id),
                 ("Content-ID", f"<{att_id}>")], b64(data))


def att_plain(data: bytes, filename: str, ctype: str, disposition: str = "attachment") -> str:
    enc = h(filename)
    return part([("Content-Type", f'{ctype}; name="{enc}"'),
                 ("Content-Disposition", f'{disposition}; filename="{enc}"'),
                 ("Content-Transfer-Encoding", "base64")], b64(data))


def std_headers(frm: str, subject: str, msgid: str, date: str,
                to: str = f"{h('Ban Cơ yếu Chính phủ')} <{OURS}>",
                extra: list[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
    out = [("From", frm), ("To", to), ("Subject", subject), ("Date", date),
           ("Message-ID", msgid)]
    return out + (extra or [])


def outlook_headers(frm: str, subject: str, msgid: str, date: str, has_attach: bool,
                    extra: list[tuple[str, str]] | None = None) -> list[tuple[str, str]]:
    return std_headers(frm, subject, msgid, date, extra=[
        ("Thread-Topic", subject),
        ("Thread-Index", "AddFYh3nB7mXc0p5S0q1t0Zxj4bQ7w=="),
        ("Accept-Language", "vi-VN, en-US"),
        ("Content-Language", "vi-VN"),
        ("X-MS-Has-Attach", "yes" if has_attach else ""),
        ("X-MS-TNEF-Correlator", ""),
        ("X-MS-Exchange-Organization-SCL", "-1"),
        ("X-Mailer", "Microsoft Outlook 16.0"),
    ] + (extra or []))


def outlook_body(text: str, boundary: str) -> str:
    html = ("<html xmlns:o=\"urn:schemas-microsoft-com:office:office\"><head>"
            "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head>"
            "<body lang=\"VI\"><div class=\"WordSection1\">"
            + "".join(f"<p class=\"MsoNormal\">{line}<o:p></o:p></p>" for line in
                      text.split("\n")) + "</div></body></html>")
    return multipart("alternative", boundary, [text_part(text, enc="base64"),
                                               text_part(html, "html", enc="base64")])


# ------------------------------------------------------------------------------------------
# Fillings: all 25 numbers typed by the clerk

def nums(base: int) -> dict[str, dict[str, int]]:
    return {row: {y: base + 7 * r + 3 * i for i, y in enumerate(YEARS)}
            for r, row in enumerate(ROWS)}


def mk(agency: str, in_text: str, number: str, base: int,
       extra: dict[str, dict[str, object]] | None = None,
       place_date: str = "Hà Nội, ngày 10 tháng 5 năm 2021") -> tuple[Filling, dict]:
    numbers: dict[str, dict[str, object]] = {k: dict(v) for k, v in nums(base).items()}
    for row, years in (extra or {}).items():
        numbers.setdefault(row, {}).update(years)
    return Filling(agency, in_text, number, place_date, numbers=numbers), numbers


def docx_of(f: Filling) -> bytes:
    return fill_docx(CAMPAIGN, f)


def xlsx_of(f: Filling) -> bytes:
    return fill_xlsx(CAMPAIGN, f)


def legacy_doc(f: Filling) -> bytes:
    """A real Word 97-2003 .doc of the filled form, converted by LibreOffice."""
    soffice = shutil.which("soffice")
    if not soffice:
        sys.exit("soffice (LibreOffice) is needed to write the .doc of message 18")
    with tempfile.TemporaryDirectory(prefix="mailset-doc-") as tmp:
        src = Path(tmp, "form.docx")
        src.write_bytes(docx_of(f))
        subprocess.run([soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless",
                        "--norestore", "--convert-to", "doc", "--outdir", tmp, str(src)],
                       capture_output=True, timeout=120, check=True)
        return Path(tmp, "form.doc").read_bytes()


def report_docx() -> bytes:
    import io

    import docx
    d = docx.Document()
    d.add_paragraph("SỞ THÔNG TIN VÀ TRUYỀN THÔNG TỈNH NGHỆ AN")
    d.add_paragraph("BÁO CÁO")
    d.add_paragraph("Tình hình sử dụng chữ ký số chuyên dùng Chính phủ năm 2020")
    for t in [("Năm 2020, các cơ quan trên địa bàn tỉnh đã sử dụng chữ ký số trong gửi nhận "
               "văn bản điện tử. Tổng số chứng thư số đang hoạt động là 1.245."),
              ("Một số khó khăn: thiết bị USB Token hỏng, cán bộ quên mã PIN, phần mềm ký số "
               "chưa tương thích với hệ điều hành mới."),
              "Kiến nghị: Ban Cơ yếu Chính phủ tiếp tục hỗ trợ tập huấn."]:
        d.add_paragraph(t)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def revocation_xlsx() -> bytes:
    import io

    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["STT", "Họ và tên", "Chức vụ", "Đơn vị", "Số serial", "Lý do thu hồi"])
    ws.append([1, "Nguyễn Văn Hùng", "Chuyên viên", "Văn phòng", "5401A3F2", "Nghỉ hưu"])
    ws.append([2, "Lê Thị Mai", "Phó Chánh VP", "Văn phòng", "5401B771", "Chuyển công tác"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# ------------------------------------------------------------------------------------------

def build() -> tuple[dict[str, bytes], dict[str, dict], dict[str, dict]]:
    msgs: dict[str, bytes] = {}
    expect: dict[str, dict] = {}
    export: dict[str, dict] = {}  # agency key -> {"name":..., "numbers":...}

    def add(name: str, raw: bytes, reply: tuple[str, str] | None, left: bool,
            standing: str = "counted") -> None:
        fn = f"{len(msgs) + 1:02d}_{name}.eml"
        msgs[fn] = raw
        expect[fn] = {"reply": None if reply is None else {"verdict": reply[0], "to": reply[1],
                                                           "standing": standing},
                      "left_in_inbox": left}

    def exported(key: str, name: str, numbers: dict, standing: str = "counted") -> None:
        """An agency's row of the export; one `awaiting-confirmation` appears only after staff
        confirm its form (`bcy-intake submissions confirm REF`)."""
        export[key] = {"name": name, "numbers": {r: {y: int(numbers[r][y]) for y in YEARS}
                                                 for r in ROWS}, "standing": standing}

    # 1. Outlook, DOCX, RFC 2047 names in name= and filename=; Bộ Tài chính
    f, n = mk("BỘ TÀI CHÍNH", "Bộ Tài chính", "1520/BTC-THTK", 100)
    fn = "Mẫu đăng ký đề xuất nhu cầu CTS - Bộ Tài chính.docx"
    body = ("Kính gửi: Ban Cơ yếu Chính phủ,\n\nThực hiện Công văn số 86/BCY-CTSBMTT, Bộ Tài "
            "chính gửi kèm theo đề xuất nhu cầu cấp mới chứng thư số giai đoạn 2021-2025.\n\n"
            "Trân trọng,\nVăn thư Bộ Tài chính")
    msgs_raw = message(outlook_headers(addr("Văn thư Bộ Tài chính", "vanthu@mof.gov.vn"),
                                       h(SUBJ), "<DM6PR01MB4521A1B2C3D4@DM6PR01MB4521.apcprd.prod.outlook.com>",
                                       "Mon, 10 May 2021 09:12:44 +0700", True),
                       multipart("mixed", "_004_DM6PR01MB4521_", [
                           outlook_body(body, "_000_DM6PR01MB4521_"),
                           att_outlook(docx_of(f), fn, DOCX_T)]))
    add("outlook_docx_btc", msgs_raw, ("accepted", "vanthu@mof.gov.vn"), False)
    exported("bo-tai-chinh", "Bộ Tài chính", n)

    # 2. Thunderbird, XLSX, RFC 2231 filename*; UBND tỉnh Bắc Ninh
    f, n = mk("ỦY BAN NHÂN DÂN TỈNH BẮC NINH", "Ủy ban nhân dân tỉnh Bắc Ninh", "812/UBND-KGVX",
              40, place_date="Bắc Ninh, ngày 05 tháng 5 năm 2021")
    fn = "Đề xuất nhu cầu chứng thư số tỉnh Bắc Ninh.xlsx"
    raw = message(std_headers(addr("Sở TTTT Bắc Ninh", "stttt@bacninh.gov.vn"),
                              h_q("Đề xuất nhu cầu cấp mới chứng thư số giai đoạn 2021-2025 - UBND tỉnh Bắc Ninh"),
                              "<3f1a9c2e-7b4d-4e0a-9d1e-bacninh01@bacninh.gov.vn>",
                              "Wed, 5 May 2021 14:03:21 +0700",
                              extra=[("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:78.0) Gecko/20100101 Thunderbird/78.10.1"),
                                     ("Content-Language", "vi")]),
                  multipart("mixed", "------------A1B2C3D4E5F60718293A4B5C", [
                      text_part("Kính gửi Ban Cơ yếu Chính phủ,\n\nSở TTTT gửi file đề xuất "
                                "của UBND tỉnh.\n\n-- \nSở Thông tin và Truyền thông Bắc Ninh",
                                enc="8bit"),
                      att_thunderbird(xlsx_of(f), fn, XLSX_T)]))
    add("thunderbird_xlsx_bacninh", raw, ("accepted", "stttt@bacninh.gov.vn"), False)
    exported("tinh-bac-ninh", "Ủy ban nhân dân tỉnh Bắc Ninh", n)

    # 3. Gmail: octet-stream DOCX with X-Attachment-Id; Bộ Y tế
    f, n = mk("BỘ Y TẾ", "Bộ Y tế", "2290/BYT-CNTT", 210)
    raw = message(std_headers(addr("Phòng CNTT Bộ Y tế", "cntt.byt@gmail.com"),
                              h("Gửi đề xuất nhu cầu CTS giai đoạn 2021-2025 của Bộ Y tế"),
                              "<CAJ8x+Qk=m3XvR0bYt2sVZ9Lw@mail.gmail.com>",
                              "Tue, 11 May 2021 10:45:02 +0700"),
                  multipart("mixed", "000000000000b1c2d305c2000001", [
                      multipart("alternative", "000000000000b1c2d105c2000000", [
                          text_part("Kính gửi Ban Cơ yếu,\nBộ Y tế gửi file đính kèm.\n",
                                    enc="quoted-printable"),
                          text_part('<div dir="ltr">Kính gửi Ban Cơ yếu,<br>Bộ Y tế gửi file '
                                    'đính kèm.</div>', "html", enc="quoted-printable")]),
                      att_gmail(docx_of(f), "BYT_de xuat nhu cau CTS.docx", "f_kohx8m2v0")]))
    # sent from a free-mail address the registry does not name: its numbers wait for staff
    add("gmail_octet_docx_byt", raw, ("accepted", "cntt.byt@gmail.com"), False,
        standing="awaiting-confirmation")
    exported("bo-y-te", "Bộ Y tế", n, standing="awaiting-confirmation")

    # 4. Apple Mail: NFD file name, Content-Disposition inline for the docx; Bộ Tư pháp
    f, n = mk("BỘ TƯ PHÁP", "Bộ Tư pháp", "1733/BTP-CNTT", 15)
    fn_nfd = unicodedata.normalize("NFD", "Mẫu đăng ký - Bộ Tư pháp.docx")
    docpart = part([("Content-Disposition", f'inline;\r\n\tfilename="{h(fn_nfd)}"'),
                    ("Content-Type", f'{DOCX_T};\r\n\tx-unix-mode=0644;\r\n\tname="{h(fn_nfd)}"'),
                    ("Content-Transfer-Encoding", "base64")], b64(docx_of(f)))
    raw = message(std_headers(addr("Trần Minh Đức", "ducminh@moj.gov.vn"),
                              h(unicodedata.normalize("NFD", "Mẫu đăng ký nhu cầu chứng thư số")),
                              "<A6C1E2F0-3B7D-4C1A-9E2B-5D8F7A1C0B33@moj.gov.vn>",
                              "Wed, 12 May 2021 08:30:00 +0700",
                              extra=[("X-Mailer", "Apple Mail (2.3654.60.0.2.21)")]),
                  multipart("alternative", "Apple-Mail=_11111111-2222-3333-4444-555555555555", [
                      text_part("Kính gửi Ban Cơ yếu,\n\nBộ Tư pháp gửi mẫu đăng ký.\n\n"
                                "Sent from my Mac", enc="quoted-printable"),
                      multipart("mixed", "Apple-Mail=_66666666-7777-8888-9999-000000000000", [
                          text_part("<html><body>Kính gửi Ban Cơ yếu,<br><br>Bộ Tư pháp gửi "
                                    "mẫu đăng ký.</body></html>", "html", enc="quoted-printable"),
                          docpart,
                          text_part("<html><body><br>Sent from my Mac</body></html>", "html",
                                    enc="quoted-printable")])]))
    add("applemail_nfd_inline_docx_btp", raw, ("accepted", "ducminh@moj.gov.vn"), False)
    exported("bo-tu-phap", "Bộ Tư pháp", n)

    # 5. Roundcube, quoted-printable body, XLSX; Đà Nẵng
    f, n = mk("ỦY BAN NHÂN DÂN THÀNH PHỐ ĐÀ NẴNG", "Ủy ban nhân dân thành phố Đà Nẵng",
              "2541/UBND-STTTT", 60, place_date="Đà Nẵng, ngày 07 tháng 5 năm 2021")
    raw = message(std_headers(addr("Sở TTTT Đà Nẵng", "stttt@danang.gov.vn"),
                              h_q("Đăng ký nhu cầu chứng thư số 2021-2025"),
                              "<a81f3c0d9e2b4a1c@mail.danang.gov.vn>",
                              "Fri, 07 May 2021 16:20:11 +0700",
                              extra=[("User-Agent", "Roundcube Webmail/1.4.11")]),
                  multipart("mixed", "=_6f1c2a9d8b7e3f0a1c2d3e4f5a6b7c8d", [
                      text_part("Kính gửi Ban Cơ yếu Chính phủ,\r\n\r\nThành phố Đà Nẵng gửi "
                                "biểu mẫu đăng ký nhu cầu theo Công văn 86/BCY-CTSBMTT ngày "
                                "01/4/2021. Đề nghị Quý Ban xem xét, tổng hợp.\r\n\r\nTrân "
                                "trọng.", enc="quoted-printable"),
                      part([("Content-Transfer-Encoding", "base64"),
                            ("Content-Type", f'{XLSX_T};\r\n name="DaNang_dang_ky_CTS.xlsx"'),
                            ("Content-Disposition",
                             'attachment;\r\n filename="DaNang_dang_ky_CTS.xlsx";\r\n size=9001')],
                           b64(xlsx_of(f)))]))
    add("roundcube_qp_xlsx_danang", raw, ("accepted", "stttt@danang.gov.vn"), False)
    exported("thanh-pho-da-nang", "Ủy ban nhân dân thành phố Đà Nẵng", n)

    # 6. A webmail sending the XLSX with no file name at all; Thừa Thiên Huế
    f, n = mk("ỦY BAN NHÂN DÂN TỈNH THỪA THIÊN HUẾ", "Ủy ban nhân dân tỉnh Thừa Thiên Huế",
              "3310/UBND-CN", 5, place_date="Thừa Thiên Huế, ngày 06 tháng 5 năm 2021")
    raw = message(std_headers(addr("Văn phòng UBND tỉnh", "vpubnd@thuathienhue.gov.vn"),
                              h("Gửi Ban Cơ yếu Chính phủ"),
                              "<1620291234.55821@mail.thuathienhue.gov.vn>",
                              "Thu, 06 May 2021 07:55:34 +0700",
                              extra=[("X-Mailer", "Zimbra 8.8.15_GA_3869 (ZimbraWebClient)")]),
                  multipart("mixed", "----=_Part_88812_1234567.1620291234000", [
                      text_part("Kính gửi Ban Cơ yếu Chính phủ, UBND tỉnh gửi file đề xuất.",
                                enc="quoted-printable"),
                      part([("Content-Type", "application/octet-stream"),
                            ("Content-Transfer-Encoding", "base64")], b64(xlsx_of(f)))]))
    add("webmail_nameless_xlsx_hue", raw, ("accepted", "vpubnd@thuathienhue.gov.vn"), False)
    exported("tinh-thua-thien-hue", "Ủy ban nhân dân tỉnh Thừa Thiên Huế", n)

    # 7. Forwarded message/rfc822 holding the form; Bộ GTVT
    f, n = mk("BỘ GIAO THÔNG VẬN TẢI", "Bộ Giao thông vận tải", "4402/BGTVT-TTCNTT", 33)
    inner = message(std_headers(addr("Trung tâm CNTT Bộ GTVT", "ttcntt@mt.gov.vn"),
                                h("Đề xuất nhu cầu chứng thư số Bộ GTVT"),
                                "<inner-bgtvt-2021@mt.gov.vn>",
                                "Thu, 06 May 2021 15:00:00 +0700",
                                to=addr("Văn phòng Bộ", "vanphong@mt.gov.vn")),
                    multipart("mixed", "inner-bgtvt-boundary", [
                        text_part("Gửi Văn phòng Bộ bản đề xuất để chuyển Ban Cơ yếu.",
                                  enc="quoted-printable"),
                        att_plain(docx_of(f), "BGTVT - mẫu đăng ký.docx", DOCX_T)]))
    raw = message(outlook_headers(addr("Văn phòng Bộ GTVT", "vanphong@mt.gov.vn"),
                                  h("FW: Đề xuất nhu cầu chứng thư số Bộ GTVT"),
                                  "<SG2PR04MB2785FW7788@SG2PR04MB2785.apcprd04.prod.outlook.com>",
                                  "Fri, 07 May 2021 08:01:00 +0700", True),
                  multipart("mixed", "_002_SG2PR04MB2785FW_", [
                      outlook_body("Kính chuyển Ban Cơ yếu Chính phủ.\n\n-----Original "
                                   "Message-----\nFrom: Trung tâm CNTT", "_000_SG2PR04MB2785FW_"),
                      part([("Content-Type", 'message/rfc822'),
                            ("Content-Disposition", "attachment")],
                           inner.decode("utf-8"))]))
    add("forwarded_rfc822_docx_bgtvt", raw, ("accepted", "vanphong@mt.gov.vn"), False)
    exported("bo-giao-thong-van-tai", "Bộ Giao thông vận tải", n)

    # 8. Outlook with an inline logo image (multipart/related) plus the form; Bộ Xây dựng
    f, n = mk("BỘ XÂY DỰNG", "Bộ Xây dựng", "1987/BXD-TTTT", 2)
    html = ('<html><body><p>Kính gửi Ban Cơ yếu Chính phủ,</p><p>Bộ Xây dựng gửi đề xuất '
            'nhu cầu.</p><p><img src="cid:image001.png@01D74512.ABCDEF00"></p></body></html>')
    related = multipart("related", "_005_HK0PR03MB_rel_", [
        multipart("alternative", "_000_HK0PR03MB_alt_", [
            text_part("Kính gửi Ban Cơ yếu Chính phủ,\nBộ Xây dựng gửi đề xuất nhu cầu."),
            text_part(html, "html")]),
        part([("Content-Type", 'image/png; name="image001.png"'),
              ("Content-Description", "image001.png"),
              ("Content-Disposition", 'inline; filename="image001.png"; size=68'),
              ("Content-ID", "<image001.png@01D74512.ABCDEF00>"),
              ("Content-Transfer-Encoding", "base64")], b64(PNG))], extra=' type="multipart/alternative";')
    raw = message(outlook_headers(addr("Phòng Tin học BXD", "tinhoc@moc.gov.vn"),
                                  h("Đề xuất nhu cầu cấp mới CTS giai đoạn 2021 - 2025"),
                                  "<HK0PR03MB29871234ABCD@HK0PR03MB2987.apcprd03.prod.outlook.com>",
                                  "Fri, 07 May 2021 11:11:11 +0700", True),
                  multipart("mixed", "_006_HK0PR03MB_mix_", [
                      related, att_outlook(docx_of(f), "Đề xuất BXD.docx", DOCX_T)]))
    add("outlook_inline_logo_docx_bxd", raw, ("accepted", "tinhoc@moc.gov.vn"), False)
    exported("bo-xay-dung", "Bộ Xây dựng", n)

    # 9. Reply-To differs from From; Bộ Công Thương
    f, n = mk("BỘ CÔNG THƯƠNG", "Bộ Công Thương", "3021/BCT-TMĐT", 18)
    raw = message(std_headers(addr("Nguyễn Thị Lan", "lannt@moit.gov.vn"), h(SUBJ),
                              "<20210510083000.lannt@moit.gov.vn>",
                              "Mon, 10 May 2021 08:30:00 +0700",
                              extra=[("Reply-To", addr("Văn thư Bộ Công Thương", "vanthu@moit.gov.vn"))]),
                  multipart("mixed", "reply-to-boundary-001", [
                      text_part("Kính gửi Ban Cơ yếu. Đề nghị phản hồi về địa chỉ văn thư.",
                                enc="quoted-printable"),
                      att_plain(docx_of(f), "BCT_mau_dang_ky.docx", DOCX_T)]))
    add("reply_to_differs_bct", raw, ("accepted", "vanthu@moit.gov.vn"), False)
    exported("bo-cong-thuong", "Bộ Công Thương", n)

    # 10. Zimbra, QP body, DOCX; Bộ KH&CN
    f, n = mk("BỘ KHOA HỌC VÀ CÔNG NGHỆ", "Bộ Khoa học và Công nghệ", "1450/BKHCN-TTTT", 27)
    raw = message(std_headers(addr("Cục Thông tin KH&CN", "vista@most.gov.vn"),
                              h_q("Gửi mẫu đăng ký - Bộ KH&CN"),
                              "<1029384756.112233.1620700000000.JavaMail.zimbra@most.gov.vn>",
                              "Tue, 11 May 2021 09:00:00 +0700",
                              extra=[("X-Mailer", "Zimbra 8.8.12_GA_3794 (ZimbraWebClient - GC90 (Win)/8.8.12_GA_3794)"),
                                     ("Thread-Index", "Zk4mPq0yVbN2")]),
                  multipart("mixed", "----=_Part_112233_445566.1620700000000", [
                      multipart("alternative", "=_alt_zimbra_7788", [
                          text_part("Kính gửi Ban Cơ yếu Chính phủ,\n\nBộ Khoa học và Công "
                                    "nghệ xin gửi file đăng ký.\n\nTrân trọng cảm ơn!",
                                    enc="quoted-printable"),
                          text_part("<html><body><div style=\"font-family: times new roman\">"
                                    "Kính gửi Ban Cơ yếu Chính phủ,<br><br>Bộ Khoa học và Công "
                                    "nghệ xin gửi file đăng ký.</div></body></html>", "html",
                                    enc="quoted-printable")]),
                      part([("Content-Type", f'{DOCX_T}; name="{h_q("BKHCN đăng ký.docx")}"'),
                            ("Content-Disposition", f'attachment; filename="{h_q("BKHCN đăng ký.docx")}"'),
                            ("Content-Transfer-Encoding", "base64")], b64(docx_of(f)))]))
    add("zimbra_qp_docx_bkhcn", raw, ("accepted", "vista@most.gov.vn"), False)
    exported("bo-khoa-hoc-va-cong-nghe", "Bộ Khoa học và Công nghệ", n)

    # 11. Outlook, XLSX sent as application/vnd.ms-excel; signed PDF scan too; NHNN
    f, n = mk("NGÂN HÀNG NHÀ NƯỚC VIỆT NAM", "Ngân hàng Nhà nước Việt Nam", "3344/NHNN-CNTT", 70)
    raw = message(outlook_headers(addr("Cục CNTT NHNN", "cuccntt@sbv.gov.vn"), h(SUBJ),
                                  "<SEYPR06MB5555NHNN0001@SEYPR06MB5555.apcprd06.prod.outlook.com>",
                                  "Wed, 12 May 2021 13:45:00 +0700", True),
                  multipart("mixed", "_009_SEYPR06MB5555_", [
                      outlook_body("Kính gửi Ban Cơ yếu,\nNHNN gửi bản scan có chữ ký và file "
                                   "excel.", "_000_SEYPR06MB5555_"),
                      att_outlook(PDF, "CV 3344-NHNN-CNTT (ký số).pdf", "application/pdf"),
                      att_outlook(xlsx_of(f), "Phụ lục đề xuất NHNN.xlsx", "application/vnd.ms-excel")]))
    add("outlook_pdf_plus_xlsx_nhnn", raw, ("accepted", "cuccntt@sbv.gov.vn"), False)
    exported("ngan-hang-nha-nuoc-viet-nam", "Ngân hàng Nhà nước Việt Nam", n)

    # 12. Thunderbird: signed PDF + DOCX; Bắc Giang
    f, n = mk("ỦY BAN NHÂN DÂN TỈNH BẮC GIANG", "Ủy ban nhân dân tỉnh Bắc Giang",
              "1188/UBND-KGVX", 9, place_date="Bắc Giang, ngày 08 tháng 5 năm 2021")
    raw = message(std_headers(addr("", "vanthu@bacgiang.gov.vn"), h_q(SUBJ),
                              "<5b3e0a1f-0000-4a4a-8888-bacgiang@bacgiang.gov.vn>",
                              "Sat, 8 May 2021 10:10:10 +0700",
                              extra=[("User-Agent", "Mozilla/5.0 Thunderbird/78.10.0")]),
                  multipart("mixed", "------------0102030405060708090A0B0C", [
                      text_part("Gửi Ban Cơ yếu văn bản ký số và file word.", enc="8bit"),
                      att_thunderbird(PDF, "CV 1188 ký số.pdf", "application/pdf"),
                      att_thunderbird(docx_of(f), "Phụ lục - mẫu đăng ký Bắc Giang.docx", DOCX_T)]))
    add("thunderbird_pdf_plus_docx_bacgiang", raw, ("accepted", "vanthu@bacgiang.gov.vn"), False)
    exported("tinh-bac-giang", "Ủy ban nhân dân tỉnh Bắc Giang", n)

    # ---- forms with errors ------------------------------------------------------------------
    # 13. Bộ Nội vụ: a quantity written in words -> needs_correction
    f, _ = mk("BỘ NỘI VỤ", "Bộ Nội vụ", "2001/BNV-TTTT", 12,
              extra={"personal_sim_pki": {"2023": "mười"}})
    raw = message(outlook_headers(addr("Văn thư Bộ Nội vụ", "vanthu@moha.gov.vn"), h(SUBJ),
                                  "<TY2PR01MB3333BNV0001@TY2PR01MB3333.apcprd01.prod.outlook.com>",
                                  "Mon, 10 May 2021 15:00:00 +0700", True),
                  multipart("mixed", "_011_TY2PR01MB3333_", [
                      outlook_body("Kính gửi Ban Cơ yếu,\nBộ Nội vụ gửi đề xuất.",
                                   "_010_TY2PR01MB3333_"),
                      att_outlook(docx_of(f), "Mẫu đăng ký BNV.docx", DOCX_T)]))
    add("needs_correction_words_bnv", raw, ("needs_correction", "vanthu@moha.gov.vn"), False)

    # 14. Hải Phòng: negative quantity in XLSX -> needs_correction
    f, _ = mk("ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG", "Ủy ban nhân dân thành phố Hải Phòng",
              "901/UBND-VP", 3, extra={"organization_usb_token": {"2022": -5}},
              place_date="Hải Phòng, ngày 09 tháng 5 năm 2021")
    raw = message(std_headers(addr("Sở TTTT Hải Phòng", "sotttt@haiphong.gov.vn"),
                              h("Đăng ký nhu cầu chứng thư số giai đoạn 2021-2025"),
                              "<hp-2021-0509-001@haiphong.gov.vn>",
                              "Sun, 9 May 2021 20:00:00 +0700"),
                  multipart("mixed", "hp-boundary-01", [
                      text_part("Kính gửi Ban Cơ yếu.", enc="quoted-printable"),
                      att_plain(xlsx_of(f), "HaiPhong.xlsx", XLSX_T)]))
    add("needs_correction_negative_haiphong", raw,
        ("needs_correction", "sotttt@haiphong.gov.vn"), False)

    # 15. Bộ GD&ĐT: a fractional quantity "12,5" (Vietnamese decimal comma) -> needs_correction
    f, _ = mk("BỘ GIÁO DỤC VÀ ĐÀO TẠO", "Bộ Giáo dục và Đào tạo", "1600/BGDĐT-CNTT", 20,
              extra={"device_service_software": {"2022": "12,5"}})
    raw = message(std_headers(addr("Cục CNTT Bộ GD&ĐT", "cuccntt@moet.gov.vn"), h_q(SUBJ),
                              "<moet-20210511-77@moet.gov.vn>", "Tue, 11 May 2021 17:00:00 +0700",
                              extra=[("User-Agent", "Mozilla/5.0 Thunderbird/78.9.0")]),
                  multipart("mixed", "------------FFEEDDCCBBAA998877665544", [
                      text_part("Kính gửi Ban Cơ yếu Chính phủ.", enc="8bit"),
                      att_thunderbird(docx_of(f), "Bộ GDĐT - đề xuất nhu cầu.docx", DOCX_T)]))
    add("needs_correction_fraction_moet", raw,
        ("needs_correction", "cuccntt@moet.gov.vn"), False)

    # ---- unreadable ---------------------------------------------------------------------------
    # 16. Forgotten attachment
    raw = message(outlook_headers(addr("Văn thư Bộ TN&MT", "vanthu@monre.gov.vn"),
                                  h("V/v đề xuất nhu cầu chứng thư số giai đoạn 2021-2025"),
                                  "<PS2PR01MB1111MONRE01@PS2PR01MB1111.apcprd01.prod.outlook.com>",
                                  "Tue, 11 May 2021 08:00:00 +0700", False),
                  outlook_body("Kính gửi Ban Cơ yếu Chính phủ,\nBộ Tài nguyên và Môi trường "
                               "gửi kèm theo file đề xuất.\nTrân trọng.", "_000_PS2PR01MB1111_"))
    add("forgotten_attachment_monre", raw, ("unreadable", "vanthu@monre.gov.vn"), False)

    # 17. PDF only
    raw = message(std_headers(addr("Văn phòng Bộ LĐTBXH", "vanphong@molisa.gov.vn"), h(SUBJ),
                              "<molisa-pdf-only-01@molisa.gov.vn>", "Wed, 12 May 2021 09:09:09 +0700"),
                  multipart("mixed", "molisa-boundary", [
                      text_part("Gửi Ban Cơ yếu công văn đề xuất (bản scan).", enc="quoted-printable"),
                      att_plain(PDF, "Công văn đề xuất nhu cầu CTS.pdf", "application/pdf")]))
    add("pdf_only_molisa", raw, ("unreadable", "vanphong@molisa.gov.vn"), False)

    # 18. Legacy Word 97-2003 .doc, read through LibreOffice
    f, n = mk("BỘ VĂN HÓA, THỂ THAO VÀ DU LỊCH", "Bộ Văn hóa, Thể thao và Du lịch",
              "1700/BVHTTDL-TTCNTT", 4)
    raw = message(outlook_headers(addr("Trung tâm CNTT BVHTTDL", "ttcntt@bvhttdl.gov.vn"),
                                  h("Mẫu đăng ký nhu cầu chứng thư số - Bộ VHTTDL"),
                                  "<BVHTTDL-doc-0001@bvhttdl.gov.vn>",
                                  "Wed, 12 May 2021 10:00:00 +0700", True),
                  multipart("mixed", "_013_BVHTTDL_", [
                      outlook_body("Kính gửi Ban Cơ yếu,\nBộ gửi file word.", "_012_BVHTTDL_"),
                      att_outlook(legacy_doc(f), "Mau dang ky BVHTTDL.doc", "application/msword")]))
    add("legacy_doc_bvhttdl", raw, ("accepted", "ttcntt@bvhttdl.gov.vn"), False)
    exported("bo-van-hoa-the-thao-va-du-lich", "Bộ Văn hóa, Thể thao và Du lịch", n)

    # 19. A broken .docx (truncated download)
    f, _ = mk("BỘ NÔNG NGHIỆP VÀ PHÁT TRIỂN NÔNG THÔN",
              "Bộ Nông nghiệp và Phát triển nông thôn", "2500/BNN-TTTT", 8)
    broken = docx_of(f)[:1500]
    raw = message(std_headers(addr("Trung tâm Tin học BNN", "tinhoc@mard.gov.vn"),
                              h("Đề xuất nhu cầu cấp mới chứng thư số - Bộ NN&PTNT"),
                              "<mard-broken-docx@mard.gov.vn>", "Wed, 12 May 2021 11:00:00 +0700"),
                  multipart("mixed", "mard-boundary", [
                      text_part("Gửi Ban Cơ yếu.", enc="quoted-printable"),
                      att_plain(broken, "BNN_de_xuat.docx", DOCX_T)]))
    add("broken_docx_mard", raw, ("unreadable", "tinhoc@mard.gov.vn"), False)

    # 20. A phone photo of the printed form (JPEG), subject about the campaign
    raw = message(std_headers(addr("Nguyễn Văn Tâm", "tamnv.angiang@gmail.com"),
                              h("mẫu đăng ký CTS An Giang"),
                              "<CAF7hH3kP0an+giang=photo@mail.gmail.com>",
                              "Thu, 13 May 2021 06:40:00 +0700"),
                  multipart("mixed", "0000000000004a5b6c05c2a1b2c3", [
                      text_part("Em gửi ảnh chụp ạ\n", enc="quoted-printable"),
                      part([("Content-Type", 'image/jpeg; name="IMG_20210513_063911.jpg"'),
                            ("Content-Disposition", 'attachment; filename="IMG_20210513_063911.jpg"'),
                            ("Content-Transfer-Encoding", "base64"),
                            ("X-Attachment-Id", "f_koyp1a2b0")], b64(JPG))]))
    add("photo_jpeg_angiang", raw, ("unreadable", "tamnv.angiang@gmail.com"), False,
        standing="awaiting-confirmation")  # a free-mail address: its next form waits too

    # 21. Asks for the form: clearly about the campaign (keyword), nothing attached
    raw = message(std_headers(addr("Văn phòng UBND tỉnh Bạc Liêu", "vpubnd@baclieu.gov.vn"),
                              h("Xin file mẫu đăng ký đề xuất nhu cầu"),
                              "<baclieu-ask-form@baclieu.gov.vn>", "Thu, 13 May 2021 08:00:00 +0700"),
                  text_part("Kính gửi Ban Cơ yếu, đề nghị gửi lại file word mẫu đăng ký để "
                            "tỉnh điền. Trân trọng.", enc="quoted-printable"))
    add("asks_for_form_baclieu", raw, ("unreadable", "vpubnd@baclieu.gov.vn"), False)

    # ---- automatic mail -----------------------------------------------------------------------
    # 22. Outlook out-of-office, Auto-Submitted + X-Auto-Response-Suppress
    raw = message(outlook_headers(addr("Lê Văn Nam", "namlv@mic.gov.vn"),
                                  h("Trả lời tự động: V/v đề xuất nhu cầu cấp mới chứng thư số giai đoạn 2021-2025"),
                                  "<ooo-outlook-01@mic.gov.vn>", "Mon, 10 May 2021 09:13:00 +0700",
                                  False, extra=[("Auto-Submitted", "auto-replied"),
                                                ("X-Auto-Response-Suppress", "All"),
                                                ("In-Reply-To", "<bcy-letter-86@bcy.gov.vn>")]),
                  outlook_body("Tôi đang nghỉ phép đến 20/5/2021. Mẫu đăng ký xin liên hệ "
                               "đồng chí Hà.", "_000_OOO1_"))
    add("ooo_outlook_auto_submitted", raw, None, True)

    # 23. Zimbra vacation: X-Autoreply only
    raw = message(std_headers(addr("Phạm Thu Hà", "hapt@hanoi.gov.vn"),
                              h("Vắng mặt: Đề xuất nhu cầu chứng thư số"),
                              "<ooo-zimbra-02@hanoi.gov.vn>", "Mon, 10 May 2021 09:14:00 +0700",
                              extra=[("X-Autoreply", "yes")]),
                  text_part("Tôi đang đi công tác. Đề xuất nhu cầu xin gửi đồng chí Minh.",
                            enc="quoted-printable"))
    add("ooo_x_autoreply", raw, None, True)

    # 24. Precedence: auto_reply
    raw = message(std_headers(addr("Trần Quốc Toản", "toantq@quangninh.gov.vn"),
                              "Out of Office: " + h("Mẫu đăng ký giai đoạn 2021-2025"),
                              "<ooo-prec-03@quangninh.gov.vn>", "Mon, 10 May 2021 09:15:00 +0700",
                              extra=[("Precedence", "auto_reply")]),
                  text_part("I am out of the office until 17 May.", enc="7bit", charset="us-ascii"))
    add("ooo_precedence_auto_reply", raw, None, True)

    # 25. X-Autorespond
    raw = message(std_headers(addr("", "info@thanhhoa.gov.vn"),
                              h("Tự động trả lời: giai đoạn 2021-2025"),
                              "<ooo-autorespond-04@thanhhoa.gov.vn>", "Mon, 10 May 2021 09:16:00 +0700",
                              extra=[("X-Autorespond", "Tự động trả lời".encode().decode())]),
                  text_part("Cảm ơn, chúng tôi đã nhận được thư.", enc="quoted-printable"))
    add("ooo_x_autorespond", raw, None, True)

    # 26. Exchange auto-reply carrying the form again (X-Auto-Response-Suppress only)
    f, _ = mk("BỘ TÀI CHÍNH", "Bộ Tài chính", "9999/BTC-XX", 1)
    raw = message(outlook_headers(addr("Kho bạc", "khobac@mof.gov.vn"),
                                  h("Tự động: Đề xuất nhu cầu cấp mới chứng thư số"),
                                  "<ooo-suppress-05@mof.gov.vn>", "Mon, 10 May 2021 09:17:00 +0700",
                                  True, extra=[("X-Auto-Response-Suppress", "DR, RN, NRN, OOF, AutoReply")]),
                  multipart("mixed", "_ooo5_mix_", [
                      outlook_body("Thư tự động.", "_ooo5_alt_"),
                      att_outlook(docx_of(f), "mẫu đăng ký.docx", DOCX_T)]))
    add("auto_suppress_with_form", raw, None, True)

    # 27. Bounce: DSN multipart/report from MAILER-DAEMON, original (with a form) attached
    f, _ = mk("BỘ TÀI CHÍNH", "Bộ Tài chính", "8888/BTC-XX", 1)
    orig = message(std_headers(addr("Ban Cơ yếu Chính phủ", OURS), h(SUBJ),
                               "<bcy-out-123@bcy.gov.vn>", "Mon, 10 May 2021 09:00:00 +0700",
                               to="nobody@tinh.gov.vn"),
                   multipart("mixed", "orig-b", [text_part("Gửi mẫu đăng ký."),
                                                 att_plain(docx_of(f), "mau-dang-ky.docx", DOCX_T)]))
    dsn = multipart("report", "B0UNCE.1620612345/mail.bcy.gov.vn", [
        part([("Content-Description", "Notification"),
              ("Content-Type", "text/plain; charset=us-ascii")],
             "This is the mail system at host mail.bcy.gov.vn.\r\n\r\nI'm sorry to have to "
             "inform you that your message could not\r\nbe delivered to one or more recipients."
             "\r\n\r\n<nobody@tinh.gov.vn>: host mx.tinh.gov.vn said: 550 5.1.1 User unknown\r\n"),
        part([("Content-Description", "Delivery report"),
              ("Content-Type", "message/delivery-status")],
             "Reporting-MTA: dns; mail.bcy.gov.vn\r\nArrival-Date: Mon, 10 May 2021 09:00:01 "
             "+0700\r\n\r\nFinal-Recipient: rfc822; nobody@tinh.gov.vn\r\nAction: failed\r\n"
             "Status: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\r\n"),
        part([("Content-Description", "Undelivered Message"),
              ("Content-Type", "message/rfc822")], orig.decode("utf-8"))],
        extra=" report-type=delivery-status;")
    raw = message([("Return-Path", "<>"),
                   ("From", "MAILER-DAEMON@mail.bcy.gov.vn (Mail Delivery System)"),
                   ("To", OURS), ("Subject", "Undelivered Mail Returned to Sender"),
                   ("Date", "Mon, 10 May 2021 09:00:02 +0700"),
                   ("Message-ID", "<20210510020002.ABCDE1234@mail.bcy.gov.vn>"),
                   ("Auto-Submitted", "auto-replied")], dsn)
    add("bounce_dsn_mailer_daemon", raw, None, True)

    # 28. Exchange NDR from postmaster, no Auto-Submitted, plain text quoting subject
    raw = message([("From", "postmaster@sonla.gov.vn"), ("To", OURS),
                   ("Subject", h("Undeliverable: V/v đề xuất nhu cầu cấp mới chứng thư số giai đoạn 2021-2025")),
                   ("Date", "Mon, 10 May 2021 09:20:00 +0700"),
                   ("Message-ID", "<ndr-postmaster-sonla@sonla.gov.vn>")],
                  text_part("Delivery has failed to these recipients or groups:\n\n"
                            "vanthu@sonla.gov.vn\nThe email address you entered couldn't be "
                            "found.\n\nMẫu đăng ký đề xuất nhu cầu.", enc="quoted-printable"))
    add("bounce_postmaster_ndr", raw, None, True)

    # 29. Null return path (a vacation responder sending with <>), with a form attached
    f, _ = mk("BỘ TÀI CHÍNH", "Bộ Tài chính", "7777/BTC-XX", 1)
    raw = message([("Return-Path", "<>")] + std_headers(
        addr("Hộp thư tự động", "noreply@dongnai.gov.vn"), h(SUBJ),
        "<nullsender-06@dongnai.gov.vn>", "Mon, 10 May 2021 09:21:00 +0700"),
        multipart("mixed", "null-b", [text_part("Thư đã được nhận."),
                                      att_plain(docx_of(f), "mau-dang-ky.docx", DOCX_T)]))
    add("null_return_path_with_form", raw, None, True)

    # 30. Our own mail: From ca@bcy.gov.vn, the blank form attached
    raw = message(std_headers(addr("Ban Cơ yếu Chính phủ", OURS), h(SUBJ),
                              "<bcy-own-mail-01@bcy.gov.vn>", "Mon, 10 May 2021 07:00:00 +0700",
                              to="vanthu@tinh.gov.vn"),
                  multipart("mixed", "own-b", [
                      text_part("Kính gửi các cơ quan, Ban Cơ yếu gửi mẫu đăng ký."),
                      att_plain(docx_of(mk("BỘ TÀI CHÍNH", "Bộ Tài chính", "1/BTC", 1)[0]),
                                "Mẫu đăng ký.docx", DOCX_T)]))
    add("own_mail_from_ca", raw, None, True)

    # 31. Carries our loop header (one of our replies, reflected back by a forwarder)
    raw = message(std_headers(addr("Văn thư Bộ Tài chính", "vanthu@mof.gov.vn"),
                              h("Re: " + SUBJ + " [BCY-CTS-2021-0999]"),
                              "<loop-header-01@mof.gov.vn>", "Mon, 10 May 2021 10:00:00 +0700",
                              extra=[("X-BCY-Intake", "reply"),
                                     ("X-BCY-Intake-Verdict", "accepted"),
                                     ("X-BCY-Intake-Reference", "BCY-CTS-2021-0999")]),
                  text_part("Ban Cơ yếu Chính phủ đã nhận đề xuất nhu cầu.", enc="quoted-printable"))
    add("loop_header", raw, None, True)

    # 32. Mailing list: List-Id + List-Unsubscribe, subject with a keyword
    raw = message(std_headers(addr("Diễn đàn CNTT", "cntt-l@lists.vnnic.vn"),
                              h("[cntt-l] Hỏi về mẫu đăng ký chứng thư số giai đoạn 2021-2025"),
                              "<list-01@lists.vnnic.vn>", "Tue, 11 May 2021 12:00:00 +0700",
                              extra=[("List-Id", "CNTT co quan nha nuoc <cntt-l.lists.vnnic.vn>"),
                                     ("List-Unsubscribe", "<mailto:cntt-l-leave@lists.vnnic.vn>"),
                                     ("List-Post", "<mailto:cntt-l@lists.vnnic.vn>"),
                                     ("Precedence", "list")]),
                  text_part("Các anh chị đã gửi đề xuất nhu cầu chưa?", enc="quoted-printable"))
    add("mailing_list_listid", raw, None, True)

    # 33. Newsletter: only List-Unsubscribe
    raw = message(std_headers(addr("Tạp chí An toàn thông tin", "newsletter@antoanthongtin.vn"),
                              h("Bản tin tuần: chữ ký số, đề xuất nhu cầu giai đoạn 2021-2025"),
                              "<nl-2021-19@antoanthongtin.vn>", "Wed, 12 May 2021 06:00:00 +0700",
                              extra=[("List-Unsubscribe", "<https://antoanthongtin.vn/unsub?u=ca>"),
                                     ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")]),
                  multipart("alternative", "nl-b", [
                      text_part("Bản tin tuần 19. Chứng thư số, chữ ký số chuyên dùng."),
                      text_part("<html><body><h1>Bản tin tuần 19</h1></body></html>", "html")]))
    add("newsletter_list_unsubscribe", raw, None, True)

    # 34. Precedence: bulk
    raw = message(std_headers(addr("VNPT-CA", "khuyenmai@vnpt-ca.vn"),
                              h("Ưu đãi chứng thư số - mẫu đăng ký trực tuyến"),
                              "<bulk-01@vnpt-ca.vn>", "Wed, 12 May 2021 06:30:00 +0700",
                              extra=[("Precedence", "bulk")]),
                  text_part("Khuyến mãi tháng 5.", enc="quoted-printable"))
    add("precedence_bulk", raw, None, True)

    # 35. Precedence: junk
    raw = message(std_headers(addr("Marketing", "promo@example.com"),
                              h("Đăng ký nhu cầu dịch vụ hội nghị"),
                              "<junk-01@example.com>", "Wed, 12 May 2021 06:31:00 +0700",
                              extra=[("Precedence", "junk")]),
                  text_part("Quảng cáo.", enc="quoted-printable"))
    add("precedence_junk", raw, None, True)

    # ---- unrelated mail -----------------------------------------------------------------------
    # 36. Renewal question
    raw = message(std_headers(addr("Nguyễn Văn An", "annv@hanoi.gov.vn"),
                              h("Hỏi về gia hạn chứng thư số"),
                              "<q-renew-01@hanoi.gov.vn>", "Tue, 11 May 2021 14:00:00 +0700"),
                  text_part("Kính gửi Ban Cơ yếu, chứng thư số của tôi sắp hết hạn vào 30/5. "
                            "Xin hỏi thủ tục gia hạn chứng thư số như thế nào?",
                            enc="quoted-printable"))
    add("question_renewal", raw, None, True)

    # 37. Revocation request with an xlsx list (not the form)
    raw = message(outlook_headers(addr("Văn phòng Sở Tư pháp", "vpstp@ninhbinh.gov.vn"),
                                  h("Đề nghị thu hồi chứng thư số"),
                                  "<q-revoke-01@ninhbinh.gov.vn>", "Tue, 11 May 2021 14:10:00 +0700",
                                  True),
                  multipart("mixed", "_rev_mix_", [
                      outlook_body("Kính gửi Ban Cơ yếu,\nSở đề nghị thu hồi chứng thư số của "
                                   "02 cá nhân theo danh sách đính kèm.", "_rev_alt_"),
                      att_outlook(revocation_xlsx(), "Danh sách thu hồi CTS.xlsx", XLSX_T)]))
    add("question_revocation_xlsx", raw, None, True)

    # 38. PIN reset
    raw = message(std_headers(addr("Lê Thị Hoa", "hoalt@bentre.gov.vn"),
                              h("Quên mã PIN USB Token"),
                              "<q-pin-01@bentre.gov.vn>", "Tue, 11 May 2021 14:20:00 +0700"),
                  text_part("Tôi nhập sai mã PIN 5 lần, USB Token chứa chứng thư số bị khóa. "
                            "Xin hướng dẫn cấp lại PIN.", enc="quoted-printable"))
    add("question_pin_reset", raw, None, True)

    # 39. Unrelated report with a DOCX attachment (report text, no demand table)
    raw = message(std_headers(addr("Sở TTTT Nghệ An", "stttt@nghean.gov.vn"),
                              h("Báo cáo tình hình sử dụng chữ ký số năm 2020"),
                              "<report-2020-nghean@nghean.gov.vn>", "Tue, 11 May 2021 15:00:00 +0700"),
                  multipart("mixed", "report-b", [
                      text_part("Kính gửi Ban Cơ yếu báo cáo tình hình sử dụng chứng thư số.",
                                enc="quoted-printable"),
                      att_plain(report_docx(), "Bao cao su dung CKS 2020.docx", DOCX_T)]))
    add("unrelated_report_docx", raw, None, True)

    # 40. Question about the signing software (mentions chứng thư số), HTML only
    raw = message(std_headers(addr("Phòng CNTT", "cntt@quangtri.gov.vn"),
                              h("Lỗi phần mềm ký số vSignPDF"),
                              "<q-software-01@quangtri.gov.vn>", "Wed, 12 May 2021 08:00:00 +0700"),
                  text_part("<html><body><p>Máy tính không nhận chứng thư số trên USB Token sau "
                            "khi cập nhật Windows.</p></body></html>", "html", enc="quoted-printable"))
    add("question_software_html", raw, None, True)

    # 41. Meeting invitation (calendar), unrelated
    raw = message(std_headers(addr("Văn phòng Cục", "vanphong@bcy.gov.vn"),
                              h("Mời họp giao ban tuần"),
                              "<invite-01@bcy.gov.vn>", "Wed, 12 May 2021 08:30:00 +0700"),
                  multipart("mixed", "inv-b", [
                      text_part("Mời dự họp giao ban lúc 14h thứ Sáu.", enc="quoted-printable"),
                      part([("Content-Type", 'text/calendar; charset="utf-8"; method=REQUEST'),
                            ("Content-Transfer-Encoding", "7bit")],
                           "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\n"
                           "SUMMARY:Giao ban\r\nDTSTART:20210514T070000Z\r\nEND:VEVENT\r\n"
                           "END:VCALENDAR\r\n")]))
    add("meeting_invite", raw, None, True)

    # ---- duplicate delivery -------------------------------------------------------------------
    f, n = mk("BỘ NGOẠI GIAO", "Bộ Ngoại giao", "1234/BNG-TTTT", 44)
    dup = message(std_headers(addr("Văn thư Bộ Ngoại giao", "vanthu@mofa.gov.vn"), h(SUBJ),
                              "<dup-bng-2021@mofa.gov.vn>", "Thu, 13 May 2021 09:00:00 +0700"),
                  multipart("mixed", "dup-b", [
                      text_part("Kính gửi Ban Cơ yếu Chính phủ.", enc="quoted-printable"),
                      att_plain(docx_of(f), "BNG mẫu đăng ký.docx", DOCX_T)]))
    add("duplicate_bng_first", dup, ("accepted", "vanthu@mofa.gov.vn"), False)
    add("duplicate_bng_second", dup, None, False)
    exported("bo-ngoai-giao", "Bộ Ngoại giao", n)

    # ---- corrected resubmission of Bộ Nội vụ (after message 13) ------------------------------
    f, n = mk("BỘ NỘI VỤ", "Bộ Nội vụ", "2001/BNV-TTTT", 12,
              extra={"personal_sim_pki": {"2023": 10}})
    raw = message(outlook_headers(addr("Văn thư Bộ Nội vụ", "vanthu@moha.gov.vn"),
                                  h("Re: " + SUBJ + " - gửi lại bản đã chỉnh sửa"),
                                  "<TY2PR01MB3333BNV0002@TY2PR01MB3333.apcprd01.prod.outlook.com>",
                                  "Fri, 14 May 2021 09:00:00 +0700", True,
                                  extra=[("In-Reply-To", "<bcy-reply-to-bnv@bcy.gov.vn>"),
                                         ("References", "<TY2PR01MB3333BNV0001@TY2PR01MB3333.apcprd01.prod.outlook.com> <bcy-reply-to-bnv@bcy.gov.vn>")]),
                  multipart("mixed", "_021_TY2PR01MB3333_", [
                      outlook_body("Kính gửi Ban Cơ yếu,\nBộ Nội vụ gửi lại file đã sửa ô SIM "
                                   "PKI năm 2023.\n\n> Ban Cơ yếu Chính phủ đề nghị chỉnh sửa",
                                   "_020_TY2PR01MB3333_"),
                      att_outlook(docx_of(f), "Mẫu đăng ký BNV (đã sửa).docx", DOCX_T)]))
    add("corrected_resubmission_bnv", raw, ("accepted", "vanthu@moha.gov.vn"), False)
    exported("bo-noi-vu", "Bộ Nội vụ", n)

    # 45. Thank-you mail with nothing campaign-specific
    raw = message(std_headers(addr("Sở TTTT Lào Cai", "stttt@laocai.gov.vn"),
                              h("Cảm ơn Ban Cơ yếu đã hỗ trợ cài đặt chứng thư số"),
                              "<thanks-01@laocai.gov.vn>", "Fri, 14 May 2021 10:00:00 +0700"),
                  text_part("Cảm ơn các đồng chí đã hỗ trợ cấp lại chứng thư số cho lãnh đạo "
                            "Sở.", enc="quoted-printable"))
    add("thanks_unrelated", raw, None, True)

    # 46. Forgotten attachment; Outlook split the subject's encoded words in the middle of a
    #     UTF-8 sequence (each word alone is not valid UTF-8)
    subj = "V/v đề xuất nhu cầu chứng thư số giai đoạn 2021-2025".encode()
    cut = subj.index("ề".encode()) + 1
    words = [subj[:cut], subj[cut:40], subj[40:]]
    split_subject = "\r\n ".join(
        "=?utf-8?B?" + base64.b64encode(w).decode() + "?=" for w in words)
    raw = message(outlook_headers(addr("Văn thư UBND tỉnh Hà Giang", "vanthu@hagiang.gov.vn"),
                                  split_subject, "<hagiang-forgot-01@hagiang.gov.vn>",
                                  "Fri, 14 May 2021 11:00:00 +0700", False),
                  outlook_body("Kính gửi Ban Cơ yếu,\nTỉnh Hà Giang gửi kèm đề xuất.",
                               "_000_HAGIANG_"))
    add("forgotten_attachment_split_subject_hagiang", raw,
        ("unreadable", "vanthu@hagiang.gov.vn"), False)

    # 47. Lotus Notes style: file name only as RFC 2231 name*= on Content-Type, no
    #     Content-Disposition; Thanh tra Chính phủ
    f, n = mk("THANH TRA CHÍNH PHỦ", "Thanh tra Chính phủ", "880/TTCP-TTTT", 6)
    name = "UTF-8''" + quote("Mẫu đăng ký TTCP.docx".encode(), safe="")
    raw = message(std_headers(addr("Trung tâm Thông tin", "ttthongtin@thanhtra.gov.vn"),
                              h("Đề xuất nhu cầu cấp mới chứng thư số"),
                              "<OFA1B2C3D4.E5F60718-ON48258.0023@thanhtra.gov.vn>",
                              "Fri, 14 May 2021 11:30:00 +0700",
                              extra=[("X-Mailer", "Lotus Domino Web Server Release 9.0.1FP10")]),
                  multipart("mixed", "=_mixed 0023A1B248258CD0_=", [
                      text_part("Kính gửi Ban Cơ yếu Chính phủ.", enc="quoted-printable"),
                      part([("Content-Type", f"{DOCX_T};\r\n\tname*={name}"),
                            ("Content-Transfer-Encoding", "base64")], b64(docx_of(f)))]))
    add("lotus_name_star_only_ttcp", raw, ("accepted", "ttthongtin@thanhtra.gov.vn"), False)
    exported("thanh-tra-chinh-phu", "Thanh tra Chính phủ", n)

    # 48. The .docx labelled application/x-zip-compressed (some gateways do); BHXH Việt Nam
    f, n = mk("BẢO HIỂM XÃ HỘI VIỆT NAM", "Bảo hiểm xã hội Việt Nam", "1555/BHXH-CNTT", 90)
    raw = message(std_headers(addr("Trung tâm CNTT BHXH", "cntt@baohiemxahoi.gov.vn"), h(SUBJ),
                              "<bhxh-zip-label-01@baohiemxahoi.gov.vn>",
                              "Fri, 14 May 2021 13:00:00 +0700"),
                  multipart("mixed", "bhxh-b", [
                      text_part("Kính gửi Ban Cơ yếu Chính phủ.", enc="quoted-printable"),
                      att_plain(docx_of(f), "BHXH_mau_dang_ky.docx", "application/x-zip-compressed")]))
    add("zip_labelled_docx_bhxh", raw, ("accepted", "cntt@baohiemxahoi.gov.vn"), False)
    exported("bao-hiem-xa-hoi-viet-nam", "Bảo hiểm xã hội Việt Nam", n)

    # 49. The same form attached twice, as DOCX and as XLSX; Ủy ban Dân tộc
    f, n = mk("ỦY BAN DÂN TỘC", "Ủy ban Dân tộc", "701/UBDT-TTTT", 13)
    raw = message(outlook_headers(addr("Văn phòng Ủy ban Dân tộc", "vanphong@ubdt.gov.vn"),
                                  h(SUBJ), "<UBDT-both-formats-01@ubdt.gov.vn>",
                                  "Fri, 14 May 2021 14:00:00 +0700", True),
                  multipart("mixed", "_ubdt_mix_", [
                      outlook_body("Kính gửi Ban Cơ yếu, gửi kèm bản Word và bản Excel.",
                                   "_ubdt_alt_"),
                      att_outlook(docx_of(f), "UBDT mẫu đăng ký.docx", DOCX_T),
                      att_outlook(xlsx_of(f), "UBDT mẫu đăng ký.xlsx", XLSX_T)]))
    add("docx_and_xlsx_same_form_ubdt", raw, ("accepted", "vanphong@ubdt.gov.vn"), False)
    exported("uy-ban-dan-toc", "Ủy ban Dân tộc", n)

    return msgs, expect, export


def main() -> None:
    msgs, expect, export = build()
    out = HERE / "messages"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    for name, raw in msgs.items():
        (out / name).write_bytes(raw)
    (HERE / "expect.json").write_text(json.dumps(expect, ensure_ascii=False, indent=1) + "\n",
                                      encoding="utf-8")
    (HERE / "expect_export.json").write_text(
        json.dumps(export, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(msgs)} messages in {out}")


if __name__ == "__main__":
    main()
