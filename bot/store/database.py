"""The intake store: every mail, submission, queued reply and event.

`Store` opens the database (migrated to the newest schema) and holds one query object per
table: `store.messages`, `store.submissions`, `store.outbox`, `store.events`, `store.senders`
(trusted senders), `store.reminders` (reminder letters sent), and for the web console
`store.accounts` (staff and login attempts) and `store.contacts` (where to write to an
agency), and `store.claims` (which daemon holds a mail or an outbox row, when several share
the store), each defined in the module that owns the table, each method one transaction.
Connecting, SQLite settings and the kinds of transaction are in `engine`; the tables in
`schema`; the records handed out in `records`.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from sqlalchemy import Engine

from bot.store import migrations
from bot.store.accounts import Accounts
from bot.store.claims import Claims
from bot.store.contacts import Contacts
from bot.store.engine import create_store_engine, deferred, reading_together, sync
from bot.store.events import Events
from bot.store.messages import Messages
from bot.store.outbox import Outbox
from bot.store.reminders import Reminders
from bot.store.senders import Senders
from bot.store.submissions import Submissions


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.messages = Messages(engine)
        self.submissions = Submissions(engine)
        self.outbox = Outbox(engine)
        self.events = Events(engine)
        self.reminders = Reminders(engine)
        self.senders = Senders(engine)
        self.accounts = Accounts(engine)
        self.contacts = Contacts(engine)
        self.claims = Claims(engine)

    @classmethod
    def open(cls, url: str) -> Store:
        """Connect and migrate the schema to the newest revision."""
        engine = create_store_engine(url)
        with engine.begin() as conn:
            migrations.upgrade(conn)
        return cls(engine)

    def deferred(self) -> AbstractContextManager[None]:
        """Writes inside are lazy and all durable when it ends (engine.deferred)."""
        return deferred(self.engine)

    def reading_together(self) -> AbstractContextManager[None]:
        """Reads inside share one read transaction (engine.reading_together)."""
        return reading_together(self.engine)

    def sync(self) -> None:
        """Every lazy write so far made durable (engine.sync)."""
        sync(self.engine)

    def close(self) -> None:
        self.engine.dispose()
