"""Load and check the TOML configuration: typed, frozen, and every problem reported at once.

A half-valid config would only fail later, on the first mail that needs the missing piece; so
the whole file is checked at start and refused with the full list of what is wrong. Unknown
keys are warned about (a typo must not silently fall back to a default). Relative paths are
relative to the config file; where passwords may come from is told in `bot.config.passwords`.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import DEFAULT_CONFIG, DEFAULT_TIMEZONE
from bot.config.passwords import Secret, inline_secret_warnings, read_password
from bot.config.reader import Section, said
from bot.config.web import WebConfig, parse_web

# [trust] reads the agency registry's address rules and root certificates (parsers): loaded
# with a whole config, not with the settings' types, which the sender process beside the
# cycle unpickles (bot.intake.sending.spawned)
if TYPE_CHECKING:
    from bot.config.trust import TrustConfig

__all__ = [
    "DEFAULT_PORTS", "MB", "Config", "ConfigError", "DigestConfig", "ImapConfig", "LimitsConfig",
    "Secret", "Security", "SmtpConfig", "StoreConfig", "WebConfig", "load_config",
    "parse_config",
]

log = logging.getLogger(__name__)
MB = 1024 * 1024
MAX_IDLE_SECONDS = 29 * 60  # RFC 2177: servers may drop an IDLE after 30 minutes
MAX_TIMEOUT = 110.0  # seconds: under the daemon's 120 s systemd watchdog


class ConfigError(Exception):
    """The configuration cannot be used; str() lists every problem, one per line."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class Security(StrEnum):
    SSL = "ssl"
    STARTTLS = "starttls"
    NONE = "none"


DEFAULT_PORTS = {"imap": {"ssl": 993, "starttls": 143, "none": 143},
                 "smtp": {"ssl": 465, "starttls": 587, "none": 25}}


@dataclass(frozen=True)
class ImapConfig:
    host: str
    port: int
    security: Security
    username: str
    password: Secret
    folder: str = "INBOX"
    processed_folder: str = "BCY-Intake/Processed"
    quarantine_folder: str = "BCY-Intake/Quarantine"
    tls_verify: bool = True
    timeout: float = 30.0
    idle_renew_seconds: int = 600
    poll_interval: int = 60
    batch_size: int = 20


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: Security
    from_address: str
    username: str | None = None  # None: the relay takes mail without logging in
    password: Secret | None = None
    from_name: str = ""
    tls_verify: bool = True
    timeout: float = 30.0
    append_to_sent: bool = False
    sent_folder: str = "Sent"


@dataclass(frozen=True, repr=False)
class StoreConfig:
    url: str

    def __repr__(self) -> str:  # a PostgreSQL URL may carry a password
        masked = re.sub(r"(://[^/@:]*:)[^/@]*@", r"\1***@", self.url)
        return f"StoreConfig(url={masked!r})"


@dataclass(frozen=True)
class DigestConfig:
    recipients: tuple[str, ...] = ()
    timezone: str = DEFAULT_TIMEZONE  # the staff's calendar day, for digests and caps


@dataclass(frozen=True)
class LimitsConfig:
    """Sizes, reply caps and retries. A cap holds a reply back (the submission is stored and
    staff see an event): per From address, per recipient (`+tag` and case folded), per
    recipient domain, all per day in [digest] timezone, and a ceiling per hour over all."""

    max_message_bytes: int = 25 * MB
    max_attachment_bytes: int = 15 * MB
    max_batch_bytes: int = 32 * MB  # mail fetched at once; a bigger one comes alone
    replies_per_sender_per_day: int = 10
    replies_per_recipient_per_day: int = 10
    replies_per_domain_per_day: int = 100
    replies_per_hour: int = 300
    max_attempts: int = 3
    reminders_per_run: int = 200  # letters one `remind --send` may queue
    # how long a daemon holds a mail or an outbox row it took (bot.store.claims) before
    # another daemon sharing the store may take it over
    claim_seconds: int = 300
    # new mails in one cycle from which its replies go from a process of their own while it
    # runs (its start costs a fresh interpreter; bot.intake.sending.beside), else a thread
    sender_process_from: int = 500


def _no_trust() -> TrustConfig:
    from bot.config.trust import TrustConfig

    return TrustConfig()


@dataclass(frozen=True)
class Config:
    imap: ImapConfig
    smtp: SmtpConfig
    store: StoreConfig
    digest: DigestConfig
    limits: LimitsConfig
    campaign_file: Path | None = None
    registry_file: Path | None = None
    trust: TrustConfig = field(default_factory=_no_trust)  # see bot.config.trust
    web: WebConfig = WebConfig()


def config_path(explicit: str | None) -> str:
    """The config file: `--config`, else $BCY_INTAKE_CONFIG, else the system one."""
    return explicit or os.environ.get("BCY_INTAKE_CONFIG") or DEFAULT_CONFIG


def load_config(path: str | Path, mailbox_password: bool = True) -> Config:
    """The checked config; `mailbox_password=False` for commands that only touch the store
    (`staff`), so an administrator can run them without the mailbox's credential."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        why = said("cannot_read_file", reason=exc.strerror,
                   errno=errno.errorcode.get(exc.errno or 0, ""))
        raise ConfigError([f"{path}: {why}"]) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError([f"{path}: {said('not_toml', reason=exc)}"]) from None
    config = parse_config(data, path.resolve().parent, mailbox_password)
    for warning in inline_secret_warnings(path, data):
        log.warning("config: %s", warning)
    return config


def parse_config(data: Mapping[str, Any], base_dir: Path,
                 mailbox_password: bool = True) -> Config:
    problems: list[str] = []
    warnings: list[str] = []
    sections = {name: Section(name, data.get(name), problems, warnings, base_dir)
                for name in ("imap", "smtp", "store", "digest", "limits", "campaign", "registry",
                             "trust", "web")}
    warnings += [f"[{name}]: {said('unknown_section')}" for name in data
                 if name not in sections]
    config = Config(imap=_imap(sections["imap"], mailbox_password),
                    smtp=_smtp(sections["smtp"], mailbox_password),
                    store=_store(sections["store"]), digest=_digest(sections["digest"]),
                    limits=_limits(sections["limits"]),
                    campaign_file=sections["campaign"].path("file"),
                    registry_file=sections["registry"].path("file"),
                    trust=_read_trust(sections["trust"]),
                    web=parse_web(sections["web"]))
    for section in sections.values():
        section.warn_unknown_keys()
    for warning in warnings:
        log.warning("config: %s", warning)
    if problems:
        raise ConfigError(problems)
    return config


def _read_trust(s: Section) -> TrustConfig:
    from bot.config.trust import read_trust

    return read_trust(s)


def _security(s: Section, key: str, default: Security | None = None) -> Security:
    value = s.text(key, default.value if default else None)
    if value and value not in set(Security):
        s.problem(key, said("one_of", choices=", ".join(Security), value=repr(value)))
        return Security.SSL
    return Security(value) if value else Security.SSL


def _tls_verify(s: Section, security: Security, password: Secret | None) -> bool:
    verify = s.flag("tls_verify", True)
    if not verify:
        s.warnings.append(f"[{s.name}] {said('tls_off')}")
    if security is Security.NONE and password is not None:
        s.warnings.append(f"[{s.name}] {said('password_in_clear')}")
    return verify


def _port(section: Section, security: Security) -> int:
    return section.integer("port", DEFAULT_PORTS[section.name][security.value], 1, 65535)


def _imap(s: Section, password_needed: bool = True) -> ImapConfig:
    security = _security(s, "security", Security.SSL)
    password = read_password(s, "BCY_INTAKE_IMAP_PASSWORD", "imap_password", password_needed)
    return ImapConfig(
        host=s.text("host"), port=_port(s, security), security=security,
        username=s.text("username"), password=password or Secret(""),
        folder=s.text("folder", "INBOX"),
        processed_folder=s.text("processed_folder", ImapConfig.processed_folder),
        quarantine_folder=s.text("quarantine_folder", ImapConfig.quarantine_folder),
        tls_verify=_tls_verify(s, security, password),
        timeout=s.number("timeout", 30.0, MAX_TIMEOUT),
        idle_renew_seconds=s.integer("idle_renew_seconds", 600, 10, MAX_IDLE_SECONDS),
        poll_interval=s.integer("poll_interval", 60, 1, 3600),
        batch_size=s.integer("batch_size", 20, 1, 500))


def _smtp(s: Section, password_needed: bool = True) -> SmtpConfig:
    security = _security(s, "security", Security.SSL)
    username = s.optional_text("username")
    password = read_password(s, "BCY_INTAKE_SMTP_PASSWORD", "smtp_password",
                             password_needed and username is not None)
    if password is not None and username is None:
        s.problem("username", said("username_needed"))
    return SmtpConfig(
        host=s.text("host"), port=_port(s, security), security=security,
        from_address=s.address("from_address"), username=username, password=password,
        from_name=s.text("from_name", ""), tls_verify=_tls_verify(s, security, password),
        timeout=s.number("timeout", 30.0, MAX_TIMEOUT),
        append_to_sent=s.flag("append_to_sent", False),
        sent_folder=s.text("sent_folder", "Sent"))


def _store(s: Section) -> StoreConfig:
    url = s.text("url")
    if url.startswith("sqlite"):
        # sqlite[+driver]:///FILE: FILE is what follows the third slash ("/var/..." when
        # four are written); parsed here so that reading the config loads no SQLAlchemy
        database = url.partition("://")[2].partition("?")[0][1:]
        if database and database != ":memory:" and not Path(database).is_absolute():
            # SQLite would put it in whatever folder the command runs from
            s.problem("url", said("sqlite_relative", database=repr(database)))
    return StoreConfig(url=url)


def _digest(s: Section) -> DigestConfig:
    zone = s.text("timezone", DigestConfig.timezone)
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        s.problem("timezone", said("unknown_zone", zone=repr(zone)))
    return DigestConfig(recipients=s.addresses("recipients"), timezone=zone)


def _limits(s: Section) -> LimitsConfig:
    defaults = LimitsConfig()
    return LimitsConfig(**{f.name: s.integer(f.name, getattr(defaults, f.name), 1,
                                             _LIMIT_HIGHS[f.name])
                           for f in fields(LimitsConfig)})


# The most each limit may be: beyond, a value is a typo (or no limit at all), not a choice.
_LIMIT_HIGHS = {"max_message_bytes": 1024 * MB, "max_attachment_bytes": 1024 * MB,
                "max_batch_bytes": 1024 * MB, "replies_per_sender_per_day": 1000,
                "replies_per_recipient_per_day": 1000, "replies_per_domain_per_day": 100_000,
                "replies_per_hour": 100_000, "max_attempts": 100, "reminders_per_run": 10_000,
                "claim_seconds": 86_400, "sender_process_from": 1_000_000}
