"""``POST /payment``: the checkout redirect and its error pages."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from ecwid_systempay.models import PaymentAttempt, Store
from ecwid_systempay.protocol.signature import verify_signature

from .flows import checkout, configure_store, hidden_fields, notify, open_settings
from .support import KEY_PROD, KEY_TEST, encrypted_form, gateway_answer, order_payload


def test_legacy_cbc_data_is_accepted(testapp):
    configure_store(testapp)
    page, fields = checkout(testapp, legacy=True)
    assert fields["vads_amount"] == "1230"
    assert '<button type="submit" class="button">Continuer vers le paiement</button>' in page.text
    assert 'data-autosubmit=""' in page.text and 'src="http://localhost/static/autosubmit.js"' in page.text


def test_each_order_gets_its_own_attempt_and_trans_id(testapp, dbsession):
    configure_store(testapp)
    references = ["transaction_65306446"] + [f"transaction_{n}" for n in range(4)]
    ids = {checkout(testapp, reference=reference)[1]["vads_trans_id"] for reference in references}
    assert len(ids) == 5
    attempts = dbsession.scalars(select(PaymentAttempt).order_by(PaymentAttempt.id))
    assert len(attempts) == 5
    first = attempts[0]
    assert first.return_url == "https://store.example/checkout?clientId=systempay&timestamp=1751294405226&key=abcdefgh"
    assert (first.amount_minor, first.currency, first.mode, first.site_id) == (1230, "EUR", "TEST", "12345678")
    assert first.reference_transaction_id == "transaction_65306446"
    assert first.ecwid_token_enc and "secret_store_token" not in first.ecwid_token_enc
    assert int(first.trans_id) < 900000


def test_language_follows_ecwid_or_the_default(testapp):
    configure_store(testapp, default_language="en")
    assert checkout(testapp, lang="ja")[1]["vads_language"] == "ja"
    assert checkout(testapp, lang="ko")[1]["vads_language"] == "en"


def test_unreadable_payload_gets_one_generic_page(testapp):
    configure_store(testapp)
    answers = []
    for form in ({"enc_data": "garbage"}, {"data": "QUJDRA"}, {}, encrypted_form(order_payload(), secret="another-secret-000000000000")):
        response = testapp.post("/payment", form, status=400, headers={"Accept-Language": "fr"})
        answers.append(response.text)
    assert len(set(answers)) == 1
    assert "La demande de paiement est illisible" in answers[0]
    assert testapp.get("/payment", status=405)


def test_unconfigured_store_links_back_to_ecwid_with_error(testapp):
    response, _ = checkout(testapp, status=422, lang="fr")
    assert "pas encore disponible" in response.text
    link = response.html.find(id="back-to-shop")["href"]
    assert link.startswith("https://store.example/checkout?clientId=systempay&timestamp=1751294405226&key=abcdefgh&errorMsg=")
    assert "pas encore disponible" in parse_qs(urlsplit(link).query)["errorMsg"][0]


def test_unsupported_currency_and_bad_amount(testapp):
    configure_store(testapp)
    response, _ = checkout(testapp, status=422, currency="XAU", lang="en")
    assert "does not accept the currency" in response.text
    response, fields = checkout(testapp, status=400, total="0")
    assert fields == {}


def test_custom_3ds_and_auto_return_settings_reach_the_form(testapp):
    configure_store(
        testapp, threeds_manage=True, threeds_max_amount="30", redirect_enabled=True,
        redirect_success_timeout="3", capture_delay="2", validation_mode="0",
    )
    fields = checkout(testapp, total="29.99")[1]
    assert fields["vads_threeds_mpi"] == "2"
    assert fields["vads_redirect_success_timeout"] == "3"
    assert fields["vads_capture_delay"] == "2"
    assert fields["vads_validation_mode"] == "0"
    assert "vads_threeds_mpi" not in checkout(testapp, total="30.00")[1]
    assert hidden_fields("") == {}


class _Inputs(HTMLParser):
    """The hidden inputs of a page as a browser reads them (entities decoded)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "input" and values.get("type") == "hidden":
            self.fields[values["name"] or ""] = values["value"] or ""


def posted_fields(html: str) -> dict[str, str]:
    parser = _Inputs()
    parser.feed(html)
    return parser.fields


def test_the_redirect_page_posts_the_signed_form_as_a_browser_reads_it_in_each_buyer_language(testapp):
    configure_store(testapp, redirect_enabled=True, redirect_success_message="Paiement reçu & merci, à bientôt")
    pages = {lang: checkout(testapp, lang=lang, reference=f"transaction_{lang}")[0] for lang in ("fr", "de", "en")}
    again = checkout(testapp, lang="fr", reference="transaction_fr_2")[0]
    buttons = {"fr": "Continuer vers le paiement", "de": "Weiter zur Zahlung", "en": "Continue to payment"}
    for lang, page in [*pages.items(), ("fr", again)]:
        assert f'<html lang="{lang}">' in page.text
        assert f'<button type="submit" class="button">{buttons[lang]}</button>' in page.text
        fields = posted_fields(page.text)
        assert fields["vads_redirect_success_message"] == "Paiement reçu & merci, à bientôt"
        assert "&amp; merci" in page.text
        assert verify_signature(fields, fields["signature"], KEY_TEST)  # every value reaches the gateway unchanged
    assert posted_fields(again.text)["vads_trans_id"] != posted_fields(pages["fr"].text)["vads_trans_id"]


def test_the_first_production_checkout_is_remembered_on_the_settings_page(app_with, dbsession):
    testapp = app_with(**{"ecwid_systempay.allow_production": "true"})
    configure_store(testapp, ctx_mode="PRODUCTION", key_prod=KEY_PROD)
    assert "hidden since the first production payment" not in open_settings(testapp).text
    checkout(testapp, reference="transaction_prod_1")
    dbsession.expire_all()
    first = dbsession.scalar(select(Store.production_used_at))
    assert first is not None
    assert "hidden since the first production payment" in open_settings(testapp).text
    checkout(testapp, reference="transaction_prod_2")
    dbsession.expire_all()
    assert dbsession.scalar(select(Store.production_used_at)) == first


def test_a_new_key_signs_the_very_next_checkout_and_its_notifications(testapp):
    configure_store(testapp)
    first = checkout(testapp, reference="transaction_key_1")[1]
    assert verify_signature(first, first["signature"], KEY_TEST)
    configure_store(testapp, key_test="3333333333333333")
    second = checkout(testapp, reference="transaction_key_2")[1]
    assert verify_signature(second, second["signature"], "3333333333333333")
    assert notify(testapp, gateway_answer(second, key="3333333333333333")).text.startswith("OK-")
    assert notify(testapp, gateway_answer(first, key=KEY_TEST)).text.startswith("KO-")  # the old key no longer verifies
