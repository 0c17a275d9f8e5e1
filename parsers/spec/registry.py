"""Who is expected to answer a campaign, and which of them a message comes from.

The agencies are data (`agencies/agencies-2021.toml`, editable by staff), effective-dated so
that the registry of one campaign is read as of the campaign's date. An agency is recognised by
the name in the document header (accent-, case- and abbreviation-insensitive, on whole words)
and by the sender's e-mail domain; when the two disagree the header wins and staff get a note.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.utils import parseaddr
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from parsers.spec.agency import GROUPS, Agency, RegistryFile, agency_problems, normalised
from parsers.spec.schema import SpecError, read_toml, structure
from parsers.text import clean, match_key

__all__ = ["DEFAULT_REGISTRY", "GROUPS", "Agency", "Identification", "Registry", "RegistryError",
           "default_registry", "header_words", "load_registry", "registry_from_dict",
           "sender_domain", "words"]

DEFAULT_REGISTRY = "agencies-2021.toml"
Source = Literal["header", "domain", "both"]

# Abbreviations read as the words they stand for, so "UBND TP. HCM" meets
# "Ủy ban nhân dân thành phố Hồ Chí Minh". Applied to aliases and headers alike.
_ABBREVIATIONS = {
    "ubnd": "uy ban nhan dan",
    "hdnd": "hoi dong nhan dan",
    "tp": "thanh pho",
    "tphcm": "thanh pho ho chi minh",
    "hcm": "ho chi minh",
    "tw": "trung uong",
    "ubtw": "uy ban trung uong",
    "mttq": "mat tran to quoc",
    "vn": "viet nam",
}
# Header lines that never name the agency: motto, number, place and date, subject, addressee.
_NOT_A_NAME = re.compile(
    r"^(cong hoa xa hoi chu nghia viet nam|doc lap tu do hanh phuc|v v |kinh gui)"
    r"|\bngay\b.*\bthang\b"
)
_NUMBER_LINE = re.compile(r"^s[ốo]\s*:", re.IGNORECASE)


class RegistryError(SpecError):
    """The registry is wrong; `problems` has one line per mistake, naming the entry."""


@dataclass(frozen=True)
class Identification:
    agency: Agency | None
    by: Source | None
    mismatch: bool  # header and sender domain name two different agencies
    header_agency: Agency | None = None
    domain_agency: Agency | None = None


def words(text: str) -> tuple[str, ...]:
    """The match key of `text` as words, abbreviations spelled out."""
    return tuple(w for k in match_key(text).split() for w in _ABBREVIATIONS.get(k, k).split())


def header_words(header: str) -> tuple[str, ...]:
    """Words of a header block, its lines joined, lines that cannot be the name dropped."""
    kept = [
        line for line in str(header).splitlines()
        if not _NUMBER_LINE.match(clean(line)) and not _NOT_A_NAME.search(match_key(line))
    ]
    return words(" ".join(kept))


def sender_domain(address: str) -> str:
    _, addr = parseaddr(address)
    return addr.rpartition("@")[2].strip().rstrip(".").lower() if "@" in addr else ""


def _overlap(a: Agency, b: Agency) -> bool:
    a_end, b_end = a.valid_to or dt.date.max, b.valid_to or dt.date.max
    return a.valid_from < b_end and b.valid_from < a_end


class Registry:
    def __init__(self, agencies: Iterable[Agency]) -> None:
        self.agencies = tuple(agencies)
        self._by_key = {a.key: a for a in self.agencies}
        self._spellings: dict[tuple[str, ...], list[Agency]] = {}
        for a in self.agencies:
            for s in a.spellings:
                owners = self._spellings.setdefault(words(s), [])
                if a not in owners:
                    owners.append(a)
        self._by_first: dict[str, list[tuple[tuple[str, ...], list[Agency]]]] = {}
        for spelling, owners in self._spellings.items():
            if spelling:
                self._by_first.setdefault(spelling[0], []).append((spelling, owners))
        problems = self._problems()
        if problems:
            raise RegistryError(problems)

    def _problems(self) -> list[str]:
        problems: list[str] = []
        counts = Counter(a.key for a in self.agencies)
        problems += [f"duplicate key {k!r}" for k, n in counts.items() if n > 1]
        if () in self._spellings:
            problems += [f"{a.key}: an alias has no letters" for a in self._spellings[()]]
        for spelling, owners in self._spellings.items():
            problems += [f"alias {' '.join(spelling)!r} names both {a.key} and {b.key}"
                         for i, a in enumerate(owners) for b in owners[i + 1:] if _overlap(a, b)]
        for what in ("domain", "address"):
            seen: dict[str, Agency] = {}
            for a in self.agencies:
                for d in a.domains if what == "domain" else a.addresses:
                    other = seen.setdefault(d, a)
                    if other is not a and _overlap(a, other):
                        problems.append(f"{what} {d!r} names both {other.key} and {a.key}")
        return problems

    def __len__(self) -> int:
        return len(self.agencies)

    def get(self, key: str) -> Agency:
        return self._by_key[key]

    def expected(self, on: dt.date) -> list[Agency]:
        """The agencies expected to answer a campaign dated `on`, in file order."""
        return [a for a in self.agencies if a.valid_on(on)]

    def match_header(self, header: str, on: dt.date) -> Agency | None:
        """The agency a header names: the first one written, by its longest alias there."""
        have = header_words(header)
        for start, word in enumerate(have):
            found = [
                (len(spelling), a)
                for spelling, owners in self._by_first.get(word, [])
                if have[start:start + len(spelling)] == spelling
                for a in owners if a.valid_on(on)
            ]
            if found:
                return max(found, key=lambda f: f[0])[1]
        return None

    def names(self, header: str, agency: Agency) -> bool:
        """Whether `header` names `agency` anywhere in it, by any of its spellings (on whole
        words): "BỘ TÀI CHÍNH / CỤC THUẾ TỈNH BẮC NINH" names the province too."""
        have = header_words(header)
        for spelling in {words(s) for s in agency.spellings} - {()}:
            n = len(spelling)
            if any(have[i:i + n] == spelling for i in range(len(have) - n + 1)):
                return True
        return False

    def match_address(self, address: str, on: dt.date) -> Agency | None:
        """The agency owning the sender's domain or a parent domain of it (longest wins)."""
        domain = sender_domain(address)
        best: tuple[int, Agency] | None = None
        for a in self.expected(on):
            for d in a.domains:
                if (domain == d or domain.endswith("." + d)) and (best is None or len(d) > best[0]):
                    best = (len(d), a)
        return best[1] if best else None

    def identify(
        self, header_name: str | None, sender_address: str | None, on: dt.date
    ) -> Identification:
        h = self.match_header(header_name or "", on)
        d = self.match_address(sender_address or "", on)
        if h and d:
            same = h.key == d.key
            return Identification(h, "both" if same else "header", not same, h, d)
        if h:
            return Identification(h, "header", False, h, None)
        if d:
            return Identification(d, "domain", False, None, d)
        return Identification(None, None, False)


def _typed_entries(raw: Mapping[str, Any], source: str
                   ) -> tuple[list[tuple[int, Agency]], list[str]]:
    """The entries with the right keys and types, numbered from 1, and a line per wrong key.
    Entries are independent: one with a typo'd key does not hide a bad group in another."""
    try:
        return list(enumerate(structure(raw, RegistryFile, source).agency, start=1)), []
    except SpecError as exc:
        listed = raw.get("agency")
        typed: list[tuple[int, Agency]] = []
        for n, entry in enumerate(listed if isinstance(listed, list) else [], start=1):
            with contextlib.suppress(SpecError):  # already among exc.problems
                typed.append((n, structure(entry, Agency, source)))
        return typed, exc.problems


def registry_from_dict(raw: Mapping[str, Any], source: str = "registry") -> Registry:
    """A parsed registry file as a Registry; RegistryError lists every problem, each line
    starting with `source` (the file's name)."""
    typed, problems = _typed_entries(raw, source)
    if not typed and not problems:
        raise RegistryError([f"{source}: no [[agency]] entries"])
    problems += [f"{source}: agency[{n}].{p}" for n, a in typed for p in agency_problems(a)]
    try:
        registry = Registry(normalised(a) for _, a in typed)
    except RegistryError as exc:
        problems += [f"{source}: {p}" for p in exc.problems]
    if problems:
        raise RegistryError(problems)
    return registry


def load_registry(path: str | Path | None = None) -> Registry:
    """Load and check a registry file; None means the built-in one."""
    if path is None:
        return default_registry()
    try:
        raw = read_toml(path)
    except SpecError as exc:
        raise RegistryError(exc.problems) from None
    return registry_from_dict(raw, str(path))


@lru_cache(maxsize=1)
def default_registry() -> Registry:
    text = resources.files("parsers.spec").joinpath("agencies", DEFAULT_REGISTRY).read_bytes()
    return registry_from_dict(tomllib.loads(text.decode("utf-8")), DEFAULT_REGISTRY)
