"""``GET /sandbox/``: the sandbox's landing page."""

from __future__ import annotations

from typing import Any

from pyramid.renderers import render_to_response

from .guard import refused_in_production


def home(request: Any) -> Any:
    conf = request.registry.get("sandbox.ecwid.settings", {})
    platform = request.registry.get("sandbox.systempay")
    keys = platform.keys() if platform is not None else {"site_id": conf.get("site_id"), "key_test": conf.get("key_test")}
    return render_to_response(
        "ecwid_systempay.sandbox:templates/home.pt",
        {"title": "Sandbox", "site_id": keys["site_id"], "key_test": keys["key_test"]},
        request=request,
    )


def includeme(config: Any) -> None:
    if refused_in_production(config, "ecwid_systempay.sandbox.home"):
        return
    config.add_route("sandbox.home", "/sandbox/")
    config.add_view(home, route_name="sandbox.home", request_method="GET")
