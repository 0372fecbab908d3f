"""The platform inside the standalone sandbox application (``ecwid_systempay.sandbox:main``)."""

from __future__ import annotations

import webtest

from ecwid_systempay.sandbox.systempay import REGISTRY_KEY
from ecwid_systempay.sandbox.systempay.platform import SystempayPlatform

from .systempay_support import PREFIX, error_code, form, post_form


def test_standalone_sandbox_serves_the_platform() -> None:
    from ecwid_systempay.sandbox import main

    settings = {"sandbox.retry_interval_seconds": "0.3", "sandbox.site_id": "87654321", "sandbox.key_test": "1" * 16}
    app = main({}, **settings)
    platform: SystempayPlatform = app.registry[REGISTRY_KEY]
    try:
        assert platform.keys()["site_id"] == "87654321"
        testapp = webtest.TestApp(app)
        page = post_form(testapp, form(platform, "1" * 16, vads_site_id="87654321"))
        assert page.html.find(id="payment-page") is not None
        assert error_code(post_form(testapp, form(platform, vads_site_id="87654321"))) == "00"
        assert testapp.get(PREFIX + "/bo/keys").html.find(id="key-test").get_text(strip=True) == "1" * 16
    finally:
        platform.close()
