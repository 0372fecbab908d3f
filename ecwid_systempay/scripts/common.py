"""What the console scripts share: settings, database and services from an INI file,
without building the web application (so no in-process worker thread starts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pyramid.paster import get_appsettings, setup_logging
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from .. import logging_filters
from ..config import AppSettings, apply_environment, parse_settings
from ..models import get_engine, get_session_factory
from ..secrets_box import SecretBox
from ..services.alerts import Alerter, alerter_from_settings


@dataclass
class Environment:
    settings: dict[str, Any]
    app_settings: AppSettings
    engine: Engine
    session_factory: sessionmaker[Session]
    box: SecretBox
    alerter: Alerter

    def close(self) -> None:
        self.engine.dispose()


def load(config_uri: str) -> Environment:
    setup_logging(config_uri)
    logging_filters.install()
    settings = dict(get_appsettings(config_uri))
    apply_environment(settings)
    app_settings = parse_settings(settings)
    engine = get_engine(settings)
    return Environment(
        settings=settings,
        app_settings=app_settings,
        engine=engine,
        session_factory=get_session_factory(engine),
        box=SecretBox(app_settings.secret_keys),
        alerter=alerter_from_settings(settings, app_settings.alert_sender, app_settings.alert_recipients),
    )
