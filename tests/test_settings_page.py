"""What the merchant reads on the settings page: brand, notification diagnostics, test phase, the form's sections.

Each fact is checked on the page itself (its machine-readable attributes), from
notifications and returns sent as the gateway and the buyer would.
"""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest
import webtest
from sqlalchemy import select, update

from ecwid_systempay import main
from ecwid_systempay.models import PaymentAttempt, StoredNotification
from ecwid_systempay.models.meta import utcnow

from .flows import checkout, configure_store, open_settings, pay_with_card
from .support import KEY_PROD, gateway_answer
from .test_return import clean_url, come_back, later

ROW_CARDS = {1: "4970100000000014", 2: "5970100300000067", 3: "5000550000000060", 4: "4917480000000073"}
EXPECTED = {1: "AUTHORISED", 2: "AUTHORISED", 3: "REFUSED", 4: "REFUSED"}


def last(page, mode: str):
    return page.html.find(id=f"last-notification-{mode}")


def scenarios(page) -> dict[int, str]:
    return {int(li["data-test-scenario"]): li["data-done"] for li in page.html.select("[data-test-scenario]")}


def complete_from_return(testapp, app, reference: str = "transaction_no_ipn"):
    """A payment whose notification never comes: the module completes it from the signed return."""
    _, fields = checkout(testapp, reference=reference)
    come_back(testapp, fields, gateway_answer(fields, ipn=False))
    later(app, 60)
    testapp.get(clean_url(fields), status=303)


def test_brand_title_logo_and_back_office_follow_the_app(testapp):
    systempay = open_settings(testapp)
    payzen = open_settings(testapp, brand="payzen", secret="payzen-client-secret-00000000")
    for page, title, logo, back_office in (
        (systempay, "Systempay", "/static/brands/systempay.svg", "https://paiement.systempay.fr/vads-merchant/"),
        (payzen, "PayZen", "/static/brands/payzen.svg", "https://secure.payzen.eu/vads-merchant/"),
    ):
        assert page.html.find(id="brand-title").get_text(strip=True) == title
        image = page.html.find(id="brand-logo")
        assert image["src"].endswith(logo) and image["alt"] == title
        assert page.html.find(id="back-office-link")["href"] == back_office
        assert testapp.get(image["src"]).content_type == "image/svg+xml"
    assert payzen.html.find(id="notification-url")["value"] == "http://localhost/callback?app-name=payzen"
    assert "Systempay" not in payzen.html.get_text() and "systempay" not in str(payzen.html.find(id="back-office-link"))


def test_the_notification_url_has_a_copy_button(testapp):
    page = open_settings(testapp)
    assert page.html.find(id="notification-url")["value"] == "http://localhost/callback?app-name=systempay"
    button = page.html.find(id="copy-notification-url")
    assert button["data-copy"] == "#notification-url" and button["type"] == "button"


def test_last_notification_per_mode_with_time_source_and_status(testapp, dbsession):
    configure_store(testapp)
    page = open_settings(testapp)
    for mode in ("TEST", "PRODUCTION"):
        assert last(page, mode)["data-at"] == ""
        assert "never" in last(page, mode).get_text()
    pay_with_card(testapp, status="REFUSED", source="RETRY")
    page = open_settings(testapp, lang="fr")
    [stored] = dbsession.scalars(select(StoredNotification))
    expected = stored.received_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    test = last(page, "TEST")
    assert test["data-at"] == expected
    assert (test["data-source"], test["data-status"]) == ("RETRY", "REFUSED")
    text = " ".join(test.get_text().split())
    assert "Dernière notification reçue" in text and "RETRY (rejeu automatique)" in text and "REFUSED" in text
    assert stored.received_at.strftime("%Y-%m-%d %H:%M UTC") in text
    assert last(page, "PRODUCTION")["data-at"] == "" and "jamais" in last(page, "PRODUCTION").get_text()


def test_warning_with_the_three_rules_when_a_payment_came_back_without_notification_then_cleared(testapp, app):
    configure_store(testapp)
    assert open_settings(testapp).html.find(id="notification-warning-TEST") is None
    complete_from_return(testapp, app)
    page = open_settings(testapp)
    warning = page.html.find(id="notification-warning-TEST")
    assert warning is not None and page.html.find(id="notification-warning-PRODUCTION") is None
    assert [p["data-reason"] for p in warning.select("[data-reason]")] == ["return"]
    assert [li["data-rule"] for li in warning.select("[data-rule]")] == ["end-of-payment", "cancellation", "back-office", "no-redirect"]
    text = " ".join(warning.get_text().split())
    for words in ("at the end of the payment", "on cancellation", "operation coming from the Back Office", "automatic retry"):
        assert words in text
    assert last(page, "TEST")["data-at"] == ""  # the module never got a notification
    pay_with_card(testapp)  # the merchant fixed the rules: the next payment is notified
    page = open_settings(testapp)
    assert page.html.find(id="notification-warning-TEST") is None
    assert last(page, "TEST")["data-at"] != ""


def test_warning_when_payments_wait_longer_than_the_reconcile_window(testapp, app):
    configure_store(testapp)
    checkout(testapp, reference="transaction_forgotten")
    assert open_settings(testapp).html.find(id="notification-warning-TEST") is None
    with app.registry["dbsession_factory"]() as session, session.begin():
        session.execute(update(PaymentAttempt).values(created_at=utcnow() - timedelta(hours=3)))
    page = open_settings(testapp, lang="fr")
    warning = page.html.find(id="notification-warning-TEST")
    assert [p["data-reason"] for p in warning.select("[data-reason]")] == ["overdue"]
    assert "depuis plus de 2 h : 1" in " ".join(warning.get_text().split())
    assert "transaction_forgotten" in page.html.find(id="unnotified").get_text()


def test_scenarios_tick_as_their_test_notifications_arrive_then_say_what_to_do_next(testapp):
    configure_store(testapp)
    page = open_settings(testapp)
    assert scenarios(page) == {1: "false", 2: "false", 3: "false", 4: "false"}
    assert page.html.find(id="test-phase-next") is None
    for row in (1, 2, 3):
        pay_with_card(testapp, ROW_CARDS[row], EXPECTED[row])
    pay_with_card(testapp, ROW_CARDS[4], "AUTHORISED")  # row 4 must be refused: not done
    page = open_settings(testapp)
    assert scenarios(page) == {1: "true", 2: "true", 3: "true", 4: "false"}
    assert page.html.find(id="test-phase")["data-done"] == "false"
    assert "3 of 4 scenarios done." in page.html.find(id="test-phase-count").get_text()
    pay_with_card(testapp, ROW_CARDS[4], "REFUSED", n=1)
    page = open_settings(testapp)
    assert scenarios(page) == {1: "true", 2: "true", 3: "true", 4: "true"}
    steps = page.html.find(id="test-phase-next")
    assert [li["data-step"] for li in steps.select("[data-step]")] == ["generate", "enter", "switch", "rules"]
    assert steps.find(attrs={"data-step": "enter"})["data-done"] == "false"
    assert "this deployment only accepts TEST mode" in steps.find(attrs={"data-step": "switch"}).get_text()
    form = page.forms["settings"]
    form["key_prod"] = KEY_PROD
    saved = form.submit("save")
    assert saved.html.find(id="test-phase-next").find(attrs={"data-step": "enter"})["data-done"] == "true"
    assert saved.html.find(id="key-prod-state").get_text(strip=True) == "Key saved"


def test_a_row_needs_the_expected_result_and_a_notification_of_this_module(testapp, app):
    configure_store(testapp)
    pay_with_card(testapp, ROW_CARDS[1], "REFUSED")
    pay_with_card(testapp, ROW_CARDS[3], "AUTHORISED")
    pay_with_card(testapp, ROW_CARDS[2], "ABANDONED")
    complete_from_return(testapp, app)  # the card of row 2 (tests/support.py), but only a return
    assert scenarios(open_settings(testapp)) == {1: "false", 2: "false", 3: "false", 4: "false"}


@pytest.fixture
def production_app(settings):
    application = main({}, **{**settings, "ecwid_systempay.allow_production": "true"})
    yield webtest.TestApp(application, extra_environ={"HTTP_HOST": "localhost"})
    application.registry["dbengine"].dispose()


def test_in_production_mode_the_test_phase_is_gone_and_production_is_diagnosed(production_app):
    configure_store(production_app)
    for row, card in ROW_CARDS.items():
        pay_with_card(production_app, card, EXPECTED[row])
    page = open_settings(production_app)
    steps = page.html.find(id="test-phase-next")
    assert steps.find(attrs={"data-step": "switch"}).get_text(strip=True) == "Switch the mode to PRODUCTION, then save."
    assert page.html.find(id="production-disabled") is None
    configure_store(production_app, key_prod=KEY_PROD, ctx_mode="PRODUCTION")
    pay_with_card(production_app, ROW_CARDS[1], key=KEY_PROD, n=1)
    page = open_settings(production_app)
    assert page.html.find(id="test-phase") is None and page.html.select("[data-test-scenario]") == []
    assert page.html.find(id="current-mode").get_text(strip=True) == "PRODUCTION"
    assert last(page, "PRODUCTION")["data-status"] == "AUTHORISED"
    assert last(page, "TEST")["data-status"] == "REFUSED"  # the test phase's last one


def test_the_form_is_grouped_like_the_seeds_settings_with_the_frameworks_classes(testapp):
    page = open_settings(testapp)
    sections = page.html.select("[data-section]")
    assert [s["data-section"] for s in sections] == ["platform", "payment-page", "threeds", "return"]
    fields = {s["data-section"]: [f["data-field"] for f in s.select("[data-field]")] for s in sections}
    assert fields == {
        "platform": ["site_id", "key_test", "key_prod", "ctx_mode", "sign_algo"],
        "payment-page": ["default_language", "available_languages", "capture_delay", "validation_mode"],
        "threeds": ["threeds_manage", "threeds_max_amount"],
        "return": [
            "redirect_enabled", "redirect_success_timeout", "redirect_success_message",
            "redirect_error_timeout", "redirect_error_message",
        ],
    }
    titles = [s.find(class_="form-area__title").get_text(strip=True) for s in sections]
    assert titles == ["Access to the payment platform", "Payment page", "Custom 3DS", "Return to shop"]
    site_id = page.html.find(attrs={"data-field": "site_id"})
    assert "fieldset" in site_id["class"]
    assert site_id.find("label", class_="field__label").get_text(strip=True) == "Shop ID"
    assert site_id.find("input")["class"] == ["field__input"]
    assert site_id.find(class_="fieldset__note") is not None
    checkbox = page.html.find(attrs={"data-field": "threeds_manage"})
    assert checkbox.find("input")["class"] == ["custom-checkbox__input"]
    assert checkbox.find(class_="custom-checkbox__text").get_text(strip=True) == "Manage 3DS"
    assert page.html.find(id="settingssave")["class"] == ["btn", "btn-primary", "btn-medium"]
    assert "bootstrap" not in page.text and "form-control" not in page.text


def test_errors_sit_under_their_fields_in_the_admins_language_with_deforms_own_messages(testapp):
    page = open_settings(testapp, lang="fr")
    form = page.forms["settings"]
    form["site_id"] = "12"
    form["capture_delay"] = "x"
    response = form.submit("save", status=400)
    summary = response.html.find(id="form-errors").get_text()
    assert "Il y a eu un problème avec votre requête" in summary  # Deform's own catalog
    site_id = response.html.find(attrs={"data-field": "site_id"})
    assert "fieldset--error" in site_id["class"]
    assert site_id.find(class_="field__error").get_text(strip=True) == "L'identifiant boutique compte exactement 8 chiffres."
    capture = response.html.find(attrs={"data-field": "capture_delay"}).find(class_="field__error").get_text(strip=True)
    assert "n'est pas un nombre" in capture  # Colander's own catalog
