"""Steps of the payment journey, driven through webtest as Ecwid, the gateway and the buyer would."""

from __future__ import annotations

import re
from html import unescape
from typing import Any

import webtest

from .support import KEY_PROD, KEY_TEST, SITE_ID, STORE_ID, encrypted_form, form_body, order_payload, settings_payload


def hidden_fields(html: str) -> dict[str, str]:
    fields = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html):
        fields[unescape(name)] = unescape(value)
    return fields


def open_settings(testapp: webtest.TestApp, *, store_id: int = STORE_ID, lang: str = "en", brand: str = "systempay", **kw: Any) -> webtest.TestResponse:
    from .support import CLIENT_SECRET

    secret = kw.pop("secret", CLIENT_SECRET)
    return testapp.get("/settings", {"payload": settings_payload(store_id, lang, secret), "app-name": brand}, **kw)


def configure_store(
    testapp: webtest.TestApp,
    *,
    store_id: int = STORE_ID,
    site_id: str = SITE_ID,
    key_test: str = KEY_TEST,
    key_prod: str = "",
    ctx_mode: str = "TEST",
    **values: Any,
) -> webtest.TestResponse:
    page = open_settings(testapp, store_id=store_id)
    form = page.forms["settings"]
    form["site_id"] = site_id
    form["key_test"] = key_test
    form["key_prod"] = key_prod
    form["ctx_mode"] = ctx_mode
    for name, value in values.items():
        form[name] = value
    return form.submit("save", status="*")


def checkout(testapp: webtest.TestApp, *, legacy: bool = False, status: int | str = 200, **order: Any) -> tuple[webtest.TestResponse, dict[str, str]]:
    response = testapp.post("/payment?app-name=systempay", encrypted_form(order_payload(**order), legacy=legacy), status=status)
    return response, hidden_fields(response.text)


def notify(testapp: webtest.TestApp, fields: dict[str, str], *, brand: str = "systempay", status: int | str = 200) -> webtest.TestResponse:
    return testapp.post(
        f"/callback?app-name={brand}",
        form_body(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        status=status,
    )


__all__ = ["KEY_PROD"]
