"""The one way a stored mail is decided, for the intake cycle and for `reprocess` alike: its
bytes from the store, the size limits of the config, every attachment read in a child process
with a time and a memory limit, classification, then the outcome stored. A hostile mail costs
a rerun over the store no more than it cost the cycle that took it in."""

from __future__ import annotations

import email.message
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from bot.config.settings import Config
from bot.intake.decide import Decision, Reader, decide, first_read
from bot.intake.isolated import read_ahead, read_attachment_isolated
from bot.intake.outcome import OutcomeBuilder
from bot.intake.safety.bounces import Bounces
from bot.mail.mime_parts import parse_message
from bot.store.database import Store
from bot.store.records import Standing, StoredMessage, StoredSubmission, Verdict
from parsers.form.parse import FormReport


@dataclass(frozen=True)
class Redone:
    """A submission decided again: its verdict and standing now, and whether a new reply was
    queued."""

    verdict: Verdict
    replied: bool
    standing: Standing = "counted"


class Judge:
    def __init__(self, cfg: Config, store: Store, builder: OutcomeBuilder,
                 reader: Reader | None = None) -> None:
        self.cfg = cfg
        self.store = store
        self.builder = builder
        # signed cover letters are checked in the reader's process, against the config's roots
        self.reader = reader or partial(read_attachment_isolated,
                                        roots=cfg.trust.root_certificates)
        self.ahead = reader is None  # a reader of the caller's own is never read ahead for
        self.own = {cfg.smtp.from_address.lower(), cfg.imap.username.lower()}
        self.bounces = Bounces(store, builder.marks)

    def decide(self, stored: StoredMessage, msg: email.message.Message | None = None
               ) -> tuple[email.message.Message, Decision]:
        """Decide the kept mail `stored` (`msg`: its bytes parsed, when the caller has them)."""
        msg = msg or parse_message(self.store.messages.raw(stored.id))
        limits = self.cfg.limits
        # a mail kept as its outline only is decided as too large, whatever the limit now
        largest = 0 if stored.body_omitted else limits.max_message_bytes
        decision = decide(msg, self.builder.campaign, self.own, limits.max_attachment_bytes,
                          size=stored.size, max_message_bytes=largest, reader=self.reader,
                          registry=self.builder.registry, marks=self.builder.marks,
                          mail_limit=limits.max_message_bytes)
        return msg, decision

    def decide_new(self, stored: StoredMessage, msg: email.message.Message | None = None,
                   then: Callable[[], None] | None = None) -> tuple[Decision, str | None]:
        """Decide a mail taken in and store the outcome with its reply; returns the decision
        and the new reference. OutcomeAlreadySaved if it was decided meanwhile. `then` runs
        once its files are read, before the outcome is stored (the cycle begins reading the
        next mail there)."""
        msg, decision = self.decide(stored, msg)
        self.builder.prepare(msg, decision)
        if then is not None:
            then()
        reference = self.builder.save(stored, msg, decision)
        self.bounces.note(stored, msg, decision)  # a bounce of ours: staff are told
        return decision, reference

    def read_ahead(self, stored: StoredMessage, msg: email.message.Message, depth: int = 1
                   ) -> None:
        """Begin reading the first file of a mail taken in, in the reader process, while the
        parent goes on: `decide` will find it read (or reading) when it asks for it; `depth`:
        the files the reader may have begun."""
        if not self.ahead or stored.body_omitted or stored.state != "new" or stored.crashes:
            return
        first = first_read(msg, self.cfg.limits.max_attachment_bytes)
        if first is not None:
            read_ahead(first[1].data, first[0], self.builder.campaign,
                       self.cfg.trust.root_certificates, depth)

    def decide_again(self, sub: StoredSubmission, reply: bool) -> Redone | None:
        """Decide the mail of `sub` again and rewrite the submission in place (same
        reference), with a new reply queued if `reply`. None, and nothing changed, when the
        mail no longer reads as a submission."""
        msg, decision = self.decide(self.store.messages.get(sub.message_id))
        report = _this_form(decision.forms, sub) if decision.kind == "submission" else None
        if report is None:
            return None
        new, replied = self.builder.replace(sub, msg, report, reply, decision.proofs)
        return Redone(new.verdict, replied, new.standing)


def _this_form(forms: tuple[FormReport, ...], sub: StoredSubmission) -> FormReport | None:
    """The form of the mail the submission was made from: the only one, or the one read from
    the same file (a mail may carry several)."""
    if len(forms) <= 1:
        return forms[0] if forms else None
    recorded = json.loads(sub.record_json).get("file")
    return next((r for r in forms if r.file == recorded), None)
