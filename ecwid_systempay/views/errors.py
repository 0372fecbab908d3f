"""Error views: readable pages, never a traceback, 503 when the database is down."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import OperationalError

from .pages import accept_language, buyer_page

log = logging.getLogger(__name__)


def not_found(exc: Any, request: Any) -> Any:
    return buyer_page(request, accept_language(request), "not_found", status=404)


FORBIDDEN = {
    "fr": (
        "Session expirée",
        "Cette page de paramètres a expiré ou ne correspond pas à cette boutique. "
        "Rouvrez les paramètres du module depuis l'administration.",
    ),
    "en": (
        "Session expired",
        "This settings page has expired or does not belong to this store. "
        "Reopen the module's settings from the admin.",
    ),
}


def forbidden(exc: Any, request: Any) -> Any:
    """403: a settings post without a valid store-bound token (expired, forged or another store's)."""
    from pyramid.renderers import render_to_response

    lang = "fr" if accept_language(request) == "fr" else "en"
    title, text = FORBIDDEN[lang]
    response = render_to_response(
        "ecwid_systempay:templates/message.pt",
        {"lang": lang, "title": title, "text": text, "back_url": None, "back_label": ""},
        request=request,
    )
    response.status = 403
    return response


def database_down(exc: Any, request: Any) -> Any:
    log.error("database unavailable: %s", type(exc).__name__)
    if request.view_name == "callback":
        from .callback import text_response
        from ..protocol.responses import ipn_body

        return text_response(ipn_body("retry_later"), 503)
    return buyer_page(request, accept_language(request), "failed", status=503)


def unexpected(exc: Any, request: Any) -> Any:
    log.error("unexpected error on %s %s", request.method, request.path, exc_info=exc)
    if request.view_name == "callback":
        from .callback import text_response
        from ..protocol.responses import ipn_body

        return text_response(ipn_body("retry_later"), 503)
    return buyer_page(request, accept_language(request), "failed", status=500)


def includeme(config: Any) -> None:
    config.add_notfound_view(not_found)
    config.add_forbidden_view(forbidden)
    config.add_exception_view(database_down, context=OperationalError)
    config.add_exception_view(unexpected, context=Exception)
