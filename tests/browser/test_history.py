"""The merchant finds a sandbox payment, with its notifications, in the history inside the admin iframe."""

from __future__ import annotations

import time

from .conftest import shot
from .journeys import ADMIN_PATH, back_to_shop, buy, configure_module, order_status, pay_with

ACCEPTED = "4970100000000055"


def test_merchant_finds_the_payment_and_its_notifications_in_the_history(stack, page):
    module, sandbox = stack
    configure_module(page, sandbox.url)
    order_id = buy(page, sandbox.url, currency="EUR")
    assert pay_with(page, ACCEPTED) == "AUTHORISED"
    back_to_shop(page)
    page.locator("#thank-you").wait_for()
    assert order_status(page, sandbox.url, order_id, wait_for="PAID") == "PAID"

    page.goto(sandbox.url + ADMIN_PATH)
    frame = page.frame_locator("#settings-frame")
    frame.locator("#open-history button").click()
    frame.locator("#history").wait_for()
    row = frame.locator(f"tr.payment[data-order='{order_id}']")
    deadline = time.monotonic() + 20
    while row.get_attribute("data-update-state") != "sent" and time.monotonic() < deadline:
        time.sleep(0.5)  # the worker records its delivery just after the store's answer
        frame.locator("#search button").click()  # the same page again (empty search: everything)
        frame.locator("#history").wait_for()
    assert row.get_attribute("data-ecwid-status") == "PAID"
    assert row.get_attribute("data-update-state") == "sent"
    assert row.locator(".amount").inner_text().endswith("EUR")
    assert row.locator("time").first.get_attribute("datetime").endswith("Z")

    # Only this order, by its number, and its notification from the platform (end of payment).
    frame.locator("#search-q").fill(order_id)
    frame.locator("#search button").click()
    frame.locator("#show-all").wait_for()
    assert frame.locator("tr.payment").count() == 1
    notes = frame.locator(f"tbody.order:has(tr.payment[data-order='{order_id}']) tr.notification")
    assert notes.count() >= 1
    assert notes.first.get_attribute("data-source") == "PAY"
    assert notes.first.get_attribute("data-status") == "AUTHORISED"
    assert notes.first.get_attribute("data-outcome") == "payment_ok"
    assert "Payment accepted" in notes.first.inner_text()
    shot(page, "12-payment-history")

    frame.locator("#back-to-settings button").click()
    frame.locator("input[name=site_id]").wait_for()
    assert frame.locator("#key-test-state").inner_text().strip() == "Key saved"
