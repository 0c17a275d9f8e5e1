"""The campaign as data: rows, years, unit, deadline and form text, loaded from a TOML file."""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from parsers.text import match_key

DEFAULT_CAMPAIGN = "cts-2021-2025.toml"


@dataclass(frozen=True)
class RowSpec:
    key: str
    label: str
    short: str
    code: str | None
    parent: str | None
    spellings: tuple[tuple[str, ...], ...]  # each spelling as its normalised words

    @property
    def is_child(self) -> bool:
        return self.parent is not None


@dataclass(frozen=True)
class ReferenceLetter:
    number: str
    date: dt.date


@dataclass(frozen=True)
class Campaign:
    id: str
    name: str
    unit: str
    unit_name: str
    years: tuple[str, ...]
    opened: dt.date
    deadline: dt.date
    reference_prefix: str
    large_quantity_threshold: int
    addressee: str
    mailbox: str
    reference_letters: tuple[ReferenceLetter, ...]
    rows: tuple[RowSpec, ...]
    keywords: tuple[str, ...]
    form: dict[str, Any] = field(hash=False, compare=False)
    contact: dict[str, str] = field(default_factory=dict, hash=False, compare=False)

    @cached_property
    def keyword_keys(self) -> tuple[str, ...]:
        """Match keys of the words that single out this campaign in mail and documents."""
        return tuple(k for k in map(match_key, self.keywords) if k)

    @property
    def quantity_rows(self) -> tuple[RowSpec, ...]:
        """Rows that carry quantities: leaves, in printed order (the contract's row keys)."""
        parents = {r.parent for r in self.rows if r.parent}
        return tuple(r for r in self.rows if r.key not in parents)

    @property
    def group_rows(self) -> tuple[RowSpec, ...]:
        parents = {r.parent for r in self.rows if r.parent}
        return tuple(r for r in self.rows if r.key in parents)

    def children(self, key: str) -> tuple[RowSpec, ...]:
        return tuple(r for r in self.rows if r.parent == key)

    def row(self, key: str) -> RowSpec:
        for r in self.rows:
            if r.key == key:
                return r
        raise KeyError(key)


def _row(raw: dict[str, Any]) -> RowSpec:
    spellings = [raw["label"], *raw.get("spellings", [])]
    return RowSpec(
        key=raw["key"],
        label=raw["label"],
        short=raw.get("short", raw["label"]),
        code=raw.get("code"),
        parent=raw.get("parent"),
        spellings=tuple(tuple(match_key(s).split()) for s in spellings if match_key(s)),
    )


def campaign_from_dict(raw: dict[str, Any]) -> Campaign:
    return Campaign(
        id=raw["id"],
        name=raw["name"],
        unit=raw["unit"],
        unit_name=raw.get("unit_name", raw["unit"]),
        years=tuple(str(y) for y in raw["years"]),
        opened=raw["opened"],
        deadline=raw["deadline"],
        reference_prefix=raw["reference_prefix"],
        large_quantity_threshold=int(raw["large_quantity_threshold"]),
        addressee=raw["addressee"],
        mailbox=raw.get("mailbox", ""),
        reference_letters=tuple(
            ReferenceLetter(r["number"], r["date"]) for r in raw.get("reference_letters", [])
        ),
        rows=tuple(_row(r) for r in raw["rows"]),
        keywords=tuple(raw.get("mail", {}).get("keywords", [])),
        form=dict(raw.get("form", {})),
        contact={k: str(v) for k, v in raw.get("contact", {}).items()},
    )


def load_campaign(path: str | Path | None = None) -> Campaign:
    """Load a campaign file; None means the built-in default campaign."""
    if path is None:
        return default_campaign()
    with open(path, "rb") as fh:
        return campaign_from_dict(tomllib.load(fh))


@lru_cache(maxsize=1)
def default_campaign() -> Campaign:
    text = resources.files("parsers.spec").joinpath("campaigns", DEFAULT_CAMPAIGN).read_bytes()
    return campaign_from_dict(tomllib.loads(text.decode("utf-8")))
