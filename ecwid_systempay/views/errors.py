"""Error views: readable pages, never a traceback, 503 when the database is down."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import OperationalError

from ..i18n import ADMIN_DOMAIN, DOMAIN_LANGUAGES
from ..i18n import admin_message as _
from ..i18n.locale import accepted_language
from .pages import accept_language, buyer_page

log = logging.getLogger(__name__)


def not_found(exc: Any, request: Any) -> Any:
    return buyer_page(request, accept_language(request), "not_found", status=404)


FORBIDDEN_TITLE = _("Session expired")
FORBIDDEN_TEXT = _("This settings page has expired or does not belong to this store. Reopen the module's settings from the admin.")


def forbidden(exc: Any, request: Any) -> Any:
    """403: a settings post without a valid store-bound token (expired, forged or another store's).

    Answered inside the admin's iframe: the page uses the admin layout and may be framed.
    """
    from .settings import admin_message_page

    lang = accepted_language(request, DOMAIN_LANGUAGES[ADMIN_DOMAIN])
    return admin_message_page(request, lang, FORBIDDEN_TITLE, FORBIDDEN_TEXT, status=403)


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
