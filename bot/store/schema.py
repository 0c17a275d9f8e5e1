"""The tables of the intake store, in SQLAlchemy Core.

Alembic migrations in `bot/migrations/versions` create these tables; a test keeps the
two in step, so change both together. The records the store hands out live in
`bot.store.records` and are importable from here too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import false
from sqlalchemy.types import TypeDecorator

from bot.store.records import (
    OUTBOX_KINDS,
    SOURCES,
    STANDINGS,
    Event,
    Level,
    NewOutbox,
    NewSubmission,
    OutboxItem,
    OutboxKind,
    Reminder,
    Signature,
    State,
    StoredMessage,
    StoredSubmission,
    TrustedSender,
)

if TYPE_CHECKING:
    from bot.store.records import Kind, Verdict


def __getattr__(name: str) -> object:
    """`Kind` and `Verdict`, loaded when asked for (see bot.store.records)."""
    if name in ("Kind", "Verdict"):
        from bot.store import records

        return getattr(records, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [  # the records are defined in bot.store.records
    "NAMING", "Event", "Kind", "Level", "NewOutbox", "NewSubmission", "OutboxItem",
    "OUTBOX_KINDS", "OutboxKind", "Reminder", "Signature", "State", "StoredMessage",
    "StoredSubmission", "TrustedSender", "UtcDateTime", "Verdict", "agency_contacts", "digests",
    "events", "handled_mail", "login_attempts", "message_claims", "message_readings",
    "message_slots", "messages", "metadata", "outbox", "outbox_bodies", "quantities",
    "reference_counters", "reminders", "signatures", "staff_accounts", "submissions",
    "trusted_senders",
]

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; stored as naive UTC on every backend."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _one_of(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({listed})", name=name)


messages = Table(
    "messages", metadata,
    Column("id", Integer, primary_key=True),
    Column("folder", String(255), nullable=False),
    Column("uidvalidity", BigInteger, nullable=False),
    Column("uid", BigInteger, nullable=False),
    Column("message_id", String(998), nullable=False),  # '' when the mail has none
    Column("content_sha256", String(64), nullable=False),
    Column("raw", LargeBinary, nullable=False),  # empty since 0010: see message_bodies
    Column("size", Integer, nullable=False),
    Column("received_at", UtcDateTime, nullable=True),
    Column("from_addr", String(998), nullable=True),
    Column("subject", Text, nullable=True),
    Column("kind", String(16), nullable=True),
    Column("state", String(16), nullable=False, server_default="new"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text, nullable=True),
    Column("mailbox_action_done", Boolean, nullable=False, server_default=false()),
    Column("created_at", UtcDateTime, nullable=False),
    # migration 0008: how often a reader was found dead at it (message_readings), and whether
    # only its headers and structure were kept (too large to take in)
    Column("crashes", Integer, nullable=False, server_default="0"),
    Column("body_omitted", Boolean, nullable=False, server_default=false()),
    UniqueConstraint("folder", "uidvalidity", "uid"),
    UniqueConstraint("message_id", "content_sha256"),
    _one_of("kind", ("automatic", "submission", "other"), "kind"),
    _one_of("state", ("new", "done", "quarantined", "failed"), "state"),
    # migration 0011: the mail a cycle resumes (undecided, unfiled), found without reading
    # the mail long done
    Index("ix_messages_undecided", "id", sqlite_where=text("state = 'new'"),
          postgresql_where=text("state = 'new'")),
    Index("ix_messages_unfiled", "id", sqlite_where=text("mailbox_action_done = 0"),
          postgresql_where=text("mailbox_action_done = false")),
)

# Where an already-kept mail turned up again (moved back, copied, UIDVALIDITY reset), so
# the slot counts as seen and is never fetched and decided twice.
message_slots = Table(
    "message_slots", metadata,
    Column("folder", String(255), primary_key=True),
    Column("uidvalidity", BigInteger, primary_key=True),
    Column("uid", BigInteger, primary_key=True),
    Column("message_id", Integer, ForeignKey("messages.id"), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# The raw mail as it came in (migration 0010), apart from its row in `messages`: SQLite
# rewrites a whole row on any update, and a mail is marked several times on its way.
message_bodies = Table(
    "message_bodies", metadata,
    Column("message_id", Integer, ForeignKey("messages.id"), primary_key=True),
    Column("raw", LargeBinary, nullable=False),
)

# Which process is reading a mail right now (migration 0008); a row left behind by a process
# that is gone means the reader died on it. A table of its own: marking a mail must not
# rewrite its raw bytes (SQLite rewrites a whole row on any update).
message_readings = Table(
    "message_readings", metadata,
    Column("message_id", Integer, ForeignKey("messages.id"), primary_key=True),
    Column("reader", String(64), nullable=False),
    Column("since", UtcDateTime, nullable=False),
)

# Which daemon holds a mail (migration 0009): it alone decides and files it until `until`;
# after that, or when the holder is a process of this machine that is gone, another takes it.
message_claims = Table(
    "message_claims", metadata,
    Column("message_id", Integer, ForeignKey("messages.id"), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("until", UtcDateTime, nullable=False),
)

submissions = Table(
    "submissions", metadata,
    Column("id", Integer, primary_key=True),
    Column("reference", String(64), nullable=False, unique=True),
    Column("message_id", Integer, ForeignKey("messages.id"), nullable=False),
    Column("agency", Text, nullable=True),
    Column("agency_key", String(255), nullable=True),
    Column("sender", String(998), nullable=False),
    Column("verdict", String(20), nullable=False),
    Column("document_number", Text, nullable=True),
    Column("document_date", Date, nullable=True),
    Column("place", Text, nullable=True),
    Column("record_json", Text, nullable=False),
    Column("findings_json", Text, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("superseded_by", Integer, ForeignKey("submissions.id"), nullable=True),
    # migration 0004: whether it counts for its agency, why, the From it was judged on, and
    # who of the staff settled it (existing rows were accepted under the old rules: counted)
    Column("standing", String(24), nullable=False, server_default="counted"),
    Column("standing_reason", String(32), nullable=True),
    Column("author", String(998), nullable=True),
    Column("settled_by", String(255), nullable=True),
    Column("settled_at", UtcDateTime, nullable=True),
    _one_of("verdict", ("accepted", "needs_correction", "unreadable"), "verdict"),
    _one_of("standing", STANDINGS, "standing"),
    # migration 0011: an agency's counted forms by time (the one before a new form is found
    # from the index, newest first), and its live ones apart (a form supersedes those)
    Index("ix_submissions_counted", "agency_key", "verdict", "standing", "received_at"),
    Index("ix_submissions_live", "agency_key", "verdict", "standing",
          sqlite_where=text("superseded_by IS NULL"),
          postgresql_where=text("superseded_by IS NULL")),
    Index(None, "received_at"),
)

# Each signature of a signed PDF that came with a submission (migration 0007): who signed,
# whether the signed bytes are intact and unmodified since, whether the chain is trusted.
signatures = Table(
    "signatures", metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", Integer, ForeignKey("submissions.id"), nullable=False),
    Column("position", Integer, nullable=False),  # order in the mail and in the file
    Column("file", Text, nullable=False),
    Column("field", Text, nullable=False),
    Column("signer", Text, nullable=False),
    Column("signer_cn", Text, nullable=True),
    Column("signer_o", Text, nullable=True),
    Column("signer_ou", Text, nullable=True),
    Column("issuer", Text, nullable=False),
    Column("serial", String(128), nullable=False),
    Column("signing_time", UtcDateTime, nullable=True),
    Column("timestamp_time", UtcDateTime, nullable=True),
    Column("intact", Boolean, nullable=False),
    Column("coverage", String(24), nullable=False),
    Column("modification", String(24), nullable=False),
    Column("trusted", Boolean, nullable=False),
    Column("trust_problem", String(24), nullable=True),
    Column("agency_key", String(255), nullable=True),
    Index(None, "submission_id"),
)

quantities = Table(
    "quantities", metadata,
    Column("submission_id", Integer, ForeignKey("submissions.id"), primary_key=True),
    Column("row_key", String(64), primary_key=True),
    Column("year", String(16), primary_key=True),
    Column("value", BigInteger, nullable=False),
    CheckConstraint("value >= 0", name="value_not_negative"),
)

# One row per prefix ('BCY-CTS-2021'); bumped in the submission's own transaction.
reference_counters = Table(
    "reference_counters", metadata,
    Column("prefix", String(64), primary_key=True),
    Column("last_value", Integer, nullable=False),
)

outbox = Table(
    "outbox", metadata,
    Column("id", Integer, primary_key=True),
    Column("message_id", Integer, ForeignKey("messages.id"), nullable=True),
    Column("submission_id", Integer, ForeignKey("submissions.id"), nullable=True),
    Column("kind", String(16), nullable=False),
    Column("recipient", String(998), nullable=False),
    Column("raw", LargeBinary, nullable=False),  # empty since 0011: see outbox_bodies
    Column("created_at", UtcDateTime, nullable=False),
    Column("sent_at", UtcDateTime, nullable=True),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("last_error", Text, nullable=True),
    # set just before the SMTP transaction, cleared after it: still set after a crash means the
    # reply may have gone out (migration 0003)
    Column("sending_at", UtcDateTime, nullable=True),
    # migration 0008: our Message-ID (bounces name it), given up for good (a permanent
    # refusal), a bounce that came back for it, and the keys the reply caps count by
    Column("mail_id", String(998), nullable=True),
    Column("failed_at", UtcDateTime, nullable=True),
    Column("undelivered_at", UtcDateTime, nullable=True),
    Column("bounce_id", Integer, nullable=True),  # the messages.id of the bounce (no FK:
    # SQLite cannot add one to a table without rebuilding it)
    Column("sender_key", String(320), nullable=True),
    Column("recipient_key", String(320), nullable=True),
    Column("recipient_domain", String(255), nullable=True),
    # migration 0009: the daemon sending this row, until its lease runs out
    Column("claimed_by", String(200), nullable=True),
    Column("claim_until", UtcDateTime, nullable=True),
    _one_of("kind", OUTBOX_KINDS, "kind"),
    Index(None, "recipient", "created_at"),
    Index(None, "mail_id"),
    # migration 0011: the reply caps count replies by key and time from these alone
    Index("ix_outbox_sender_key_kind", "sender_key", "kind", "created_at"),
    Index("ix_outbox_recipient_key_kind", "recipient_key", "kind", "created_at"),
    Index("ix_outbox_recipient_domain_kind", "recipient_domain", "kind", "created_at"),
    Index(None, "kind", "created_at"),
    Index(None, "created_at"),
    Index(None, "claimed_by"),
    # migration 0011: the rows still to send, found without reading the sent ones
    Index("ix_outbox_unsent", "id", sqlite_where=text("sent_at IS NULL AND failed_at IS NULL"),
          postgresql_where=text("sent_at IS NULL AND failed_at IS NULL")),
)

# The mail as it goes out (migration 0011), apart from its row in `outbox`: SQLite rewrites
# a whole row on any update, and a row is marked three times on its way (claimed, handed to
# SMTP, sent) — each mark rewrote the reply and its attachment, ≈ 45 KB.
outbox_bodies = Table(
    "outbox_bodies", metadata,
    Column("outbox_id", Integer, ForeignKey("outbox.id"), primary_key=True),
    Column("raw", LargeBinary, nullable=False),
)

# One row per local day a digest went out; the period it covered (migration 0006) is where
# the next digest without --date starts.
digests = Table(
    "digests", metadata,
    Column("day", Date, primary_key=True),
    Column("sent_at", UtcDateTime, nullable=False),
    Column("period_start", UtcDateTime, nullable=True),
    Column("period_end", UtcDateTime, nullable=True),
)

# Each agency is reminded at most once per step of the campaign's schedule (migration 0006).
reminders = Table(
    "reminders", metadata,
    Column("id", Integer, primary_key=True),
    Column("campaign", String(64), nullable=False),
    Column("agency_key", String(255), nullable=False),
    Column("deadline", Date, nullable=False),
    Column("days_before", Integer, nullable=False),
    Column("recipients", Text, nullable=False),
    Column("outbox_id", Integer, ForeignKey("outbox.id"), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("campaign", "agency_key", "deadline", "days_before"),
    Index(None, "created_at"),
)

# Addresses and domains that speak for an agency (migration 0004): copied from the registry
# and the config at each start, added by staff when they confirm a submission.
trusted_senders = Table(
    "trusted_senders", metadata,
    Column("id", Integer, primary_key=True),
    Column("agency_key", String(255), nullable=False),
    Column("sender", String(998), nullable=False),  # a@b.gov.vn, or b.gov.vn; lower case
    Column("source", String(16), nullable=False),
    Column("added_by", String(255), nullable=False),  # a file name, or a person
    Column("added_at", UtcDateTime, nullable=False),
    # staff's entries are removed by marking them (migration 0005), so the record stays
    Column("removed_by", String(255), nullable=True),
    Column("removed_at", UtcDateTime, nullable=True),
    UniqueConstraint("agency_key", "sender", "source"),
    Index(None, "sender"),
    _one_of("source", SOURCES, "source"),
)

events = Table(
    "events", metadata,
    Column("id", Integer, primary_key=True),
    Column("ts", UtcDateTime, nullable=False),
    Column("level", String(16), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("detail", Text, nullable=False),
    Column("message_id", Integer, ForeignKey("messages.id"), nullable=True),
    # the staff member who did it ('cli:root' from a command); None for what the bot did itself
    Column("actor", String(64), nullable=True),
    _one_of("level", ("info", "warning", "error"), "level"),
    Index(None, "ts"),
)

# The staff web console (migration 0007). A session cookie names the login and the account's
# session stamp; a new password draws a new stamp, so every older session ends with it.
staff_accounts = Table(
    "staff_accounts", metadata,
    Column("id", Integer, primary_key=True),
    Column("login", String(64), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("session_stamp", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("password_changed_at", UtcDateTime, nullable=False),
    Column("last_login_at", UtcDateTime, nullable=True),
)

# Kept in the database, not in a worker's memory: throttling holds across workers and restarts.
login_attempts = Table(
    "login_attempts", metadata,
    Column("id", Integer, primary_key=True),
    Column("ts", UtcDateTime, nullable=False),
    Column("login", String(64), nullable=False),
    Column("address", String(64), nullable=False),
    Column("succeeded", Boolean, nullable=False),
    Index(None, "login", "ts"),
    Index(None, "address", "ts"),
)

# Addresses staff add to an agency beside the registry's domains; a removed one stays, marked,
# so the agency's page shows who changed what and when.
agency_contacts = Table(
    "agency_contacts", metadata,
    Column("id", Integer, primary_key=True),
    Column("agency_key", String(255), nullable=False),
    Column("address", String(320), nullable=False),
    Column("added_by", String(64), nullable=False),
    Column("added_at", UtcDateTime, nullable=False),
    Column("removed_by", String(64), nullable=True),
    Column("removed_at", UtcDateTime, nullable=True),
    Index(None, "agency_key"),
)

# Mail left for people (or set aside) that a staff member has dealt with: off the to-do list.
handled_mail = Table(
    "handled_mail", metadata,
    Column("message_id", Integer, ForeignKey("messages.id"), primary_key=True),
    Column("handled_by", String(64), nullable=False),
    Column("handled_at", UtcDateTime, nullable=False),
)
