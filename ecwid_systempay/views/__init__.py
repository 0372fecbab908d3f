"""Views, registered explicitly (no scan): each module's ``includeme`` adds its own."""

from __future__ import annotations

from typing import Any

from pyramid.events import NewResponse


def security_headers(event: NewResponse) -> None:
    """Only the settings page may be framed, and only by the Ecwid admin origins."""
    request, response = event.request, event.response
    if getattr(request, "frameable", False):
        origins = " ".join(request.app_settings.admin_origins) or "'none'"
        response.headers["Content-Security-Policy"] = f"frame-ancestors {origins}"
    else:
        response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
        response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    if request.path.startswith(("/settings", "/stores", "/payment", "/return", "/callback")):
        response.headers.setdefault("Cache-Control", "no-store")


def includeme(config: Any) -> None:
    config.add_subscriber(security_headers, NewResponse)
    config.add_static_view("static", "ecwid_systempay:static", cache_max_age=3600)
    config.add_static_view("deform_static", "deform:static", cache_max_age=3600)
    config.include(".health")
    config.include(".payment")
    config.include(".callback")
    config.include(".returns")
    config.include(".settings")
    config.include(".settings_entry")
    config.include(".history")
    config.include(".errors")
