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


def field_error(html: str, field: str) -> str | None:
    """The error shown under a settings field (its ``fieldset``), or None."""
    match = re.search(rf'<div[^>]*data-field="{field}">(.*?)(?=<div[^>]*data-field=|</form>)', html, re.S)
    assert match is not None, field
    error = re.search(r'class="field__error"[^>]*>([^<]+)<', match.group(1))
    return unescape(error.group(1)).strip() if error else None


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


def masked_card(number: str) -> str:
    """A card number as the gateway sends it: BIN, ``X`` for the middle digits, last four."""
    return number[:6] + "X" * (len(number) - 10) + number[-4:]


def pay_with_card(
    testapp: webtest.TestApp, card: str = "4970100000000014", status: str = "AUTHORISED", *, n: int = 0, **answer: Any
) -> dict[str, str]:
    """A checkout and the gateway's notification of its result, paid with ``card``; the form's fields."""
    from .support import gateway_answer

    _, fields = checkout(testapp, reference=f"transaction_{card}_{status}_{n}")
    notify(testapp, gateway_answer(fields, status=status, overrides={"vads_card_number": masked_card(card)}, **answer))
    return fields


__all__ = ["KEY_PROD"]
