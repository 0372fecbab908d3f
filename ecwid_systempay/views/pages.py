"""Small helpers for the pages a buyer reads, in the buyer's language."""

from __future__ import annotations

from typing import Any

from pyramid.i18n import Localizer
from pyramid.renderers import render_to_response

from ..i18n.locale import accepted_language, use_locale
from ..protocol.languages import LANGUAGES
from ..protocol.messages import buyer_language, message

BUYER_LANGUAGES = tuple(LANGUAGES)


def accept_language(request: Any) -> str:
    """The buyer's language when no payment is known: Accept-Language, else English."""
    return accepted_language(request, BUYER_LANGUAGES)


def buyer_localizer(request: Any, lang: str | None) -> Localizer:
    """Switch the request to the buyer's language (English when not one of the 13)."""
    return use_locale(request, buyer_language(lang))


def buyer_text(request: Any, lang: str | None, key: str) -> str:
    """The buyer message ``key`` in ``lang``."""
    return buyer_localizer(request, lang).translate(message(key))


def buyer_page(
    request: Any,
    lang: str,
    key: str,
    *,
    status: int,
    return_url: str | None = None,
    title_key: str = "error_title",
) -> Any:
    """A page with one message in the buyer's language and, when known, a way back."""
    localizer = buyer_localizer(request, lang)
    response = render_to_response(
        "ecwid_systempay:templates/message.pt",
        {
            "lang": localizer.locale_name,
            "title": localizer.translate(message(title_key)),
            "text": localizer.translate(message(key)),
            "back_url": return_url,
            "back_label": localizer.translate(message("back_to_shop")),
        },
        request=request,
    )
    response.status = status
    return response
