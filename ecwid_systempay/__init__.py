"""ecwid-systempay: Ecwid payment app for the Systempay (Lyra) hosted payment page."""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator

from .__about__ import __version__
from . import logging_filters
from .config import apply_environment
from .resources import root_factory

__all__ = ["main", "__version__"]


def main(global_config: dict[str, Any] | None, **settings: Any) -> Any:
    """WSGI application factory (``paste.app_factory``)."""
    apply_environment(settings)
    logging_filters.install()
    with Configurator(settings=settings, root_factory=root_factory) as config:
        config.include(".config")
        config.include(".secrets_box")
        config.include("pyramid_chameleon")
        config.include(".i18n.locale")
        config.include(".models")
        config.include(".security")
        config.include(".services.alerts")
        config.include(".worker")
        config.include(".views")
    return config.make_wsgi_app()
