"""The plain records the intake store takes in and hands out, and the closed sets of values
(kinds, states, verdicts) their fields allow.

Frozen dataclasses with no SQL in them: parsing, deciding and rendering code can use them
without touching the database. The tables they mirror are in `bot.store.schema`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

# The kinds classification gives are the ones stored, and so are the verdicts a form gets.
# Types only, imported when asked for (`__getattr__`): the sender process beside the cycle
# (bot.intake.sending.spawned) needs the records, never the classifier or the form reader.
if TYPE_CHECKING:
    from bot.mail.classify import Kind
    from parsers.form.findings import Verdict

__all__ = ["OUTBOX_KINDS", "STANDINGS", "SOURCES", "AgencyContact", "Event", "Kind", "Level",
           "NewOutbox", "NewSubmission", "OutboxItem", "OutboxKind", "Reminder", "Signature",
           "Source", "StaffAccount", "Standing", "State", "StoredMessage", "StoredSubmission",
           "SubmissionLine", "TrustedSender", "Verdict"]

State = Literal["new", "done", "quarantined", "failed"]
# Whether a submission counts for its agency: its sender is trusted for it (or staff confirmed
# it), it waits for staff, or staff refused it. Only counted, accepted forms reach the export.
Standing = Literal["counted", "awaiting-confirmation", "rejected"]
STANDINGS: tuple[Standing, ...] = ("counted", "awaiting-confirmation", "rejected")
# Who named a trusted sender: the agency registry, the config's [trust.senders], or staff.
Source = Literal["registry", "config", "staff"]
SOURCES: tuple[Source, ...] = ("registry", "config", "staff")
OutboxKind = Literal["reply", "digest", "reminder"]
OUTBOX_KINDS: tuple[OutboxKind, ...] = ("reply", "digest", "reminder")
Level = Literal["info", "warning", "error"]


def __getattr__(name: str) -> object:
    """`Kind` and `Verdict` for the modules that import them from here, loaded then."""
    if name == "Kind":
        from bot.mail.classify import Kind as kind

        return kind
    if name == "Verdict":
        from parsers.form.findings import Verdict as verdict

        return verdict
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class StoredMessage:
    id: int
    folder: str
    uidvalidity: int
    uid: int
    message_id: str
    content_sha256: str
    size: int
    received_at: datetime | None
    from_addr: str | None
    subject: str | None
    kind: Kind | None
    state: State
    attempts: int
    last_error: str | None
    mailbox_action_done: bool
    created_at: datetime
    crashes: int = 0  # times a reader was found dead at it
    body_omitted: bool = False  # too large: only its headers and structure were kept
    reading_by: str | None = None  # the process reading it (or that died at it): `unfinished`


@dataclass(frozen=True)
class Signature:
    """A signature on a signed PDF that came with a submission (its cover letter), as read and
    checked offline (`parsers.signature`; revocation never checked), with the registry agency
    its signer's names point to (migration 0007)."""

    file: str
    field: str
    signer: str  # the whole subject: CN=…, OU=…, O=…, L=…, C=…
    signer_cn: str | None
    signer_o: str | None
    signer_ou: str | None  # several units joined by "; "
    issuer: str
    serial: str  # hexadecimal
    signing_time: datetime | None
    timestamp_time: datetime | None  # a verified time-stamp token's
    intact: bool  # the signed bytes unchanged, the signature verifies
    coverage: str  # entire-file | entire-revision | contiguous-block | unclear
    modification: str  # none | lta-updates | form-filling | annotations | other
    trusted: bool  # the chain leads to a configured root
    trust_problem: str | None = None  # no-roots | no-chain | invalid-chain
    agency_key: str | None = None  # the registry agency the signer names, if any

    @property
    def modified_after(self) -> bool:
        from parsers.signature.facts import modified_after

        return modified_after(self.coverage, self.modification)

    @property
    def holds(self) -> bool:  # it proves who sent the letter
        from parsers.signature.facts import holds

        return holds(self.intact, self.coverage, self.modification, self.trusted)


@dataclass(frozen=True)
class NewSubmission:
    reference_prefix: str  # 'BCY-CTS-2021' gives 'BCY-CTS-2021-0001', ...
    sender: str
    verdict: Verdict
    received_at: datetime
    record_json: str
    findings_json: str
    agency: str | None = None
    agency_key: str | None = None
    document_number: str | None = None
    document_date: date | None = None
    place: str | None = None
    quantities: dict[str, dict[str, int]] = field(default_factory=dict)  # row -> year -> n
    standing: Standing = "counted"
    standing_reason: str | None = None  # why: a code of bot.intake.trust.standing
    author: str | None = None  # the From address the standing was judged on
    signatures: tuple[Signature, ...] = ()  # of the signed PDFs that came with the form


@dataclass(frozen=True)
class StoredSubmission:
    id: int
    reference: str
    message_id: int
    sender: str
    verdict: Verdict
    received_at: datetime
    record_json: str
    findings_json: str
    agency: str | None
    agency_key: str | None
    document_number: str | None
    document_date: date | None
    place: str | None
    superseded_by: int | None
    quantities: dict[str, dict[str, int]]
    standing: Standing = "counted"
    standing_reason: str | None = None
    author: str | None = None
    settled_by: str | None = None  # who confirmed or rejected it, when staff did
    settled_at: datetime | None = None
    signatures: tuple[Signature, ...] = ()

    @property
    def counts(self) -> bool:
        """Its numbers count for its agency (unless a newer one supersedes them)."""
        return self.verdict == "accepted" and self.standing == "counted"


@dataclass(frozen=True)
class SubmissionLine:
    """A submission as a list shows it: no record, no numbers."""

    id: int
    reference: str
    message_id: int
    agency: str | None
    agency_key: str | None
    sender: str
    verdict: Verdict
    received_at: datetime
    superseded_by: int | None
    standing: Standing = "counted"


@dataclass(frozen=True)
class NewOutbox:
    kind: OutboxKind
    recipient: str  # one envelope recipient per row
    raw: bytes = field(repr=False)
    mail_id: str | None = None  # the Message-ID it carries
    sender_key: str | None = None  # who the mail answered, recipient and domain: for caps
    recipient_key: str | None = None
    recipient_domain: str | None = None


@dataclass(frozen=True)
class OutboxItem:
    id: int
    message_id: int | None
    submission_id: int | None
    kind: OutboxKind
    recipient: str
    raw: bytes = field(repr=False)
    created_at: datetime
    sent_at: datetime | None
    attempts: int
    last_error: str | None
    sending_at: datetime | None = None
    mail_id: str | None = None
    failed_at: datetime | None = None  # refused for good: never tried again
    undelivered_at: datetime | None = None  # a bounce came back for it
    bounce_id: int | None = None  # the kept mail of that bounce
    sender_key: str | None = None
    recipient_key: str | None = None
    recipient_domain: str | None = None
    claimed_by: str | None = None
    claim_until: datetime | None = None


@dataclass(frozen=True)
class TrustedSender:
    """An address (a@b.gov.vn) or a domain (b.gov.vn, its sub-domains too) that speaks for an
    agency."""

    id: int
    agency_key: str
    sender: str
    source: Source
    added_by: str
    added_at: datetime
    removed_by: str | None = None  # staff's entries only: removed, kept on record
    removed_at: datetime | None = None

    @property
    def is_domain(self) -> bool:
        return "@" not in self.sender


@dataclass(frozen=True)
class Event:
    id: int
    ts: datetime
    level: Level
    kind: str
    detail: str
    message_id: int | None
    actor: str | None = None


@dataclass(frozen=True)
class StaffAccount:
    id: int
    login: str
    password_hash: str = field(repr=False)
    session_stamp: str = field(repr=False)
    created_at: datetime
    password_changed_at: datetime
    last_login_at: datetime | None


@dataclass(frozen=True)
class AgencyContact:
    """An address staff added (in the console) where letters to an agency go."""

    id: int
    agency_key: str
    address: str
    added_by: str
    added_at: datetime
    removed_by: str | None
    removed_at: datetime | None


@dataclass(frozen=True)
class Reminder:
    """One agency reminded at one step of the schedule (days before the deadline)."""

    id: int
    campaign: str
    agency_key: str
    deadline: date
    days_before: int
    recipients: str  # comma-separated, as written to
    outbox_id: int | None
    created_at: datetime
