"""Every journey a person makes, in Chromium, against the module and its sandbox on real servers."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

from ecwid_systempay.sandbox.systempay.platform import RULE_END_OF_PAYMENT

from .conftest import SITE_ID, shot
from .journeys import back_to_shop, buy, configure_module, open_admin, order_status, pay_with, urls_with_gateway_data

ACCEPTED = "4970100000000055"
REFUSED = "4970100000000071"


def platform(sandbox):
    return sandbox.registry["sandbox.systempay"]


def test_merchant_configures_the_module_in_the_admin_iframe(stack, page):
    module, sandbox = stack
    frame = open_admin(page, sandbox.url)
    frame.locator("input[name=site_id]").fill("1234")
    frame.locator("input[name=key_test]").fill(platform(sandbox).keys()["key_test"])
    frame.locator("button[name=save]").click()
    error = frame.locator(".field__error").first
    error.wait_for()
    assert error.inner_text() == "The shop ID has exactly 8 digits."
    shot(page, "01-settings-validation-error")
    frame.locator("input[name=site_id]").fill(SITE_ID)
    frame.locator("input[name=key_test]").fill(platform(sandbox).keys()["key_test"])
    frame.locator("select[name=default_language]").select_option("en")
    frame.locator("button[name=save]").click()
    frame.locator("#flash.inline-alert--success").wait_for()
    page.reload()
    frame = page.frame_locator("#settings-frame")
    assert frame.locator("input[name=site_id]").input_value() == SITE_ID
    assert frame.locator("select[name=default_language]").input_value() == "en"
    assert frame.locator("input[name=key_test]").input_value() == ""
    assert platform(sandbox).keys()["key_test"] not in frame.locator("body").inner_html()
    assert frame.locator("#key-test-state").inner_text().strip() == "Key saved"
    assert frame.locator("#notification-url").input_value() == f"{module.url}/callback?app-name=systempay"
    shot(page, "02-settings-saved")


def test_buyer_pays_with_an_accepted_card(stack, page, visited):
    module, sandbox = stack
    configure_module(page, sandbox.url)
    order_id = buy(page, sandbox.url, currency="EUR")
    shot(page, "03-payment-page")
    assert pay_with(page, ACCEPTED) == "AUTHORISED"
    shot(page, "04-payment-result-accepted")
    back_to_shop(page)
    page.locator("#thank-you").wait_for()
    shot(page, "05-thank-you")
    assert any(urlsplit(url).path.startswith("/return/") for url in visited)  # the real return, posted
    assert urls_with_gateway_data(visited) == []
    assert order_status(page, sandbox.url, order_id) == "PAID"
    shot(page, "06-admin-orders")


def test_without_notification_the_posted_return_completes_the_payment(stack, page, visited):
    """The notification rule is off: the buyer waits on a clean URL, then the stored signed return is used."""
    module, sandbox = stack
    configure_module(page, sandbox.url)
    plat = platform(sandbox)
    plat.set_rule(RULE_END_OF_PAYMENT, enabled=False)
    try:
        order_id = buy(page, sandbox.url, currency="EUR")
        assert pay_with(page, ACCEPTED) == "AUTHORISED"
        page.click("#return-to-shop")
        page.locator("#confirming").wait_for()
        shot(page, "05b-payment-being-confirmed")
        waiting = urlsplit(page.url)
        assert f"{waiting.scheme}://{waiting.netloc}" == module.url
        assert waiting.path.startswith("/return/") and waiting.query == ""
        page.wait_for_url(lambda url: "/sandbox/ecwid/" in url, timeout=30_000)
        page.locator("#thank-you").wait_for()
    finally:
        plat.set_rule(RULE_END_OF_PAYMENT, enabled=True)
    [transaction] = plat.find_transactions(order_id=order_id)
    assert transaction.calls == []  # no notification was sent
    assert urls_with_gateway_data(visited) == []
    assert order_status(page, sandbox.url, order_id) == "PAID"
    # The settings page says so, with the rules to check in the Back Office.
    frame = loaded(open_admin(page, sandbox.url))
    warning = frame.locator("#notification-warning-TEST")
    warning.wait_for()
    assert warning.locator("[data-reason=return]").count() == 1
    assert warning.locator("[data-rule]").count() == 4
    assert "at the end of the payment" in warning.inner_text()
    assert frame.locator("#notification-warning-PRODUCTION").count() == 0
    shot(page, "settings-07-notification-warning")
    # The rule works again: the next payment is notified, and the warning goes.
    buy(page, sandbox.url, currency="EUR")
    assert pay_with(page, ACCEPTED) == "AUTHORISED"
    back_to_shop(page)
    page.locator("#thank-you").wait_for()
    deadline = time.monotonic() + 20
    while True:  # the notification may reach the module a little after the buyer is back
        frame = loaded(open_admin(page, sandbox.url))
        if frame.locator("#notification-warning-TEST").count() == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert frame.locator("#notification-warning-TEST").count() == 0
    last = frame.locator("#last-notification-TEST")
    assert (last.get_attribute("data-source"), last.get_attribute("data-status")) == ("PAY", "AUTHORISED")
    assert frame.locator("#last-notification-TEST").get_attribute("data-at").endswith("Z")
    shot(page, "settings-08-notification-warning-cleared")


def test_buyer_with_a_refused_card_lands_on_checkout_with_the_message(stack, page, visited):
    module, sandbox = stack
    configure_module(page, sandbox.url)
    order_id = buy(page, sandbox.url, currency="JPY")
    assert pay_with(page, REFUSED) == "REFUSED"
    back_to_shop(page)
    message = page.locator("#error-message")
    message.wait_for()
    assert "refused" in message.inner_text().lower() or "refusé" in message.inner_text().lower()
    shot(page, "07-checkout-after-refusal")
    assert urls_with_gateway_data(visited) == []
    assert order_status(page, sandbox.url, order_id) == "INCOMPLETE"


def test_buyer_cancels_and_returns_to_the_shop(stack, page, visited):
    module, sandbox = stack
    configure_module(page, sandbox.url)
    order_id = buy(page, sandbox.url, currency="USD")
    page.click("#cancel")
    page.wait_for_url(lambda url: "/sandbox/ecwid/" in url)
    page.locator("#error-message").wait_for()
    assert "cancel" in page.locator("#error-message").inner_text().lower() or "annul" in page.locator("#error-message").inner_text().lower()
    assert urls_with_gateway_data(visited) == []
    assert order_status(page, sandbox.url, order_id, wait_for="INCOMPLETE") == "INCOMPLETE"


def test_payment_session_expires(stack, page, visited):
    module, sandbox = stack
    configure_module(page, sandbox.url)
    order_id = buy(page, sandbox.url, currency="KWD")
    later = datetime.now(timezone.utc) + timedelta(minutes=11)
    platform(sandbox).clock = lambda: later
    try:
        page.fill("#card-number", ACCEPTED)
        page.click("#pay")
        page.locator("#session-expired").wait_for()
        shot(page, "08-session-expired")
        page.click("#return-to-shop")
        page.wait_for_url(lambda url: "/sandbox/ecwid/" in url)
    finally:
        platform(sandbox).clock = lambda: datetime.now(timezone.utc)
    assert urls_with_gateway_data(visited) == []
    assert order_status(page, sandbox.url, order_id, wait_for="INCOMPLETE") == "INCOMPLETE"


def loaded(frame):
    """The settings page once all of it is there (the admin shows it from ``init``, in its head)."""
    frame.locator("#open-history").wait_for(state="attached")
    return frame


def scenario_states(frame) -> dict[str, str]:
    rows = loaded(frame).locator("[data-test-scenario]")
    return {rows.nth(i).get_attribute("data-test-scenario"): rows.nth(i).get_attribute("data-done") for i in range(rows.count())}


def test_the_four_test_rows_tick_on_the_settings_page_then_the_production_key_is_entered(stack, page, visited):
    module, sandbox = stack
    plat = platform(sandbox)
    # A shop of its own, so that its test table (in the Back Office and on the settings page) starts empty.
    shop = plat.add_shop("87654321", "1234567890123456", name="Test phase shop")
    try:
        frame = configure_module(page, sandbox.url, site_id=shop.site_id, key_test=shop.key_test)
        assert scenario_states(frame) == {"1": "false", "2": "false", "3": "false", "4": "false"}
        for row in plat.test_rows(shop.site_id):
            buy(page, sandbox.url)
            assert pay_with(page, row.cards[row.row - 1]) == ("AUTHORISED" if row.expected == "ACCEPTED" else "REFUSED")
            back_to_shop(page)
            deadline = time.monotonic() + 20
            while True:  # the row is ticked once the module has the payment's notification
                frame = open_admin(page, sandbox.url)
                if scenario_states(frame)[str(row.row)] == "true" or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            assert scenario_states(frame)[str(row.row)] == "true", row
        assert scenario_states(frame) == {"1": "true", "2": "true", "3": "true", "4": "true"}
        frame.locator("#test-phase-next").wait_for()
        shot(page, "settings-09-test-phase-done")
        assert urls_with_gateway_data(visited) == []

        # The Back Office agrees and gives the production key; the merchant enters it on the settings page.
        page.goto(f"{sandbox.url}/sandbox/systempay/bo/keys?site_id={shop.site_id}")
        assert page.locator("tr.test-row[data-status=done]").count() == 4
        page.click("#generate-production-key")
        key = page.locator("#production-key")
        key.wait_for()
        production_key = key.inner_text().strip()
        assert len(production_key) >= 16
        shot(page, "09-bo-production-key")
        frame = open_admin(page, sandbox.url)
        assert frame.locator("[data-step=enter]").get_attribute("data-done") == "false"
        frame.locator("input[name=key_prod]").fill(production_key)
        frame.locator("button[name=save]").click()
        frame.locator("#flash.inline-alert--success").wait_for()
        assert frame.locator("#key-prod-state").inner_text().strip() == "Key saved"
        assert frame.locator("[data-step=enter]").get_attribute("data-done") == "true"
        assert production_key not in frame.locator("body").inner_html()
        # This deployment (allow_production = false) cannot switch: the page says where it is done.
        assert "only accepts TEST mode" in frame.locator("[data-step=switch]").inner_text()
        assert frame.locator("select[name=ctx_mode] option[value=PRODUCTION]").count() == 0
        shot(page, "settings-10-production-key-entered")
    finally:
        configure_module(page, sandbox.url)  # the default shop again, for the other journeys


def test_failing_notification_url_is_retried_and_the_order_updated_once_the_module_is_back(stack, page):
    module, sandbox = stack
    configure_module(page, sandbox.url)
    plat = platform(sandbox)
    plat.clear_outbox()
    order_id = buy(page, sandbox.url, currency="EUR")
    module.stop()
    try:
        assert pay_with(page, ACCEPTED) == "AUTHORISED"
        deadline = time.monotonic() + 20
        while len(plat.outbox()) < 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert len(plat.outbox()) >= 2
        page.goto(sandbox.url + "/sandbox/systempay/bo/outbox")
        assert "FAILURE" in page.locator("#outbox").inner_text()
        shot(page, "10-outbox-alerts")
    finally:
        module.start()
    # No nudge: the platform's own next retry (spacing shortened to 2 s for the test) reaches the module.
    assert order_status(page, sandbox.url, order_id, wait_for="PAID") == "PAID"
    [transaction] = plat.find_transactions(order_id=order_id)
    page.goto(f"{sandbox.url}/sandbox/systempay/bo/transactions/{transaction.uuid}")
    shot(page, "11-bo-transaction-history")
    assert page.locator("#history tr.history-row[data-success=false]").count() >= 2
    assert page.locator("#history tr.history-row[data-success=true]").count() == 1
