"""The module and the simulated Systempay platform talking over real HTTP (two separate apps).

The module serves on 127.0.0.1 (waitress in a thread); the platform is its own
WSGI app driven by webtest as the buyer's browser, and calls the module's
``/callback`` for real, as it would from another process.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
import webtest
from waitress.server import create_server

from ecwid_systempay import main
from ecwid_systempay.sandbox.systempay import REGISTRY_KEY

from ..flows import checkout, configure_store, hidden_fields
from .systempay_support import KEY_TEST, PREFIX, SITE_ID, make_app, pay


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def linked(settings: dict[str, Any]) -> Iterator[tuple[webtest.TestApp, Any, webtest.TestApp, Any]]:
    """(module testapp, module app, platform testapp, platform): the module listens on a real port."""
    port = _free_port()
    module_url = f"http://127.0.0.1:{port}"
    sandbox, platform = make_app(**{"sandbox.module_url": module_url})
    module_settings = dict(settings)
    module_settings["ecwid_systempay.public_url"] = module_url
    module_settings["ecwid_systempay.brand.systempay.payment_url"] = f"https://sandbox.test{PREFIX}/vads-payment/"
    app = main({}, **module_settings)
    server = create_server(app, host="127.0.0.1", port=port, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield webtest.TestApp(app, extra_environ={"HTTP_HOST": f"127.0.0.1:{port}"}), app, sandbox, platform
    finally:
        platform.close()
        server.close()
        thread.join(timeout=5)
        app.registry["dbengine"].dispose()


def include_platform(config: Any) -> None:
    """``pyramid.includes`` entry mounting the platform as the sandbox package does."""
    config.include("ecwid_systempay.sandbox.systempay", route_prefix=PREFIX)


@pytest.fixture
def in_process(settings: dict[str, Any]) -> Iterator[tuple[webtest.TestApp, Any]]:
    """The module with the platform inside (as in development.ini), served on a real port."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    module_settings = dict(settings)
    module_settings.update(
        {
            "pyramid.includes": f"{__name__}.include_platform",
            "ecwid_systempay.public_url": base,
            "ecwid_systempay.brand.systempay.payment_url": f"{base}{PREFIX}/vads-payment/",
            "sandbox.module_url": base,
            "sandbox.retry_interval_seconds": "0.3",
        }
    )
    app = main({}, **module_settings)
    server = create_server(app, host="127.0.0.1", port=port, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield webtest.TestApp(app, extra_environ={"HTTP_HOST": f"127.0.0.1:{port}"}), app
    finally:
        app.registry[REGISTRY_KEY].close()
        server.close()
        thread.join(timeout=5)
        app.registry["dbengine"].dispose()


def module_url(app: Any) -> str:
    return app.registry["app_settings"].public_url


def _to_platform(page: webtest.TestResponse) -> dict[str, str]:
    """The auto-submitted form of the module, as the browser would post it."""
    return hidden_fields(page.text)


def test_paid_journey_through_the_simulated_platform(linked, fake_ecwid) -> None:
    module, _app, sandbox, platform = linked
    assert configure_store(module, site_id=SITE_ID, key_test=KEY_TEST).status_int == 200
    page, fields = checkout(module)
    assert fields["vads_site_id"] == SITE_ID
    payment_page = sandbox.post(PREFIX + "/vads-payment/", _to_platform(page)).follow()
    assert payment_page.html.find(id="payment-page") is not None
    result = pay(sandbox, payment_page, "4970100000000014")
    assert result.html.find(id="result")["data-status"] == "AUTHORISED"
    [call] = platform.calls()
    assert call.success, call.info
    assert call.response.startswith("OK-Accepted payment")
    assert call.info.startswith("SENT, rule=URL de notification à la fin du paiement")
    # The buyer goes back through the module's return URL (the platform's auto-posted form): the module
    # keeps the signed data and redirects to its clean URL, which updates Ecwid and redirects to the shop.
    return_form = result.forms["return-form"]
    link = urlsplit(return_form.action)
    posted = module.post(f"{link.path}?{link.query}", dict(return_form.submit_fields()), status=303)
    assert posted.location == f"{module_url(_app)}{link.path}"
    back = module.get(urlsplit(posted.location).path, status=303)
    assert back.location.startswith("https://store.example/checkout")
    assert [put.body["paymentStatus"] for put in fake_ecwid.puts()] == ["PAID"]


def test_cancelled_payment_is_notified_to_the_module(linked, fake_ecwid) -> None:
    module, _app, sandbox, platform = linked
    configure_store(module, site_id=SITE_ID, key_test=KEY_TEST)
    page, _ = checkout(module)
    payment_page = sandbox.post(PREFIX + "/vads-payment/", _to_platform(page)).follow()
    response = payment_page.forms["cancel-form"].submit()
    [call] = platform.calls()
    assert call.success and call.rule == "cancellation"
    assert call.fields["vads_trans_status"] == "ABANDONED"
    assert urlsplit(response.forms["return-form"].action).path.startswith("/return/")


def test_platform_inside_the_module_process(in_process, fake_ecwid) -> None:
    testapp, app = in_process
    platform = app.registry[REGISTRY_KEY]
    configure_store(testapp, site_id=SITE_ID, key_test=KEY_TEST)
    page, fields = checkout(testapp)
    action = page.html.find("form")["action"]
    assert action.endswith(PREFIX + "/vads-payment/")
    payment_page = testapp.post(urlsplit(action).path, fields).follow()
    result = pay(testapp, payment_page, "4970100000000063")  # row 3: refused
    assert result.html.find(id="result")["data-status"] == "REFUSED"
    [call] = platform.calls()
    assert call.success and call.response.startswith("OK-Payment failure")
    assert testapp.get(PREFIX + "/bo/keys").html.select("tr.test-row")[2]["data-status"] == "done"
