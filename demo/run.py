"""`python -m demo`: the README's first command. A local mailbox (pymap + an SMTP sink on
127.0.0.1, no root), six sample mails, one intake cycle, and what each agency receives. The
Ministry of Finance's form comes with a cover letter signed under a test PKI whose root the
demo's configuration trusts, so staff see a signature checked and shown."""

from __future__ import annotations

import argparse
import email
import email.policy
import logging
import sys
import tempfile
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from bot.commands.cli import main as cli_main
from demo import signing
from demo.forms import Filling, fill_docx, fill_xlsx
from demo.mailbox import DemoMailbox
from demo.sample_mail import DOCX_TYPE, XLSX_TYPE, build_mail
from parsers.spec.campaign import Campaign, default_campaign
from replies.render import render

MAILBOX = "ca@bcy.gov.vn"
PDF_TYPE = "application/pdf"
ROOTS = "chung-thu-goc-thu-nghiem.pem"  # the test PKI's root, trusted by the demo's config


@dataclass(frozen=True)
class Sample:
    sender: str
    subject: str
    raw: bytes

    @property
    def message_id(self) -> str:
        return str(email.message_from_bytes(self.raw)["Message-ID"]).strip()


def samples(campaign: Campaign) -> list[Sample]:
    """A valid DOCX with its signed cover letter, a valid XLSX, a form with errors, a valid form
    from a free-mail address (it waits for staff to confirm the sender), a question, an
    out-of-office."""
    btc = Filling("BỘ TÀI CHÍNH", "Bộ Tài chính", "215/BTC-THTK",
                  numbers={"organization_usb_token": {"2021": 120, "2022": 80, "2023": 60},
                           "personal_usb_token": {"2021": "1.500", "2022": 900},
                           "personal_sim_pki": {"2022": 200, "2023": 300},
                           "device_service_software": {"2021": 15}})
    bn = Filling("ỦY BAN NHÂN DÂN\nTỈNH BẮC NINH", "Ủy ban nhân dân tỉnh Bắc Ninh",
                 "1234/UBND-KSTT", "Bắc Ninh, ngày 05 tháng 5 năm 2021",
                 numbers={"organization_usb_token": dict.fromkeys(campaign.years, 40),
                          "personal_usb_token": dict.fromkeys(campaign.years, 250),
                          "personal_sd_secure": {"2023": 30}})
    byt = Filling("BỘ Y TẾ", "Bộ Y tế", "<Số, ký hiệu>",
                  numbers={"organization_usb_token": {"2021": "mười", "2022": 12},
                           "personal_sim_pki": {"2021": "khoảng 50", "2022": -5}})
    bnv = Filling("BỘ NỘI VỤ", "Bộ Nội vụ", "77/BNV-VP",
                  numbers={"organization_usb_token": {"2021": 30, "2022": 10},
                           "personal_usb_token": {"2021": 400}})
    mails = [
        ("Cục Tin học và Thống kê tài chính <cntt@mof.gov.vn>",
         "Đề xuất nhu cầu cấp mới chứng thư số giai đoạn 2021-2025 - Bộ Tài chính",
         "Kính gửi Ban Cơ yếu Chính phủ,\nBộ Tài chính gửi kèm Mẫu đăng ký.\nTrân trọng.",
         [("De xuat nhu cau CTS - BTC.docx", fill_docx(campaign, btc), DOCX_TYPE),
          ("Cong van 215-BTC-THTK.pdf", signing.sign(signing.letter(),
                                                     signing.test_pki().tax_office),
           PDF_TYPE)], {}),
        ("Văn phòng UBND tỉnh Bắc Ninh <vpubnd@bacninh.gov.vn>",
         "V/v đề xuất nhu cầu chứng thư số",
         "Kính gửi Ban Cơ yếu Chính phủ,\nUBND tỉnh Bắc Ninh gửi mẫu đăng ký (Excel).",
         [("Mẫu đăng ký - Bắc Ninh.xlsx", fill_xlsx(campaign, bn), XLSX_TYPE)], {}),
        ("Văn phòng Bộ Y tế <vanthu@moh.gov.vn>", "Gửi mẫu đăng ký chứng thư số",
         "Kính gửi Ban Cơ yếu Chính phủ,\nBộ Y tế gửi mẫu đăng ký.",
         [("mau-dang-ky-BYT.docx", fill_docx(campaign, byt), DOCX_TYPE)], {}),
        ("Văn thư Bộ Nội vụ <vanthu.bonoivu@gmail.com>", "Đề xuất nhu cầu chứng thư số",
         "Kính gửi Ban Cơ yếu Chính phủ,\nBộ Nội vụ gửi mẫu đăng ký.",
         [("mau-dang-ky-BNV.docx", fill_docx(campaign, bnv), DOCX_TYPE)], {}),
        ("Nguyễn Văn An <an.nv@hanoi.gov.vn>", "Hỏi về gia hạn chứng thư số",
         "Chứng thư số của tôi sắp hết hạn, xin hỏi thủ tục gia hạn như thế nào?", [], {}),
        ("Trần Thị Bình <binh.tt@mic.gov.vn>", "Trả lời tự động: Vắng mặt",
         "Tôi đang đi công tác đến hết ngày 20/5/2021.", [],
         {"Auto-Submitted": "auto-replied"}),
    ]
    return [Sample(sender, subject, build_mail(sender=sender, to=MAILBOX, subject=subject,
                                               body=body, attachments=atts, headers=headers))
            for sender, subject, body, atts, headers in mails]


def _config(box: DemoMailbox, folder: Path, store: str) -> Path:
    path = folder / "config.toml"
    (folder / ROOTS).write_bytes(signing.test_pki().root.pem)
    path.write_text(render("demo/config.toml.j2", box=box, mailbox=MAILBOX,
                           store_url=store, roots=ROOTS),
                    encoding="utf-8")
    return path


def _reply_view(raw: bytes) -> dict[str, object]:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    body = msg.get_body(preferencelist=("plain",))
    return {"to": msg["To"], "subject": msg["Subject"],
            "verdict": msg["X-BCY-Intake-Verdict"], "reference": msg["X-BCY-Intake-Reference"],
            "attachments": [a.get_filename() for a in msg.iter_attachments()],
            "in_reply_to": str(msg["In-Reply-To"]).strip(),
            "text": body.get_content() if body is not None else ""}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo")
    parser.add_argument("--keep", metavar="DIR", help="keep the database and config here")
    # the tests' PostgreSQL pass (tests/store_kit.py); the demo itself keeps a SQLite file
    parser.add_argument("--store", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    folder = Path(args.keep or tempfile.mkdtemp(prefix="bcy-intake-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # the SMTP sink's chatter
    campaign = default_campaign()
    sample_list = samples(campaign)
    with DemoMailbox(user=MAILBOX, outbox_dir=folder / "sent") as box:
        for sample in sample_list:
            box.append(sample.raw)
        store = args.store or f"sqlite:///{(folder / 'intake.db').as_posix()}"
        config = _config(box, folder, store)
        status = cli_main(["--config", str(config), "poll", "--once"])
        replies = [_reply_view(m.raw) for m in box.sent()]
    answered = {r["in_reply_to"] for r in replies}
    silent = [f"{s.sender} — «{s.subject}»" for s in sample_list
              if s.message_id not in answered]
    sys.stdout.write(render("demo/summary.txt.j2", imap_port=box.imap_port,
                            smtp_port=box.smtp_port, samples=sample_list,
                            stats="xong" if status == 0 else f"lỗi {status}", replies=replies,
                            silent=silent, db=store.removeprefix("sqlite:///")))
    return status


if __name__ == "__main__":
    raise SystemExit(main())
