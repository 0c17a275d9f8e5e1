"""Who may speak for an agency: whether a submission counts for the agency its form names, or
waits for staff to confirm it. Pure: the trusted entries matching the sender are looked up by
the caller (`store.senders.matching`).

A sender is trusted for an agency by an address or domain the registry, the config or staff
name for it; a free-mail domain never earns trust as a whole (a full free-mail address may);
a From that our receiving server found forged (`Authentication-Results`, see
`bot.mail.authentication`) earns none. A trusted signature naming the agency is trust too:
signed cover letters arrive as `Proof`s (`bot.intake.trust.signatures` makes them).
A form whose letterhead and opening sentence name two agencies waits for staff in any case.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.mail.authentication import Author
from bot.store.records import Standing, TrustedSender
from parsers.spec.free_mail import is_free_mail

Reason = Literal[
    # counted
    "trusted-address", "trusted-domain", "signature", "confirmed",
    # awaiting confirmation
    "agency-conflict", "no-author", "authentication-failed", "unauthenticated", "other-agency",
    "free-mail", "unknown-sender",
    # refused by staff
    "rejected",
]


@dataclass(frozen=True)
class Proof:
    """Evidence besides the sender's address that a form speaks for an agency: a cover letter
    signed with a certificate BCY issued, say. `agency_key` is the agency the signature names;
    `trusted` whether it verified up to a root we trust; `detail` what staff read (the signer)."""

    kind: Literal["signature"]
    agency_key: str
    trusted: bool
    detail: str = ""


@dataclass(frozen=True)
class TrustPolicy:
    free_mail: frozenset[str]
    require_pass: bool = False  # only mail our server saw pass DMARC/DKIM/SPF earns trust


@dataclass(frozen=True)
class StandingDecision:
    standing: Standing
    reason: Reason
    agency_key: str | None  # the registry agency it is for; None when the form names none


def trusted_for(author: Author, entries: Sequence[TrustedSender], proofs: Sequence[Proof],
                policy: TrustPolicy) -> dict[str, Reason]:
    """The agencies this mail may speak for, each with why (an address before a domain)."""
    found: dict[str, Reason] = {p.agency_key: "signature" for p in proofs if p.trusted}
    if author.address is None or author.authentication == "fail" or (
            policy.require_pass and author.authentication != "pass"):
        return found
    for entry in entries:
        if not entry.is_domain and entry.sender == author.address:
            found.setdefault(entry.agency_key, "trusted-address")
    for entry in entries:
        if entry.is_domain and not is_free_mail(author.domain, policy.free_mail) and (
                author.domain == entry.sender or author.domain.endswith("." + entry.sender)):
            found.setdefault(entry.agency_key, "trusted-domain")
    return found


def _why_not(author: Author, trusted: dict[str, Reason], policy: TrustPolicy) -> Reason:
    if author.address is None:
        return "no-author"
    if author.authentication == "fail":
        return "authentication-failed"
    if policy.require_pass and author.authentication != "pass":
        return "unauthenticated"
    if trusted:
        return "other-agency"
    if is_free_mail(author.domain, policy.free_mail):
        return "free-mail"
    return "unknown-sender"


def decide_standing(named: Sequence[str], conflict: bool, author: Author,
                    entries: Sequence[TrustedSender], proofs: Sequence[Proof],
                    policy: TrustPolicy) -> StandingDecision:
    """`named`: the registry agencies the form names, the letterhead's first; `conflict`: its
    letterhead and opening sentence name two (finding agency-conflict)."""
    trusted = trusted_for(author, entries, proofs, policy)
    if conflict:
        # recorded for the one the sender may speak for, if either: what staff will likely
        # confirm; it waits for them all the same
        key = next((k for k in named if k in trusted), named[0] if named else None)
        return StandingDecision("awaiting-confirmation", "agency-conflict", key)
    if named:
        key = named[0]
        if key in trusted:
            return StandingDecision("counted", trusted[key], key)
        return StandingDecision("awaiting-confirmation", _why_not(author, trusted, policy), key)
    if len(trusted) == 1:  # the form names no agency we know: the sender's own, by its address
        [(key, reason)] = trusted.items()
        return StandingDecision("counted", reason, key)
    reason = "unknown-sender" if trusted else _why_not(author, trusted, policy)
    return StandingDecision("awaiting-confirmation", reason, None)
