"""Who may speak for an agency, end to end: hostile and misleading mails in a real Dovecot INBOX,
replies through a real SMTP listener, then `export`, `digest` and `submissions confirm|reject`
as staff run them."""

from __future__ import annotations

import io
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.commands.cli import main
from demo.forms import Filling
from tests.pipeline_kit import docx_mail, poll, received, write_config
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink

OURS_MX = "mx.bcy.gov.vn"
STRANGER = Filling("BỘ TÀI CHÍNH", "Bộ Tài chính", "=cmd|' /C calc'!A0",
                   numbers={"organization_usb_token": {"2021": 9999, "2022": 8888}})
BYT = Filling("BỘ Y TẾ", "Bộ Y tế", "310/BYT-CNTT",
              numbers={"personal_sim_pki": {"2021": 31, "2022": 32}})
BYT_AGAIN = Filling("BỘ Y TẾ", "Bộ Y tế", "311/BYT-CNTT",
                    numbers={"personal_sim_pki": {"2021": 41, "2022": 42}})
CONFLICT = Filling("BỘ TÀI CHÍNH", "Ủy ban nhân dân tỉnh Bắc Ninh", "77/BTC-KHTC",
                   numbers={"organization_usb_token": {"2021": 7, "2022": 7}})
UNIT = Filling("BỘ TÀI CHÍNH\nCỤC THUẾ TỈNH BẮC NINH", "Cục Thuế tỉnh Bắc Ninh", "5/CT-BNI",
               numbers={"organization_usb_token": {"2021": 5, "2022": 5}})


def _config(tmp_path: Path, box: MailboxAccount, sink: SmtpSink, trust: str = "") -> Path:
    path = write_config(tmp_path, box, sink)
    path.write_text(path.read_text(encoding="utf-8") + f"\n[trust]\n{trust}\n", encoding="utf-8")
    return path


def _run(capsys: pytest.CaptureFixture[str], config: Path, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["--config", str(config), *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def _by_message(sink: SmtpSink) -> dict[str, EmailMessage]:
    return {str(m["In-Reply-To"]).strip(): m for m in received(sink)}


def _text(reply: EmailMessage) -> str:
    body = reply.get_body(("plain",))
    assert body is not None
    return " ".join(body.get_content().split())


def _summary_rows(path: Path) -> Iterator[list[object]]:
    ws = load_workbook(io.BytesIO(path.read_bytes()))["Tổng hợp"]
    for row in ws.iter_rows(min_row=3, values_only=True):
        yield list(row)


NUMBERS = 4  # the summary's first number column: after TT, agency, document number, reference


def _exported(capsys: pytest.CaptureFixture[str], config: Path, tmp_path: Path
              ) -> dict[str, list[object]]:
    """Agency name → its row of the summary sheet."""
    out = tmp_path / "tong-hop.xlsx"
    assert _run(capsys, config, "export", "-o", str(out))[0] == 0
    return {str(row[1]): row for row in _summary_rows(out) if isinstance(row[0], int)}


SPOOFS = {  # Message-ID → From: each sends the ministry's form with a stranger's numbers
    "<spoof-stranger@evil.example>": "Bộ Tài chính <ke.gia@evil.example>",
    "<spoof-gmail@gmail.com>": "Văn thư Bộ Tài chính <botaichinh.vanthu@gmail.com>",
    "<spoof-suffix@example.com>": "Văn thư <vanthu@mof.gov.vn.example.com>",
    "<spoof-hyphen@mof-gov.vn>": "Văn thư <vanthu@mof-gov.vn>",
    "<spoof-inside@evil.example>": '"vanthu@mof.gov.vn" <vanthu@evil.example>',
}


def test_no_stranger_changes_the_ministrys_numbers_until_staff_confirm(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, mailbox, smtp_sink, f'authserv_id = "{OURS_MX}"')
    mailbox.append(docx_mail("Văn thư <vanthu@mof.gov.vn>", message_id="<real@mof.gov.vn>"))
    # a real sub-domain of the ministry's counts too
    mailbox.append(docx_mail("Cục Tin học <cuctinhoc@mail.mof.gov.vn>",
                             message_id="<real-sub@mail.mof.gov.vn>"))
    assert poll(config) == 0
    for message_id, sender in SPOOFS.items():
        mailbox.append(docx_mail(sender, STRANGER, message_id=message_id))
    # our own server's verdict first, then the sender's forged one further down
    forged_pass = {"Authentication-Results": f"{OURS_MX}; dmarc=pass header.from=mof.gov.vn"}
    mailbox.append(b"Authentication-Results: " + OURS_MX.encode() + b"; spf=fail "
                   b"smtp.mailfrom=vanthu@mof.gov.vn; dmarc=fail header.from=mof.gov.vn\r\n"
                   + docx_mail("Văn thư <vanthu@mof.gov.vn>", STRANGER,
                               message_id="<spoof-dmarc@mof.gov.vn>", headers=forged_pass))
    mailbox.append(docx_mail("Văn thư <vanthu@evil.example>", STRANGER,
                             message_id="<spoof-forged-ar@evil.example>", headers=forged_pass))
    assert poll(config) == 0

    replies = _by_message(smtp_sink)
    held = [*SPOOFS, "<spoof-dmarc@mof.gov.vn>", "<spoof-forged-ar@evil.example>"]
    assert set(replies) == {*held, "<real@mof.gov.vn>", "<real-sub@mail.mof.gov.vn>"}
    for message_id in held:
        reply = replies[message_id]
        assert reply["X-BCY-Intake-Verdict"] == "accepted", message_id
        assert reply["X-BCY-Intake-Standing"] == "awaiting-confirmation", message_id
        text = _text(reply)
        assert "chưa được đưa vào bảng tổng hợp" in text and "9.999" in text
        assert "trân trọng cảm ơn" in text
    for message_id in ("<real@mof.gov.vn>", "<real-sub@mail.mof.gov.vn>"):
        assert replies[message_id]["X-BCY-Intake-Standing"] == "counted"
        assert "chưa được đưa vào bảng tổng hợp" not in _text(replies[message_id])

    rows = _exported(capsys, config, tmp_path)
    assert list(rows) == ["Bộ Tài chính"]
    assert rows["Bộ Tài chính"][NUMBERS:NUMBERS + 2] == [120, 80]  # the ministry's own numbers
    assert 9999 not in rows["Bộ Tài chính"]
    newest = str(replies["<real-sub@mail.mof.gov.vn>"]["X-BCY-Intake-Reference"])
    assert newest in rows["Bộ Tài chính"]  # the newest that counts

    code, digest, _ = _run(capsys, config, "digest")
    assert code == 0
    todo = digest.split("\nI. ")[1].split("\nII. ")[0]
    assert todo.index("Hồ sơ chờ xác nhận") == min(
        todo.index(t) for t in ("Hồ sơ chờ xác nhận", "Cảnh báo", "Thư") if t in todo)
    references = {m: str(replies[m]["X-BCY-Intake-Reference"]) for m in replies}
    for message_id in held:
        assert references[message_id] in todo
    assert "gửi từ hộp thư miễn phí" in todo and "bị giả mạo" in todo
    assert references["<real@mof.gov.vn>"] not in todo

    # staff confirm the gmail one (newer than both real ones): its numbers now count
    gmail = references["<spoof-gmail@gmail.com>"]
    code, out, _ = _run(capsys, config, "submissions", "confirm", gmail)
    assert code == 0 and "Bộ Tài chính" in out
    assert _exported(capsys, config, tmp_path)["Bộ Tài chính"][NUMBERS:NUMBERS + 2] == [9999, 8888]
    # ... and reject it again: the ministry's newest own form counts once more
    assert _run(capsys, config, "submissions", "reject", gmail)[0] == 0
    assert _exported(capsys, config, tmp_path)["Bộ Tài chính"][NUMBERS:NUMBERS + 2] == [120, 80]
    code, shown, _ = _run(capsys, config, "submissions", "show", gmail)
    assert "Không được tính (cán bộ đã từ chối:" in shown
    code, out, err = _run(capsys, config, "submissions", "confirm", "BCY-CTS-2021-9999")
    assert code == 1 and out == "" and len(err.strip().splitlines()) == 1
    assert _run(capsys, config, "submissions", "reject", "nothing")[0] == 1


def test_a_confirmed_address_counts_from_its_next_mail(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, mailbox, smtp_sink)
    clerk = "Phòng CNTT Bộ Y tế <CNTT.BYT@gmail.com>"
    mailbox.append(docx_mail(clerk, BYT, message_id="<byt-1@gmail.com>"))
    assert poll(config) == 0
    [first] = received(smtp_sink)
    assert first["X-BCY-Intake-Standing"] == "awaiting-confirmation"
    assert "hộp thư điện tử công vụ" in _text(first)
    assert "Bộ Y tế" not in _exported(capsys, config, tmp_path)
    reference = str(first["X-BCY-Intake-Reference"])
    code, listed, _ = _run(capsys, config, "submissions", "list", "--standing",
                           "awaiting-confirmation")
    assert reference in listed and "Chờ xác nhận" in listed

    code, out, _ = _run(capsys, config, "submissions", "confirm", reference, "--add-address")
    assert code == 0 and "cntt.byt@gmail.com" in out
    assert _exported(capsys, config, tmp_path)["Bộ Y tế"][NUMBERS + 10:NUMBERS + 12] == [31, 32]
    mailbox.append(docx_mail(clerk, BYT_AGAIN, message_id="<byt-2@gmail.com>"))
    assert poll(config) == 0
    second = _by_message(smtp_sink)["<byt-2@gmail.com>"]
    assert second["X-BCY-Intake-Standing"] == "counted"
    assert _exported(capsys, config, tmp_path)["Bộ Y tế"][NUMBERS + 10:NUMBERS + 12] == [41, 42]
    # the address is trusted for that agency only
    mailbox.append(docx_mail(clerk, message_id="<byt-for-btc@gmail.com>"))
    assert poll(config) == 0
    assert _by_message(smtp_sink)["<byt-for-btc@gmail.com>"]["X-BCY-Intake-Standing"] == \
        "awaiting-confirmation"
    code, shown, _ = _run(capsys, config, "submissions", "show", reference)
    assert "Được tính (cán bộ đã xác nhận:" in shown


def test_config_and_authentication_rules(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A config-named free-mail address counts; without an authserv-id configured, nobody's
    Authentication-Results is read (so a forged `fail` cannot hold a ministry's form)."""
    config = _config(tmp_path, mailbox, smtp_sink,
                     '[trust.senders]\nbo-y-te = ["cntt.byt@gmail.com"]')
    mailbox.append(docx_mail("<cntt.byt@gmail.com>", BYT, message_id="<cfg@gmail.com>"))
    mailbox.append(b"Authentication-Results: " + OURS_MX.encode()
                   + b"; dmarc=fail header.from=mof.gov.vn\r\n"
                   + docx_mail("Văn thư <vanthu@mof.gov.vn>", message_id="<ar@mof.gov.vn>"))
    assert poll(config) == 0
    replies = _by_message(smtp_sink)
    assert replies["<cfg@gmail.com>"]["X-BCY-Intake-Standing"] == "counted"
    assert replies["<ar@mof.gov.vn>"]["X-BCY-Intake-Standing"] == "counted"
    assert set(_exported(capsys, config, tmp_path)) == {"Bộ Tài chính", "Bộ Y tế"}


def test_a_form_naming_two_agencies_waits_for_staff(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, mailbox, smtp_sink)
    mailbox.append(docx_mail("Văn thư <vanthu@mof.gov.vn>", CONFLICT,
                             message_id="<conflict@mof.gov.vn>"))
    assert poll(config) == 0
    [reply] = received(smtp_sink)
    assert reply["X-BCY-Intake-Verdict"] == "accepted"
    assert reply["X-BCY-Intake-Standing"] == "awaiting-confirmation"
    text = _text(reply)
    assert "«BỘ TÀI CHÍNH»" in text and "«Ủy ban nhân dân tỉnh Bắc Ninh»" in text
    assert "ghi tên hai cơ quan khác nhau" in text and text.startswith("Kính gửi: Quý cơ quan.")
    assert _exported(capsys, config, tmp_path) == {}
    reference = str(reply["X-BCY-Intake-Reference"])
    # the sender speaks for the ministry, so it is recorded for the ministry...
    code, shown, _ = _run(capsys, config, "submissions", "show", reference)
    assert "Cơ quan:             Bộ Tài chính" in shown and "hai cơ quan" in shown
    # ...but staff found out it is the province's form
    code, out, _ = _run(capsys, config, "submissions", "confirm", reference,
                        "--agency", "tinh-bac-ninh")
    assert code == 0 and "Ủy ban nhân dân tỉnh Bắc Ninh" in out
    assert list(_exported(capsys, config, tmp_path)) == ["Ủy ban nhân dân tỉnh Bắc Ninh"]
    assert _run(capsys, config, "submissions", "confirm", reference, "--agency", "nope")[0] == 64
    # reprocessing keeps what staff decided
    assert _run(capsys, config, "reprocess", reference)[0] == 0
    assert list(_exported(capsys, config, tmp_path)) == ["Ủy ban nhân dân tỉnh Bắc Ninh"]


def test_a_unit_under_its_ministry_counts_for_the_ministry(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The letterhead "BỘ TÀI CHÍNH / CỤC THUẾ TỈNH BẮC NINH" over the opening sentence "Cục Thuế
    tỉnh Bắc Ninh đề xuất": the ministry's unit, no conflict; the ministry's mail counts."""
    config = _config(tmp_path, mailbox, smtp_sink)
    mailbox.append(docx_mail("Cục Thuế <vanthu@mof.gov.vn>", UNIT, message_id="<unit@mof>"))
    assert poll(config) == 0
    [reply] = received(smtp_sink)
    assert reply["X-BCY-Intake-Standing"] == "counted"
    assert "agency-conflict" not in _text(reply) and "hai cơ quan" not in _text(reply)
    assert _exported(capsys, config, tmp_path)["Bộ Tài chính"][NUMBERS:NUMBERS + 2] == [5, 5]


def test_unknown_agency_key_in_the_config_is_refused(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        capsys: pytest.CaptureFixture[str]) -> None:
    config = _config(tmp_path, mailbox, smtp_sink, '[trust.senders]\nbo-khong-co = ["a.gov.vn"]')
    code, _, err = _run(capsys, config, "submissions", "list")
    assert code == 78 and "senders.bo-khong-co" in err
