"""Load and check the TOML configuration: typed, frozen, and every problem reported at once.

Passwords come from, in order: $BCY_INTAKE_IMAP_PASSWORD / $BCY_INTAKE_SMTP_PASSWORD,
`password`, `password_file`, then the systemd credential `imap_password` / `smtp_password`
($CREDENTIALS_DIRECTORY). Relative paths are relative to the config file.
"""

from __future__ import annotations

import hmac
import logging
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

log = logging.getLogger(__name__)
T = TypeVar("T")
MB = 1024 * 1024


class ConfigError(Exception):
    """The configuration cannot be used; str() lists every problem, one per line."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class Secret:
    """A password that never shows itself in repr(), str() or a log line."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "***"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and hmac.compare_digest(
            self._value.encode(), other._value.encode())

    def __hash__(self) -> int:
        return hash(self._value)


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


def load_config(path: str | Path) -> Config:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8"))
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read the config file: {exc.strerror}"]) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError([f"{path}: not a valid TOML file: {exc}"]) from None
    return parse_config(data, path.resolve().parent)


def parse_config(data: Mapping[str, Any], base_dir: Path) -> Config:
    problems: list[str] = []
    warnings: list[str] = []
    sections = {name: _Section(name, data.get(name), problems, warnings, base_dir)
                for name in ("imap", "smtp", "store", "digest", "limits", "campaign", "registry")}
    warnings += [f"[{name}]: unknown section, ignored" for name in data if name not in sections]
    config = Config(imap=_imap(sections["imap"]), smtp=_smtp(sections["smtp"]),
                    store=_store(sections["store"]), digest=_digest(sections["digest"]),
                    limits=_limits(sections["limits"]),
                    campaign_file=sections["campaign"].path("file"),
                    registry_file=sections["registry"].path("file"))
    for section in sections.values():
        section.warn_unknown_keys()
    for warning in warnings:
        log.warning("config: %s", warning)
    if problems:
        raise ConfigError(problems)
    return config


class _Section:
    """Typed reads from one [section]; a bad value becomes a problem line, not an exception."""

    def __init__(self, name: str, table: object, problems: list[str], warnings: list[str],
                 base_dir: Path) -> None:
        self.name, self.problems, self.warnings, self.base_dir = name, problems, warnings, base_dir
        self.table: Mapping[str, Any] = table if isinstance(table, Mapping) else {}
        self.present = table is not None
        self.used: set[str] = set()
        if table is not None and not isinstance(table, Mapping):
            problems.append(f"[{name}]: expected a table, got {_describe(table)}")

    def problem(self, key: str, text: str) -> None:
        self.problems.append(f"[{self.name}] {key}: {text}")

    def warn_unknown_keys(self) -> None:
        self.warnings += [f"[{self.name}] {key}: unknown key, ignored"
                          for key in self.table if key not in self.used]

    def _get(self, key: str, kinds: tuple[type, ...], what: str) -> Any:
        self.used.add(key)
        if key not in self.table:
            return None
        value = self.table[key]
        if isinstance(value, kinds) and (bool in kinds or not isinstance(value, bool)):
            return value
        self.problem(key, f"expected {what}, got {_describe(value)}")
        return None

    def _fallback(self, key: str, default: T | None, placeholder: T) -> T:
        if default is not None:
            return default
        if key not in self.table:
            self.missing(key, "missing required key")
        return placeholder

    def missing(self, key: str, text: str) -> None:
        if self.present:
            self.problem(key, text)
        elif (line := f"[{self.name}]: missing required section") not in self.problems:
            self.problems.append(line)

    def optional_text(self, key: str) -> str | None:
        value: str | None = self._get(key, (str,), "a string")
        if value is not None and not value.strip():
            self.problem(key, "must not be empty")
        return value

    def text(self, key: str, default: str | None = None) -> str:
        value = self.optional_text(key)
        return value if value is not None else self._fallback(key, default, "")

    def integer(self, key: str, default: int | None = None, low: int = 1,
                high: int | None = None) -> int:
        value: int | None = self._get(key, (int,), "an integer")
        if value is None:
            return self._fallback(key, default, low)
        if value < low or (high is not None and value > high):
            self.problem(key, f"must be between {low} and {high}" if high is not None
                         else f"must be at least {low}, got {value}")
        return value

    def number(self, key: str, default: float) -> float:
        value: float | None = self._get(key, (int, float), "a number")
        if value is not None and value <= 0:
            self.problem(key, f"must be positive, got {value}")
        return default if value is None else float(value)

    def flag(self, key: str, default: bool) -> bool:
        value: bool | None = self._get(key, (bool,), "true or false")
        return default if value is None else value

    def choice(self, key: str, default: Security | None = None) -> Security:
        value = self.text(key, default.value if default else None)
        if value and value not in set(Security):
            self.problem(key, f"must be one of {', '.join(Security)}, got {value!r}")
            return Security.SSL
        return Security(value) if value else Security.SSL

    def strings(self, key: str) -> tuple[str, ...]:
        value: list[Any] | None = self._get(key, (list,), "a list of strings")
        if value is not None and not all(isinstance(item, str) for item in value):
            self.problem(key, "expected a list of strings")
            return ()
        return tuple(value or ())

    def path(self, key: str) -> Path | None:
        value = self.optional_text(key)
        return None if value is None else self.base_dir / Path(value).expanduser()

    def secret(self, env: str, credential: str, required: bool) -> Secret | None:
        inline, file = self.optional_text("password"), self.path("password_file")
        if os.environ.get(env):
            return Secret(os.environ[env])
        if inline is not None and file is not None:
            self.problem("password", "set password or password_file, not both")
        if inline is not None:
            return Secret(inline)
        credentials = os.environ.get("CREDENTIALS_DIRECTORY")
        if file is None and credentials and (Path(credentials) / credential).exists():
            file = Path(credentials) / credential
        if file is not None:
            return self._read_secret(file)
        if required:
            self.missing("password", f"missing: set password or password_file, ${env}, "
                         f"or the systemd credential {credential!r}")
        return None

    def _read_secret(self, file: Path) -> Secret | None:
        try:
            value = file.read_text(encoding="utf-8").rstrip("\r\n")
            if file.stat().st_mode & 0o077:
                self.warnings.append(f"[{self.name}] password_file: {file} is readable by "
                                     "other users; chmod 600 it")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            self.problem("password_file", f"cannot read {file}: {reason}")
            return None
        if not value:
            self.problem("password_file", f"{file} is empty")
            return None
        return Secret(value)

    def tls_checks(self, security: Security, password: Secret | None) -> bool:
        verify = self.flag("tls_verify", True)
        if not verify:
            self.warnings.append(f"[{self.name}] tls_verify = false: the server certificate "
                                 "will NOT be checked")
        if security is Security.NONE and password is not None:
            self.warnings.append(f"[{self.name}] security = \"none\": the password travels "
                                 "unencrypted")
        return verify


def _describe(value: object) -> str:
    kinds = {bool: "a boolean", int: "an integer", float: "a number", str: "a string",
             list: "a list", dict: "a table"}
    return kinds.get(type(value), type(value).__name__)


def _port(section: _Section, security: Security) -> int:
    return section.integer("port", DEFAULT_PORTS[section.name][security.value], 1, 65535)


def _imap(s: _Section) -> ImapConfig:
    security = s.choice("security", Security.SSL)
    password = s.secret("BCY_INTAKE_IMAP_PASSWORD", "imap_password", True)
    return ImapConfig(
        host=s.text("host"), port=_port(s, security), security=security,
        username=s.text("username"), password=password or Secret(""),
        folder=s.text("folder", "INBOX"),
        processed_folder=s.text("processed_folder", ImapConfig.processed_folder),
        quarantine_folder=s.text("quarantine_folder", ImapConfig.quarantine_folder),
        tls_verify=s.tls_checks(security, password), timeout=s.number("timeout", 30.0),
        idle_renew_seconds=s.integer("idle_renew_seconds", 600),
        poll_interval=s.integer("poll_interval", 60), batch_size=s.integer("batch_size", 20))


def _smtp(s: _Section) -> SmtpConfig:
    security = s.choice("security", Security.SSL)
    username = s.optional_text("username")
    password = s.secret("BCY_INTAKE_SMTP_PASSWORD", "smtp_password", username is not None)
    if password is not None and username is None:
        s.problem("username", "missing: a password is set, so the username is needed too")
    return SmtpConfig(
        host=s.text("host"), port=_port(s, security), security=security,
        from_address=s.text("from_address"), username=username, password=password,
        from_name=s.text("from_name", ""), tls_verify=s.tls_checks(security, password),
        timeout=s.number("timeout", 30.0), append_to_sent=s.flag("append_to_sent", False),
        sent_folder=s.text("sent_folder", "Sent"))


def _store(s: _Section) -> StoreConfig:
    return StoreConfig(url=s.text("url"))


def _digest(s: _Section) -> DigestConfig:
    zone = s.text("timezone", DigestConfig.timezone)
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        s.problem("timezone", f"unknown time zone {zone!r}")
    return DigestConfig(recipients=s.strings("recipients"),
                        timezone=zone)


def _limits(s: _Section) -> LimitsConfig:
    return LimitsConfig(*(s.integer(key, default) for key, default in (
        ("max_message_bytes", 25 * MB), ("max_attachment_bytes", 15 * MB),
        ("replies_per_sender_per_day", 10), ("max_attempts", 3))))
