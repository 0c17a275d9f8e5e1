"""Reading a TOML file into frozen dataclasses, with every problem reported at once.

The dataclass is the schema: its fields are the keys, their types the value types, a default
makes a key optional. cattrs does the walking; this module makes it strict (TOML already types
its values, so a string where a date belongs is a mistake, not something to convert), refuses
keys the schema does not name (a typo'd optional key would otherwise be silently ignored) and
turns its errors into one line per problem: `file: key.path: what is wrong`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import tomllib
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar, get_origin

import cattrs
from cattrs import BaseConverter
from cattrs.cols import homogenous_tuple_structure_factory
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn

T = TypeVar("T")
Hook = Callable[[Any, Any], Any]

_KINDS: dict[type, str] = {
    bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list",
    dict: "a table", dt.date: "a date", dt.datetime: "a date and time", dt.time: "a time",
}


class SpecError(ValueError):
    """A campaign or registry file cannot be used; `problems` has one line per mistake."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class _Mistyped(TypeError):
    """A value of the wrong TOML type; its text is the problem as an operator reads it."""


def describe(value: object) -> str:
    """The TOML type of a value, as an operator would name it."""
    return _KINDS.get(type(value), type(value).__name__)


def _exactly(kind: type, what: str) -> Hook:
    def hook(value: object, _: object) -> object:
        # type(), not isinstance(): True is no integer here, nor a datetime a date
        if type(value) is not kind:
            raise _Mistyped(f"expected {what}, got {describe(value)}")
        return value
    return hook


def _only(container: type, what: str, inner: Hook) -> Hook:
    def hook(value: object, tp: object) -> object:
        if not isinstance(value, container):  # a string is iterable: never a list of letters
            raise _Mistyped(f"expected {what}, got {describe(value)}")
        return inner(value, tp)
    return hook


def _table(tp: Any, conv: BaseConverter) -> Hook:
    return _only(dict, "a table", make_dict_structure_fn(tp, conv))


def _is_tuple(tp: Any) -> bool:
    origin: object = get_origin(tp)
    return origin is tuple


def _list(tp: Any, conv: BaseConverter) -> Hook:
    return _only(list, "a list", homogenous_tuple_structure_factory(tp, conv))


def _converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
    for kind, what in ((str, "a string"), (int, "an integer"), (bool, "a boolean"),
                       (dt.date, "a date")):
        conv.register_structure_hook(kind, _exactly(kind, what))
    conv.register_structure_hook_factory(dataclasses.is_dataclass, _table)
    conv.register_structure_hook_factory(_is_tuple, _list)
    return conv


_CONVERTER = _converter()


def _problems(exc: BaseException, path: Sequence[str]) -> Iterator[tuple[str, str]]:
    if isinstance(exc, (ClassValidationError, IterableValidationError)):
        noted, bare = exc.group_exceptions()
        for inner, note in noted:
            # counted from 1, as a person counts the [[tables]] of a file
            step = (f"[{int(note.index) + 1}]" if isinstance(note, IterableValidationNote)
                    else note.name)
            yield from _problems(inner, [*path, step])
        for inner in bare:
            yield from _problems(inner, path)
    elif isinstance(exc, ForbiddenExtraKeysError):
        known = [f.name for f in dataclasses.fields(exc.cl)]
        for key in sorted(exc.extra_fields):
            yield key_path([*path, key]), _unknown(key, known)
    elif isinstance(exc, KeyError):
        yield key_path(path), "missing"
    else:
        yield key_path(path), str(exc)


def _unknown(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1)
    return f"unknown field (did you mean {close[0]}?)" if close else "unknown field"


def key_path(steps: Sequence[str]) -> str:
    """`form.notes[2]`: the steps joined the way TOML names a key."""
    return "".join(s if s.startswith("[") or i == 0 else f".{s}" for i, s in enumerate(steps))


def structure(raw: object, schema: type[T], source: str) -> T:
    """`raw` (a parsed TOML table) as a `schema` record, or SpecError naming every problem."""
    try:
        return _CONVERTER.structure(raw, schema)
    except (ClassValidationError, _Mistyped) as exc:
        lines = [f"{source}: {where}: {what}" if where else f"{source}: {what}"
                 for where, what in _problems(exc, [])]
        raise SpecError(lines) from None


def read_toml(path: str | Path) -> dict[str, Any]:
    """A TOML file as a table, or SpecError in one line: unreadable, not UTF-8, not TOML."""
    try:
        return tomllib.loads(Path(path).read_bytes().decode("utf-8"))
    except OSError as exc:
        raise SpecError([f"{path}: cannot read the file: {exc.strerror}"]) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SpecError([f"{path}: not a valid TOML file: {exc}"]) from None
