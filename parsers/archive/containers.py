"""Files inside a container — .zip, .7z, .rar, Outlook's winmail.dat — taken out in memory
under the caps an Office file's zip gets: declared sizes, ratios and entry counts are checked
before anything is inflated, every read is bounded, and one `Budget` caps all the archives
nested in one attachment.

Hostile bytes: this runs where the form readers run, in the isolated reader process.
"""

from __future__ import annotations

from parsers.archive.members import MAX_DEPTH, Budget, Member
from parsers.archive.zip_members import zip_members

CONTAINER_KINDS = frozenset({"zip", "7z", "rar", "tnef"})


def members(data: bytes, kind: str, budget: Budget) -> list[Member]:
    """The files in `data`, a container of `kind`. Raises UnreadableFile when the container
    itself cannot be opened: `file-protected` for a password, `file-converter-missing` for a
    RAR with no extraction tool installed, `file-unreadable` for damage or a bomb."""
    if kind == "zip":
        return list(zip_members(data, budget))
    # py7zr, rarfile and tnefparse cost a tenth of a second to import: only for such a file
    from parsers.archive import other_members

    opener = {"7z": other_members.seven_zip_members, "rar": other_members.rar_members,
              "tnef": other_members.tnef_members}[kind]
    return opener(data, budget)


__all__ = ["CONTAINER_KINDS", "MAX_DEPTH", "Budget", "Member", "members"]
