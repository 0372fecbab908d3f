"""What a merchant and a buyer do in the browser, as reusable steps (Playwright sync API)."""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .conftest import KEY_TEST, SITE_ID, shot

# Pages of the simulated Ecwid store (see ecwid_systempay/sandbox/ecwid/__init__.py).
STORE_PATH = "/sandbox/ecwid/store"
ADMIN_PATH = "/sandbox/ecwid/admin"


def open_admin(page: Any, sandbox_url: str) -> Any:
    """The demo admin, once it shows the app's iframe (no more loader), as a person would wait."""
    page.goto(sandbox_url + ADMIN_PATH)
    page.locator("#app-area[data-state=ready]").wait_for(state="attached")
    return page.frame_locator("#settings-frame")


def configure_module(page: Any, sandbox_url: str, *, site_id: str = SITE_ID, key_test: str = KEY_TEST, **fields: str) -> Any:
    """Open the settings iframe in the demo admin, fill it and save."""
    frame = open_admin(page, sandbox_url)
    frame.locator("input[name=site_id]").fill(site_id)
    frame.locator("input[name=key_test]").fill(key_test)
    for name, value in fields.items():
        element = frame.locator(f"[name={name}]").first
        if element.evaluate("e => e.tagName") == "SELECT":
            element.select_option(value)
        elif element.get_attribute("type") == "checkbox":
            element.set_checked(value == "true")
        else:
            element.fill(value)
    frame.locator("button[name=save]").click()
    frame.locator("#flash.inline-alert--success").wait_for()
    return frame


def buy(page: Any, sandbox_url: str, *, currency: str = "EUR", product_index: int = 0, lang: str | None = None) -> str:
    """Fill a cart in the storefront and go to payment; returns the Ecwid order id."""
    page.goto(f"{sandbox_url}{STORE_PATH}?currency={currency}&lang={lang or 'en'}")
    page.locator(".add-to-cart").nth(product_index).click()
    page.locator("#go-to-payment").click()
    page.wait_for_url(re.compile(r".*/vads-payment/session/.*"))
    page.locator("#payment-page").wait_for()
    return page.locator("#order-id").inner_text().strip()


def pay_with(page: Any, card: str, *, challenge: str | None = None) -> str:
    """Pay on the simulated payment page; returns the result's status."""
    page.fill("#card-number", card)
    page.click("#pay")
    if challenge:
        page.locator(f"#challenge-{challenge}").click()
    result = page.locator("#result")
    result.wait_for()
    return result.get_attribute("data-status") or ""


def back_to_shop(page: Any) -> None:
    page.click("#return-to-shop")
    page.wait_for_url(re.compile(r".*/sandbox/ecwid/.*"), timeout=30_000)


def urls_with_gateway_data(urls: list[str]) -> list[str]:
    """The URLs that carry a gateway field (``vads_*``, ``signature``) in their query string."""
    return [
        url
        for url in urls
        if any(name.startswith("vads_") or name == "signature" for name, _ in parse_qsl(urlsplit(url).query))
    ]


def order_status(page: Any, sandbox_url: str, order_id: str, *, wait_for: str | None = None, timeout: float = 30) -> str:
    """The payment status shown in the demo admin's orders table (optionally waiting for a value)."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(sandbox_url + ADMIN_PATH)
        row = page.locator(f"#orders tr.order[data-order-id='{order_id}']")
        status = row.locator(".payment-status").inner_text().strip()
        if wait_for is None or status == wait_for or time.monotonic() > deadline:
            return status
        time.sleep(1)


__all__ = ["open_admin", "configure_module", "buy", "pay_with", "back_to_shop", "order_status", "urls_with_gateway_data", "shot"]
