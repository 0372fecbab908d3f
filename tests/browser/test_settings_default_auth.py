"""Ecwid's default user auth in Chromium: the settings page reads the payload from the URL fragment."""

from __future__ import annotations

import json

from .conftest import SITE_ID, shot


def fragment(store_id: int, token: str, lang: str = "en") -> str:
    """What the admin appends to the iframe URL: hex-encoded JSON (what EcwidApp.getPayload() reads)."""
    data = {"store_id": store_id, "lang": lang, "access_token": token, "view_mode": "PAGE"}
    return json.dumps(data).encode("utf-8").hex()


def settings_url(module, attempt: str, hash_part: str) -> str:
    # ``attempt`` makes each URL a new document (a changed fragment alone would not reload the page).
    return f"{module.url}/settings?app-name=systempay&attempt={attempt}{hash_part}"


def test_the_shell_posts_the_fragment_and_the_form_opens_and_saves(stack, page):
    module, sandbox = stack
    shop = sandbox.registry["sandbox.ecwid"]
    key_test = sandbox.registry["sandbox.systempay"].keys()["key_test"]
    page.goto(settings_url(module, "ok", "#" + fragment(shop.store_id, shop.token, "fr")))
    page.locator("input[name=site_id]").wait_for()
    assert "#" not in page.url  # the token left the address bar and history
    assert "Paramètres du module de paiement" in page.locator("#settings-header").inner_text()
    page.locator("input[name=site_id]").fill(SITE_ID)
    page.locator("input[name=key_test]").fill(key_test)
    page.locator("button[name=save]").click()
    page.locator("#flash.inline-alert--success").wait_for()
    assert page.locator("#flash.inline-alert--success").inner_text() == "Paramètres enregistrés."
    shot(page, "settings-default-user-auth")


def test_a_missing_or_unreadable_fragment_shows_a_readable_error(stack, page):
    module, _ = stack
    for attempt, hash_part in (("none", ""), ("hex", "#zz"), ("json", "#" + b"{not json".hex())):
        response = page.goto(settings_url(module, attempt, hash_part))
        assert response is not None
        page.get_by_text("The store information could not be read. Please reopen this page from the admin.").wait_for()
        assert page.locator("input[name=site_id]").count() == 0


def test_a_fragment_carrying_another_stores_token_is_refused(stack, page):
    module, sandbox = stack
    shop = sandbox.registry["sandbox.ecwid"]
    page.goto(settings_url(module, "other", "#" + fragment(shop.store_id + 1, shop.token)))
    page.get_by_text("This page cannot be opened for this store.").wait_for()
    assert page.locator("input[name=site_id]").count() == 0
