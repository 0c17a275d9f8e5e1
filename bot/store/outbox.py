"""Queries on queued mail (replies and digests) and on the days whose digest went out.
`store.outbox`; each method is one transaction. `insert_outbox` queues mail inside a
transaction of the caller's (the outcome of a mail and its reply are stored together).

A row's `sending_at` is set just before the SMTP transaction and cleared after it, so a mark
still there after a crash means the mail may have gone out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, tzinfo
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    Executable,
    Integer,
    Select,
    bindparam,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from bot.store.engine import Queries, day_bounds, utc_now
from bot.store.records import NewOutbox, OutboxItem, OutboxKind, StoredSubmission
from bot.store.schema import digests, outbox, outbox_bodies

_o = outbox.c
_QUEUE = insert(outbox).returning(_o.id)
_QUEUE_BODY = insert(outbox_bodies)
# an outbox row with its mail, kept apart in outbox_bodies since 0011 (a row from before
# that has none: its own, then)
_b = outbox_bodies.c
ITEMS: Select[Any] = select(
    *(c for c in outbox.c if c.name != "raw"), func.coalesce(_b.raw, _o.raw).label("raw")
).select_from(outbox.outerjoin(outbox_bodies, _b.outbox_id == _o.id))
# sent: the claim is done with too (a sender that dies after it leaves no claim behind)
_SENT = (update(outbox).where(_o.id == bindparam("row"), _o.sent_at.is_(None))
         .values(sent_at=bindparam("now"), last_error=None, sending_at=None, claimed_by=None,
                 claim_until=None))


def insert_outbox(conn: Connection, item: NewOutbox, message_id: int | None,
                  submission_id: int | None = None) -> int:
    """Queue one mail inside the caller's transaction; returns the outbox row's id."""
    row = int(conn.execute(_QUEUE, {
        "message_id": message_id, "submission_id": submission_id, "kind": item.kind,
        "recipient": item.recipient, "raw": b"", "created_at": utc_now(),
        "mail_id": item.mail_id, "sender_key": item.sender_key,
        "recipient_key": item.recipient_key, "recipient_domain": item.recipient_domain,
    }).scalar_one())
    conn.execute(_QUEUE_BODY, {"outbox_id": row, "raw": item.raw})
    return row


CapKey = Literal["sender_key", "recipient_key", "recipient_domain"]


def _count(cap: str, *where: ColumnElement[bool]) -> ColumnElement[int]:
    """How many replies match `where`, counted up to the parameter `cap` at most: a cap
    only asks whether it is reached, so a count never reads more than the cap's rows."""
    found = select(literal(1)).select_from(outbox).where(_o.kind == "reply", *where)
    return select(func.count()).select_from(
        found.limit(bindparam(cap, type_=Integer)).subquery()).scalar_subquery()


_COUNTS: dict[tuple[CapKey, ...], Executable] = {}


def _counts_query(keys: tuple[CapKey, ...]) -> Executable:
    """The reply counts for these cap keys, the values, caps and times as parameters (k0…,
    cap0…, day; hour, cap): built once per set of keys."""
    if keys not in _COUNTS:
        _COUNTS[keys] = select(
            *(_count(f"cap{n}", getattr(_o, key) == bindparam(f"k{n}"),
                     _o.created_at >= bindparam("day"))
              for n, key in enumerate(keys)),
            _count("cap", _o.created_at >= bindparam("hour")))
    return _COUNTS[keys]


class Outbox(Queries):
    def enqueue(self, item: NewOutbox, message_id: int | None = None,
                submission_id: int | None = None) -> int:
        """Queue one mail; returns the outbox row's id."""
        with self._writing() as conn:
            return insert_outbox(conn, item, message_id, submission_id)

    def unsent(self, max_attempts: int | None = None) -> list[OutboxItem]:
        """Queued mail not yet sent, oldest first; past `max_attempts` it waits for a person."""
        o = outbox.c
        stmt = ITEMS.where(o.sent_at.is_(None), o.failed_at.is_(None)).order_by(o.id)
        if max_attempts is not None:
            stmt = stmt.where(o.attempts < max_attempts)
        with self._reading() as conn:
            return [OutboxItem(**row._mapping) for row in conn.execute(stmt)]

    def mark_sending(self, outbox_id: int) -> None:
        """Mark a row as handed to SMTP; a mark left by a crash means "may have gone out"."""
        o = outbox.c
        with self._writing() as conn:
            conn.execute(update(outbox).where(o.id == outbox_id, o.sent_at.is_(None))
                         .values(sending_at=utc_now()))

    def mark_sent(self, outbox_id: int) -> None:
        """Lazy: lost with the power, the row is found handed to SMTP (`sending_at`, durable)
        and sent again with the same Message-ID, the event saying so — as after any crash
        between sending and marking; the next durable commit (the next row's) keeps it."""
        with self._writing(lazy=True) as conn:
            conn.execute(_SENT, {"row": outbox_id, "now": utc_now()})

    def mark_send_failed(self, outbox_id: int, error: str) -> int:
        """Count a failed attempt; returns how many attempts have failed so far."""
        o = outbox.c
        with self._writing() as conn:
            return int(conn.execute(update(outbox).where(o.id == outbox_id)
                                    .values(attempts=o.attempts + 1, last_error=error,
                                            sending_at=None)
                                    .returning(o.attempts)).scalar_one())

    def mark_failed_for_good(self, outbox_id: int, error: str) -> None:
        """The server refused this mail for good (or it cannot be sent at all): never tried
        again; staff see it among the mail that could not be sent."""
        o = outbox.c
        with self._writing() as conn:
            conn.execute(update(outbox).where(o.id == outbox_id, o.sent_at.is_(None))
                         .values(failed_at=utc_now(), attempts=o.attempts + 1,
                                 last_error=error, sending_at=None))

    def reply_counts(self, keys: Sequence[tuple[CapKey, str, int]], day: datetime,
                     hour: tuple[datetime, int]) -> tuple[list[int], int]:
        """In one query: replies queued (sent or not) since `day` whose cap key is the value
        given, for each of `keys` (key, value, cap); and replies queued since `hour[0]` to
        anyone. Each count is read from its index and stops at its cap (`hour[1]` for the
        last): a count equal to its cap means the cap is reached."""
        params: dict[str, Any] = {"day": day, "hour": hour[0], "cap": hour[1]}
        for n, (_key, value, cap) in enumerate(keys):
            params |= {f"k{n}": value, f"cap{n}": cap}
        query = _counts_query(tuple(key for key, _value, _cap in keys))
        with self._reading() as conn:
            row = conn.execute(query, params).one()
        return [int(n) for n in row[:-1]], int(row[-1])

    def by_mail_ids(self, mail_ids: Sequence[str]) -> list[OutboxItem]:
        """Our mail carrying any of these Message-IDs."""
        if not mail_ids:
            return []
        o = outbox.c
        with self._reading() as conn:
            rows = conn.execute(ITEMS.where(o.mail_id.in_(list(mail_ids)[:50]))
                                .order_by(o.id))
            return [OutboxItem(**row._mapping) for row in rows]

    def mark_undelivered(self, outbox_id: int, bounce_id: int) -> bool:
        """A bounce came back for this mail; False when one had already been recorded."""
        o = outbox.c
        with self._writing() as conn:
            return conn.execute(update(outbox).where(o.id == outbox_id,
                                                     o.undelivered_at.is_(None))
                                .values(undelivered_at=utc_now(), bounce_id=bounce_id)
                                ).rowcount > 0

    def replies_queued(self, recipient: str, day: date, tz: tzinfo = UTC,
                       kinds: tuple[OutboxKind, ...] = ("reply",)) -> int:
        """Mail of `kinds` queued (sent or not) to `recipient` on `day`: the per-sender cap
        counts replies, and reminders count with them."""
        o = outbox.c
        start, end = day_bounds(day, tz)
        with self._reading() as conn:
            return int(conn.execute(select(func.count()).select_from(outbox).where(
                o.kind.in_(kinds), func.lower(o.recipient) == recipient.strip().lower(),
                o.created_at >= start, o.created_at < end)).scalar_one())

    def stuck(self) -> list[OutboxItem]:
        """Queued mail the server has refused or could not take at least once, or gave up."""
        o = outbox.c
        with self._reading() as conn:
            rows = conn.execute(ITEMS.where(o.sent_at.is_(None),
                                                     (o.attempts > 0) | o.failed_at.is_not(None))
                                .order_by(o.id))
            return [OutboxItem(**row._mapping) for row in rows]

    def bounced(self) -> list[OutboxItem]:
        """Replies a bounce said did not arrive, and no later reply about the same submission
        (or mail) was queued since (a resend clears one); oldest first."""
        o, later = outbox.c, outbox.alias("later").c
        same = ((later.submission_id == o.submission_id)
                | (o.submission_id.is_(None) & (later.message_id == o.message_id)))
        newer = exists().where(later.kind == "reply", later.id > o.id, same)
        with self._reading() as conn:
            rows = conn.execute(ITEMS.where(o.kind == "reply",
                                                     o.undelivered_at.is_not(None), ~newer)
                                .order_by(o.undelivered_at, o.id))
            return [OutboxItem(**row._mapping) for row in rows]

    def latest_reply(self, sub: StoredSubmission) -> OutboxItem | None:
        """The newest reply queued for a submission (or, for older rows, for its mail)."""
        found = self.replies_about(sub, newest=1)
        return found[0] if found else None

    def replies_about(self, sub: StoredSubmission, newest: int | None = None
                      ) -> list[OutboxItem]:
        """Replies queued for a submission, or for its mail when one reply covers several
        of its forms; newest first, at most `newest` of them."""
        o = outbox.c
        mine = (o.submission_id == sub.id) | ((o.submission_id.is_(None))
                                              & (o.message_id == sub.message_id))
        with self._reading() as conn:
            rows = conn.execute(ITEMS.where(o.kind == "reply", mine)
                                .order_by(o.id.desc()).limit(newest))
            return [OutboxItem(**row._mapping) for row in rows]

    def digest_sent(self, day: date) -> bool:
        with self._reading() as conn:
            return _digest_sent(conn, day)

    def queue_digest(self, day: date, items: Sequence[NewOutbox],
                     period: tuple[datetime, datetime] | None = None,
                     sent_at: datetime | None = None, force: bool = False) -> bool:
        """Queue the digest of `day` and record it as sent, in one transaction; False (and
        nothing queued) when it was sent already and not `force`d. Two machines whose timers
        fire at once queue it once: SQLite lets one writer in at a time, and on PostgreSQL the
        day's key lets only one insert stand."""
        values = {"sent_at": sent_at or utc_now(),
                  "period_start": period[0] if period else None,
                  "period_end": period[1] if period else None}
        try:
            with self._writing() as conn:
                if _digest_sent(conn, day):
                    if not force:
                        return False
                    conn.execute(update(digests).where(digests.c.day == day).values(**values))
                else:
                    conn.execute(insert(digests).values(day=day, **values))
                for item in items:
                    insert_outbox(conn, item, None, None)
        except IntegrityError:
            return False  # another machine queued it at this very moment
        return True

    def last_digest_end(self) -> datetime | None:
        """Where the last sent digest stopped: the end of its period, or when it was sent if
        that came first (a digest of a whole day sent in the morning has not seen the
        afternoon). None when no digest was ever sent."""
        d = digests.c
        with self._reading() as conn:
            rows = conn.execute(select(d.sent_at, d.period_end)).all()
        ends = [min(r.period_end, r.sent_at) if r.period_end else r.sent_at for r in rows]
        return max(ends, default=None)


def _digest_sent(conn: Connection, day: date) -> bool:
    return conn.execute(select(digests.c.day).where(digests.c.day == day)).first() is not None
