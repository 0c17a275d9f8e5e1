"""Wiring: from a config file to a ready Intake (store opened, campaign and registry loaded, the
senders they trust copied into the store), or to the store alone for commands that need
nothing else."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from bot.config.reader import said
from bot.config.settings import Config, ConfigError, load_config
from bot.config.specs import checked_campaign, checked_registry
from bot.errors import EX_CONFIG, EX_TEMPFAIL, CommandError
from bot.intake.cycle import Intake
from bot.store.database import Store
from parsers.spec.campaign import Campaign
from parsers.spec.registry import DEFAULT_REGISTRY, Registry
from replies.render import staff_message

if TYPE_CHECKING:
    from bot.intake.judge import Judge

log = logging.getLogger(__name__)


@dataclass
class Service:
    cfg: Config
    store: Store
    campaign: Campaign
    registry: Registry

    @cached_property
    def judge(self) -> Judge:
        """Decides a stored mail: the cycle's way, and reprocess's. Made on first use, with
        the readers and the reply side it imports: a poll that finds nothing new, or a
        command that only lists, never loads them."""
        from bot.intake.isolated import start_reader
        from bot.intake.judge import Judge
        from bot.intake.outcome import OutcomeBuilder

        judge = Judge(self.cfg, self.store,
                      OutcomeBuilder(self.cfg, self.store, self.campaign, self.registry))
        start_reader()  # forked now, before the cycle holds any mail (Intake._cycle)
        return judge

    @cached_property
    def intake(self) -> Intake:
        return Intake(self.cfg, self.store, lambda: self.judge)


def _config(config_path: str, mailbox_password: bool = True) -> Config:
    try:
        return load_config(config_path, mailbox_password)
    except ConfigError as exc:
        raise CommandError(f"{staff_message('config_problems', path=config_path)}\n{exc}",
                           EX_CONFIG) from exc
    except OSError as exc:
        raise CommandError(staff_message("config_unreadable", path=config_path,
                                         reason=exc.strerror),
                           EX_CONFIG) from exc


def _store(cfg: Config) -> Store:
    try:
        return Store.open(cfg.store.url)
    except SQLAlchemyError as exc:  # locked, full disk, server away: try again later
        cause = getattr(exc, "orig", None) or exc
        raise CommandError(staff_message("store_unavailable",
                                         reason=f"{type(cause).__name__}: {cause}"),
                           EX_TEMPFAIL) from exc


def open_service(config_path: str, campaign_override: str | None = None) -> Service:
    return service_for(_config(config_path), campaign_override, config_path)


def service_for(cfg: Config, campaign_override: str | None = None,
                config_path: str = "configuration") -> Service:
    """The service of a config already read (a web worker gets it from its master)."""
    campaign = checked_campaign(campaign_override or cfg.campaign_file)
    registry = checked_registry(cfg.registry_file)
    _check_trusted_agencies(cfg, registry, config_path)
    store = _store(cfg)
    try:
        _copy_trusted_senders(store, cfg, registry, config_path)
    except SQLAlchemyError as exc:
        store.close()
        cause = getattr(exc, "orig", None) or exc
        raise CommandError(staff_message("store_unavailable",
                                         reason=f"{type(cause).__name__}: {cause}"),
                           EX_TEMPFAIL) from exc
    return Service(cfg, store, campaign, registry)


def open_store(config_path: str) -> tuple[Config, Store]:
    """The config and the store it names, for commands that touch nothing else: the mailbox
    passwords may be missing (an administrator's shell has no systemd credential)."""
    cfg = _config(config_path, mailbox_password=False)
    return cfg, _store(cfg)


def _check_trusted_agencies(cfg: Config, registry: Registry, config_path: str) -> None:
    keys = {a.key for a in registry.agencies}
    unknown = sorted({key for key, _ in cfg.trust.senders} - keys)
    if unknown:
        raise CommandError(staff_message("config_problems", path=config_path) + "\n" + "\n".join(
            f"[trust] senders.{key}: {said('trust_unknown_agency')}" for key in unknown),
            EX_CONFIG)


def _copy_trusted_senders(store: Store, cfg: Config, registry: Registry, config_path: str
                          ) -> None:
    """The registry's and the config's trusted senders, as they are now, into the store (where
    staff add theirs), so one table says who may speak for each agency."""
    named = {(a.key, sender) for a in registry.agencies for sender in (*a.domains, *a.addresses)}
    store.senders.sync("registry", named, str(cfg.registry_file or DEFAULT_REGISTRY))
    store.senders.sync("config", cfg.trust.senders, config_path)
