"""Who may speak for an agency, decided from the sender, the trusted entries and the proofs
(pure); the author and what our receiving server's Authentication-Results say of it."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime

import pytest

from bot.intake.trust.standing import Proof, TrustPolicy, decide_standing, trusted_for
from bot.mail.authentication import Author, author, author_address
from bot.store.records import Source, TrustedSender
from parsers.spec.free_mail import built_in_free_mail, is_free_mail, parse_domains

POLICY = TrustPolicy(built_in_free_mail())
MX = "mx.bcy.gov.vn"


def _entry(agency_key: str, sender: str, source: Source = "registry") -> TrustedSender:
    return TrustedSender(1, agency_key, sender, source, "test", datetime(2021, 5, 1, tzinfo=UTC))


MOF = _entry("bo-tai-chinh", "mof.gov.vn")
BACNINH = _entry("tinh-bac-ninh", "bacninh.gov.vn")
BYT_GMAIL = _entry("bo-y-te", "cntt.byt@gmail.com", "staff")
GMAIL_DOMAIN = _entry("bo-y-te", "gmail.com", "config")  # refused when read: never trusted


def _decide(named: list[str], sender: str | None, entries: list[TrustedSender], *,
            auth: str = "none", conflict: bool = False, proofs: tuple[Proof, ...] = (),
            policy: TrustPolicy = POLICY) -> tuple[str, str, str | None]:
    found = decide_standing(named, conflict, Author(sender, auth),  # type: ignore[arg-type]
                            entries, proofs, policy)
    return found.standing, found.reason, found.agency_key


@pytest.mark.parametrize(("named", "sender", "entries", "expected"), [
    (["bo-tai-chinh"], "vanthu@mof.gov.vn", [MOF],
     ("counted", "trusted-domain", "bo-tai-chinh")),
    (["bo-tai-chinh"], "a@mail.mof.gov.vn", [MOF], ("counted", "trusted-domain", "bo-tai-chinh")),
    (["bo-y-te"], "cntt.byt@gmail.com", [BYT_GMAIL], ("counted", "trusted-address", "bo-y-te")),
    # the form names no agency we know: the sender's own, by its domain
    ([], "vanthu@bacninh.gov.vn", [BACNINH], ("counted", "trusted-domain", "tinh-bac-ninh")),
    # strangers, look-alikes, free mail, another agency's domain
    (["bo-tai-chinh"], "ke@evil.example", [],
     ("awaiting-confirmation", "unknown-sender", "bo-tai-chinh")),
    (["bo-tai-chinh"], "x@gmail.com", [], ("awaiting-confirmation", "free-mail", "bo-tai-chinh")),
    (["bo-tai-chinh"], "x@hn.vnn.vn", [], ("awaiting-confirmation", "free-mail", "bo-tai-chinh")),
    (["bo-tai-chinh"], "vanthu@bacninh.gov.vn", [BACNINH],
     ("awaiting-confirmation", "other-agency", "bo-tai-chinh")),
    (["bo-y-te"], "someone.else@gmail.com", [GMAIL_DOMAIN],
     ("awaiting-confirmation", "free-mail", "bo-y-te")),
    (["bo-tai-chinh"], None, [], ("awaiting-confirmation", "no-author", "bo-tai-chinh")),
    ([], "ke@evil.example", [], ("awaiting-confirmation", "unknown-sender", None)),
], ids=lambda v: str(v)[:30])
def test_decide_standing(named: list[str], sender: str | None, entries: list[TrustedSender],
                         expected: tuple[str, str, str | None]) -> None:
    assert _decide(named, sender, entries) == expected


def test_look_alike_domains_match_nothing() -> None:
    """The store is asked for the sender's address, domain and parent domains only; a domain
    entry that is not one of those never matches, whatever the store returned."""
    for sender in ("v@mof.gov.vn.example.com", "v@mof-gov.vn", "v@xmof.gov.vn", "v@mof.gov",
                   "v@mof.gov.vn.vn"):
        assert trusted_for(Author(sender), [MOF], (), POLICY) == {}, sender


def test_a_forged_or_unauthenticated_from_earns_no_trust() -> None:
    assert _decide(["bo-tai-chinh"], "vanthu@mof.gov.vn", [MOF], auth="fail") == (
        "awaiting-confirmation", "authentication-failed", "bo-tai-chinh")
    assert _decide(["bo-y-te"], "cntt.byt@gmail.com", [BYT_GMAIL], auth="fail")[0] == \
        "awaiting-confirmation"
    strict = TrustPolicy(built_in_free_mail(), require_pass=True)
    assert _decide(["bo-tai-chinh"], "vanthu@mof.gov.vn", [MOF], policy=strict) == (
        "awaiting-confirmation", "unauthenticated", "bo-tai-chinh")
    assert _decide(["bo-tai-chinh"], "vanthu@mof.gov.vn", [MOF], auth="pass",
                   policy=strict)[0] == "counted"


def test_two_agencies_named_wait_recorded_for_the_senders_own() -> None:
    assert _decide(["tinh-bac-ninh", "bo-tai-chinh"], "vanthu@mof.gov.vn", [MOF],
                   conflict=True) == ("awaiting-confirmation", "agency-conflict", "bo-tai-chinh")
    assert _decide(["tinh-bac-ninh", "bo-tai-chinh"], "ke@evil.example", [],
                   conflict=True) == ("awaiting-confirmation", "agency-conflict", "tinh-bac-ninh")


def test_a_trusted_signature_is_trust_for_the_agency_it_names() -> None:
    signed = (Proof("signature", "bo-tai-chinh", trusted=True, detail="CN=Bộ Tài chính"),)
    assert _decide(["bo-tai-chinh"], "x@gmail.com", [], proofs=signed) == (
        "counted", "signature", "bo-tai-chinh")
    unverified = (Proof("signature", "bo-tai-chinh", trusted=False),)
    assert _decide(["bo-tai-chinh"], "x@gmail.com", [], proofs=unverified)[0] == \
        "awaiting-confirmation"
    assert _decide(["bo-y-te"], "x@gmail.com", [], proofs=signed)[:2] == (
        "awaiting-confirmation", "other-agency")


def test_free_mail_list() -> None:
    free = built_in_free_mail()
    assert {"gmail.com", "yahoo.com", "yahoo.com.vn", "outlook.com", "hotmail.com",
            "icloud.com"} <= free
    assert is_free_mail("hcm.vnn.vn", free) and is_free_mail("GMAIL.COM.", free)
    assert not is_free_mail("mof.gov.vn", free) and not is_free_mail("gmail.com.vn", free)
    assert parse_domains("# c\nExample.VN  # trailing\n\n") == frozenset({"example.vn"})


def _msg(raw: str) -> email.message.Message:
    return email.message_from_bytes(raw.encode("utf-8"), policy=email.policy.default)


@pytest.mark.parametrize(("from_header", "address"), [
    ("Văn thư <VanThu@MOF.gov.vn>", "vanthu@mof.gov.vn"),
    ("vanthu@mof.gov.vn", "vanthu@mof.gov.vn"),
    ('"vanthu@mof.gov.vn" <ke@evil.example>', "ke@evil.example"),
    ("=?utf-8?b?dmFudGh1QG1vZi5nb3Yudm4s?= <ke@evil.example>", "ke@evil.example"),
    ("vanthu@mof.gov.vn <ke@evil.example>", None),  # two addresses: whose?
    ("a@mof.gov.vn, b@evil.example", None),
    ('"vanthu@mof.gov.vn"@evil.example', None),
    ("MAILER-DAEMON <>", None),
    ("Văn thư", None),
])
def test_the_author_is_the_one_address_of_the_raw_from(from_header: str,
                                                       address: str | None) -> None:
    assert author_address(_msg(f"From: {from_header}\r\nSubject: x\r\n\r\nx")) == address


def test_two_from_headers_name_no_author() -> None:
    raw = "From: a@mof.gov.vn\r\nFrom: b@evil.example\r\nSubject: x\r\n\r\nx"
    assert author_address(_msg(raw)) is None


def _auth(*results: str, sender: str = "vanthu@mof.gov.vn", authserv_id: str | None = MX
          ) -> str:
    headers = "".join(f"Authentication-Results: {r}\r\n" for r in results)
    return author(_msg(f"{headers}From: {sender}\r\nSubject: x\r\n\r\nx"),
                  authserv_id).authentication


def test_authentication_results_of_our_own_server_only() -> None:
    assert _auth(f"{MX}; dmarc=pass header.from=mof.gov.vn") == "pass"
    assert _auth(f"{MX}; dmarc=fail (p=reject) header.from=mof.gov.vn") == "fail"
    assert _auth("MX.BCY.GOV.VN 1; dmarc=fail header.from=mof.gov.vn") == "fail"
    # another server's verdict, or ours without an authserv-id configured: not read
    assert _auth("mx.evil.example; dmarc=pass header.from=mof.gov.vn") == "none"
    assert _auth(f"{MX}; dmarc=fail header.from=mof.gov.vn", authserv_id=None) == "none"
    # only the topmost of ours: a forged one further down changes nothing
    assert _auth(f"{MX}; dmarc=fail header.from=mof.gov.vn",
                 f"{MX}; dmarc=pass header.from=mof.gov.vn") == "fail"
    assert _auth(f"{MX}; none", f"{MX}; dmarc=fail header.from=mof.gov.vn") == "none"
    # about another domain than the From's
    assert _auth(f"{MX}; dmarc=fail header.from=other.vn") == "none"
    assert _auth(f"{MX}; garbage ;; =") == "none"


def test_without_dmarc_aligned_dkim_or_spf_decide() -> None:
    assert _auth(f"{MX}; dkim=pass header.d=mof.gov.vn; spf=fail "
                 "smtp.mailfrom=x@mof.gov.vn") == "pass"
    assert _auth(f"{MX}; dkim=pass header.d=evil.example; spf=softfail "
                 "smtp.mailfrom=x@mof.gov.vn") == "fail"
    assert _auth(f"{MX}; spf=pass smtp.mailfrom=bounce@mail.mof.gov.vn") == "pass"
    assert _auth(f"{MX}; spf=fail smtp.mailfrom=x@evil.example") == "none"  # not its domain
    assert _auth(f"{MX}; dkim=none; spf=none smtp.mailfrom=x@mof.gov.vn") == "none"
