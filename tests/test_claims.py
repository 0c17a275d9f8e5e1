"""Claims (bot.store.claims) on a real SQLite file and a real PostgreSQL: a mail or an outbox
row is worked on by one daemon at a time, until its lease runs out or its holder is gone; on
PostgreSQL a row another daemon has locked is passed by (SKIP LOCKED), never waited for."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.store.database import Store
from bot.store.engine import utc_now
from bot.store.schema import NewOutbox, outbox
from tests.store_kit import created, drop_created, new_postgres_url

A, B = "node-a 1:100:7", "node-b 1:200:9"


def _alive(_holder: str) -> bool:
    return False  # nobody is gone


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.servers)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    mark = created()
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'intake.db'}"
    else:
        request.getfixturevalue("postgres_url")  # the server, or a skip / failure
        url = new_postgres_url()
    opened = Store.open(url)
    yield opened
    opened.close()
    drop_created(mark)


def _message(store: Store, uid: int = 1) -> int:
    return store.messages.save_raw(folder="INBOX", uidvalidity=1, uid=uid,
                                   raw=f"Subject: {uid}\r\n\r\nx".encode(),
                                   message_id=f"<{uid}@x.vn>")


def _queue(store: Store, count: int) -> list[int]:
    return [store.outbox.enqueue(NewOutbox(kind="reply", recipient=f"r{n}@x.vn",
                                           raw=b"Subject: r\r\n\r\nx")) for n in range(count)]


def test_a_mail_is_held_by_one_daemon_until_its_lease_runs_out(store: Store) -> None:
    mid = _message(store)
    soon, later = utc_now() + timedelta(minutes=5), utc_now() + timedelta(minutes=10)
    assert store.claims.take_message(mid, A, soon, _alive)
    assert not store.claims.take_message(mid, B, later, _alive)
    assert store.claims.take_message(mid, A, later, _alive)  # its holder renews it
    store.claims.release_message(mid, B)  # not B's to give back: nothing happens
    assert not store.claims.take_message(mid, B, later, _alive)
    store.claims.release_message(mid, A)
    assert store.claims.take_message(mid, B, later, _alive)
    other = _message(store, 2)
    assert store.claims.take_message(other, A, utc_now() - timedelta(seconds=1), _alive)
    assert store.claims.take_message(other, B, later, _alive)  # A's lease ran out


def test_a_claim_of_a_dead_process_is_free_at_once(store: Store) -> None:
    mid = _message(store)
    assert store.claims.take_message(mid, A, utc_now() + timedelta(hours=1), _alive)
    assert store.claims.take_message(mid, B, utc_now() + timedelta(hours=1),
                                     lambda holder: holder == A)


def test_outbox_rows_are_shared_out_and_given_back(store: Store) -> None:
    ids = _queue(store, 5)
    until = utc_now() + timedelta(minutes=5)
    first = store.claims.take_outbox(A, until, _alive, max_attempts=20, limit=3)
    second = store.claims.take_outbox(B, until, _alive, max_attempts=20, limit=3)
    assert [i.id for i in first] == ids[:3] and [i.id for i in second] == ids[3:]
    assert store.claims.take_outbox(A, until, _alive, max_attempts=20) == []  # tried already
    assert store.claims.start_sending(ids[0], A, until)
    assert not store.claims.start_sending(ids[3], A, until)  # B's row: never sent by A
    store.outbox.mark_sent(ids[0])
    assert store.claims.release_outbox(A) == 2  # the sent one gave its claim up as it went
    again = store.claims.take_outbox(B, until, _alive, max_attempts=20)
    assert [i.id for i in again] == ids[1:3]  # the sent one is not taken again
    gone = store.claims.take_outbox(A, until, lambda holder: holder == B, max_attempts=20)
    assert [i.id for i in gone] == ids[1:]  # B died: all of its rows come free


def test_a_row_whose_claim_ran_out_is_not_sent_by_its_old_holder(store: Store) -> None:
    [row] = _queue(store, 1)
    store.claims.take_outbox(A, utc_now() - timedelta(seconds=1), _alive, max_attempts=20)
    [taken] = store.claims.take_outbox(B, utc_now() + timedelta(minutes=5), _alive,
                                       max_attempts=20)
    assert taken.id == row and taken.claimed_by == B
    assert not store.claims.start_sending(row, A, utc_now() + timedelta(minutes=5))
    assert store.claims.start_sending(row, B, utc_now() + timedelta(minutes=5))


@pytest.mark.servers
def test_rows_another_daemon_has_locked_are_passed_by(postgres_url: str) -> None:
    """PostgreSQL: while another transaction holds row 1 (as a daemon claiming it does), the
    claim takes the other rows at once instead of waiting."""
    mark = created()
    store = Store.open(new_postgres_url())
    try:
        ids = _queue(store, 3)
        with store.engine.connect() as other:
            with other.begin():
                other.execute(text("SET LOCAL lock_timeout = '5s'"))
                other.execute(select(outbox.c.id).where(outbox.c.id == ids[0])
                              .with_for_update())
                got = store.claims.take_outbox(B, utc_now() + timedelta(minutes=5), _alive,
                                               max_attempts=20)
                assert [i.id for i in got] == ids[1:]
            mid = _message(store)
            with other.begin():
                other.execute(text(f"SELECT id FROM messages WHERE id = {mid} FOR UPDATE"))
                assert not store.claims.take_message(mid, A, utc_now() + timedelta(minutes=5),
                                                     _alive)
        assert store.claims.take_message(mid, A, utc_now() + timedelta(minutes=5), _alive)
    finally:
        store.close()
        drop_created(mark)
