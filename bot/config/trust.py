"""The `[trust]` section: who may speak for an agency besides what the registry names, and how
far to believe the receiving server's `Authentication-Results`.

```toml
[trust]
authserv_id = "mx.bcy.gov.vn"   # the authserv-id our own receiving server writes (RFC 8601)
require_pass = false            # true: only mail our server saw pass DMARC/DKIM/SPF is trusted
free_mail_file = "free-mail.txt"  # more free-mail domains, one a line (added to the built-in)
signature_roots = ["/etc/bcy-intake/roots/rootca-g2.pem"]  # signed cover letters: trust roots

[trust.senders]                 # agency key = addresses or domains that speak for it
bo-y-te = ["cntt.byt@gmail.com", "kcb.moh.gov.vn"]
```

Without `authserv_id` no Authentication-Results header is read at all: anyone can write one,
and only our own server's (named by its id) says what was checked on the way in. A free-mail
domain is refused here as a whole; a free-mail address is allowed. Agency keys are checked
against the registry when the service starts (`bot.intake.service`). `signature_roots` name
the certificates a signed PDF's chain must lead to (none are shipped: the government CA's roots
are the operator's to add); they are read here, so a missing or broken file stops the start.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.config.reader import Section, said
from parsers.signature.roots import MAX_ROOT_FILE_BYTES, RootsError, load_roots
from parsers.spec.agency import ADDRESS
from parsers.spec.free_mail import built_in_free_mail, is_free_mail, load_free_mail
from parsers.spec.schema import SpecError

_DOMAIN = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")


@dataclass(frozen=True)
class TrustConfig:
    authserv_id: str | None = None
    require_pass: bool = False
    # the built-in list and the administrator's
    free_mail: frozenset[str] = field(default_factory=built_in_free_mail)
    free_mail_file: Path | None = None
    # (agency key, address or domain), lower case, in file order
    senders: tuple[tuple[str, str], ...] = ()
    signature_roots: tuple[Path, ...] = ()
    root_certificates: tuple[bytes, ...] = field(default=(), repr=False)  # DER, from those files


def read_trust(s: Section) -> TrustConfig:
    free_mail_file = s.path("free_mail_file")
    try:
        free_mail = load_free_mail(free_mail_file)
    except SpecError as exc:
        s.problem("free_mail_file", said("free_mail_file", problems="; ".join(exc.problems)))
        free_mail = load_free_mail()
    authserv_id = s.optional_text("authserv_id")
    paths, certificates = _roots(s)
    return TrustConfig(authserv_id=authserv_id.strip().lower() if authserv_id else None,
                       require_pass=s.flag("require_pass", False), free_mail=free_mail,
                       free_mail_file=free_mail_file, senders=_senders(s, free_mail),
                       signature_roots=paths, root_certificates=certificates)


def _roots(s: Section) -> tuple[tuple[Path, ...], tuple[bytes, ...]]:
    paths = tuple(s.base_dir / Path(p).expanduser() for p in s.strings("signature_roots"))
    certificates: list[bytes] = []
    for path in paths:
        try:
            certificates.extend(load_roots(path))
        except RootsError as exc:
            s.problem("signature_roots", said("signature_roots", error=exc,
                                              limit=MAX_ROOT_FILE_BYTES))
    return paths, tuple(certificates)


def _senders(s: Section, free_mail: frozenset[str]) -> tuple[tuple[str, str], ...]:
    table = s.mapping("senders")
    found: list[tuple[str, str]] = []
    for key, listed in table.items():
        where = f"senders.{key}"
        if not isinstance(listed, list) or not all(isinstance(x, str) for x in listed):
            s.problem(where, said("trust_senders_list"))
            continue
        for raw in listed:
            sender = raw.strip().lower().rstrip(".")
            if not (ADDRESS.match(sender) or _DOMAIN.match(sender)):
                s.problem(where, said("trust_not_sender", value=repr(raw)))
            elif "@" not in sender and is_free_mail(sender, free_mail):
                s.problem(where, said("trust_free_mail_domain", value=repr(raw)))
            else:
                found.append((key, sender))
    return tuple(found)
