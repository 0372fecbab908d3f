"""Views, registered explicitly (no scan): each module's ``includeme`` adds its own.

Every answer of the module carries its security headers (:func:`security_headers`):
only the settings pages may be framed, and only by the admin origins; scripts may
come from the module itself and from the origin of ``ecwid_systempay.ecwid_sdk_url``
(Ecwid's JS SDK), never inline unless the template used ``request.csp_nonce``;
HSTS when the module is served over HTTPS (``public_url``). The sandbox (``/sandbox/``,
development only) plays third parties and keeps its own pages' scripts.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

from pyramid.events import NewResponse

HSTS = "max-age=31536000"
SANDBOX_PREFIX = "/sandbox/"


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def csp_nonce(request: Any) -> str:
    """A per-response nonce for an inline ``<script nonce="...">`` (only pages that use it get one)."""
    return secrets.token_urlsafe(18)


def content_security_policy(request: Any) -> str:
    scripts = ["'self'", origin(request.app_settings.ecwid_sdk_url)]
    if "csp_nonce" in request.__dict__:  # reified: set only if the page rendered one
        scripts.append(f"'nonce-{request.csp_nonce}'")
    if getattr(request, "frameable", False):
        ancestors = " ".join(request.app_settings.admin_origins) or "'none'"
    else:
        ancestors = "'none'"
    return f"script-src {' '.join(scripts)}; object-src 'none'; base-uri 'none'; frame-ancestors {ancestors}"


def security_headers(event: NewResponse) -> None:
    request, response = event.request, event.response
    headers = response.headers
    if request.path.startswith(SANDBOX_PREFIX):
        headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
    else:
        headers["Content-Security-Policy"] = content_security_policy(request)
    if not getattr(request, "frameable", False):
        headers.setdefault("X-Frame-Options", "DENY")
    if request.app_settings.public_url.startswith("https://"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    if request.path.startswith(("/settings", "/stores", "/payment", "/return", "/callback")):
        headers.setdefault("Cache-Control", "no-store")


def includeme(config: Any) -> None:
    config.add_request_method(csp_nonce, "csp_nonce", reify=True)
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
