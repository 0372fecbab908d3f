"""``GET /sandbox/``: the sandbox's landing page."""

from __future__ import annotations

from typing import Any

from pyramid.renderers import render_to_response

from .brands import sandbox_brands
from .guard import refused_in_production


def home(request: Any) -> Any:
    """The steps to try the module, with each brand's demo shop (site id and test key)."""
    platform = request.registry.get("sandbox.systempay")
    brands = request.registry.get("sandbox.brands") or sandbox_brands(request.registry.settings or {})
    shops = []
    for brand in brands:
        site_id, key_test = brand.site_id, brand.key_test
        if platform is not None:
            try:
                keys = platform.keys(brand.site_id)
                site_id, key_test = str(keys["site_id"]), str(keys["key_test"])
            except KeyError:
                pass
        shops.append({"name": brand.name, "title": brand.title, "site_id": site_id, "key_test": key_test})
    return render_to_response(
        "ecwid_systempay.sandbox:templates/home.pt",
        {"title": "Sandbox", "site_id": shops[0]["site_id"], "key_test": shops[0]["key_test"], "shops": shops},
        request=request,
    )


def includeme(config: Any) -> None:
    if refused_in_production(config, "ecwid_systempay.sandbox.home"):
        return
    config.add_route("sandbox.home", "/sandbox/")
    config.add_view(home, route_name="sandbox.home", request_method="GET")
