"""Claims, so that more than one daemon can share one store (and one mailbox): a mail is
decided and filed, an outbox row is sent, only by the daemon that holds its claim. A claim
is a lease: it runs out at `until`, and a claim whose holder `gone` says is dead (a process
of this machine that is no longer running) is free at once. `store.claims`; each method one
transaction.

The row a claim is taken on is locked with `SELECT … FOR UPDATE SKIP LOCKED`: a daemon never
waits behind another one taking the same row, it passes it by. On SQLite the locking clause
is not emitted; BEGIN IMMEDIATE makes every writer wait its turn, which serves one machine.

A claim guards the work, not the outcome: the outcome of a mail is stored only while it is
still 'new' (its row locked), and a row is sent only by the holder that marked it sending,
so a lease that runs out under a slow daemon costs work done twice, never a second reply.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection, bindparam, delete, insert, or_, select, update

from bot.store.engine import Queries, sync, utc_now
from bot.store.messages import mark_reading, stored_message
from bot.store.outbox import ITEMS
from bot.store.records import OutboxItem, StoredMessage
from bot.store.schema import message_claims, messages, outbox

Gone = Callable[[str], bool]  # is the process that wrote this holder name dead?

# each mail's claim is taken and given back once per cycle: the statements built once
_c, _o = message_claims.c, outbox.c
_LOCK_MAIL = (select(messages.c.id).where(messages.c.id == bindparam("id"))
              .with_for_update(skip_locked=True))
_HOLDER = select(_c.holder, _c.until).where(_c.message_id == bindparam("id"))
_DROP = delete(message_claims).where(_c.message_id == bindparam("id"))
_CLAIM = insert(message_claims)
_RELEASE = delete(message_claims).where(_c.message_id == bindparam("id"),
                                        _c.holder == bindparam("holder"))
_RELEASE_ALL = delete(message_claims).where(_c.message_id.in_(bindparam("ids", expanding=True)),
                                            _c.holder == bindparam("holder"))
_SENDING = (update(outbox).where(_o.id == bindparam("row"), _o.sent_at.is_(None),
                                 _o.claimed_by == bindparam("holder"))
            .values(sending_at=bindparam("now"), claim_until=bindparam("until")))


def _free(conn: Connection, holder: str, gone: Gone) -> list[str]:
    """Holders other than `holder` that `gone` says are dead: their claims are free."""
    held = set(conn.execute(select(message_claims.c.holder).distinct()).scalars())
    held |= set(conn.execute(select(outbox.c.claimed_by).distinct()
                             .where(outbox.c.claimed_by.is_not(None))).scalars())
    return [h for h in held if h != holder and gone(h)]


def _take(conn: Connection, message_id: int, holder: str, until: datetime, gone: Gone) -> bool:
    if conn.execute(_LOCK_MAIL, {"id": message_id}).first() is None:
        return False  # another daemon is claiming it at this very moment
    current = conn.execute(_HOLDER, {"id": message_id}).first()
    if (current is not None and current.holder != holder and current.until > utc_now()
            and not gone(current.holder)):
        return False
    if current is not None:
        conn.execute(_DROP, {"id": message_id})
    conn.execute(_CLAIM, {"message_id": message_id, "holder": holder, "until": until})
    return True


class Claims(Queries):
    def take_message(self, message_id: int, holder: str, until: datetime, gone: Gone) -> bool:
        """Claim a kept mail until `until` (taken again by its holder, the lease renewed);
        False while another daemon holds it, or takes it right now."""
        with self._writing() as conn:
            return _take(conn, message_id, holder, until, gone)

    def take_and_get(self, message_id: int, holder: str, until: datetime, gone: Gone,
                     reading: tuple[str, Callable[[StoredMessage], bool]] | None = None
                     ) -> StoredMessage | None:
        """`take_message`, and the mail as it is now once claimed (None: not claimed), in
        the same transaction; with `reading` (a reader and a test of the mail), the mail
        marked as read by that reader when the test says it is to be read
        (`Messages.start_reading`), in that transaction too."""
        with self._writing() as conn:
            if not _take(conn, message_id, holder, until, gone):
                return None
            stored = stored_message(conn, message_id)
            if reading is not None and reading[1](stored):
                mark_reading(conn, message_id, reading[0])
            return stored

    def release_message(self, message_id: int, holder: str) -> None:
        with self._writing() as conn:
            conn.execute(_RELEASE, {"id": message_id, "holder": holder})

    def release_messages(self, message_ids: list[int], holder: str) -> None:
        """Give back several claims at once (a batch of mail decided)."""
        if message_ids:
            with self._writing() as conn:
                conn.execute(_RELEASE_ALL, {"ids": message_ids, "holder": holder})

    def take_outbox(self, holder: str, until: datetime, gone: Gone, max_attempts: int,
                    limit: int = 20) -> list[OutboxItem]:
        """Claim up to `limit` unsent rows, oldest first, that nobody holds (or whose holder's
        lease ran out, or who is gone); rows another daemon is claiming right now are passed
        by. The holder gives them back with `release_outbox` at the end of its run."""
        o = outbox.c
        now = utc_now()
        # lazy: a lease lost with the power is a row claimed again, nothing more
        with self._writing(lazy=True) as conn:
            dead = _free(conn, holder, gone)
            # a row this holder claimed earlier in the run was tried already: not again
            free = or_(o.claimed_by.is_(None), o.claim_until < now, o.claimed_by.in_(dead))
            ids = list(conn.execute(
                select(o.id).where(o.sent_at.is_(None), o.failed_at.is_(None),
                                   o.attempts < max_attempts, free)
                .order_by(o.id).limit(limit).with_for_update(skip_locked=True)).scalars())
            if not ids:
                return []
            conn.execute(update(outbox).where(o.id.in_(ids))
                         .values(claimed_by=holder, claim_until=until))
            rows = conn.execute(ITEMS.where(o.id.in_(ids)).order_by(o.id))
            return [OutboxItem(**row._mapping) for row in rows]

    def start_sending(self, outbox_id: int, holder: str, until: datetime) -> bool:
        """Mark a claimed row as handed to SMTP and renew its lease; False when the claim
        was lost (it ran out and another daemon took the row): then it must not be sent."""
        with self._writing(lazy=True) as conn:
            taken = conn.execute(_SENDING, {"row": outbox_id, "holder": holder,
                                            "now": utc_now(), "until": until}).rowcount > 0
        sync(self.engine)  # durable before the mail leaves, synced outside the write lock
        return taken

    def release_outbox(self, holder: str) -> int:
        """Give back the rows `holder` still holds (not sent: left for the next run)."""
        o = outbox.c
        with self._writing(lazy=True) as conn:  # a lease given back early
            return conn.execute(update(outbox).where(o.claimed_by == holder)
                                .values(claimed_by=None, claim_until=None)).rowcount
