"""Bounded big mail: sizes are read before bodies; a mail over the limit is decided from its
header and IMAP BODYSTRUCTURE alone, never fetched whole, and kept as that outline (no body);
the rest comes in batches bounded by bytes. The sender of a big submission still gets the
polite "too large" answer. (Peak memory is measured by scripts/bench_big_mail.py.)"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from bot.intake.decide import _declared_parts
from bot.mail.mailbox import Mailbox, byte_batches
from bot.mail.mime_parts import parse_message
from bot.mail.structure import fetch_bytes, find, parse, skeleton_message
from demo.sample_mail import build_mail
from tests.pipeline_kit import OURS, SUBJECT, docx_mail, poll, received, write_config
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink
from tests.store_kit import rows

MB = 1024 * 1024


def test_batches_are_bounded_by_bytes_and_count() -> None:
    sizes = {1: 10, 2: 10, 3: 50, 4: 10, 5: 200, 6: 10, 7: 10, 8: 10, 9: 10}
    batches = list(byte_batches(list(sizes), sizes, max_bytes=60, max_count=3,
                                max_message=100))
    assert batches == [[1, 2], [3, 4], [5], [6, 7, 8], [9]]
    for batch in batches:
        assert len(batch) <= 3
        assert sum(sizes[u] for u in batch) <= 60 or len(batch) == 1


STRUCTURE = (b'* 7 FETCH (UID 12 BODYSTRUCTURE (("text" "plain" ("charset" "utf-8") NIL NIL '
             b'"8bit" 28 1 NIL NIL NIL NIL)("application" "octet-stream" ("name" {22}\r\n'
             b'm\xe1\xba\xabu "\xc4\x91\xc3\xa3 s\xe1\xbb\xada".docx) NIL NIL "base64" 41943040 '
             b'NIL ("attachment" ("filename*" "utf-8\'\'m%E1%BA%ABu.docx")) NIL NIL)'
             b'("message" "rfc822" NIL NIL NIL "7bit" 900 ("Mon, 10 May 2021 09:00:00 +0700" '
             b'"Re: =?utf-8?b?xJDhu4E=?= [BCY-CTS-2021-0001]" NIL NIL NIL NIL NIL NIL NIL '
             b'"<1.bcy-intake@bcy.gov.vn>") ("text" "plain" ("charset" "utf-8") NIL NIL "base64" '
             b'40 1 NIL NIL NIL NIL) 20 NIL ("attachment" NIL) NIL NIL) "mixed" ("boundary" "b1") '
             b'NIL NIL NIL))')


def test_a_bodystructure_becomes_a_skeleton_the_decision_can_read() -> None:
    structure = find(parse(STRUCTURE), "BODYSTRUCTURE")
    header = b"From: A <a@agency.gov.vn>\r\nSubject: big\r\nContent-Type: multipart/mixed;\r\n"\
             b" boundary=\"orig\"\r\nMIME-Version: 1.0\r\n"
    skeleton = skeleton_message(header, structure)
    assert b"orig" not in skeleton and skeleton.count(b"MIME-Version") == 1
    msg = parse_message(skeleton)
    declared = [(a.filename, a.kind) for a, _ in _declared_parts(msg)]
    assert declared == [("mẫu.docx", "declared")]
    inner = [p for p in msg.walk() if p.get_content_type() == "message/rfc822"]
    assert inner and b"<1.bcy-intake@bcy.gov.vn>" in skeleton  # our mail, seen inside


def test_fetch_answers_with_literals_are_put_back_together() -> None:
    data = [(b'1 (UID 5 BODYSTRUCTURE ("text" "plain" ("name" {3}', b'a"b'),
            b') NIL NIL "7bit" 3 1 NIL NIL NIL NIL))']
    structure = find(parse(fetch_bytes(data)), "BODYSTRUCTURE")
    assert structure == ["text", "plain", ["name", 'a"b'], None, None, "7bit", "3", "1", None,
                         None, None, None]


def test_hostile_structures_end(tmp_path: Path) -> None:
    deep = b"(" * 10_000 + b'"text" "plain"' + b")" * 10_000
    assert isinstance(parse(deep), list)
    many = b"(" + b'("text" "plain" NIL NIL NIL "7bit" 1 1)' * 5_000 + b' "mixed")'
    skeleton = skeleton_message(b"Subject: x\r\n", parse(many)[0])
    assert skeleton.count(b"Content-Type: text/plain") <= 502


@pytest.fixture
def fetched(monkeypatch: pytest.MonkeyPatch) -> list[list[int]]:
    """Every batch of UIDs fetched whole."""
    batches: list[list[int]] = []
    real = Mailbox.fetch_raw

    def spy(self: Mailbox, uids: list[int]) -> Any:
        batches.append(list(uids))
        return real(self, uids)

    monkeypatch.setattr(Mailbox, "fetch_raw", spy)
    return batches


def _big(n: int, mb: int, named: bool) -> bytes:
    scan = os.urandom(mb * MB)
    return build_mail(sender=f"Văn thư {n} <vt@agency{n}.gov.vn>", to=OURS,
                      subject=SUBJECT if named else "Ảnh chuyến công tác",
                      body="Kính gửi.", message_id=f"<big-{n}@agency{n}.gov.vn>",
                      attachments=[(f"mau-dang-ky-{n}.docx", scan, "application/octet-stream")]
                      if named else [("anh.jpg", scan, "image/jpeg")])


def test_big_mail_is_never_fetched_whole_nor_kept_whole(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        fetched: list[list[int]]) -> None:
    big = [mailbox.append(_big(n, 2, named=n % 2 == 0)) for n in range(4)]
    small = [mailbox.append(docx_mail(f"Văn thư <vt@small{n}.gov.vn>",
                                      message_id=f"<small-{n}@x.vn>")) for n in range(3)]
    config = write_config(tmp_path, mailbox, smtp_sink,
                          limits={"max_message_bytes": MB, "max_batch_bytes": 120_000})
    assert poll(config) == 0
    whole = [uid for batch in fetched for uid in batch]
    assert sorted(whole) == small and not set(whole) & set(big)
    assert all(len(batch) <= 2 for batch in fetched)  # ~55 KB each: two per 120 KB batch
    big = rows(tmp_path, "SELECT message_id, size, length(raw), body_omitted, kind "
                         "FROM messages WHERE message_id LIKE '<big-%'")
    assert len(big) == 4
    for _mid, size, kept, omitted, _kind in big:
        assert omitted == 1 and size > 2 * MB and kept < 3_000
    answers = {str(r["In-Reply-To"]): r for r in received(smtp_sink)}
    assert set(answers) == {"<big-0@agency0.gov.vn>", "<big-2@agency2.gov.vn>",
                            "<small-0@x.vn>", "<small-1@x.vn>", "<small-2@x.vn>"}
    too_large = answers["<big-2@agency2.gov.vn>"]
    text = too_large.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert too_large["X-BCY-Intake-Verdict"] == "unreadable"
    assert "mau-dang-ky-2.docx" in text and "vượt quá giới hạn" in text
