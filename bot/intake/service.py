"""Wiring: from a config file to a ready Intake (store opened, campaign and registry loaded),
or to the store alone for commands that need nothing else."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.exc import SQLAlchemyError

from bot.config.settings import Config, ConfigError, load_config
from bot.config.specs import checked_campaign, checked_registry
from bot.errors import EX_CONFIG, EX_TEMPFAIL, CommandError
from bot.intake.cycle import Intake
from bot.intake.judge import Judge
from bot.intake.outcome import OutcomeBuilder
from bot.store.database import Store
from parsers.spec.campaign import Campaign
from parsers.spec.registry import Registry

log = logging.getLogger(__name__)


@dataclass
class Service:
    cfg: Config
    store: Store
    campaign: Campaign
    registry: Registry
    judge: Judge  # decides a stored mail: the cycle's way, and reprocess's
    intake: Intake


def _config(config_path: str, mailbox_password: bool = True) -> Config:
    try:
        return load_config(config_path, mailbox_password)
    except ConfigError as exc:
        raise CommandError(f"configuration {config_path}:\n{exc}", EX_CONFIG) from exc
    except OSError as exc:
        raise CommandError(f"cannot read configuration {config_path}: {exc.strerror}",
                           EX_CONFIG) from exc


def _store(cfg: Config) -> Store:
    try:
        return Store.open(cfg.store.url)
    except SQLAlchemyError as exc:  # locked, full disk, server away: try again later
        cause = getattr(exc, "orig", None) or exc
        raise CommandError(f"store unavailable: {type(cause).__name__}: {cause}",
                           EX_TEMPFAIL) from exc


def open_service(config_path: str, campaign_override: str | None = None) -> Service:
    return service_for(_config(config_path), campaign_override)


def service_for(cfg: Config, campaign_override: str | None = None) -> Service:
    """The service of a config already read (a web worker gets it from its master)."""
    campaign = checked_campaign(campaign_override or cfg.campaign_file)
    registry = checked_registry(cfg.registry_file)
    store = _store(cfg)
    judge = Judge(cfg, store, OutcomeBuilder(cfg, store, campaign, registry))
    return Service(cfg, store, campaign, registry, judge, Intake(cfg, store, judge))


def open_store(config_path: str) -> tuple[Config, Store]:
    """The config and the store it names, for commands that touch nothing else: the mailbox
    passwords may be missing (an administrator's shell has no systemd credential)."""
    cfg = _config(config_path, mailbox_password=False)
    return cfg, _store(cfg)
