"""Both brands through the whole stack, as development.ini runs it: module and sandbox in one app on a real port."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from html import unescape
from typing import Any
from urllib.parse import urlsplit

import pytest
import webtest
from waitress.server import create_server

from ecwid_systempay import main

from ..flows import hidden_fields
from ..processes import free_port
from .systempay_support import pay


@pytest.fixture
def dev_stack(settings: dict[str, Any]) -> Iterator[tuple[webtest.TestApp, Any]]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    stack_settings = dict(settings)
    stack_settings.update(
        {
            "pyramid.includes": "ecwid_systempay.sandbox",
            "ecwid_systempay.public_url": base,
            "ecwid_systempay.ecwid_api_url": f"{base}/sandbox/ecwid/api/v3",
            "ecwid_systempay.brand.systempay.payment_url": f"{base}/sandbox/systempay/vads-payment/",
            "ecwid_systempay.brand.payzen.payment_url": f"{base}/sandbox/systempay/vads-payment/?brand=payzen",
            "ecwid_systempay.brand.payzen.title": "PayZen",
            "sandbox.module_url": base,
            "sandbox.public_url": f"{base}/sandbox",
        }
    )
    app = main({}, **stack_settings)
    server = create_server(app, host="127.0.0.1", port=port, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield webtest.TestApp(app, extra_environ={"HTTP_HOST": f"127.0.0.1:{port}"}), app.registry
    finally:
        app.registry["sandbox.systempay"].close()
        server.close()
        thread.join(timeout=5)
        app.registry["dbengine"].dispose()


def local(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


@pytest.mark.parametrize("brand", ["systempay", "payzen"])
def test_a_merchant_sets_up_either_brand_in_the_demo_admin_and_a_buyer_pays_with_it(dev_stack, brand) -> None:
    testapp, registry = dev_stack
    store = registry["sandbox.ecwid"]
    platform = registry["sandbox.systempay"]
    shop = next(b for b in registry["sandbox.brands"] if b.name == brand)
    # The merchant: the brand's settings page in the demo admin, with the brand's own shop.
    admin = testapp.get(f"/sandbox/ecwid/admin?app={brand}")
    assert admin.html.find(id="hint-site-id").text == shop.site_id
    settings_page = testapp.get(local(admin.html.find(id="settings-frame")["src"]))
    form = settings_page.forms["settings"]
    form["site_id"] = shop.site_id
    form["key_test"] = shop.key_test
    assert "inline-alert--success" in form.submit("save").html.find(id="flash")["class"]
    # The buyer: the storefront's payment method of that brand, the module, the platform.
    checkout = testapp.get("/sandbox/ecwid/store").forms["checkout-form"]
    checkout["qty_2"] = "1"
    checkout["app"] = brand
    redirect = checkout.submit()
    action = unescape(re.search(r'action="([^"]+)"', redirect.text).group(1))
    assert action.endswith(f"/payment?app-name={brand}")
    module_form = testapp.post(local(action), hidden_fields(redirect.text))
    fields = hidden_fields(module_form.text)
    assert fields["vads_site_id"] == shop.site_id
    payment_url = module_form.html.find("form")["action"]
    assert payment_url.endswith("?brand=payzen") == (brand == "payzen")
    result = pay(testapp, testapp.post(local(payment_url), fields).follow(), "4970100000000014")
    assert result.html.find(id="result")["data-status"] == "AUTHORISED"
    [call] = platform.calls()
    assert call.success, call.info
    assert call.url.endswith(f"/callback?app-name={brand}")
    # Back to the shop through the module: the order is PAID, updated with that app's token.
    response = result.forms["return-form"].submit(status=303)
    while response.status_int == 303:  # the module's return page, then Ecwid's returnUrl
        response = testapp.get(local(response.location))
    thanks = response
    assert urlsplit(response.request.url).path == f"/sandbox/ecwid/store/{store.store_id}/return"
    assert thanks.html.find(id="thank-you") is not None
    [order] = store.orders()
    assert (order.app_name, order.payment_status) == (brand, "PAID")
    puts = [c for c in store.api_calls() if c.method == "PUT"]
    assert puts and all((c.status, c.app) == (200, brand) for c in puts)  # that app's own token
