"""Every page a buyer sees is in the buyer's language: Ecwid's ``lang`` of the payment,
else the browser's; English for a language the module does not have."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from ecwid_systempay.models import PaymentAttempt

from .flows import checkout, configure_store, hidden_fields
from .support import encrypted_form, gateway_answer, order_payload
from .test_return import PATIENCE, clean_url, come_back, later

REDIRECTING = {
    "en": "You are being redirected to the secure payment page…",
    "fr": "Redirection vers la page de paiement sécurisée…",
    "de": "Sie werden zur sicheren Zahlungsseite weitergeleitet…",
    "zh": "正在跳转到安全付款页面…",
    "es": "Redirigiendo a la página de pago segura…",
    "it": "Reindirizzamento alla pagina di pagamento sicura…",
    "ja": "安全な支払いページに移動しています…",
    "nl": "U wordt doorgestuurd naar de beveiligde betaalpagina…",
    "pl": "Przekierowanie na bezpieczną stronę płatności…",
    "pt": "A redirecionar para a página de pagamento segura…",
    "ru": "Перенаправление на защищённую страницу оплаты…",
    "sv": "Du skickas vidare till den säkra betalsidan…",
    "tr": "Güvenli ödeme sayfasına yönlendiriliyorsunuz…",
}


def error_msg(location: str) -> str:
    return parse_qs(urlsplit(location).query)["errorMsg"][0]


@pytest.mark.parametrize("lang", sorted(REDIRECTING))
def test_the_redirect_page_is_in_each_of_the_13_languages(testapp, lang):
    configure_store(testapp)
    response, fields = checkout(testapp, lang=lang)
    assert REDIRECTING[lang] in response.text
    assert f'<html lang="{lang}">' in response.text
    assert fields["vads_language"] == lang


def test_an_unknown_language_gets_english_pages_and_the_shop_default_on_the_payment_page(testapp, dbsession):
    configure_store(testapp, default_language="fr")
    response, fields = checkout(testapp, lang="ko")
    assert REDIRECTING["en"] in response.text and '<html lang="en">' in response.text
    assert fields["vads_language"] == "fr"  # the payment page: the merchant's default language
    assert dbsession.scalar(select(PaymentAttempt)).lang == "en"
    come_back(testapp, fields, gateway_answer(fields, status="ABANDONED", ipn=False))
    back = testapp.get(clean_url(fields), status=303)
    assert error_msg(back.location) == "Your payment was cancelled."


def test_without_a_known_ecwid_language_the_browser_language_is_used(testapp):
    configure_store(testapp, default_language="fr")
    form = encrypted_form(order_payload(lang="ko"))
    response = testapp.post("/payment?app-name=systempay", form, headers={"Accept-Language": "de-CH, de;q=0.9, en;q=0.5"})
    assert REDIRECTING["de"] in response.text
    wait = testapp.get(clean_url(hidden_fields(response.text)), status=202)
    assert "Ihre Zahlung wird bestätigt" in wait.text


def test_the_confirming_page_follows_the_payment_language(testapp):
    configure_store(testapp)
    _, fields = checkout(testapp, lang="ja")
    come_back(testapp, fields, gateway_answer(fields, ipn=False))
    page = testapp.get(clean_url(fields), status=202)
    assert "お支払いを確認しています" in page.text and "数秒お待ちください" in page.text
    assert '<html lang="ja">' in page.text


@pytest.mark.parametrize(
    ("lang", "refused"),
    [("fr", "Votre paiement a été refusé."), ("it", "Il pagamento è stato rifiutato."), ("ru", "Ваш платёж отклонён."), ("en", "Your payment was refused.")],
)
def test_error_msg_for_ecwid_is_in_the_buyers_language(testapp, app, lang, refused):
    configure_store(testapp)
    _, fields = checkout(testapp, lang=lang)
    come_back(testapp, fields, gateway_answer(fields, status="REFUSED", ipn=False))
    later(app, PATIENCE + 1)
    back = testapp.get(clean_url(fields), status=303)
    assert error_msg(back.location) == refused


def test_checkout_errors_follow_the_ecwid_language_then_the_browser(testapp):
    response, _ = checkout(testapp, status=422, lang="nl")  # no store configured yet
    assert "Deze betaalmethode is nog niet beschikbaar" in response.text
    assert "Terug naar de winkel" in response.text
    assert "Deze betaalmethode is nog niet beschikbaar" in error_msg(response.html.find(id="back-to-shop")["href"])
    unknown = testapp.post("/payment?app-name=systempay", encrypted_form(order_payload(lang="ko")), status=422)
    assert "This payment method is not available yet" in unknown.text
    garbage = testapp.post("/payment?app-name=systempay", {"enc_data": "x"}, status=400, headers={"Accept-Language": "sv"})
    assert "Betalningsbegäran kunde inte läsas" in garbage.text


@pytest.mark.parametrize(
    ("accept", "text"),
    [("pl-PL,pl;q=0.9", "Nie znaleziono tej płatności."), ("tr", "Bu ödeme bulunamadı."), ("ko-KR", "This payment could not be found."), ("", "This payment could not be found.")],
)
def test_pages_without_a_payment_follow_accept_language_else_english(testapp, accept, text):
    page = testapp.get("/return/doesnotexist", status=404, headers={"Accept-Language": accept} if accept else {})
    assert text in page.text


def test_a_locale_in_the_query_string_changes_nothing(testapp, app):
    from pyramid.interfaces import ILocalizer

    page = testapp.get("/return/doesnotexist", {"_LOCALE_": "fr"}, status=404)
    assert "This payment could not be found." in page.text
    testapp.get("/settings", {"payload": "garbage", "_LOCALE_": "../../../../etc"}, status=400)
    testapp.get("/return/doesnotexist", {"_LOCALE_": "xx_" + "y" * 50}, status=404)
    assert len(list(app.registry.getUtilitiesFor(ILocalizer))) == 13
