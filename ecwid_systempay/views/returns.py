"""``GET|POST /return/{public_id}``: where the buyer comes back from the payment page.

The gateway posts its signed return data (``vads_return_mode=POST``): masked card,
expiry, e-mail, address, phone, 3-D Secure values. It is handed to the return
handler (verified, stored if needed) and the browser is sent at once (303) to the
clean URL, ``{public_url}/return/{public_id}``, so that none of it stays in the
browser's history or reaches a proxy's log through a URL. A GET carrying
``vads_*`` fields (an old form, a shop configured to GET) is treated the same way.
Only the clean URL shows a page: the "payment being confirmed" page, which
refreshes to itself, or the redirect to Ecwid's ``returnUrl``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response

from ..protocol.messages import message
from ..protocol.notification import MAX_BODY_BYTES, MalformedNotification, Notification, parse_pairs
from ..resources import ReturnResource
from ..services.returns import ReturnHandler, with_error
from .pages import accept_language, buyer_localizer, buyer_page

#: Query parameters of the module's own return URLs, never part of the gateway's data.
OWN_PARAMETERS = ("app-name", "check")


def clean_url(request: Any, public_id: str) -> str:
    """The return URL that names the payment only, built from ``ecwid_systempay.public_url``."""
    return request.app_settings.url(f"return/{public_id}")


def gateway_pairs(request: Any) -> list[tuple[str, str]] | None:
    """The return data the request carries (body of a POST, query of a GET); None if there is none."""
    if request.method == "POST":
        if (request.content_length or 0) > MAX_BODY_BYTES:
            return []  # not the gateway's: dropped
        raw = request.body.decode("utf-8", "replace")
    else:
        raw = request.query_string
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, errors="strict")
    except (UnicodeDecodeError, ValueError):
        return []
    pairs = [(k, v) for k, v in pairs if k not in OWN_PARAMETERS]
    if request.method == "GET" and not any(k.startswith("vads_") or k == "signature" for k, _ in pairs):
        return None
    return pairs


def signed_data(pairs: list[tuple[str, str]]) -> Notification | None:
    if not any(name.startswith("vads_") for name, _ in pairs):
        return None
    try:
        return parse_pairs(pairs)
    except MalformedNotification:
        return None


def return_view(context: ReturnResource, request: Any) -> Any:
    handler: ReturnHandler = request.registry["return_handler"]
    pairs = gateway_pairs(request)
    if pairs is not None:
        if not handler.receive(context.public_id, signed_data(pairs)):
            return buyer_page(request, accept_language(request), "not_found", status=404)
        return HTTPSeeOther(location=clean_url(request, context.public_id))

    decision = handler.handle(context.public_id)
    if decision.kind == "not_found":
        return buyer_page(request, accept_language(request), "not_found", status=404)
    localizer = buyer_localizer(request, decision.lang)
    if decision.kind == "redirect":
        assert decision.url
        error = localizer.translate(message(decision.error)) if decision.error else None
        return HTTPSeeOther(location=with_error(decision.url, error))
    response = render_to_response(
        "ecwid_systempay:templates/confirming.pt",
        {
            "lang": localizer.locale_name,
            "title": localizer.translate(message("confirming_title")),
            "text": localizer.translate(message("confirming_body")),
            "refresh_url": clean_url(request, context.public_id),
            "seconds": request.app_settings.return_check_seconds,
        },
        request=request,
    )
    response.status = 202
    return response


def includeme(config: Any) -> None:
    config.add_view(return_view, context=ReturnResource, request_method=("GET", "POST"))
    # The update worker is registered by ecwid_systempay.worker, included before the views.
    config.registry["return_handler"] = ReturnHandler(
        config.registry["dbsession_factory"],
        config.registry["update_worker"],
        config.registry["secret_box"],
        config.registry["app_settings"],
    )
