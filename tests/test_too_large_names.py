"""A mail too large to take in is answered naming only the files over a limit (their sizes come
from the server's BODYSTRUCTURE, carried in the kept skeleton), or, when no one file is, saying
the mail as a whole is too large: a small form beside a big photo is never blamed."""

from __future__ import annotations

import os
from pathlib import Path

from bot.mail.structure import parse, skeleton_message
from demo.forms import fill_docx
from demo.sample_mail import DOCX_TYPE, build_mail
from tests.pipeline_kit import (
    BTC,
    CAMPAIGN,
    OURS,
    SUBJECT,
    poll,
    received,
    reply_text,
    write_config,
)
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink

KB = 1024


def _mail(n: int, photos: list[int]) -> bytes:
    files = [("mau.docx", fill_docx(CAMPAIGN, BTC), DOCX_TYPE)]
    files += [(f"anh-{i}.jpg", os.urandom(size), "image/jpeg") for i, size in enumerate(photos)]
    return build_mail(sender=f"Văn thư <vt{n}@mof.gov.vn>", to=OURS, subject=SUBJECT,
                      body="Kính gửi.", message_id=f"<big-{n}@mof.gov.vn>", attachments=files)


def test_only_the_file_over_the_limit_is_named(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    mailbox.append(_mail(1, [1200 * KB]))  # one photo over the file limit
    mailbox.append(_mail(2, [500 * KB, 500 * KB, 500 * KB]))  # none is; together they are
    config = write_config(tmp_path, mailbox, smtp_sink,
                          limits={"max_message_bytes": 1024 * KB,
                                  "max_attachment_bytes": 1024 * KB})
    assert poll(config) == 0
    answers = {str(r["In-Reply-To"]): r for r in received(smtp_sink)}
    one, many = reply_text(answers["<big-1@mof.gov.vn>"]), reply_text(answers["<big-2@mof.gov.vn>"])
    assert "Tệp anh-0.jpg có dung lượng vượt quá giới hạn" in one
    assert "mau.docx" not in one
    assert "Thư của Quý cơ quan có tổng dung lượng vượt quá giới hạn" in many
    assert "mau.docx" not in many and "anh-0.jpg" not in many


def test_the_skeleton_keeps_the_servers_size_not_the_senders() -> None:
    structure = parse(b'(("image" "jpeg" ("name" "a.jpg") NIL NIL "base64" 4000 NIL '
                      b'("attachment" ("filename" "a.jpg" "size" "1")) NIL NIL) '
                      b'("application" "pdf" ("name" "b.pdf") NIL NIL "7bit" 500 NIL NIL NIL NIL)'
                      b' "mixed")')
    raw = skeleton_message(b"Subject: x\r\n", structure[0])
    text = raw.decode()
    assert 'size="1"' not in text and "size=3000" in text and "size=500" in text
