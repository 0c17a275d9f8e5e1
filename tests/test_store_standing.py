"""The standing of submissions and the trusted senders in the store, on SQLite and PostgreSQL:
only counted, accepted forms supersede one another and reach `latest_valid`; staff settle the
others; migration 0004 keeps every existing submission counted."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import insert, select, text

from bot.store import migrations
from bot.store.database import Store
from bot.store.engine import create_store_engine
from bot.store.schema import NewSubmission, messages, submissions
from tests.test_store import T0, _save, _submission, store, url  # noqa: F401 - fixtures

WAITING = {"standing": "awaiting-confirmation", "standing_reason": "unknown-sender",
           "author": "ke@evil.example"}


def _submit(store: Store, uid: int, sub: NewSubmission) -> str:  # noqa: F811 - the fixture
    return str(store.submissions.save_outcome(_save(store, uid), sub))


def _live(store: Store) -> list[str]:  # noqa: F811 - the fixture
    return [s.reference for s in store.submissions.latest_valid()]


def test_a_waiting_form_supersedes_nothing_until_confirmed(store: Store) -> None:  # noqa: F811
    own = _submit(store, 1, _submission(at=T0, n=1))
    stranger = _submit(store, 2, replace(_submission(at=T0 + timedelta(hours=1), n=9),
                                         **WAITING))  # type: ignore[arg-type]
    assert _live(store) == [own]
    waiting = store.submissions.find(standing="awaiting-confirmation")
    assert [s.reference for s in waiting] == [stranger] and not waiting[0].counts
    assert waiting[0].author == "ke@evil.example" and waiting[0].superseded_by is None

    confirmed = store.submissions.settle(stranger, "counted", "nguyenvana",
                                         trust=("btc", "ke@evil.example"))
    assert confirmed is not None and confirmed.counts
    assert (confirmed.settled_by, confirmed.standing_reason) == ("nguyenvana", "confirmed")
    assert confirmed.settled_at is not None
    assert _live(store) == [stranger]  # newer: it replaces the agency's own form
    old = store.submissions.by_reference(own)
    assert old is not None and old.superseded_by == confirmed.id
    [trusted] = store.senders.find("btc")
    assert (trusted.sender, trusted.source, trusted.added_by) == (
        "ke@evil.example", "staff", "nguyenvana")
    events = [e for e in store.events.find() if e.kind.startswith("submission-")]
    assert [(e.kind, e.level) for e in events] == [("submission-confirmed", "info")]
    assert "by nguyenvana" in events[0].detail and "trusted ke@evil.example" in events[0].detail

    rejected = store.submissions.settle(stranger, "rejected", "tranthib")
    assert rejected is not None and rejected.standing == "rejected" and not rejected.counts
    assert _live(store) == [own]  # the agency's own form is live again
    assert store.submissions.settle("BCY-CTS-2021-9999", "counted", "x") is None


def test_an_older_confirmed_form_does_not_replace_a_newer_one(store: Store) -> None:  # noqa: F811
    stranger = _submit(store, 1, replace(_submission(at=T0, n=9), **WAITING))  # type: ignore[arg-type]
    own = _submit(store, 2, _submission(at=T0 + timedelta(hours=1), n=1))
    store.submissions.settle(stranger, "counted", "nguyenvana")
    assert _live(store) == [own]
    confirmed = store.submissions.by_reference(stranger)
    assert confirmed is not None and confirmed.superseded_by is not None


def test_confirming_for_another_agency(store: Store) -> None:  # noqa: F811
    ref = _submit(store, 1, replace(_submission(), **WAITING))  # type: ignore[arg-type]
    settled = store.submissions.settle(ref, "counted", "x", agency=("bca", "Bộ Công an"))
    assert settled is not None and (settled.agency_key, settled.agency) == ("bca", "Bộ Công an")
    assert [s.agency_key for s in store.submissions.latest_valid()] == ["bca"]


def test_a_new_reading_keeps_what_staff_decided(store: Store) -> None:  # noqa: F811
    ref = _submit(store, 1, replace(_submission(), **WAITING))  # type: ignore[arg-type]
    store.submissions.settle(ref, "rejected", "x")
    old = store.submissions.by_reference(ref)
    assert old is not None
    store.submissions.replace_outcome(old, replace(_submission(n=5), **WAITING))  # type: ignore[arg-type]
    again = store.submissions.by_reference(ref)
    assert again is not None and again.standing == "rejected" and again.settled_by == "x"
    assert again.quantities["personal_sim_pki"]["2021"] == 5
    # one nobody settled takes the new judgement
    other = _submit(store, 2, replace(_submission(agency_key="bca"), **WAITING))  # type: ignore[arg-type]
    found = store.submissions.by_reference(other)
    assert found is not None
    store.submissions.replace_outcome(found, _submission(agency_key="bca"))
    assert _live(store) == [other]


def test_trusted_senders_sync_and_match(store: Store) -> None:  # noqa: F811
    senders = store.senders
    assert senders.sync("registry", {("btc", "mof.gov.vn"), ("bca", "bocongan.gov.vn")},
                        "agencies.toml") == 2
    assert senders.sync("registry", {("btc", "mof.gov.vn"), ("bca", "bocongan.gov.vn")},
                        "agencies.toml") == 0
    assert senders.add(("btc", "vanthu.btc@gmail.com"), "nguyenvana")
    assert not senders.add(("btc", "vanthu.btc@gmail.com"), "nguyenvana")
    assert senders.sync("config", {("byt", "cntt.byt@gmail.com")}, "/etc/config.toml") == 1
    # the registry drops an agency's domain: staff's and the config's entries stay
    assert senders.sync("registry", {("btc", "mof.gov.vn")}, "agencies.toml") == 1
    assert [(e.agency_key, e.sender, e.source) for e in senders.find()] == [
        ("btc", "mof.gov.vn", "registry"), ("btc", "vanthu.btc@gmail.com", "staff"),
        ("byt", "cntt.byt@gmail.com", "config")]
    assert [e.sender for e in senders.matching("VanThu@Mail.MOF.gov.vn")] == ["mof.gov.vn"]
    assert [e.sender for e in senders.matching("vanthu.btc@gmail.com")] == [
        "vanthu.btc@gmail.com"]
    assert senders.matching("other@gmail.com") == []
    assert senders.matching("vanthu@mof.gov.vn.example.com") == []


def test_upgrade_counts_existing_submissions(url: str) -> None:  # noqa: F811
    engine = create_store_engine(url)
    with engine.begin() as conn:
        migrations.upgrade(conn, "0003")
    with engine.begin() as conn:
        message = conn.execute(insert(messages).values(
            folder="INBOX", uidvalidity=1, uid=5, message_id="<old@x>", content_sha256="a" * 64,
            raw=b"kept", size=4, state="done", created_at=T0,
        ).returning(messages.c.id)).scalar_one()
        # a row as the 0003 schema has it: no standing yet
        conn.execute(text(
            "INSERT INTO submissions (reference, message_id, agency_key, sender, verdict, "
            "record_json, findings_json, received_at) VALUES ('BCY-CTS-2021-0001', :m, 'btc', "
            "'vanthu@btc.gov.vn', 'accepted', '{}', '[]', :at)"),
            {"m": message, "at": datetime(2021, 5, 10)})
    engine.dispose()
    store = Store.open(url)  # noqa: F811 - upgrades to head
    with store.engine.connect() as conn:
        assert conn.execute(select(submissions.c.standing)).scalar_one() == "counted"
    assert _live(store) == ["BCY-CTS-2021-0001"]
    store.close()
