"""The sandbox never mounts in an application that allows PRODUCTION."""

from __future__ import annotations

import logging
from typing import Any

from pyramid.settings import asbool

log = logging.getLogger("ecwid_systempay.sandbox")


def refused_in_production(config: Any, part: str) -> bool:
    """True (and an error logged) when ``ecwid_systempay.allow_production`` is true: mount nothing then.

    The sandbox's admin, API switches and Back Office are open to whoever reaches the port; the module
    itself keeps serving.
    """
    settings = config.registry.settings or {}
    if not asbool(settings.get("ecwid_systempay.allow_production", "false")):
        return False
    log.error(
        "%s NOT mounted: ecwid_systempay.allow_production is true. The sandbox is for development only "
        "(its admin, switches and Back Office are open to anyone who reaches the port); remove it from "
        "pyramid.includes / PYRAMID_INCLUDES.",
        part,
    )
    return True
