"""Caps: the bot cannot be made to mail one person, one domain, or the world. Replies are
counted per From address, per recipient (`+tag` and case folded), per recipient domain, and
per hour over all; a reply held back still leaves its submission stored, and staff see an
event for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pipeline_kit import SUBJECT, plain, poll, received, write_config
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink
from tests.store_kit import query, rows

LIMITS = {"replies_per_sender_per_day": 2, "replies_per_recipient_per_day": 2,
          "replies_per_domain_per_day": 3, "replies_per_hour": 5}


def _asking(sender: str, reply_to: str | None, n: int) -> bytes:
    headers = {"Reply-To": reply_to} if reply_to else {}
    return plain(sender, SUBJECT, "Gửi Ban Cơ yếu mẫu đăng ký.", headers=headers,
                 message_id=f"<cap-{n}@example.vn>")


def _run(tmp_path: Path, box: MailboxAccount, sink: SmtpSink,
         mails: list[tuple[str, str | None]]) -> tuple[list[str], int, list[str]]:
    for n, (sender, reply_to) in enumerate(mails):
        box.append(_asking(sender, reply_to, n))
    assert poll(write_config(tmp_path, box, sink, limits=LIMITS)) == 0
    stored = query(tmp_path, "SELECT count(*) FROM submissions")
    held = [r[0] for r in rows(tmp_path,
                               "SELECT detail FROM events WHERE kind = 'reply-held' ORDER BY id")]
    return [m.rcpt_tos[0] for m in sink.messages], stored, held


def test_one_sender_cannot_reply_to_many_addresses(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    mails = [("Kẻ lạ <stranger@evil.example>", f"victim{n}@target{n}.example")
             for n in range(5)]
    sent, stored, held = _run(tmp_path, mailbox, smtp_sink, mails)
    assert len(sent) == 2 and stored == 5
    assert len(held) == 3 and all("sender 2/day" in h for h in held)


def test_tags_and_case_do_not_make_new_recipients(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    mails = [(f"Người {n} <p{n}@sender{n}.example>", f"Victim+{n}@Target.example")
             for n in range(4)]
    sent, stored, held = _run(tmp_path, mailbox, smtp_sink, mails)
    assert sent == ["Victim+0@Target.example", "Victim+1@Target.example"] and stored == 4
    assert all("recipient 2/day" in h for h in held) and len(held) == 2


def test_one_domain_gets_at_most_its_cap(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    mails = [(f"Người {n} <p{n}@sender{n}.example>", f"person{n}@target.example")
             for n in range(5)]
    sent, stored, held = _run(tmp_path, mailbox, smtp_sink, mails)
    assert len(sent) == 3 and stored == 5
    assert all("domain 3/day" in h for h in held) and len(held) == 2


def test_an_hourly_ceiling_over_all(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink) -> None:
    mails = [(f"Văn thư {n} <vt@agency{n}.gov.vn>", None) for n in range(7)]
    sent, stored, held = _run(tmp_path, mailbox, smtp_sink, mails)
    assert len(sent) == 5 and stored == 7
    assert all("all 5/hour" in h for h in held) and len(held) == 2
    assert {str(r["X-BCY-Intake-Verdict"]) for r in received(smtp_sink)} == {"unreadable"}


@pytest.mark.parametrize("key", sorted(LIMITS))
def test_caps_are_checked_in_the_config(tmp_path: Path, key: str) -> None:
    from bot.config.settings import ConfigError, parse_config

    with pytest.raises(ConfigError, match=key):
        parse_config({"limits": {key: 0}}, tmp_path)
