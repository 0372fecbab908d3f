"""The settings page in the Ecwid admin iframe."""

from __future__ import annotations

import re

from sqlalchemy import select

from ecwid_systempay.models import Store

from .flows import configure_store, field_error, open_settings
from .support import KEY_TEST, settings_payload


def stored(dbsession) -> Store:
    return dbsession.scalar(select(Store))


def test_page_shows_every_setting_with_defaults_and_the_notification_url(testapp):
    page = open_settings(testapp, lang="fr")
    form = page.forms["settings"]
    for name in (
        "site_id", "key_test", "key_prod", "ctx_mode", "sign_algo", "default_language", "available_languages",
        "capture_delay", "validation_mode", "threeds_manage", "threeds_max_amount", "redirect_enabled",
        "redirect_success_timeout", "redirect_success_message", "redirect_error_timeout", "redirect_error_message",
    ):
        assert name in form.fields, name
    assert form["site_id"].value == "12345678"
    assert form["sign_algo"].value == "HMAC-SHA-256"
    assert form["redirect_success_message"].value == "Redirection vers la boutique dans quelques instants"
    assert "Identifiant boutique" in page.text and "Délai avant remise en banque" in page.text
    assert 'value="http://localhost/callback?app-name=systempay"' in page.text
    assert 'id="current-mode" class="mode-badge mode-badge--test">TEST<' in page.text
    assert page.headers["Content-Security-Policy"].endswith("; frame-ancestors https://my.ecwid.com")


def test_defaults_save_as_is(testapp, dbsession):
    page = open_settings(testapp)
    response = page.forms["settings"].submit("save")
    assert "Settings saved." in response.text
    assert stored(dbsession).site_id == "12345678"


def test_validation_errors_are_shown_next_to_the_field_and_nothing_is_saved(testapp, dbsession):
    page = open_settings(testapp)
    form = page.forms["settings"]
    form["site_id"] = "1234"
    form["capture_delay"] = "400"
    form["redirect_success_timeout"] = "abc"
    response = form.submit("save", status=400)
    assert "The form has errors" in response.text
    errors = {field: field_error(response.text, field) for field in ("site_id", "capture_delay", "redirect_success_timeout", "key_test")}
    assert errors["site_id"] == "The shop ID has exactly 8 digits."
    assert errors["capture_delay"] == "400 is greater than maximum value 365"
    assert errors["redirect_success_timeout"] == '"abc" is not a number'
    assert errors["key_test"] is None
    assert stored(dbsession).site_id == ""


def test_french_admin_gets_french_errors(testapp):
    page = open_settings(testapp, lang="fr")
    form = page.forms["settings"]
    form["capture_delay"] = "x"
    response = form.submit("save", status=400)
    assert "Le formulaire contient des erreurs" in response.text
    assert "n'est pas un nombre" in response.text or "pas un entier" in response.text


def test_keys_are_encrypted_never_shown_and_kept_when_left_empty(testapp, dbsession):
    configure_store(testapp, key_test=KEY_TEST)
    store = stored(dbsession)
    assert store.key_test_enc and KEY_TEST not in store.key_test_enc
    page = open_settings(testapp)
    assert KEY_TEST not in page.text
    assert page.forms["settings"]["key_test"].value == ""
    assert "Key saved" in page.text
    form = page.forms["settings"]
    form["site_id"] = "87654321"
    form.submit("save")
    again = stored(dbsession)
    assert again.site_id == "87654321"
    assert again.key_test_enc == store.key_test_enc


def test_production_is_refused_when_the_deployment_does_not_allow_it(testapp, dbsession):
    page = open_settings(testapp)
    assert "PRODUCTION" not in [value for value, *_ in page.forms["settings"]["ctx_mode"].options]
    token = page.forms["settings"]["settings_token"].value
    fields = dict(page.forms["settings"].submit_fields())
    fields.update({"ctx_mode": "PRODUCTION", "key_prod": "2222222222222222", "save": "save", "settings_token": token})
    response = testapp.post(page.forms["settings"].action, fields, status=400)
    assert "PRODUCTION" in response.text
    assert stored(dbsession).ctx_mode == "TEST"


def test_production_allowed_needs_a_production_key(settings, tmp_path):
    import webtest

    from ecwid_systempay import main

    app = main({}, **{**settings, "ecwid_systempay.allow_production": "true"})
    testapp = webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost"})
    page = open_settings(testapp)
    form = page.forms["settings"]
    form["ctx_mode"] = "PRODUCTION"
    assert "Enter the production key" in form.submit("save", status=400).text
    form = open_settings(testapp).forms["settings"]
    form["ctx_mode"] = "PRODUCTION"
    form["key_prod"] = "2222222222222222"
    assert "Settings saved." in form.submit("save").text
    app.registry["dbengine"].dispose()


def test_gcm_payload_accepted_and_bad_payload_refused(testapp):
    assert testapp.get("/settings", {"payload": settings_payload(gcm=True)}).forms["settings"]
    bad = testapp.get("/settings", {"payload": "garbage"}, status=400)
    assert "could not be read" in bad.text
    assert testapp.get("/settings", {"payload": ""}, status=400)
    assert testapp.get("/settings", {"payload": settings_payload(), "app-name": "unknown"}, status=400)


def test_post_without_or_with_a_foreign_token_is_forbidden(testapp, dbsession):
    open_settings(testapp, store_id=1)
    page = open_settings(testapp, store_id=2)
    token_2 = page.forms["settings"]["settings_token"].value
    body = {"site_id": "11111111", "ctx_mode": "TEST", "save": "save"}
    testapp.post("/stores/1/settings?app-name=systempay", body, status=403)
    testapp.post("/stores/1/settings?app-name=systempay", {**body, "settings_token": token_2}, status=403)
    testapp.post("/stores/1/settings?app-name=systempay", {**body, "settings_token": "forged"}, status=403)
    testapp.post("/stores/3/settings?app-name=systempay", {**body, "settings_token": token_2}, status=404)
    assert all(s.site_id == "" for s in dbsession.scalars(select(Store)))


def test_brands_are_separate_tenants(testapp, dbsession):
    from .support import CLIENT_SECRET  # noqa: F401

    open_settings(testapp, brand="payzen", secret="payzen-client-secret-00000000")
    open_settings(testapp, brand="systempay")
    assert sorted(s.brand for s in dbsession.scalars(select(Store))) == ["payzen", "systempay"]
