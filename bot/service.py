"""Wiring: from a config file to a ready Intake (store opened, campaign and registry loaded)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.cli import CommandError
from bot.config import Config, ConfigError, load_config
from bot.intake import Intake
from bot.outcome import OutcomeBuilder
from bot.store import Store
from parsers.campaign import Campaign, load_campaign
from parsers.registry import Registry, load_registry

log = logging.getLogger(__name__)
EX_TEMPFAIL = 75
EX_CONFIG = 78


@dataclass
class Service:
    cfg: Config
    store: Store
    campaign: Campaign
    registry: Registry
    intake: Intake


def open_service(config_path: str, campaign_override: str | None = None) -> Service:
    try:
        cfg = load_config(config_path)
    except ConfigError as exc:
        raise CommandError(f"configuration {config_path}:\n{exc}", EX_CONFIG) from exc
    except OSError as exc:
        raise CommandError(f"cannot read configuration {config_path}: {exc.strerror}",
                           EX_CONFIG) from exc
    campaign = load_campaign(campaign_override or cfg.campaign_file)
    registry = load_registry(cfg.registry_file)
    store = Store.open(cfg.store.url)
    builder = OutcomeBuilder(cfg, store, campaign, registry)
    return Service(cfg, store, campaign, registry, Intake(cfg, store, builder))
