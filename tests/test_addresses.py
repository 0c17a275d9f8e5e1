"""Addresses are read from the raw header: an encoded word never yields one, and what comes
out is a mailbox or nothing. Keys fold what one mailbox can be written as."""

from __future__ import annotations

import base64

import pytest

from bot.mail.addresses import (
    address_domain,
    address_key,
    header_addresses,
    reply_address,
    sender_address,
    smtp_address,
    valid_address,
)
from bot.mail.mime_parts import parse_message


def _mail(*headers: str) -> bytes:
    return ("\r\n".join(headers) + "\r\nSubject: x\r\n\r\nbody\r\n").encode("utf-8")


def _b(text: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


@pytest.mark.parametrize("from_header", [
    f"From: {_b('victim@elsewhere.example,')} <sender@agency.gov.vn>",
    "From: =?utf-8?q?victim@elsewhere.example,?= <sender@agency.gov.vn>",
    f'From: "{_b("victim@elsewhere.example, ")}" <sender@agency.gov.vn>',
    f"From: {_b('a@b.example, c@d.example')} {_b('x')} <sender@agency.gov.vn>",
])
def test_an_encoded_display_name_never_redirects_the_reply(from_header: str) -> None:
    msg = parse_message(_mail(from_header))
    assert reply_address(msg) == "sender@agency.gov.vn"
    assert sender_address(msg) == "sender@agency.gov.vn"


def test_reply_to_wins_and_is_read_raw() -> None:
    msg = parse_message(_mail("From: A <a@agency.gov.vn>",
                              f"Reply-To: {_b('x@evil.example')} <vanthu@agency.gov.vn>"))
    assert reply_address(msg) == "vanthu@agency.gov.vn"


def test_an_encoded_address_is_no_address() -> None:
    msg = parse_message(_mail("From: A <a@agency.gov.vn>", f"Reply-To: {_b('x@evil.example')}"))
    assert header_addresses(msg, "Reply-To") == []
    assert reply_address(msg) == "a@agency.gov.vn"


def test_raw_utf8_addresses_are_read() -> None:
    msg = parse_message(_mail("From: Người gửi <người.dùng@ví-dụ.vn>"))
    assert reply_address(msg) == "người.dùng@ví-dụ.vn"


@pytest.mark.parametrize(("address", "ok"), [
    ("vanthu@mof.gov.vn", True), ("a.b+tag@sub.example.org", True),
    ("người@ví-dụ.vn", True), ("MAILER-DAEMON", False), ("a@localhost", False),
    ("a@b@c.vn", False), ("a b@c.vn", False), ("a@c.vn\x00", False), ("<a@c.vn>", False),
    ("=?utf-8?q?a?=@c.vn", False), ("a@-c.vn", False), ("a@1.2.3.4", False),
    ("x" * 65 + "@c.vn", False), ("a@" + "b" * 250 + ".vn", False),
])
def test_valid_address(address: str, ok: bool) -> None:
    assert valid_address(address) is ok


def test_keys_fold_case_and_tags() -> None:
    assert address_key("Victim+7@Example.ORG") == address_key("victim@example.org")
    assert address_key("victim+a+b@example.org") == "victim@example.org"
    assert address_domain("x@VÍ-DỤ.vn") == "xn--v-d-rma6749a.vn"


def test_smtp_address_uses_the_a_label_and_asks_smtputf8_only_when_it_must() -> None:
    assert smtp_address("vanthu@mof.gov.vn") == ("vanthu@mof.gov.vn", False)
    assert smtp_address("vanthu@ví-dụ.vn") == ("vanthu@xn--v-d-rma6749a.vn", False)
    assert smtp_address("người@ví-dụ.vn") == ("người@xn--v-d-rma6749a.vn", True)
