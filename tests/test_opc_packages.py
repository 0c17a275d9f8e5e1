"""A .docx/.xlsx is an OPC package, known by its [Content_Types].xml wherever its parts sit:
read as the document it is (parts at the root, `\\` separators, part names in another case),
or one verdict for the one file — never opened as an archive of XML files. A binary workbook
(.xlsb) is a format we do not read, not a damaged file."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path

import pytest

from bot.commands.cli import main
from bot.config.specs import checked_campaign
from parsers.codes import FindingCode
from parsers.form.parse import read_form, sniff_kind
from parsers.form.unpack import read_attachment
from tests.archive_kit import zip_of
from tests.pipeline_kit import OURS, SUBJECT, poll, received, write_config
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink
from tests.shared_corpus import corpus

GOLDEN = Path(__file__).resolve().parent / "golden"
CAMPAIGN = checked_campaign(None)
Rename = Callable[[str, bytes], tuple[str, bytes]]


def _repack(data: bytes, rename: Rename) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            name, body = rename(info.filename, src.read(info))
            dst.writestr(name, body)
    return out.getvalue()


def _at_root(folder: str) -> Rename:
    """The main folder's parts at the package root, as some generators write them."""
    def rename(name: str, body: bytes) -> tuple[str, bytes]:
        if name == "[Content_Types].xml" or name.endswith(".rels"):
            body = body.replace(f"/{folder}/".encode(), b"/").replace(
                f'"{folder}/'.encode(), b'"')
        return name.removeprefix(f"{folder}/"), body
    return rename


def _backslashes(name: str, body: bytes) -> tuple[str, bytes]:
    return name.replace("/", "\\"), body


def _capitals(name: str, body: bytes) -> tuple[str, bytes]:
    """Every part's last name with a capital, the references left as they were."""
    head, _, last = name.rpartition("/")
    return (f"{head}/{last[:1].upper()}{last[1:]}" if head else name), body


VARIANTS = {"root": None, "backslashes": _backslashes, "capitals": _capitals}
FORMS = {"xlsx": ("template-clean.xlsx", "xl"), "docx": ("template-clean.docx", "word")}


def _variant(kind: str, variant: str) -> bytes:
    file, folder = FORMS[kind]
    data = (GOLDEN / file).read_bytes()
    return _repack(data, VARIANTS[variant] or _at_root(folder))


@pytest.mark.parametrize("kind", sorted(FORMS))
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_a_package_with_its_parts_elsewhere_is_read_as_the_document(kind: str, variant: str
                                                                   ) -> None:
    original = read_form((GOLDEN / FORMS[kind][0]).read_bytes(), f"mau.{kind}", CAMPAIGN)
    data = _variant(kind, variant)
    assert sniff_kind(data) == kind
    [report] = read_attachment(data, f"mau.{kind}", CAMPAIGN)
    assert report.file == f"mau.{kind}"
    assert (report.verdict, report.quantities) == (original.verdict, original.quantities)
    assert original.verdict == "accepted"


@pytest.mark.parametrize("name", ["minimal_package.xlsx", "issue_530.xlsx", "issue_419.xlsx",
                                  "empty_s_attribute.xlsx"])
def test_third_party_workbooks_open(name: str) -> None:
    """Excel opens them: not our form, so form-not-found, never "damaged" nor an archive."""
    data = (corpus("spreadsheets-calamine") / name).read_bytes()
    [report] = read_attachment(data, name, CAMPAIGN)
    assert report.file == name
    assert [f.code for f in report.findings] == [FindingCode.FORM_NOT_FOUND]


def test_a_damaged_workbook_is_one_unreadable_verdict() -> None:
    data = (corpus("spreadsheets-calamine") / "issue252.xlsx").read_bytes()  # a bad CRC
    [report] = read_attachment(data, "issue252.xlsx", CAMPAIGN)
    assert [f.code for f in report.findings] == [FindingCode.FILE_UNREADABLE]


@pytest.mark.parametrize("name", ["any_sheets.xlsb", "date.xlsb", "issue_182.xlsb"])
def test_a_binary_workbook_is_an_unsupported_format(name: str) -> None:
    data = (corpus("spreadsheets-calamine") / name).read_bytes()
    [report] = read_attachment(data, name, CAMPAIGN)
    assert [f.code for f in report.findings] == [FindingCode.FILE_TYPE_UNSUPPORTED]
    assert report.kind == "xlsb"
    from replies.findings import finding_message
    told = finding_message(report.findings[0])
    assert ".xlsb" in told and "(.xlsx)" in told and "bị lỗi" not in told


def test_a_zip_named_as_a_workbook_is_one_verdict() -> None:
    data = zip_of({"sheet1.xml": b"<a/>", "styles.xml": b"<b/>"})
    [report] = read_attachment(data, "mau.xlsx", CAMPAIGN)
    assert report.file == "mau.xlsx"
    assert [f.code for f in report.findings] == [FindingCode.FILE_UNREADABLE]


def test_check_json_prints_one_object_for_one_file(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    package = tmp_path / "mau.xlsx"
    package.write_bytes(_variant("xlsx", "root"))
    archive = tmp_path / "ho-so.zip"
    archive.write_bytes(zip_of({"a.xlsx": _variant("xlsx", "capitals"),
                                "b.docx": (GOLDEN / "template-cell-errors.docx").read_bytes()}))
    assert main(["check", "--json", str(package)]) == 0
    one = json.loads(capsys.readouterr().out)
    assert (one["file"], one["verdict"]) == ("mau.xlsx", "accepted")
    assert main(["check", "--json", str(archive)]) == 1
    whole = json.loads(capsys.readouterr().out)
    assert (whole["file"], whole["verdict"]) == ("ho-so.zip", "needs_correction")
    assert [f["file"] for f in whole["files"]] == ["ho-so.zip/a.xlsx", "ho-so.zip/b.docx"]
    assert main(["check", "--json", str(package), str(archive)]) == 1
    assert [o["file"] for o in json.loads(capsys.readouterr().out)] == ["mau.xlsx", "ho-so.zip"]


def _text(reply: EmailMessage) -> str:
    body = reply.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def test_a_relocated_workbook_by_mail_gets_one_answer(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    from demo.sample_mail import XLSX_TYPE, build_mail
    for n, variant in enumerate(sorted(VARIANTS)):
        mailbox.append(build_mail(
            sender=f"Văn thư <vt{n}@mof.gov.vn>", to=OURS, subject=SUBJECT,
            body="Kính gửi Ban Cơ yếu Chính phủ.", message_id=f"<opc-{n}@mof.gov.vn>",
            attachments=[("mau-dang-ky.xlsx", _variant("xlsx", variant), XLSX_TYPE)]))
    assert poll(write_config(tmp_path, mailbox, smtp_sink)) == 0
    replies = received(smtp_sink)
    assert len(replies) == len(VARIANTS)
    for reply in replies:
        assert reply["X-BCY-Intake-Verdict"] == "accepted", _text(reply)
        assert "mau-dang-ky.xlsx/" not in _text(reply)
