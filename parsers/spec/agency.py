"""One agency of the registry, as an `[[agency]]` table of the registry file: its keys, their
types, and the checks that need more than a type (a slug, a known group, domains that are
domains). `parsers.spec.registry` loads the file and matches agencies by name and domain."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

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
_ADDRESS = re.compile(r"^[^@\s<>,;]+@[a-z0-9-]+(\.[a-z0-9-]+)+$", re.IGNORECASE)


@dataclass(frozen=True, kw_only=True)
class Agency:
    key: str
    name: str
    aliases: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
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
    wrong = [c for c in a.contacts if not _ADDRESS.match(c)]
    if wrong:
        yield f"contacts: not an e-mail address: {', '.join(wrong)}"
    if a.valid_to is not None and a.valid_to <= a.valid_from:
        yield f"valid_to: {a.valid_to} must come after valid_from ({a.valid_from})"
