"""The store against a real SQLite file and a real PostgreSQL (the `postgres_url` fixture: a
private cluster on 127.0.0.1, or BCY_TEST_PG_URL when set)."""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, event, insert, inspect, select, text
from sqlalchemy.exc import IntegrityError

from bot.store import migrations
from bot.store.database import Store
from bot.store.engine import create_store_engine, read_transaction
from bot.store.schema import NewOutbox, NewSubmission, messages, metadata
from bot.store.submissions import OutcomeAlreadySaved

T0 = datetime(2021, 5, 10, 8, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.servers)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'intake.db'}"
        return
    base: str = request.getfixturevalue("postgres_url")  # only now: SQLite runs need no server
    schema = f"t_{uuid.uuid4().hex[:12]}"  # each test gets a fresh, throw-away schema
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def store(url: str) -> Iterator[Store]:
    opened = Store.open(url)
    yield opened
    opened.close()


def _save(store: Store, uid: int, raw: bytes = b"", message_id: str | None = None) -> int:
    return store.messages.save_raw(folder="INBOX", uidvalidity=7, uid=uid,
                                   raw=raw or f"Subject: {uid}\r\n\r\nbody".encode(),
                                  message_id=message_id or f"<{uid}@example.vn>",
                                  received_at=T0, from_addr="a@example.vn", subject=str(uid))


def _submission(agency_key: str = "btc", verdict: str = "accepted", at: datetime = T0,
                n: int = 1) -> NewSubmission:
    return NewSubmission(reference_prefix="BCY-CTS-2021", sender="vanthu@btc.gov.vn",
                         verdict=verdict, received_at=at, record_json="{}",  # type: ignore[arg-type]
                         findings_json="[]", agency="Bộ Tài chính", agency_key=agency_key,
                         document_date=date(2021, 5, 10),
                         quantities={"personal_sim_pki": {"2021": n, "2022": 0}})


def _reply(ref: str | None) -> list[NewOutbox]:
    return [NewOutbox("reply", "vanthu@btc.gov.vn", f"X-BCY-Intake-Reference: {ref}".encode())]


def test_save_raw_message_is_idempotent_and_keeps_bytes(store: Store) -> None:
    raw = b"Message-ID: <1@x>\r\n\r\n\xff\x00binary"
    first = _save(store, 1, raw)
    assert _save(store, 1, raw) == first
    assert store.messages.raw(first) == raw
    stored = store.messages.get(first)
    assert stored.state == "new" and stored.size == len(raw)
    assert stored.content_sha256 == hashlib.sha256(raw).hexdigest()
    assert stored.received_at == T0 and stored.created_at.tzinfo is not None
    assert store.messages.seen_uids("INBOX", 7) == {1}
    assert store.messages.seen_uids("INBOX", 8) == set()


def test_a_big_raw_mail_is_kept_whole_in_a_table_of_its_own(store: Store) -> None:
    """More than one slice of SQLite's blob writes, bytes of every value; marking the mail
    leaves its bytes as they were, and its row in `messages` never holds them (0010)."""
    from bot.store.messages import BLOB_SLICE

    raw = b"Message-ID: <big@x>\r\n\r\n" + bytes(range(256)) * (3 * BLOB_SLICE // 256 + 7)
    kept = _save(store, 9, raw)
    store.messages.mark(kept, kind="other", state="done", mailbox_action_done=True)
    assert store.messages.raw(kept) == raw
    assert store.messages.get(kept).size == len(raw)
    with store.engine.connect() as conn:
        assert conn.execute(select(messages.c.raw).where(messages.c.id == kept)
                            ).scalar_one() == b""


def test_same_message_at_a_new_uid_is_the_same_row(store: Store) -> None:
    first = _save(store, 1, b"same bytes", "<dup@x>")
    assert _save(store, 2, b"same bytes", "<dup@x>") == first
    sha = hashlib.sha256(b"same bytes").hexdigest()
    assert store.messages.find_duplicate("<dup@x>", sha) is not None
    assert _save(store, 3, b"other bytes", "<dup@x>") != first  # a resend with new content
    assert store.messages.seen_uids("INBOX", 7) == {1, 2, 3}
    found = store.messages.find("INBOX", 7, 2)
    assert found is not None and (found.id, found.uid) == (first, 1)
    store.messages.remember_slot("Archive", 1, 9, first)
    store.messages.remember_slot("Archive", 1, 9, first)
    assert store.messages.seen_uids("Archive", 1) == {9}
    # the copies a first cycle files: each slot a kept mail turned up in, not its own
    assert {uid: m.id for uid, m in store.messages.copies_in("INBOX", 7).items()} == {2: first}
    assert {uid: m.id for uid, m in store.messages.copies_in("Archive", 1).items()} == {9: first}
    assert store.messages.copies_in("INBOX", 8) == {}


def test_both_unique_keys_hold_in_the_database(store: Store) -> None:
    _save(store, 1, b"one", "<1@x>")
    row = {"folder": "INBOX", "uidvalidity": 7, "raw": b"r", "size": 1, "state": "new",
           "created_at": T0}
    for clash in ({"uid": 1, "message_id": "<other@x>", "content_sha256": "f" * 64},
                  {"uid": 99, "message_id": "<1@x>",
                   "content_sha256": hashlib.sha256(b"one").hexdigest()}):
        with pytest.raises(IntegrityError), store.engine.begin() as conn:
            conn.execute(insert(messages).values(**row, **clash))


def test_outcome_is_one_transaction(store: Store) -> None:
    message = _save(store, 1)

    def broken(ref: str | None) -> list[NewOutbox]:
        raise RuntimeError("template failed")

    with pytest.raises(RuntimeError):
        store.submissions.save_outcome(message, _submission(), broken)
    assert store.submissions.find() == [] and store.outbox.unsent() == []
    assert store.messages.get(message).state == "new"
    assert store.submissions.save_outcome(message, _submission(), _reply) == "BCY-CTS-2021-0001"
    saved = store.submissions.by_reference("BCY-CTS-2021-0001")
    assert saved is not None and saved.quantities == {"personal_sim_pki": {"2021": 1, "2022": 0}}
    assert saved.document_date == date(2021, 5, 10) and saved.received_at == T0
    assert store.messages.get(message).kind == "submission"
    with pytest.raises(OutcomeAlreadySaved):
        store.submissions.save_outcome(message, _submission(), _reply)


def test_references_are_gap_free_across_threads(url: str) -> None:
    setup = Store.open(url)
    ids = [_save(setup, uid) for uid in range(40)]
    setup.close()
    results: list[str] = []
    errors: list[BaseException] = []

    def work(chunk: list[int]) -> None:
        own = Store.open(url)  # like a second process: its own engine and connections
        try:
            for message_id in chunk:
                results.append(str(own.submissions.save_outcome(message_id, _submission(), _reply)))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            own.close()

    threads = [threading.Thread(target=work, args=(ids[i::2],)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(results) == [f"BCY-CTS-2021-{n:04d}" for n in range(1, 41)]


def test_outbox_builder_may_read_the_store(store: Store) -> None:
    today = datetime.now(UTC).date()

    def capped(ref: str | None) -> list[NewOutbox]:  # runs inside the write transaction
        return _reply(ref) if store.outbox.replies_queued("vanthu@btc.gov.vn", today) < 1 else []

    store.submissions.save_outcome(_save(store, 1), _submission(), capped)
    store.submissions.save_outcome(_save(store, 2), _submission(), capped)
    assert len(store.outbox.unsent()) == 1


def test_outbox_flow(store: Store) -> None:
    message = _save(store, 1)
    store.submissions.save_outcome(message, _submission(), _reply)
    store.outbox.enqueue(NewOutbox("digest", "cts@bcy.gov.vn", b"digest"))
    first, digest = store.outbox.unsent()
    assert first.submission_id is not None and b"BCY-CTS-2021-0001" in first.raw
    assert "raw" not in repr(first)
    assert store.outbox.mark_send_failed(first.id, "421 try later") == 1
    assert store.outbox.unsent(max_attempts=1) == [digest]
    store.outbox.mark_sent(first.id)
    store.outbox.mark_sent(digest.id)
    assert store.outbox.unsent() == []
    today = datetime.now(UTC).date()
    assert store.outbox.replies_queued("VanThu@btc.gov.vn", today) == 1
    assert store.outbox.replies_queued("cts@bcy.gov.vn", today) == 0
    assert store.outbox.replies_queued("vanthu@btc.gov.vn", today - timedelta(days=1)) == 0


def test_latest_valid_submission_superseded_by_resubmission(store: Store) -> None:
    def submit(uid: int, sub: NewSubmission) -> str:
        return str(store.submissions.save_outcome(_save(store, uid), sub))

    first = submit(1, _submission(at=T0, n=1))
    submit(2, _submission(verdict="needs_correction", at=T0 + timedelta(hours=1)))
    assert [s.reference for s in store.submissions.latest_valid()] == [first]
    second = submit(3, _submission(at=T0 + timedelta(hours=2), n=2))
    late_old = submit(4, _submission(at=T0 + timedelta(minutes=30), n=9))  # processed late
    other = submit(5, _submission(agency_key="bca"))
    latest = store.submissions.latest_valid()
    assert [s.reference for s in latest] == [other, second]
    assert latest[1].quantities["personal_sim_pki"]["2021"] == 2
    superseded = store.submissions.by_reference(late_old)
    assert superseded is not None and superseded.superseded_by == latest[1].id
    assert len(store.submissions.find(agency_key="btc")) == 4
    assert len(store.submissions.find(verdict="needs_correction")) == 1
    assert len(store.submissions.find(day=date(2021, 5, 10))) == 5
    hanoi = timezone(timedelta(hours=7))
    assert len(store.submissions.find(day=date(2021, 5, 11), tz=hanoi)) == 0


def test_mailbox_actions_attempts_digests_and_events(store: Store) -> None:
    done, failing = _save(store, 1), _save(store, 2)
    store.submissions.save_outcome(done, None, kind="other")
    assert store.messages.bump_attempts(failing) == 1 and store.messages.bump_attempts(failing) == 2
    assert [m.id for m in store.messages.unfinished()] == [failing]
    store.messages.mark(failing, state="failed", error="parser crashed")
    assert [m.id for m in store.messages.pending_mailbox_actions()] == [done, failing]
    store.messages.mark(done, mailbox_action_done=True)
    assert [m.last_error for m in store.messages.pending_mailbox_actions()] == ["parser crashed"]
    day = date(2021, 5, 10)
    assert not store.outbox.digest_sent(day)
    assert store.outbox.queue_digest(day, [])
    assert not store.outbox.queue_digest(day, [])
    assert store.outbox.digest_sent(day)
    store.events.record("send-failed", "outbox 3: 550 rejected", level="error", message_id=done)
    [event] = store.events.find(datetime.now(UTC).date())
    assert (event.kind, event.level, event.message_id) == ("send-failed", "error", done)


def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(Exception, match="naive"):
        store.messages.save_raw(folder="INBOX", uidvalidity=1, uid=1, raw=b"x",
                                message_id=None, received_at=datetime(2021, 5, 10))


def test_sqlite_connection_settings(tmp_path: Path) -> None:
    engine = create_store_engine(f"sqlite:///{tmp_path / 'sub' / 'dir' / 'x.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
    engine.dispose()


def test_migrations_match_the_tables(url: str) -> None:
    store = Store.open(url)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    store.close()
    assert diff == []


def test_upgrade_keeps_data(url: str) -> None:
    engine = create_store_engine(url)
    with engine.begin() as conn:
        migrations.upgrade(conn, "0001")
    with engine.begin() as conn:
        assert "message_slots" not in inspect(conn).get_table_names()
        kept = conn.execute(insert(messages).values(
            folder="INBOX", uidvalidity=1, uid=5, message_id="<old@x>", content_sha256="a" * 64,
            raw=b"kept", size=4, state="done", created_at=T0).returning(messages.c.id)
        ).scalar_one()
    engine.dispose()
    store = Store.open(url)  # upgrades to head
    assert store.messages.raw(kept) == b"kept"  # moved to message_bodies (0010)
    with store.engine.connect() as conn:
        assert conn.execute(select(messages.c.raw)).scalar_one() == b""
        assert "message_slots" in inspect(conn).get_table_names()
    assert store.messages.seen_uids("INBOX", 1) == {5}
    store.close()


def test_upgrade_from_0003_keeps_rows_that_refer_to_messages(url: str) -> None:
    """0008 adds columns to `messages` while submissions, slots, events and the outbox refer
    to it: a rebuilt table could not be dropped (SQLite, foreign keys on)."""
    engine = create_store_engine(url)
    with engine.begin() as conn:
        migrations.upgrade(conn, "0003")
    with engine.begin() as conn:
        message = conn.execute(insert(messages).values(
            folder="INBOX", uidvalidity=1, uid=5, message_id="<old@x>", content_sha256="a" * 64,
            raw=b"kept", size=4, state="done", created_at=T0).returning(messages.c.id)
        ).scalar_one()
        conn.execute(text(
            "INSERT INTO submissions (reference, message_id, sender, verdict, record_json, "
            "findings_json, received_at) VALUES ('BCY-CTS-2021-0001', :m, 'a@b.vn', "
            "'accepted', '{}', '[]', :at)"), {"m": message, "at": datetime(2021, 5, 10)})
        conn.execute(text("INSERT INTO outbox (message_id, kind, recipient, raw, created_at) "
                          "VALUES (:m, 'reply', 'a@b.vn', :raw, :at)"),
                     {"m": message, "raw": b"x", "at": datetime(2021, 5, 10)})
    engine.dispose()
    store = Store.open(url)  # upgrades to head
    kept = store.messages.get(message)
    assert (kept.crashes, kept.body_omitted) == (0, False)
    assert store.submissions.by_reference("BCY-CTS-2021-0001") is not None
    [item] = store.outbox.unsent()
    assert item.mail_id is None and item.failed_at is None
    assert item.raw == b"x"  # moved to outbox_bodies (0011)
    store.close()


def test_the_migrations_are_one_line_that_goes_down_and_up_again(url: str) -> None:
    """0004 (standing), 0005 (the console), 0006 (staff), 0007 (signatures), 0008 (mail
    safety) and 0009 (claims) were written apart: joined, there is one head, and the way down
    to 0003 and back up again works on both databases."""
    from alembic import command
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrations.alembic_config())
    assert script.get_heads() == ["0011"]
    assert [r.revision for r in script.walk_revisions("base", "head")][:9] == [
        "0011", "0010", "0009", "0008", "0007", "0006", "0005", "0004", "0003"]
    Store.open(url).close()
    engine = create_store_engine(url)
    with engine.begin() as conn:
        command.downgrade(migrations.alembic_config(conn), "0003")
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
    assert not tables & {"reminders", "trusted_senders", "staff_accounts", "agency_contacts",
                         "signatures", "message_readings", "message_claims", "message_bodies",
                         "outbox_bodies"}
    engine.dispose()
    store = Store.open(url)
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    store.close()


def test_lazy_writes_wait_for_the_next_durable_commit_on_sqlite(tmp_path: Path) -> None:
    """The raw mail, reading marks and filed marks commit without syncing the WAL (NORMAL);
    an outcome commits durably (FULL), which syncs all that came before it. A second
    connection sees both: lazy is not uncommitted."""
    store = Store.open(f"sqlite:///{tmp_path / 'intake.db'}")
    store.engine.pool.dispose()  # one pooled connection from here on: the one we ask
    seen: list[int] = []

    def synchronous() -> None:
        with read_transaction(store.engine) as conn:  # a write would set it for itself
            seen.append(int(conn.exec_driver_sql("PRAGMA synchronous").scalar_one()))

    first = _save(store, 1)
    synchronous()
    store.messages.mark(first, state="done", kind="other")
    synchronous()
    store.messages.start_reading(first, "reader-1")
    synchronous()
    store.messages.mark(first, mailbox_action_done=True)
    synchronous()
    assert seen == [1, 2, 1, 1]  # NORMAL, FULL, NORMAL, NORMAL
    other = Store.open(f"sqlite:///{tmp_path / 'intake.db'}")
    assert other.messages.get(first).mailbox_action_done
    other.close()
    store.close()


def test_a_digest_queued_by_two_machines_at_once_is_queued_once(store: Store) -> None:
    """Two machines' timers fire together: one digest per recipient, whoever wins."""
    import threading

    from bot.store.records import NewOutbox

    url = store.engine.url.render_as_string(hide_password=False)
    day, others = date(2021, 5, 10), [Store.open(url) for _ in range(4)]
    items = [NewOutbox(kind="digest", recipient=f"staff{n}@bcy.gov.vn", raw=b"x", mail_id="<d>")
             for n in range(3)]
    won: list[bool] = []
    gate = threading.Barrier(len(others))

    def queue(other: Store) -> None:
        gate.wait(10)
        won.append(other.outbox.queue_digest(day, items))

    threads = [threading.Thread(target=queue, args=(other,)) for other in others]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        for other in others:
            other.close()
    assert sorted(won) == [False, False, False, True]
    assert [i.recipient for i in store.outbox.unsent()] == [i.recipient for i in items]
    assert not store.outbox.queue_digest(day, items)
    assert store.outbox.queue_digest(day, items, force=True)  # --force sends it again
    assert len(store.outbox.unsent()) == 2 * len(items)


def test_a_store_at_the_newest_revision_opens_without_alembic(url: str) -> None:
    """The heads read from the scripts' text are Alembic's own; a store already at them opens
    without importing Alembic (a tenth of a second for every command), and a store a
    revision behind is still migrated."""
    import subprocess
    import sys

    from alembic import command
    from alembic.script import ScriptDirectory

    heads = ScriptDirectory.from_config(migrations.alembic_config()).get_heads()
    assert migrations.script_heads() == frozenset(heads)
    Store.open(url).close()
    probe = ("import sys; from bot.store.database import Store; Store.open(sys.argv[1]).close(); "
             "print(sorted({m.split('.')[0] for m in sys.modules} & {'alembic', 'mako'}))")
    opened = subprocess.run([sys.executable, "-c", probe, url], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).resolve().parents[1], timeout=60)
    assert opened.stdout.strip() == "[]"
    engine = create_store_engine(url)
    with engine.begin() as conn:
        command.downgrade(migrations.alembic_config(conn), "-1")
    with engine.connect() as conn:
        assert set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars()) \
            != set(heads)
    engine.dispose()
    Store.open(url).close()
    engine = create_store_engine(url)
    with engine.connect() as conn:
        assert set(conn.execute(text("SELECT version_num FROM alembic_version")).scalars()) \
            == set(heads)
    engine.dispose()


def test_reads_together_share_one_transaction_and_writes_inside_stand(store: Store) -> None:
    """`reading_together` (a reply's reads before it is stored): one transaction for all
    the reads inside, where each read had its own; a write inside commits on its own, and
    the reads after see it."""
    began: list[object] = []
    event.listen(store.engine, "begin", began.append)
    store.events.record("first", "1")
    began.clear()
    with store.reading_together():
        before = store.events.find()
        store.events.record("second", "2")
        store.messages.unfinished()
        with store.reading_together():  # nested: the same transaction
            store.events.since(T0, ("warning",), 10)
    assert len(began) == 2  # the reads' transaction and the write's
    assert [e.kind for e in before] == ["first"]
    assert [e.kind for e in store.events.find()] == ["first", "second"]
