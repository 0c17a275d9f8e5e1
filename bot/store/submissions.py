"""Queries on submissions: storing the decision on a mail under a fresh reference, reading
submissions back with their quantities, keeping one counting form per agency live, and staff
settling a submission that waits for them. `store.submissions`; each method is one transaction.

A form counts for its agency when it is accepted and its standing is `counted` (its sender is
trusted for the agency, or staff confirmed it); only such forms supersede one another.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from datetime import UTC, date, datetime, tzinfo
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, bindparam, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from bot.store.engine import Queries, day_bounds, utc_now
from bot.store.events import insert_event
from bot.store.outbox import insert_outbox
from bot.store.records import (
    NewOutbox,
    NewSubmission,
    Standing,
    State,
    StoredSubmission,
    SubmissionLine,
)
from bot.store.schema import (
    message_readings,
    messages,
    quantities,
    reference_counters,
    submissions,
)
from bot.store.senders import Entry, insert_trusted, remove_trusted
from bot.store.signatures import insert_signatures, replace_signatures, signatures_of

if TYPE_CHECKING:
    from bot.store.records import Kind  # a type only (see bot.store.records)

_COUNTS = (submissions.c.verdict == "accepted", submissions.c.standing == "counted")

# statements every submission runs, built once
_m, _s, _counter = messages.c, submissions.c, reference_counters.c
_STATE_LOCKED = select(_m.state).where(_m.id == bindparam("id")).with_for_update()
_BUMP = (update(reference_counters).where(_counter.prefix == bindparam("of"))
         .values(last_value=_counter.last_value + 1))
_LAST = select(_counter.last_value).where(_counter.prefix == bindparam("of"))
_INSERT = insert(submissions).returning(_s.id)
_INSERT_QUANTITIES = insert(quantities)
_LIVE = select(_s.id, _s.received_at).where(
    _s.agency_key == bindparam("agency"), *_COUNTS, _s.superseded_by.is_(None),
    _s.id != bindparam("new"))
_DECIDED = (update(messages).where(_m.id == bindparam("row"))
            .values(kind=bindparam("new_kind"), state=bindparam("new_state")))
_PREVIOUS = select(_s.id).where(_s.agency_key == bindparam("agency"), *_COUNTS).order_by(
    _s.received_at.desc(), _s.id.desc()).limit(1)
_PREVIOUS_BY_TIME = _PREVIOUS.where(_s.received_at <= bindparam("received"))
_PREVIOUS_BY_ROW = _PREVIOUS.where(or_(
    _s.received_at < bindparam("received"),
    and_(_s.received_at == bindparam("received"), _s.id < bindparam("this"))))
_UNREAD = delete(message_readings).where(message_readings.c.message_id == bindparam("id"))


class OutcomeAlreadySaved(Exception):
    """save_outcome was called for a message that already has one: no second reply."""


class ReferencesMoved(Exception):
    """Another writer took the references a reply was composed with: compose it again."""


def next_reference(conn: Connection, prefix: str) -> str:
    """Take the next number for `prefix` inside the caller's transaction.

    The counter row is locked until that transaction ends, and a rollback gives the
    number back, so references are gap-free as long as the submission shares the transaction.
    """
    if conn.execute(_BUMP, {"of": prefix}).rowcount == 0:
        try:
            with conn.begin_nested():
                conn.execute(insert(reference_counters).values(prefix=prefix, last_value=0))
        except IntegrityError:
            pass  # a concurrent transaction created it; the bump below waits for it
        conn.execute(_BUMP, {"of": prefix})
    return _reference(prefix, conn.execute(_LAST, {"of": prefix}).scalar_one())


def _reference(prefix: str, value: int) -> str:
    return f"{prefix}-{value:04d}"


def _insert_submission(conn: Connection, message_id: int, reference: str,
                       sub: NewSubmission) -> int:
    new_id = int(conn.execute(_INSERT, {
        "reference": reference, "message_id": message_id, "agency": sub.agency,
        "agency_key": sub.agency_key, "sender": sub.sender, "verdict": sub.verdict,
        "document_number": sub.document_number, "document_date": sub.document_date,
        "place": sub.place, "record_json": sub.record_json, "findings_json": sub.findings_json,
        "received_at": sub.received_at, "standing": sub.standing,
        "standing_reason": sub.standing_reason, "author": sub.author}).scalar_one())
    _insert_quantities(conn, new_id, sub.quantities)
    insert_signatures(conn, new_id, sub.signatures)
    if sub.verdict == "accepted" and sub.standing == "counted" and sub.agency_key:
        _supersede(conn, new_id, sub.agency_key, sub.received_at)
    return new_id


def _insert_quantities(conn: Connection, submission_id: int,
                       amounts: dict[str, dict[str, int]]) -> None:
    rows = [{"submission_id": submission_id, "row_key": row, "year": year, "value": value}
            for row, years in amounts.items() for year, value in years.items()]
    if rows:
        conn.execute(_INSERT_QUANTITIES, rows)


def _supersede(conn: Connection, new_id: int, agency_key: str, received_at: datetime) -> None:
    """A newer counting form replaces older ones of the same agency; mail processed out of
    order must not replace a form that was received later."""
    s = submissions.c
    live = conn.execute(_LIVE, {"agency": agency_key, "new": new_id}).all()
    older = [row.id for row in live if row.received_at <= received_at]
    newer = sorted((row for row in live if row.received_at > received_at),
                   key=lambda row: (row.received_at, row.id))
    if older:
        conn.execute(update(submissions).where(s.id.in_(older)).values(superseded_by=new_id))
    if newer:
        conn.execute(update(submissions).where(s.id == new_id)
                     .values(superseded_by=newer[-1].id))


def _resettle(conn: Connection, agency_key: str) -> None:
    """Each counting form of an agency is superseded by the next one received; the newest
    is live; forms that do not count supersede nothing and are superseded by nothing."""
    s = submissions.c
    rows = conn.execute(select(s.id, s.verdict, s.standing).where(s.agency_key == agency_key)
                        .order_by(s.received_at, s.id)).all()
    counting = [row.id for row in rows if row.verdict == "accepted" and row.standing == "counted"]
    successor = dict(itertools.pairwise(counting))
    for row in rows:
        conn.execute(update(submissions).where(s.id == row.id)
                     .values(superseded_by=successor.get(row.id)))


def _find(conn: Connection, *conditions: Any) -> list[StoredSubmission]:
    """Submissions matching all `conditions`, oldest first, each with its quantities."""
    s = submissions.c
    rows = conn.execute(select(submissions).where(*conditions)
                        .order_by(s.received_at, s.id)).all()
    ids = [row.id for row in rows]
    amounts: dict[int, dict[str, dict[str, int]]] = {i: {} for i in ids}
    if ids:
        q = quantities.c
        for sid, row_key, year, value in conn.execute(
                select(q.submission_id, q.row_key, q.year, q.value)
                .where(q.submission_id.in_(ids))):
            amounts[sid].setdefault(row_key, {})[year] = int(value)
    signed = signatures_of(conn, ids)
    return [StoredSubmission(**row._mapping, quantities=amounts[row.id],
                             signatures=signed.get(row.id, ())) for row in rows]


class Submissions(Queries):
    def save_outcome(self, message_id: int, submission: NewSubmission | None,
                     build_outbox: Callable[[str | None], Iterable[NewOutbox]] = lambda _: (),
                     *, kind: Kind = "submission", state: State = "done") -> str | None:
        """Store the decision on one mail in one transaction: the submission with a fresh
        reference, its quantities, the mail `build_outbox(reference)` returns, and the
        mail's new kind and state. Returns the reference (None without a submission);
        OutcomeAlreadySaved if the mail was decided before."""
        references = self.save_outcomes(
            message_id, [submission] if submission else [],
            lambda refs: build_outbox(refs[0] if refs else None), kind=kind, state=state)
        return references[0] if references else None

    def next_references(self, prefix: str, count: int) -> list[str]:
        """The references the next `count` submissions under `prefix` would get, if no one
        else takes one first: a reply can be composed with them before the short write."""
        with self._reading() as conn:
            last = conn.execute(_LAST, {"of": prefix}).scalar()
        return [_reference(prefix, int(last or 0) + n) for n in range(1, count + 1)]

    def save_outcomes(self, message_id: int, subs: Sequence[NewSubmission],
                      build_outbox: Callable[[list[str]], Iterable[NewOutbox]],
                      *, kind: Kind = "submission", state: State = "done",
                      expected: Sequence[str] | None = None) -> list[str]:
        """Each submission of one mail (one per distinct form in it) with a fresh reference
        and its quantities, the queued mail `build_outbox(references)` returns, and the
        mail's new kind and state, in one transaction. A reply about several submissions
        belongs to the mail, not to one of them. With `expected` (from `next_references`,
        the reply already composed with them) ReferencesMoved is raised, and nothing is
        stored, when the references taken are not those."""
        with self._writing() as conn:
            # the row locked (PostgreSQL): two daemons deciding the same mail at once wait
            # here, and the second one sees the first one's outcome
            current = conn.execute(_STATE_LOCKED, {"id": message_id}).scalar_one()
            if current != "new":
                raise OutcomeAlreadySaved(f"message {message_id} is already {current}")
            references: list[str] = []
            ids: list[int] = []
            for sub in subs:
                references.append(next_reference(conn, sub.reference_prefix))
                ids.append(_insert_submission(conn, message_id, references[-1], sub))
            if expected is not None and list(expected) != references:
                raise ReferencesMoved(f"{list(expected)} != {references}")  # rolls back
            for item in build_outbox(references):
                insert_outbox(conn, item, message_id, ids[0] if len(ids) == 1 else None)
            conn.execute(_DECIDED, {"row": message_id, "new_kind": kind, "new_state": state})
            conn.execute(_UNREAD, {"id": message_id})
        return references

    def replace_outcome(self, old: StoredSubmission, new: NewSubmission,
                        replies: Iterable[NewOutbox] = ()) -> None:
        """Rewrite a submission's verdict, record and numbers in place (same reference, same
        received time), settle which counting form of the agency is the live one, and queue
        `replies` for it, in one transaction. A standing staff settled stays theirs, with the
        agency they settled it for."""
        s = submissions.c
        judged: dict[str, Any] = {
            "standing": new.standing, "standing_reason": new.standing_reason,
            "author": new.author, "agency": new.agency, "agency_key": new.agency_key}
        if old.settled_by is not None:
            judged = {"author": new.author}
        with self._writing() as conn:
            conn.execute(update(submissions).where(s.id == old.id).values(
                verdict=new.verdict, record_json=new.record_json,
                findings_json=new.findings_json, document_number=new.document_number,
                document_date=new.document_date, place=new.place, **judged))
            conn.execute(delete(quantities).where(quantities.c.submission_id == old.id))
            _insert_quantities(conn, old.id, new.quantities)
            replace_signatures(conn, old.id, new.signatures)
            for key in {old.agency_key, judged.get("agency_key")} - {None}:
                _resettle(conn, str(key))
            for item in replies:
                insert_outbox(conn, item, old.message_id, old.id)

    def settle(self, reference: str, standing: Standing, by: str, *,
               agency: tuple[str, str | None] | None = None, trust: Entry | None = None,
               untrust: int | None = None) -> StoredSubmission | None:
        """Staff's decision on a submission, in one transaction: its standing (`counted` when
        confirmed, `rejected`), who decided and when, the agency it counts for when `agency`
        (key, name) is given, the live form of each agency concerned settled again, the sender
        `trust`ed for an agency from now on (or the staff entry `untrust` no longer trusted),
        and an event saying so. None when no submission has `reference`."""
        s = submissions.c
        with self._writing() as conn:
            found = _find(conn, s.reference == reference)
            if not found:
                return None
            old = found[0]
            values: dict[str, Any] = {
                "standing": standing, "settled_by": by[:255], "settled_at": utc_now(),
                "standing_reason": "confirmed" if standing == "counted" else "rejected"}
            if agency is not None:
                values["agency_key"], values["agency"] = agency
            conn.execute(update(submissions).where(s.id == old.id).values(**values))
            for key in {old.agency_key, values.get("agency_key")} - {None}:
                _resettle(conn, str(key))
            if trust is not None:
                insert_trusted(conn, trust, "staff", by)
            untrusted = remove_trusted(conn, untrust, by) if untrust is not None else None
            new = _find(conn, s.id == old.id)[0]
            insert_event(conn, f"submission-{'confirmed' if standing == 'counted' else standing}",
                         " ".join(filter(None, (reference, new.agency_key, f"by {by}",
                                                trust and f"trusted {trust[1]}",
                                                untrusted and f"untrusted {untrusted}"))),
                         level="info", message_id=old.message_id, actor=by)
            return new

    def by_reference(self, reference: str) -> StoredSubmission | None:
        """The submission of `reference`, however a person typed its case."""
        with self._reading() as conn:
            found = _find(conn, submissions.c.reference == reference.strip().upper())
        return found[0] if found else None

    def find(self, day: date | None = None, agency_key: str | None = None,
             verdict: str | None = None, tz: tzinfo = UTC, standing: Standing | None = None,
             period: tuple[datetime, datetime] | None = None) -> list[StoredSubmission]:
        """Submissions received on `day` (a calendar day in `tz`) or in `period` (half-open),
        from the agency, with the verdict and the standing, oldest first; None leaves that
        part open."""
        s = submissions.c
        conditions: list[Any] = []
        if day is not None:
            period = day_bounds(day, tz)
        if period is not None:
            conditions += [s.received_at >= period[0], s.received_at < period[1]]
        if agency_key is not None:
            conditions.append(s.agency_key == agency_key)
        if verdict is not None:
            conditions.append(s.verdict == verdict)
        if standing is not None:
            conditions.append(s.standing == standing)
        with self._reading() as conn:
            return _find(conn, *conditions)

    def previous_counted(self, agency_key: str, received: datetime, this: int | None = None
                         ) -> StoredSubmission | None:
        """The agency's latest submission that counts, received before `received` (stored
        as `this`; None: not stored yet, so after all those): one row by the index, not the
        agency's whole history (bot.intake.changes.previous_counted over a list is the same
        rule)."""
        s = submissions.c
        query, params = _PREVIOUS_BY_TIME, {"agency": agency_key, "received": received}
        if this is not None:
            query, params = _PREVIOUS_BY_ROW, {**params, "this": this}
        with self._reading() as conn:
            row = conn.execute(query, params).scalar()
            found = _find(conn, s.id == row) if row is not None else []
        return found[0] if found else None

    def lines(self, *, agency_key: str | None = None, verdict: str | None = None,
              standing: Standing | None = None, since: datetime | None = None,
              until: datetime | None = None) -> list[SubmissionLine]:
        """Submissions for a list, newest first: received in [since, until), from the agency,
        with the verdict and the standing; None leaves that part open."""
        s = submissions.c
        stmt = select(*(s[f.name] for f in fields(SubmissionLine)))
        if agency_key is not None:
            stmt = stmt.where(s.agency_key == agency_key)
        if verdict is not None:
            stmt = stmt.where(s.verdict == verdict)
        if standing is not None:
            stmt = stmt.where(s.standing == standing)
        if since is not None:
            stmt = stmt.where(s.received_at >= since)
        if until is not None:
            stmt = stmt.where(s.received_at < until)
        with self._reading() as conn:
            rows = conn.execute(stmt.order_by(s.received_at.desc(), s.id.desc()))
            return [SubmissionLine(**row._mapping) for row in rows]

    def latest_valid(self) -> list[StoredSubmission]:
        """Per agency, the newest submission that counts (accepted, from a sender trusted for
        the agency or confirmed by staff), the one nothing supersedes."""
        s = submissions.c
        with self._reading() as conn:
            found = _find(conn, *_COUNTS, s.superseded_by.is_(None), s.agency_key.is_not(None))
        return sorted(found, key=lambda sub: sub.agency_key or "")

    def latest_per_agency(self) -> list[StoredSubmission]:
        """Per identified agency, the submission received last, whatever its verdict: where
        each agency stands (to do, reminders, the list of agencies that have not sent)."""
        s = submissions.c
        with self._reading() as conn:
            found = _find(conn, s.agency_key.is_not(None))
        latest: dict[str, StoredSubmission] = {}
        for sub in found:  # oldest first: the last one seen is the latest
            latest[str(sub.agency_key)] = sub
        return sorted(latest.values(), key=lambda sub: sub.agency_key or "")

    def open_corrections(self) -> list[StoredSubmission]:
        """Forms still waiting for a better one: per agency (per sender when the agency is
        unknown), the latest submission staff did not reject, when it is not accepted; oldest
        first."""
        with self._reading() as conn:
            found = _find(conn, submissions.c.standing != "rejected")
        latest: dict[str, StoredSubmission] = {}
        for sub in found:
            latest[sub.agency_key or f"sender:{sub.sender.strip().lower()}"] = sub
        return sorted((s for s in latest.values() if s.verdict != "accepted"),
                      key=lambda sub: (sub.received_at, sub.id))
