"""The module's settings page inside the simulated admin, in Chromium: as Ecwid's admin would show it.

- the admin keeps its loader until the page calls ``EcwidApp.init`` (then the iframe is as
  tall as the page, again after each post);
- the French and the English page, with Deform's and Colander's own messages;
- 375 px wide: nothing wider than the viewport, for the settings page and the history.
The diagnostics warning and the test phase are in ``test_journeys.py`` (with the journeys
that cause them), the history's notifications in ``test_history.py``.
"""

from __future__ import annotations

import time
from typing import Any

from ..support import eventually
from .conftest import shot
from .journeys import ADMIN_PATH, back_to_shop, buy, configure_module, pay_with


def heights(page: Any) -> tuple[int, int]:
    """(the iframe's height in the admin, the height of the page inside it)."""
    frame = page.locator("#settings-frame").element_handle().content_frame()
    inner = frame.evaluate(
        "Math.ceil(Math.max(document.documentElement.getBoundingClientRect().height, document.body.offsetHeight))"
    )
    return page.locator("#settings-frame").evaluate("e => e.clientHeight"), inner


def fits(page: Any) -> bool:
    outer, inner = heights(page)
    return abs(outer - inner) <= 2


def test_the_admin_keeps_its_loader_until_the_settings_page_calls_init_then_fits_the_iframe_to_it(stack, page):
    module, sandbox = stack
    held: list[Any] = []
    # Hold the page's init script: the SDK is there, but nobody has called EcwidApp.init() yet.
    page.route(f"{module.url}/static/admin.js", lambda route: held.append(route))
    page.goto(f"{sandbox.url}{ADMIN_PATH}?app=systempay&auth=payload&lang=en", wait_until="domcontentloaded")
    deadline = time.monotonic() + 10
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(100)  # lets Playwright call the route handler (sync API)
    assert held, "the settings page did not ask for its init script"
    area, loader = page.locator("#app-area"), page.locator("#app-loader")
    page.wait_for_timeout(500)
    assert area.get_attribute("data-state") == "loading" and loader.is_visible()
    assert page.locator("#settings-frame").evaluate("e => getComputedStyle(e).visibility") == "hidden"
    shot(page, "settings-01-admin-loader-until-init")
    held[0].continue_()
    page.unroute(f"{module.url}/static/admin.js")
    page.locator("#app-area[data-state=ready]").wait_for(state="attached")
    assert area.get_attribute("data-shown-by") == "init"
    assert area.get_attribute("data-app-id") == "systempay"
    assert area.get_attribute("data-autoheight") == "true"
    assert not page.locator("#app-init-missing").is_visible() and not loader.is_visible()
    page.frame_locator("#settings-frame").locator("#open-history").wait_for(state="attached")  # all of the page
    # The whole page, not a scrolling box of the iframe's default size.
    assert eventually(lambda: fits(page) and heights(page)[0] > 1500), heights(page)
    first = heights(page)[0]
    shot(page, "settings-02-admin-after-init-resized")
    # A post loads a new page in the iframe: it calls init again and the iframe follows its height.
    frame = page.frame_locator("#settings-frame")
    frame.locator("input[name=site_id]").fill("1")
    frame.locator("button[name=save]").click()
    frame.locator("#form-errors").wait_for()
    assert eventually(lambda: fits(page) and heights(page)[0] != first), (first, heights(page))


def test_the_french_and_the_english_page_with_deforms_own_messages(stack, page):
    _, sandbox = stack
    texts = {
        "fr": ("Paramètres du module de paiement", "Accès à la plateforme de paiement", "Il y a eu un problème avec votre requête",
               "L'identifiant boutique compte exactement 8 chiffres.", "n'est pas un nombre"),
        "en": ("Payment module settings", "Access to the payment platform", "There was a problem with your submission",
               "The shop ID has exactly 8 digits.", "is not a number"),
    }
    for lang, (title, section, deform_summary, site_id_error, colander_error) in texts.items():
        page.goto(f"{sandbox.url}{ADMIN_PATH}?app=systempay&auth=payload&lang={lang}")
        page.locator("#app-area[data-state=ready]").wait_for(state="attached")
        frame = page.frame_locator("#settings-frame")
        assert title in frame.locator("#settings-header").inner_text()
        assert frame.locator("#section-platform .form-area__title").inner_text() == section
        assert frame.locator("html").get_attribute("lang") == lang
        shot(page, f"settings-03-page-{lang}")
        frame.locator("input[name=site_id]").fill("1234")
        frame.locator("input[name=capture_delay]").fill("x")
        frame.locator("button[name=save]").click()
        frame.locator("#form-errors").wait_for()
        assert deform_summary in frame.locator("#form-errors").inner_text()
        assert frame.locator("[data-field=site_id] .field__error").inner_text() == site_id_error
        assert colander_error in frame.locator("[data-field=capture_delay] .field__error").inner_text()
        frame.locator("#form-errors").scroll_into_view_if_needed()
        shot(page, f"settings-04-errors-{lang}")


def test_the_settings_page_and_the_history_fit_375_px(stack, browser, page):
    _, sandbox = stack
    configure_module(page, sandbox.url)  # and a payment, so that the history has a row to show
    buy(page, sandbox.url)
    assert pay_with(page, "4970100000000014") == "AUTHORISED"
    back_to_shop(page)
    context = browser.new_context(viewport={"width": 375, "height": 812}, locale="fr-FR", is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    phone = context.new_page()
    try:
        # The page as the admin's iframe holds it on a phone: the iframe's own URL, 375 px wide.
        phone.goto(f"{sandbox.url}{ADMIN_PATH}?app=systempay&auth=payload&lang=fr")
        phone.locator("#app-area[data-state=ready]").wait_for(state="attached")
        phone.goto(phone.locator("#settings-frame").get_attribute("src"))
        phone.locator("input[name=site_id]").wait_for()
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
        assert phone.evaluate("document.body.scrollWidth") <= 375
        shot(phone, "settings-05-375px")
        phone.locator("#open-history button").click()
        phone.locator("#history").wait_for()
        assert phone.locator("tr.payment").count() >= 1
        assert phone.evaluate("document.documentElement.scrollWidth") <= 375
        shot(phone, "settings-06-history-375px")
    finally:
        context.close()
