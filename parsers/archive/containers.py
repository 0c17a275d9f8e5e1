"""Files inside a container — .zip, .7z, .rar, Outlook's winmail.dat — taken out in memory
under the caps an Office file's zip gets: declared sizes, ratios and entry counts are checked
before anything is inflated, every read is bounded, and one `Budget` caps all the archives
nested in one attachment.

Hostile bytes: this runs where the form readers run, in the isolated reader process.
"""

from __future__ import annotations

from collections.abc import Callable

from parsers.archive.members import MAX_DEPTH, Budget, Member
from parsers.archive.other_members import rar_members, seven_zip_members, tnef_members
from parsers.archive.zip_members import zip_members

CONTAINER_KINDS = frozenset({"zip", "7z", "rar", "tnef"})
_OPENERS: dict[str, Callable[[bytes, Budget], list[Member]]] = {
    "zip": lambda data, budget: list(zip_members(data, budget)),
    "7z": seven_zip_members,
    "rar": rar_members,
    "tnef": tnef_members,
}


def members(data: bytes, kind: str, budget: Budget) -> list[Member]:
    """The files in `data`, a container of `kind`. Raises UnreadableFile when the container
    itself cannot be opened: `file-protected` for a password, `file-converter-missing` for a
    RAR with no extraction tool installed, `file-unreadable` for damage or a bomb."""
    return _OPENERS[kind](data, budget)


__all__ = ["CONTAINER_KINDS", "MAX_DEPTH", "Budget", "Member", "members"]
