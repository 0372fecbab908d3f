"""The sandbox: a simulated Ecwid store and Systempay platform, over real HTTP.

Enabled in development.ini (``pyramid.includes = ecwid_systempay.sandbox``) and
in the tests; absent from production.ini, and it refuses to mount (logging an
error) wherever ``ecwid_systempay.allow_production`` is true. It must never be
reachable from outside the developer's machine. It speaks only the public protocols:
the module knows it only through its configured URLs. ``main`` serves the
sandbox alone, so it can run in its own process (e.g. while the module is down).

Settings (all optional):
- ``sandbox.module_url``: base URL of the module (``/payment``, ``/settings``, ``/callback``).
- ``sandbox.public_url``: base URL of the sandbox itself (default ``{module_url}/sandbox``).
- ``sandbox.brands`` and ``sandbox.brand.<name>.*``: the simulated Ecwid apps and demo shops (default: the
  module's ``ecwid_systempay.brands``, see :mod:`.brands`); ``sandbox.client_secret``, ``sandbox.client_id``,
  ``sandbox.site_id``, ``sandbox.key_test``: those of the first one.
- ``sandbox.app_init_timeout_seconds``: the demo admin shows an app that never calls ``EcwidApp.init()``
  after this long (5; 0: never, as Ecwid).
- ``sandbox.retry_interval_seconds``: spacing of notification retries (900 on the real platform).
- ``sandbox.session_timeout_seconds``: payment session lifetime (600).
"""

from __future__ import annotations

from typing import Any

from pyramid.config import Configurator

from .guard import refused_in_production


def includeme(config: Any) -> None:
    """Mount the sandbox, unless the application allows PRODUCTION (then log why and mount nothing)."""
    if refused_in_production(config, "ecwid_systempay.sandbox"):
        return
    config.include(".ecwid", route_prefix="/sandbox/ecwid")
    config.include(".systempay", route_prefix="/sandbox/systempay")
    config.include(".home")


def main(global_config: dict[str, Any] | None, **settings: Any) -> Any:
    """The sandbox alone, as its own WSGI application."""
    with Configurator(settings=settings) as config:
        config.include("pyramid_chameleon")
        config.include(".")
    return config.make_wsgi_app()
