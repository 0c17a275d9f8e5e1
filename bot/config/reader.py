"""Typed reads from one [section] of a TOML file, where a bad value is a problem line.

An operator editing the config should see every mistake at once, not the first one as a
traceback: each read checks the value's type and range, notes a problem or a warning, and
returns a placeholder so reading goes on. Keys never read are reported as unknown.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
CONFIG_MESSAGES = "staff/config.txt.j2"
# One address, no display name: what SMTP's envelope and the From header need.
_ADDRESS = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")


def describe(value: object) -> str:
    """The TOML type of a value, as the messages template names its kinds."""
    kinds = {bool: "bool", int: "int", float: "float", str: "str", list: "list", dict: "dict"}
    return kinds.get(type(value), type(value).__name__)


def said(name: str, **values: object) -> str:
    """A configuration problem in the operator's words (replies/templates/staff/config.txt.j2).
    The templates are loaded when there is something to say: the sender process beside the
    cycle unpickles its SMTP settings without them."""
    from replies.render import staff_message

    return staff_message(name, template=CONFIG_MESSAGES, **values)


class Section:
    """Typed reads from one [section]; a bad value becomes a problem line, not an exception."""

    def __init__(self, name: str, table: object, problems: list[str], warnings: list[str],
                 base_dir: Path) -> None:
        self.name, self.problems, self.warnings, self.base_dir = name, problems, warnings, base_dir
        self.table: Mapping[str, Any] = table if isinstance(table, Mapping) else {}
        self.present = table is not None
        self.used: set[str] = set()
        if table is not None and not isinstance(table, Mapping):
            problems.append(f"[{name}]: {said('not_a_table', got=describe(table))}")

    def problem(self, key: str, text: str) -> None:
        self.problems.append(f"[{self.name}] {key}: {text}")

    def warn_unknown_keys(self) -> None:
        self.warnings += [f"[{self.name}] {key}: {said('unknown_key')}"
                          for key in self.table if key not in self.used]

    def _get(self, key: str, kinds: tuple[type, ...], what: str) -> Any:
        """The value of `key` when it has one of `kinds` (else a problem: it should be
        `what`, a kind the messages template names)."""
        self.used.add(key)
        if key not in self.table:
            return None
        value = self.table[key]
        if isinstance(value, kinds) and (bool in kinds or not isinstance(value, bool)):
            return value
        self.problem(key, said("wrong_type", want=what, got=describe(value)))
        return None

    def _fallback(self, key: str, default: T | None, placeholder: T) -> T:
        if default is not None:
            return default
        if key not in self.table:
            self.missing(key, said("missing_key"))
        return placeholder

    def missing(self, key: str, text: str) -> None:
        if self.present:
            self.problem(key, text)
        elif (line := f"[{self.name}]: {said('missing_section')}") not in self.problems:
            self.problems.append(line)

    def optional_text(self, key: str) -> str | None:
        value: str | None = self._get(key, (str,), "str")
        if value is not None and not value.strip():
            self.problem(key, said("empty"))
        return value

    def text(self, key: str, default: str | None = None) -> str:
        value = self.optional_text(key)
        return value if value is not None else self._fallback(key, default, "")

    def integer(self, key: str, default: int | None = None, low: int = 1,
                high: int | None = None) -> int:
        value: int | None = self._get(key, (int,), "int")
        if value is None:
            return self._fallback(key, default, low)
        if value < low or (high is not None and value > high):
            self.problem(key, said("between", low=low, high=high, value=value)
                         if high is not None else said("at_least", low=low, value=value))
        return value

    def number(self, key: str, default: float, high: float | None = None) -> float:
        value: float | None = self._get(key, (int, float), "float")
        if value is not None and value <= 0:
            self.problem(key, said("positive", value=value))
        elif value is not None and high is not None and value > high:
            self.problem(key, said("at_most", high=f"{high:g}", value=value))
        return default if value is None else float(value)

    def address(self, key: str, default: str | None = None) -> str:
        """An e-mail address (user@domain), without display name."""
        value = self.text(key, default)
        if value and not _ADDRESS.match(value):
            self.problem(key, said("not_an_address", example="ca@bcy.gov.vn",
                                   values=repr(value)))
        return value

    def addresses(self, key: str) -> tuple[str, ...]:
        values = self.strings(key)
        wrong = [v for v in values if not _ADDRESS.match(v)]
        if wrong:
            self.problem(key, said("not_an_address", example="cts@bcy.gov.vn",
                                   values=", ".join(repr(v) for v in wrong)))
        return values

    def flag(self, key: str, default: bool) -> bool:
        value: bool | None = self._get(key, (bool,), "bool")
        return default if value is None else value

    def strings(self, key: str) -> tuple[str, ...]:
        value: list[Any] | None = self._get(key, (list,), "strings")
        if value is not None and not all(isinstance(item, str) for item in value):
            self.problem(key, said("wrong_type", want="strings", got="list"))
            return ()
        return tuple(value or ())

    def mapping(self, key: str) -> Mapping[str, Any]:
        """A sub-table (`[section.key]`); empty when absent."""
        value: Mapping[str, Any] | None = self._get(key, (dict,), "a table")
        return value or {}

    def path(self, key: str) -> Path | None:
        value = self.optional_text(key)
        return None if value is None else self.base_dir / Path(value).expanduser()
