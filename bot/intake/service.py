"""Wiring: from a config file to a ready Intake (store opened, campaign and registry loaded)."""

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
from replies.render import staff_message

log = logging.getLogger(__name__)


@dataclass
class Service:
    cfg: Config
    store: Store
    campaign: Campaign
    registry: Registry
    judge: Judge  # decides a stored mail: the cycle's way, and reprocess's
    intake: Intake


def open_service(config_path: str, campaign_override: str | None = None) -> Service:
    try:
        cfg = load_config(config_path)
    except ConfigError as exc:
        raise CommandError(f"{staff_message('config_problems', path=config_path)}\n{exc}",
                           EX_CONFIG) from exc
    except OSError as exc:
        raise CommandError(staff_message("config_unreadable", path=config_path,
                                         reason=exc.strerror),
                           EX_CONFIG) from exc
    campaign = checked_campaign(campaign_override or cfg.campaign_file)
    registry = checked_registry(cfg.registry_file)
    try:
        store = Store.open(cfg.store.url)
    except SQLAlchemyError as exc:  # locked, full disk, server away: try again later
        cause = getattr(exc, "orig", None) or exc
        raise CommandError(staff_message("store_unavailable",
                                         reason=f"{type(cause).__name__}: {cause}"),
                           EX_TEMPFAIL) from exc
    judge = Judge(cfg, store, OutcomeBuilder(cfg, store, campaign, registry))
    return Service(cfg, store, campaign, registry, judge, Intake(cfg, store, judge))
