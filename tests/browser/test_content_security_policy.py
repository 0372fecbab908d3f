"""In Chromium, the module's pages work under their Content-Security-Policy: nothing is refused."""

from __future__ import annotations

from .journeys import buy, configure_module


def test_the_settings_and_the_checkout_run_without_a_policy_violation(stack, page):
    _, sandbox = stack
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None)
    frame = configure_module(page, sandbox.url)  # the settings page (SDK and its init script), in the demo admin
    frame.locator("#open-history button").click()  # the payment history, in the same iframe
    frame.locator("#history").wait_for()
    buy(page, sandbox.url)  # the signed form is posted to the payment page by a static script
    assert refused == []
