"""Simulated Systempay: checks of the payment form and the payment page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ecwid_systempay.protocol.signature import SHA1

from .systempay_support import (  # noqa: F401 - fixtures
    KEY_TEST,
    PREFIX,
    error_code,
    form,
    ipn_fixture,
    post_form,
    sp_fixture,
    text_of,
)


def test_valid_form_opens_payment_page_in_english(sp) -> None:
    testapp, platform = sp
    page = post_form(testapp, form(platform))
    assert page.html.find(id="payment-page")["data-state"] == "open"
    assert text_of(page, "amount") == "12.30 EUR"
    assert text_of(page, "shop-name") == "Demo shop"
    assert text_of(page, "order-id") == "ORDER-42"
    assert page.html.find(id="pay").get_text(strip=True) == "Pay"
    assert page.html.find(id="cancel").get_text(strip=True) == "Cancel and return to shop"
    assert page.html.find("html")["lang"] == "en"
    assert page.html.find(id="card-number") is not None


def test_payment_page_lists_the_test_cards(sp) -> None:
    testapp, platform = sp
    page = post_form(testapp, form(platform))
    rows = page.html.select("#test-card-table tr.test-card-row")
    assert [r["data-row"] for r in rows] == ["1", "2", "3", "4"]
    assert [r["data-expected"] for r in rows] == ["ACCEPTED", "ACCEPTED", "REFUSED", "REFUSED"]
    first = [b["data-card"] for b in rows[0].select("button.test-card")]
    assert first == ["4970100000000014", "5970100300000018", "5000550000000029", "4917480000000008"]
    headers = [th.get_text(strip=True) for th in page.html.select("#test-card-table thead th")]
    assert headers[1:5] == ["CB", "Mastercard", "Maestro", "Visa Electron"]
    scenarios = {r["data-card"]: r["data-scenario"] for r in page.html.select("#scenario-cards .scenario-card")}
    assert scenarios["4970115000000228"] == "challenge"
    assert scenarios["4970115000000210"] == "frictionless"


def test_french_page_and_language_selector_limited_to_available_languages(sp) -> None:
    testapp, platform = sp
    page = post_form(testapp, form(platform, vads_language="fr", vads_available_languages="fr;en;de"))
    assert page.html.find("html")["lang"] == "fr"
    assert text_of(page, "amount") == "12,30 EUR"
    assert page.html.find(id="cancel").get_text(strip=True) == "Annuler et retourner à la boutique"
    links = [a["id"] for a in page.html.select("#language-selector a")]
    assert links == ["lang-fr", "lang-en", "lang-de"]
    german = testapp.get(page.html.find(id="lang-de")["href"])
    assert german.html.find("html")["lang"] == "de"
    assert german.html.find(id="pay").get_text(strip=True) == "Pay"  # English texts as fallback
    spanish = testapp.get(page.request.path + "?lang=es")  # not offered: ignored
    assert spanish.html.find("html")["lang"] == "de"


def test_amount_uses_the_currency_exponent(sp) -> None:
    testapp, platform = sp
    yen = post_form(testapp, form(platform, vads_currency="392", vads_amount="1500"))
    assert text_of(yen, "amount") == "1500 JPY"
    dinar = post_form(testapp, form(platform, vads_currency="414", vads_amount="12345"))
    assert text_of(dinar, "amount") == "12.345 KWD"


def test_bad_signature_shows_error_00(sp) -> None:
    testapp, platform = sp
    fields = form(platform)
    fields["signature"] = form(platform, key="0000000000000000")["signature"]
    page = post_form(testapp, fields)
    assert error_code(page) == "00"
    assert text_of(page, "error-field") == "signature"
    assert KEY_TEST not in page.text
    assert text_of(page, "signed-string").endswith("+<key>")
    assert platform.transactions() == []


def test_tampered_field_and_missing_signature_are_error_00(sp) -> None:
    testapp, platform = sp
    fields = form(platform)
    fields["vads_amount"] = "1"
    assert error_code(post_form(testapp, fields)) == "00"
    fields = form(platform)
    del fields["signature"]
    assert error_code(post_form(testapp, fields)) == "00"


def test_sha1_shop_signature(sp) -> None:
    testapp, platform = sp
    platform.set_algorithm(SHA1)
    page = post_form(testapp, form(platform, algorithm=SHA1))
    assert page.html.find(id="payment-page") is not None
    # The previous algorithm stays accepted for 24 h, then no more.
    assert post_form(testapp, form(platform)).html.find(id="payment-page") is not None
    later = platform.now() + timedelta(hours=25)
    platform.clock = lambda: later
    assert error_code(post_form(testapp, form(platform))) == "00"


def test_trans_id_reused_the_same_day_is_error_03(sp) -> None:
    testapp, platform = sp
    fields = form(platform, vads_trans_id="123456")
    first = post_form(testapp, fields)
    assert first.html.find(id="payment-page") is not None
    again = post_form(testapp, fields)  # same form posted again while open: same session
    assert again.request.path == first.request.path
    other = form(platform, vads_trans_id="123456", vads_amount="999")
    assert error_code(post_form(testapp, other)) == "03"
    lower = form(platform, vads_trans_id="abc123")
    post_form(testapp, lower)
    assert error_code(post_form(testapp, form(platform, vads_trans_id="ABC123"))) == "03"  # case-insensitive


def test_trans_id_can_be_reused_another_utc_day(sp) -> None:
    testapp, platform = sp
    post_form(testapp, form(platform, vads_trans_id="222222"))
    tomorrow = platform.now() + timedelta(days=1)
    platform.clock = lambda: tomorrow
    page = post_form(testapp, form(platform, vads_trans_id="222222"))
    assert page.html.find(id="payment-page") is not None


def test_trans_id_after_payment_is_error_03(sp) -> None:
    testapp, platform = sp
    fields = form(platform, vads_trans_id="333333")
    page = post_form(testapp, fields)
    form_ = page.forms["payment-form"]
    form_["card_number"] = "4970100000000014"
    form_.submit()
    assert error_code(post_form(testapp, fields)) == "03"


@pytest.mark.parametrize("trans_id", ["12345", "1234567", "12-456", "900001"])
def test_bad_or_reserved_trans_id_is_error_03(sp, trans_id: str) -> None:
    testapp, platform = sp
    assert error_code(post_form(testapp, form(platform, vads_trans_id=trans_id))) == "03"


def test_trans_date_tolerance_is_error_04(sp) -> None:
    testapp, platform = sp
    now = datetime(2030, 5, 17, 12, 0, 0, tzinfo=UTC)
    platform.clock = lambda: now

    def at(delta: timedelta) -> str:
        return (now + delta).strftime("%Y%m%d%H%M%S")

    assert error_code(post_form(testapp, form(platform, vads_trans_date=at(timedelta(minutes=-31))))) == "04"
    assert error_code(post_form(testapp, form(platform, vads_trans_date=at(timedelta(minutes=91))))) == "04"
    assert error_code(post_form(testapp, form(platform, vads_trans_date="20300517126000"))) == "04"
    for ok in (timedelta(minutes=-29), timedelta(minutes=89)):
        page = post_form(testapp, form(platform, vads_trans_date=at(ok)))
        assert page.html.find(id="payment-page") is not None


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"vads_version": "V1"}, "01"),
        ({"vads_site_id": "87654321"}, "02"),
        ({"vads_site_id": "1234"}, "02"),
        ({"vads_validation_mode": "2"}, "05"),
        ({"vads_capture_delay": "abc"}, "06"),
        ({"vads_payment_config": "TWICE"}, "07"),
        ({"vads_payment_cards": "CB;FOO"}, "08"),
        ({"vads_amount": "0"}, "09"),
        ({"vads_amount": "12.30"}, "09"),
        ({"vads_amount": "01230"}, "09"),
        ({"vads_amount": None}, "09"),
        ({"vads_currency": "999"}, "10"),
        ({"vads_currency": "EUR"}, "10"),
        ({"vads_ctx_mode": "DEMO"}, "11"),
        ({"vads_language": "xx"}, "12"),
        ({"vads_order_id": "A<B"}, "13"),
        ({"vads_url_return": "javascript:alert(1)"}, "28"),
        ({"vads_url_return": "http://shop.test/return/abc\n"}, "28"),
        ({"vads_payment_config": "MULTI:first=100;count=3;period=30\n"}, "07"),
        ({"vads_redirect_success_timeout": "301"}, "34"),
        ({"vads_page_action": "REFUND"}, "46"),
        ({"vads_action_mode": "SILENT"}, "47"),
        ({"vads_return_mode": "PUT"}, "48"),
        ({"vads_threeds_mpi": "9"}, "50"),
        ({"vads_available_languages": "fr;xx"}, "71"),
        ({"vads_ext_info_x": "<script>"}, "91"),
    ],
)
def test_field_formats(sp, overrides: dict[str, str | None], code: str) -> None:
    testapp, platform = sp
    page = post_form(testapp, form(platform, **overrides))
    assert error_code(page) == code


def test_empty_form_is_error_70_and_get_is_accepted(sp) -> None:
    testapp, platform = sp
    assert error_code(testapp.get(PREFIX + "/vads-payment/")) == "70"
    response = testapp.get(PREFIX + "/vads-payment/", form(platform))
    assert response.status_int == 303


def test_production_mode_needs_the_production_key(sp) -> None:
    testapp, platform = sp
    page = post_form(testapp, form(platform, vads_ctx_mode="PRODUCTION"))
    assert error_code(page) == "11"
    key = platform.generate_production_key(force=True)
    assert error_code(post_form(testapp, form(platform, vads_ctx_mode="PRODUCTION"))) == "00"  # test key
    page = post_form(testapp, form(platform, key=key, vads_ctx_mode="PRODUCTION"))
    assert page.html.find(id="payment-page")["data-mode"] == "PRODUCTION"


def test_unknown_card_keeps_the_page_with_an_error(sp) -> None:
    testapp, platform = sp
    page = post_form(testapp, form(platform))
    form_ = page.forms["payment-form"]
    form_["card_number"] = "4111111111111111"
    again = form_.submit().follow()
    assert again.html.find(id="card-error") is not None
    assert again.html.find(id="payment-page") is not None
    restricted = post_form(testapp, form(platform, vads_payment_cards="MAESTRO"))
    form_ = restricted.forms["payment-form"]
    form_["card_number"] = "4970100000000014"
    assert form_.submit().follow().html.find(id="card-error") is not None
    assert platform.transactions() == []


def test_card_expiry_with_non_ascii_digits_is_not_a_500(sp) -> None:
    testapp, platform = sp
    form_ = post_form(testapp, form(platform)).forms["payment-form"]
    form_["card_number"] = "4970100000000055"
    form_["expiry_month"].force_value("²")
    form_["expiry_year"].force_value("²⁰³⁰")
    result = form_.submit().maybe_follow()
    assert result.status_int == 200
    assert platform.transactions()[0].fields()["vads_expiry_month"] == "12"
