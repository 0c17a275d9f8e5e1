"""No statement the intake runs per mail reads a table that grows with the mail taken in:
every one finds its rows from an index (SQLite's query plan says SEARCH, never SCAN), so a
store of a year costs each mail what an empty one does. Checked on the statements a real
poll runs (kept, decided, replied to, filed, sent), each explained with the parameters it ran
with."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event

from tests.pipeline_kit import (
    BTC_BROKEN,
    BTC_FIXED,
    bounce,
    docx_mail,
    outlook_nameless_xlsx,
    plain,
    poll,
    write_config,
)
from tests.servers.dovecot import MailboxAccount
from tests.servers.smtp import SmtpSink
from tests.store_kit import sqlite_only, store_url

pytestmark = [sqlite_only, pytest.mark.filterwarnings(
    "ignore:Requiring AUTH while not requiring TLS:UserWarning")]

# tables whose rows are only those in flight (claims, reading marks), one per campaign or
# day, or the registry's (trusted senders): reading them whole costs the same in a year
BOUNDED = {"message_claims", "message_readings", "reference_counters", "digests",
           "trusted_senders", "alembic_version"}
Ran = tuple[str, Any]


@pytest.fixture
def statements() -> Iterator[list[Ran]]:
    ran: list[Ran] = []

    def seen(conn: object, cursor: object, statement: str, parameters: Any,
             context: object, executemany: bool) -> None:
        ran.append((statement, parameters[0] if executemany else parameters))

    event.listen(Engine, "before_cursor_execute", seen)
    try:
        yield ran
    finally:
        event.remove(Engine, "before_cursor_execute", seen)


def _scans(db: Path, ran: Sequence[Ran]) -> dict[str, list[str]]:
    """Each distinct statement that reads a growing table whole, and its plan."""
    found: dict[str, list[str]] = {}
    conn = sqlite3.connect(db)
    try:
        tables = {name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")} - BOUNDED
        partial = {name for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE '% WHERE %'")}
        for statement, parameters in ran:
            if not re.match(r"\s*(SELECT|UPDATE|DELETE|INSERT)", statement, re.I):
                continue
            plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {statement}",
                                                   parameters or ())]
            scans = [line for line in plan  # a partial index holds the rows in flight only
                     if (m := re.match(r"SCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?", line))
                     and m.group(1) in tables and m.group(2) not in partial]
            if scans:
                found[" ".join(statement.split())[:300]] = plan
    finally:
        conn.close()
    return found


def test_no_statement_of_a_poll_reads_a_growing_table_whole(
        tmp_path: Path, mailbox: MailboxAccount, smtp_sink: SmtpSink,
        statements: list[Ran]) -> None:
    config = write_config(tmp_path, mailbox, smtp_sink)
    assert poll(config) == 0  # the store made: its migrations are not per mail
    statements.clear()
    first = docx_mail("Văn thư <vt@mof.gov.vn>", message_id="<one@mof.gov.vn>")
    for raw in (first,
                docx_mail("Phòng KH <kh@mof.gov.vn>", BTC_FIXED),  # supersedes the first
                docx_mail("Văn thư <vt@moh.gov.vn>", BTC_BROKEN),
                outlook_nameless_xlsx("Sở <so@bacninh.gov.vn>"),
                plain("Người dân <nd@example.vn>", "Hỏi về chứng thư số"),
                bounce(),
                first):  # a second copy
        mailbox.append(raw)
    assert poll(config) == 0
    mailbox.append(docx_mail("Văn thư <vt@mof.gov.vn>", BTC_FIXED))  # once more, later
    assert poll(config) == 0
    assert len(smtp_sink.messages) >= 4
    db = Path(store_url(tmp_path).removeprefix("sqlite:///"))
    assert len({s for s, _ in statements}) > 30  # the poll's statements were all seen
    scans = _scans(db, statements)
    assert not scans, "\n".join(f"{statement}\n    {plan}" for statement, plan in scans.items())
