"""Load and check the TOML configuration: typed, frozen, and every problem reported at once.

A half-valid config would only fail later, on the first mail that needs the missing piece; so
the whole file is checked at start and refused with the full list of what is wrong. Unknown
keys are warned about (a typo must not silently fall back to a default). Relative paths are
relative to the config file; where passwords may come from is told in `bot.config.passwords`.
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config.passwords import Secret, read_password
from bot.config.reader import Section
from bot.config.trust import TrustConfig, read_trust
from bot.config.web import WebConfig, parse_web

__all__ = [
    "DEFAULT_PORTS", "MB", "Config", "ConfigError", "DigestConfig", "ImapConfig", "LimitsConfig",
    "Secret", "Security", "SmtpConfig", "StoreConfig", "TrustConfig", "WebConfig", "load_config",
    "parse_config",
]

log = logging.getLogger(__name__)
MB = 1024 * 1024
DEFAULT_CONFIG = "/etc/bcy-intake/config.toml"


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
    timezone: str = "Asia/Ho_Chi_Minh"  # the staff's calendar day, for digests and caps


@dataclass(frozen=True)
class LimitsConfig:
    max_message_bytes: int = 25 * MB
    max_attachment_bytes: int = 15 * MB
    replies_per_sender_per_day: int = 10
    max_attempts: int = 3


@dataclass(frozen=True)
class Config:
    imap: ImapConfig
    smtp: SmtpConfig
    store: StoreConfig
    digest: DigestConfig
    limits: LimitsConfig
    campaign_file: Path | None = None
    registry_file: Path | None = None
    trust: TrustConfig = TrustConfig()  # [trust]: see bot.config.trust
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
        raise ConfigError([f"{path}: cannot read the config file: {exc.strerror}"]) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError([f"{path}: not a valid TOML file: {exc}"]) from None
    return parse_config(data, path.resolve().parent, mailbox_password)


def parse_config(data: Mapping[str, Any], base_dir: Path,
                 mailbox_password: bool = True) -> Config:
    problems: list[str] = []
    warnings: list[str] = []
    sections = {name: Section(name, data.get(name), problems, warnings, base_dir)
                for name in ("imap", "smtp", "store", "digest", "limits", "campaign", "registry",
                             "trust", "web")}
    warnings += [f"[{name}]: unknown section, ignored" for name in data if name not in sections]
    config = Config(imap=_imap(sections["imap"], mailbox_password),
                    smtp=_smtp(sections["smtp"], mailbox_password),
                    store=_store(sections["store"]), digest=_digest(sections["digest"]),
                    limits=_limits(sections["limits"]),
                    campaign_file=sections["campaign"].path("file"),
                    registry_file=sections["registry"].path("file"),
                    trust=read_trust(sections["trust"]),
                    web=parse_web(sections["web"]))
    for section in sections.values():
        section.warn_unknown_keys()
    for warning in warnings:
        log.warning("config: %s", warning)
    if problems:
        raise ConfigError(problems)
    return config


def _security(s: Section, key: str, default: Security | None = None) -> Security:
    value = s.text(key, default.value if default else None)
    if value and value not in set(Security):
        s.problem(key, f"must be one of {', '.join(Security)}, got {value!r}")
        return Security.SSL
    return Security(value) if value else Security.SSL


def _tls_verify(s: Section, security: Security, password: Secret | None) -> bool:
    verify = s.flag("tls_verify", True)
    if not verify:
        s.warnings.append(f"[{s.name}] tls_verify = false: the server certificate "
                          "will NOT be checked")
    if security is Security.NONE and password is not None:
        s.warnings.append(f"[{s.name}] security = \"none\": the password travels "
                          "unencrypted")
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
        tls_verify=_tls_verify(s, security, password), timeout=s.number("timeout", 30.0),
        idle_renew_seconds=s.integer("idle_renew_seconds", 600),
        poll_interval=s.integer("poll_interval", 60), batch_size=s.integer("batch_size", 20))


def _smtp(s: Section, password_needed: bool = True) -> SmtpConfig:
    security = _security(s, "security", Security.SSL)
    username = s.optional_text("username")
    password = read_password(s, "BCY_INTAKE_SMTP_PASSWORD", "smtp_password",
                             password_needed and username is not None)
    if password is not None and username is None:
        s.problem("username", "missing: a password is set, so the username is needed too")
    return SmtpConfig(
        host=s.text("host"), port=_port(s, security), security=security,
        from_address=s.text("from_address"), username=username, password=password,
        from_name=s.text("from_name", ""), tls_verify=_tls_verify(s, security, password),
        timeout=s.number("timeout", 30.0), append_to_sent=s.flag("append_to_sent", False),
        sent_folder=s.text("sent_folder", "Sent"))


def _store(s: Section) -> StoreConfig:
    return StoreConfig(url=s.text("url"))


def _digest(s: Section) -> DigestConfig:
    zone = s.text("timezone", DigestConfig.timezone)
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        s.problem("timezone", f"unknown time zone {zone!r}")
    return DigestConfig(recipients=s.strings("recipients"),
                        timezone=zone)


def _limits(s: Section) -> LimitsConfig:
    return LimitsConfig(*(s.integer(key, default) for key, default in (
        ("max_message_bytes", 25 * MB), ("max_attachment_bytes", 15 * MB),
        ("replies_per_sender_per_day", 10), ("max_attempts", 3))))
