"""``GET|POST /return/{public_id}``: where the buyer comes back from the payment page."""

from __future__ import annotations

from typing import Any

from pyramid.httpexceptions import HTTPSeeOther
from pyramid.renderers import render_to_response

from ..protocol.messages import message
from ..resources import ReturnResource
from ..services.returns import ReturnHandler
from .pages import accept_language, buyer_page


def return_view(context: ReturnResource, request: Any) -> Any:
    pairs = list(request.GET.items())
    if request.method == "POST":
        pairs += list(request.POST.items())
    pairs = [(k, v) for k, v in pairs if k not in ("check", "app-name")]
    try:
        check = max(0, min(int(request.GET.get("check", "0")), 1000))
    except ValueError:
        check = 0
    handler: ReturnHandler = request.registry["return_handler"]
    decision = handler.handle(context.public_id, pairs, check)
    if decision.kind == "not_found":
        return buyer_page(request, accept_language(request), "not_found", status=404)
    if decision.kind == "redirect":
        assert decision.url
        return HTTPSeeOther(location=decision.url)
    query = [(k, v) for k, v in request.GET.items() if k != "check"] + [("check", str(check + 1))]
    if request.method == "POST":
        query += [(k, v) for k, v in request.POST.items() if k.startswith("vads_") or k == "signature"]
    refresh = request.resource_url(context, query=query)
    response = render_to_response(
        "ecwid_systempay:templates/confirming.pt",
        {
            "lang": decision.lang,
            "title": message("confirming_title", decision.lang),
            "text": message("confirming_body", decision.lang),
            "refresh_url": refresh,
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
