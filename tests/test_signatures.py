"""Signed cover letters read offline: every signature's facts from PDFs signed at test time with
pyHanko under a test PKI (`tests/signing_kit.py`), the signer's names as Vietnamese CAs encode
them, the isolated reader, `check --json`, and which signature proves an agency."""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import time
from pathlib import Path

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization

from bot.commands.cli import main
from bot.intake.isolated import read_attachment_isolated
from bot.intake.trust.signatures import proofs_of, signature_records, signer_agency
from demo import signing as kit
from parsers.form.unpack import read_attachment
from parsers.signature.facts import SignatureFacts, SignerName
from parsers.signature.names import signer_name
from parsers.signature.read_pdf import read_signatures
from parsers.spec.campaign import default_campaign
from parsers.spec.registry import load_registry
from tests.archive_kit import zip_of
from tests.conftest import REPO_ROOT
from tests.vietnamese_bytes import cp1258_bytes

CAMPAIGN = default_campaign()
REGISTRY = load_registry(None)
GOLDEN = Path(__file__).resolve().parent / "golden"
DOCX = (GOLDEN / "template-clean.docx").read_bytes()


def der(identity: kit.Identity) -> bytes:
    return identity.cert.public_bytes(serialization.Encoding.DER)


def roots() -> tuple[bytes, ...]:
    return (der(kit.test_pki().root),)


def test_one_signature_every_fact() -> None:
    pki = kit.test_pki()
    [sig] = read_signatures(kit.signed_once(), "cong-van.pdf", roots())
    assert sig.file == "cong-van.pdf" and sig.field == "Signature1"
    assert sig.signer == SignerName(common_name="CỤC THUẾ", organization="BỘ TÀI CHÍNH",
                                    locality="Hà Nội", country="VN")
    assert sig.signer.text == "CN=CỤC THUẾ, O=BỘ TÀI CHÍNH, L=Hà Nội, C=VN"
    assert sig.issuer.common_name == "CA phục vụ các cơ quan Nhà nước G2 (test)"
    assert sig.serial == format(pki.tax_office.cert.serial_number, "X")
    assert sig.signing_time is not None
    assert abs(sig.signing_time - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=10)
    assert sig.timestamp_time == kit.TIMESTAMP_AT  # the time-stamp token's own time
    assert (sig.intact, sig.coverage, sig.modification) == (True, "entire-file", "none")
    assert sig.trusted and sig.trust_problem is None and sig.holds


def test_two_signatures_the_first_extended_by_the_second_only() -> None:
    first, second = read_signatures(kit.signed_twice(), "cv.pdf", roots())
    assert (first.field, first.signer.common_name) == ("LanhDao", "Nguyễn Văn Thành")
    assert first.signer.units == ("Lãnh đạo Bộ",)
    # the records office's signature came after: the approver's covers its own revision,
    # and what was added is a signature, not a change of the letter
    assert (first.coverage, first.modification) == ("entire-revision", "form-filling")
    assert not first.modified_after and first.holds
    assert (second.field, second.signer.common_name) == ("VanThu", "VĂN PHÒNG BỘ")
    assert second.coverage == "entire-file" and second.holds
    assert first.timestamp_time is None


def test_modified_after_signing() -> None:
    [sig] = read_signatures(kit.signed_then_modified(), "cv.pdf", roots())
    assert sig.intact  # the signed revision itself is unchanged...
    assert sig.coverage == "entire-revision" and sig.modification == "other"
    assert sig.modified_after and not sig.holds  # ...but the letter was changed after


def test_untrusted_root_and_no_roots() -> None:
    [stranger] = read_signatures(kit.signed_by_stranger(), "cv.pdf", roots())
    assert stranger.intact and not stranger.trusted
    assert stranger.trust_problem == "no-chain" and not stranger.holds
    [unconfigured] = read_signatures(kit.signed_once(), "cv.pdf", ())
    assert not unconfigured.trusted and unconfigured.trust_problem == "no-roots"


def test_unsigned_and_broken_pdfs_have_no_signatures() -> None:
    assert read_signatures(kit.letter(), "a.pdf", roots()) == ()
    signed = kit.signed_once()
    assert read_signatures(signed[: len(signed) // 2], "a.pdf", roots()) == ()
    assert read_signatures(b"%PDF-1.7\n" + b"\x00" * 100, "a.pdf", roots()) == ()
    # the signature's bytes flipped: recorded, and it does not hold
    at = signed.index(b"/Contents <") + 200
    flipped = signed[:at] + (b"0" if signed[at:at + 1] != b"0" else b"1") + signed[at + 1:]
    found = read_signatures(flipped, "a.pdf", roots())
    assert all(not s.holds for s in found)


UTF8, PRINTABLE, TELETEX, BMP = 0x0C, 0x13, 0x14, 0x1E  # the string types' DER tags


def _organization(tag: int, raw: bytes) -> asn1_x509.Name:
    """A subject O=<raw bytes under that tag>, as a CA wrote it, right or wrong."""
    value = asn1_x509.DirectoryString.load(bytes([tag, len(raw)]) + raw)
    rdn = asn1_x509.RelativeDistinguishedName([asn1_x509.NameTypeAndValue(
        {"type": "organization_name", "value": value})])
    return asn1_x509.Name.load(asn1_x509.Name(name="", value=asn1_x509.RDNSequence([rdn]))
                               .dump())


@pytest.mark.parametrize(("tag", "raw", "expected"), [
    (UTF8, "BỘ TÀI CHÍNH".encode(), "BỘ TÀI CHÍNH"),
    (BMP, "SỞ Y TẾ TỈNH BẮC NINH".encode("utf-16-be"), "SỞ Y TẾ TỈNH BẮC NINH"),
    # UTF-8 bytes in a TeletexString or a PrintableString, read as Latin-1 by the standard
    (TELETEX, "BỘ TÀI CHÍNH".encode(), "BỘ TÀI CHÍNH"),
    (PRINTABLE, "Cục Thuế".encode(), "Cục Thuế"),
    # windows-1258 bytes in a TeletexString
    (TELETEX, cp1258_bytes("Bộ Y tế"), "Bộ Y tế"),
    # UTF-8 once decoded as Latin-1 / windows-1252, then written as UTF8String
    (UTF8, "BỘ TÀI CHÍNH".encode().decode("latin-1").encode(), "BỘ TÀI CHÍNH"),
    (UTF8, "Hà Nội".encode().decode("cp1252").encode(), "Hà Nội"),
    # decomposed (NFD) text comes out composed; other Latin text is left alone
    (UTF8, "Thu\u0309y".encode(), "Thủy"),
    (UTF8, "Müller GmbH".encode(), "Müller GmbH"),
    (TELETEX, b"VNPT-CA", "VNPT-CA"),
])
def test_subject_strings_as_cas_write_them(tag: int, raw: bytes, expected: str) -> None:
    assert signer_name(_organization(tag, raw)).organization == expected


def test_bmp_subject_from_a_signed_pdf() -> None:
    data = kit.sign(kit.letter(), kit.test_pki().bmp)
    [sig] = read_signatures(data, "cv.pdf", roots())
    assert sig.signer.organization == "BỘ TÀI CHÍNH"
    assert sig.signer.common_name == "VĂN THƯ BỘ TÀI CHÍNH"


def _facts(o: str | None, cn: str | None = None, units: tuple[str, ...] = (),
           trusted: bool = True) -> SignatureFacts:
    return SignatureFacts("cv.pdf", f"{o}-{cn}", SignerName(cn, o, units), SignerName("CA"), "01",
                          None, None, True, "entire-file", "none", trusted)


@pytest.mark.parametrize(("facts", "key"), [
    (_facts("BỘ TÀI CHÍNH", "CỤC THUẾ"), "bo-tai-chinh"),  # a unit under its ministry
    (_facts("Bộ Y tế", "Nguyễn Văn A"), "bo-y-te"),
    (_facts("UBND TỈNH BẮC NINH", "SỞ Y TẾ"), "tinh-bac-ninh"),
    (_facts(None, "Văn thư", ("Bộ Tài chính",)), "bo-tai-chinh"),  # OU when O names none
    (_facts("Công ty ABC", "BỘ Y TẾ"), "bo-y-te"),  # CN last
    (_facts("Công ty ABC", "Nguyễn Văn A"), None),
])
def test_which_agency_a_signer_names(facts: SignatureFacts, key: str | None) -> None:
    assert signer_agency(facts.signer, REGISTRY, CAMPAIGN.opened) == key


def test_only_a_signature_that_holds_proves() -> None:
    records = signature_records([_facts("BỘ TÀI CHÍNH"), _facts("BỘ Y TẾ", trusted=False),
                                 _facts("Công ty ABC")], REGISTRY, CAMPAIGN.opened)
    found = {(p.agency_key, p.trusted) for p in proofs_of(records)}
    assert found == {("bo-tai-chinh", True), ("bo-y-te", False)}


def test_a_form_and_its_letter_in_one_zip() -> None:
    archive = zip_of({"mau-dang-ky.docx": DOCX, "cong-van.pdf": kit.signed_twice()})
    [form] = read_attachment(archive, "ho-so.zip", CAMPAIGN, roots())
    assert form.quantities is not None and form.verdict != "unreadable"
    assert [s.file for s in form.signatures] == ["ho-so.zip/cong-van.pdf"] * 2
    assert all(s.holds for s in form.signatures)


def test_the_isolated_reader_returns_plain_facts() -> None:
    [report] = read_attachment_isolated(kit.signed_once(), "cv.pdf", CAMPAIGN, roots=roots())
    [sig] = report.signatures
    assert type(sig) is SignatureFacts and sig.holds
    assert report.verdict == "unreadable"  # a letter is no form


def test_check_json_adds_signatures_and_keeps_the_contract(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "root.pem").write_bytes(kit.test_pki().root.pem)
    (tmp_path / "cv.pdf").write_bytes(kit.signed_twice())
    (tmp_path / "ho-so.zip").write_bytes(
        zip_of({"mau.docx": DOCX, "cv.pdf": kit.signed_then_modified()}))
    code = main(["check", "--json", "--signature-root", str(tmp_path / "root.pem"),
                 str(tmp_path / "cv.pdf"), str(tmp_path / "ho-so.zip")])
    letter, form = json.loads(capsys.readouterr().out)
    assert code == 2  # the letter alone is no form
    assert letter["verdict"] == "unreadable" and letter["quantities"] is None
    signers = [s["signer"]["subject"] for s in letter["signatures"]]
    assert signers == ["CN=Nguyễn Văn Thành, OU=Lãnh đạo Bộ, O=BỘ TÀI CHÍNH, L=Hà Nội, C=VN",
                       "CN=VĂN PHÒNG BỘ, O=BỘ TÀI CHÍNH, L=Hà Nội, C=VN"]
    assert all(s["trusted"] and s["intact"] and not s["modified_after_signing"]
               and s["revocation_checked"] is False for s in letter["signatures"])
    [modified] = form["signatures"]
    assert modified["file"] == "ho-so.zip/cv.pdf" and modified["modified_after_signing"]
    assert modified["timestamp_time"] == kit.TIMESTAMP_AT.isoformat()
    assert form["verdict"] == "accepted" and set(form) >= {
        "file", "verdict", "agency", "document_number", "place", "date", "quantities",
        "findings"}
    # a form without a letter keeps exactly the contract's keys
    (tmp_path / "mau.docx").write_bytes(DOCX)
    assert main(["check", "--json", str(tmp_path / "mau.docx")]) == 0
    assert "signatures" not in json.loads(capsys.readouterr().out)


def test_check_refuses_a_bad_root_file(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "root.pem").write_text("not a certificate")
    assert main(["check", "--signature-root", str(tmp_path / "root.pem"),
                 str(REPO_ROOT / "tests" / "golden" / "template-clean.docx")]) == 64
    assert f"--signature-root: {tmp_path / 'root.pem'} không phải chứng thư số dạng PEM hoặc DER" \
        in capsys.readouterr().err


def test_mutated_letters_never_raise() -> None:
    """Bytes flipped, cut and repeated across a signed letter: each reading ends with facts
    (a signature that holds only if the signed bytes are untouched), never an exception."""
    rng = random.Random(10)
    signed = kit.signed_twice()
    started = time.monotonic()
    for _ in range(40):
        data = bytearray(signed)
        for _ in range(rng.randint(1, 8)):
            at = rng.randrange(len(data))
            data[at:at + rng.randint(1, 16)] = bytes(rng.randrange(256) for _ in range(4))
        found = read_signatures(bytes(data), "cv.pdf", roots())
        assert isinstance(found, tuple)
        assert all(isinstance(s, SignatureFacts) for s in found)
    assert time.monotonic() - started < 60


def test_check_text_shows_dates_and_signing_times_as_staff_read_them(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """dd/mm/yyyy for the form's date, dd/mm/yyyy hh:mm in the staff's zone for a signature;
    never an ISO date or a UTC offset."""
    from zoneinfo import ZoneInfo
    (tmp_path / "root.pem").write_bytes(kit.test_pki().root.pem)
    (tmp_path / "ho-so.zip").write_bytes(zip_of({"mau.docx": DOCX, "cv.pdf": kit.signed_twice()}))
    [report] = read_attachment((tmp_path / "ho-so.zip").read_bytes(), "ho-so.zip", CAMPAIGN)
    assert report.date is not None and report.signatures
    main(["check", "--signature-root", str(tmp_path / "root.pem"), str(tmp_path / "ho-so.zip")])
    shown = capsys.readouterr().out
    assert dt.date.fromisoformat(report.date).strftime("%d/%m/%Y") in shown
    zone = ZoneInfo("Asia/Ho_Chi_Minh")
    for sig in report.signatures:
        assert sig.signing_time is not None
        assert sig.signing_time.astimezone(zone).strftime("%d/%m/%Y %H:%M") in shown
    assert not re.search(r"\d{4}-\d\d-\d\d|[+-]\d\d:\d\d\b|T\d\d:", shown), shown
