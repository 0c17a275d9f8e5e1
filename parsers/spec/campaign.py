"""The campaign as data: rows, years, unit, deadline and form text, loaded from a TOML file.

The file is checked when it is loaded, before any mail is touched: every missing, unknown or
mistyped key is a line of one SpecError (`cts-2021-2025.toml: form.signer_title: missing`), so
a broken file stops the bot at start instead of failing each reply that needs the bad key.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import cached_property, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from parsers.spec.campaign_file import (
    CampaignFile,
    CampaignKeys,
    ReferenceLetter,
    RowEntry,
    file_problems,
)
from parsers.spec.schema import SpecError, read_toml, structure
from parsers.text import match_key

__all__ = ["DEFAULT_CAMPAIGN", "Campaign", "ReferenceLetter", "RowSpec", "SpecError",
           "campaign_from_dict", "default_campaign", "load_campaign"]

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


@dataclass(frozen=True, kw_only=True)
class Campaign(CampaignKeys):
    """What the code reads: the file's keys as written (CampaignKeys: names, years, dates, the
    form's texts, the contact), and these, read from the file for use."""

    unit_name: str
    rows: tuple[RowSpec, ...]
    keywords: tuple[str, ...]

    @cached_property
    def row_spellings(self) -> tuple[tuple[tuple[frozenset[str], int], ...], ...]:
        """Each row's spellings (in `rows` order) as the set of its words and its length in
        words: what a label's words are matched against, once per campaign."""
        return tuple(tuple((frozenset(s), len(s)) for s in spec.spellings) for spec in self.rows)

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


def _row(entry: RowEntry) -> RowSpec:
    spellings = (entry.label, *entry.spellings)
    return RowSpec(
        key=entry.key,
        label=entry.label,
        short=entry.short if entry.short is not None else entry.label,
        code=entry.code,
        parent=entry.parent,
        spellings=tuple(tuple(match_key(s).split()) for s in spellings if match_key(s)),
    )


def campaign_from_dict(raw: Mapping[str, Any], source: str = "campaign") -> Campaign:
    """A parsed campaign file as a Campaign; SpecError lists every problem, each line starting
    with `source` (the file's name)."""
    f = structure(raw, CampaignFile, source)
    problems = [f"{source}: {p}" for p in file_problems(f)]
    if problems:
        raise SpecError(problems)
    kept = {k.name: getattr(f, k.name) for k in fields(CampaignKeys)}
    return Campaign(**kept, unit_name=f.unit_name if f.unit_name is not None else f.unit,
                    rows=tuple(_row(r) for r in f.rows), keywords=f.mail.keywords)


def load_campaign(path: str | Path | None = None) -> Campaign:
    """Load and check a campaign file; None means the built-in default campaign."""
    if path is None:
        return default_campaign()
    return campaign_from_dict(read_toml(path), str(path))


@lru_cache(maxsize=1)
def default_campaign() -> Campaign:
    text = resources.files("parsers.spec").joinpath("campaigns", DEFAULT_CAMPAIGN).read_bytes()
    return campaign_from_dict(tomllib.loads(text.decode("utf-8")), DEFAULT_CAMPAIGN)
