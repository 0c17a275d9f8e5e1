"""Free-mail domains (`agencies/free-mail.txt`, plus a list of the administrator's): an address
there proves nothing about the agency it writes for, so such a domain is never trusted as a
whole. One domain a line; `#` starts a comment; a sub-domain of a listed one counts too."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path

from parsers.spec.schema import SpecError

BUILT_IN = "free-mail.txt"


def parse_domains(text: str) -> frozenset[str]:
    lines = (line.partition("#")[0].strip().lower().rstrip(".") for line in text.splitlines())
    return frozenset(line for line in lines if line)


@lru_cache(maxsize=1)
def built_in_free_mail() -> frozenset[str]:
    text = resources.files("parsers.spec").joinpath("agencies", BUILT_IN).read_text("utf-8")
    return parse_domains(text)


def load_free_mail(extra: str | Path | None = None) -> frozenset[str]:
    """The built-in list, and the domains of the file `extra` when given."""
    if extra is None:
        return built_in_free_mail()
    try:
        text = Path(extra).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError([f"{extra}: cannot read the free-mail list: {exc}"]) from None
    return built_in_free_mail() | parse_domains(text)


def is_free_mail(domain: str, free_mail: frozenset[str]) -> bool:
    """`domain` or a parent domain of it is listed."""
    labels = domain.lower().rstrip(".").split(".")
    return any(".".join(labels[i:]) in free_mail for i in range(len(labels)))
