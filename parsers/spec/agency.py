"""One agency of the registry, as an `[[agency]]` table of the registry file: its keys, their
types, and the checks that need more than a type (a slug, a known group, domains that are
domains and not free-mail, addresses that are addresses). `parsers.spec.registry` loads the
file and matches agencies by name and domain."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from parsers.spec.free_mail import built_in_free_mail, is_free_mail
from parsers.text import clean, match_key

GROUPS = (
    "bo",
    "co-quan-ngang-bo",
    "co-quan-thuoc-chinh-phu",
    "tinh-thanh",
    "dang",
    "quoc-hoi-tu-phap-khac",
)
_KEY = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_DOMAIN = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")
ADDRESS = re.compile(r"^[^@\s\"<>(),;:]+@[a-z0-9-]+(\.[a-z0-9-]+)+$")


@dataclass(frozen=True, kw_only=True)
class Agency:
    key: str
    name: str
    aliases: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    # whole addresses that speak for it, a free-mail one too (a ministry's unit on gmail.com)
    addresses: tuple[str, ...] = ()
    contacts: tuple[str, ...] = ()  # addresses reminders go to (else: the last sender)
    group: str
    valid_from: dt.date
    valid_to: dt.date | None = None  # exclusive: the day it ceased to exist

    def valid_on(self, on: dt.date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on < self.valid_to)

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class RegistryFile:
    agency: tuple[Agency, ...] = ()


def normalised(a: Agency) -> Agency:
    """Names in one Unicode form and spacing, domains in lower case: as they are compared."""
    return dataclasses.replace(a, name=clean(a.name), aliases=tuple(map(clean, a.aliases)),
                               domains=tuple(clean(d).lower() for d in a.domains),
                               addresses=tuple(clean(x).lower() for x in a.addresses),
                               contacts=tuple(clean(c) for c in a.contacts))


def agency_problems(a: Agency) -> Iterator[str]:
    """What a well-typed entry can still get wrong, as `field: problem` lines."""
    if not _KEY.match(a.key):
        yield f"key: {a.key!r} must be a lowercase ASCII slug like 'bo-tai-chinh'"
    if not match_key(a.name):
        yield "name: must have letters"
    if a.group not in GROUPS:
        yield f"group: {a.group!r} must be one of {', '.join(GROUPS)}"
    bad = [d for d in a.domains if not _DOMAIN.match(d)]
    if bad:
        yield f"domains: not a domain: {', '.join(bad)}"
    free = [d for d in a.domains if is_free_mail(d, built_in_free_mail())]
    if free:
        yield (f"domains: a free-mail domain proves nothing about the agency: "
               f"{', '.join(free)} (name whole addresses in `addresses` instead)")
    bad = [x for x in a.addresses if not ADDRESS.match(clean(x).lower())]
    if bad:
        yield f"addresses: not an e-mail address: {', '.join(bad)}"
    wrong = [c for c in a.contacts if not ADDRESS.match(c.lower())]
    if wrong:
        yield f"contacts: not an e-mail address: {', '.join(wrong)}"
    if a.valid_to is not None and a.valid_to <= a.valid_from:
        yield f"valid_to: {a.valid_to} must come after valid_from ({a.valid_from})"
