"""How many replies may go out, so that the bot cannot be made to mail someone else.

A reply goes to the Reply-To a stranger may set. Counting per recipient alone lets 200 mails
with 200 Reply-To addresses (or `victim+1@`, `victim+2@`, …) draw 200 replies; so replies are
counted per From address, per recipient (case and `+tag` folded), per recipient domain, each
per calendar day, and over all per hour. A cap that holds a reply back does not stop the
submission from being stored; staff see an event and may send it with `resend`.
"""

from __future__ import annotations

import datetime as dt
import email.message
import logging
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.config.settings import LimitsConfig
from bot.mail.addresses import address_domain, address_key, sender_address
from bot.store.database import Store
from bot.store.engine import day_bounds
from bot.store.outbox import CapKey

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReplyKeys:
    """What a reply is counted by."""

    sender: str  # the mail's From, folded ("" when it has none)
    recipient: str  # where the reply goes, folded
    domain: str  # the recipient's domain, ASCII


def reply_keys(msg: email.message.Message, to: str) -> ReplyKeys:
    sender = sender_address(msg)
    return ReplyKeys(address_key(sender) if sender else "", address_key(to), address_domain(to))


class Caps:
    def __init__(self, limits: LimitsConfig, store: Store, timezone: str) -> None:
        self.limits = limits
        self.store = store
        self.tz = ZoneInfo(timezone)

    def holding(self, keys: ReplyKeys) -> str | None:
        """The cap that holds this reply back ("sender 10/day", …), or None to send it."""
        now = dt.datetime.now(self.tz)
        day = day_bounds(now.date(), self.tz)[0]
        limits = self.limits
        every: tuple[tuple[str, CapKey, str, int], ...] = (
            ("sender", "sender_key", keys.sender, limits.replies_per_sender_per_day),
            ("recipient", "recipient_key", keys.recipient, limits.replies_per_recipient_per_day),
            ("domain", "recipient_domain", keys.domain, limits.replies_per_domain_per_day))
        checks = [check for check in every if check[2]]
        counts, last_hour = self.store.outbox.reply_counts(
            [(column, value, cap) for _, column, value, cap in checks], day,
            (now - dt.timedelta(hours=1), limits.replies_per_hour))
        for (name, _, _, cap), count in zip(checks, counts, strict=True):
            if count >= cap:
                return f"{name} {cap}/day"
        if last_hour >= limits.replies_per_hour:
            return f"all {limits.replies_per_hour}/hour"
        return None

    def admit(self, msg: email.message.Message, to: str, what: str,
              message_row: int | None) -> bool:
        """True when a reply to `msg` may be queued for `to`; else the hold is logged and
        recorded as an event the digest shows (`what` names the reply: its reference)."""
        keys = reply_keys(msg, to)
        cap = self.holding(keys)
        if cap is None:
            return True
        log.warning("reply cap reached (%s): no reply for %s", cap, what)
        self.store.events.record("reply-held", f"{what} → {keys.recipient}: {cap}",
                                 message_id=message_row)
        return False
