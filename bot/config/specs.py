"""The campaign and registry files the config names (or `--campaign`), loaded and checked at
start, before any mail is touched: a broken one stops the command with exit 78 and one line per
problem, as a broken config does, instead of failing each reply that needs the bad key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from bot.errors import EX_CONFIG, CommandError
from parsers.spec.campaign import Campaign, load_campaign
from parsers.spec.registry import Registry, load_registry
from parsers.spec.schema import SpecError
from replies.render import staff_message

T = TypeVar("T")


def _checked(load: Callable[[str | Path | None], T], what: str, path: str | Path | None) -> T:
    try:
        return load(path)
    except SpecError as exc:
        raise CommandError(f"{staff_message('spec_problems', what=what)}\n{exc}",
                           EX_CONFIG) from None


def checked_campaign(path: str | Path | None) -> Campaign:
    """The campaign file at `path` (None: the built-in one), or CommandError listing its
    problems."""
    return _checked(load_campaign, "chiến dịch (campaign)", path)


def checked_registry(path: str | Path | None) -> Registry:
    """The agency registry at `path` (None: the built-in one), or CommandError listing its
    problems."""
    return _checked(load_registry, "danh sách cơ quan (registry)", path)
