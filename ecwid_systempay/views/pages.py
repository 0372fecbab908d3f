"""Small helpers for the pages a buyer reads."""

from __future__ import annotations

from typing import Any

from pyramid.renderers import render_to_response

from ..protocol.messages import buyer_language, message


def accept_language(request: Any) -> str:
    best = request.accept_language.lookup(
        ["en", "fr", "de", "es", "it", "nl", "pt", "pl", "ru", "sv", "tr", "zh", "ja"], default="en"
    )
    return buyer_language(best)


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
    lang = buyer_language(lang)
    response = render_to_response(
        "ecwid_systempay:templates/message.pt",
        {
            "lang": lang,
            "title": message(title_key, lang),
            "text": message(key, lang),
            "back_url": return_url,
            "back_label": message("back_to_shop", lang),
        },
        request=request,
    )
    response.status = status
    return response
