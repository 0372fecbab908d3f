"""Simulated Systempay against the module's own protocol code: its forms pass, its parser reads our IPNs."""

from __future__ import annotations

from decimal import Decimal
from urllib.parse import urlencode

from ecwid_systempay.protocol.currencies import find_currency
from ecwid_systempay.protocol.form import (
    OrderData,
    Person,
    ShopConfig,
    build_fields,
    sign_form,
)
from ecwid_systempay.protocol.notification import parse_body
from ecwid_systempay.protocol.signature import verify_signature

from .systempay_support import (  # noqa: F401 - fixtures
    KEY_TEST,
    SITE_ID,
    ipn_fixture,
    pay,
    post_form,
    sp_fixture,
    text_of,
)


def _module_form(platform, **shop_overrides) -> dict[str, str]:
    shop = ShopConfig(
        site_id=SITE_ID,
        ctx_mode="TEST",
        key=KEY_TEST,
        sign_algo="HMAC-SHA-256",
        default_language="fr",
        available_languages=("fr", "en"),
        threeds_manage=True,
        threeds_max_amount=Decimal(30),
        redirect_enabled=True,
        redirect_success_timeout=5,
        redirect_success_message="Merci, retour à la boutique",
        redirect_error_timeout=5,
        redirect_error_message="Échec, retour à la boutique",
        shop_name="Boutique d'Hélène & Cie",
        **shop_overrides,
    )
    person = Person(
        name="Hélène de la Tour", company="ACME", street="1 rue de la Paix", city="Paris", zip="75002",
        country="FR", phone="+33 1 23 45 67 89",
    )
    order = OrderData(
        order_id="XJ12H",
        amount=Decimal("25.90"),
        amount_minor=2590,
        currency=find_currency("EUR"),
        email="helene@example.test",
        customer_id="42",
        billing=person,
        shipping=person,
        language="fr",
        extra={"store": "1003"},
    )
    fields = build_fields(
        shop, order, trans_id="004217", trans_date=platform.now(), return_url="http://shop.test/return/pub?x=1"
    )
    return sign_form(fields, shop)


def test_module_form_is_accepted_and_its_parser_reads_the_ipn(sp, ipn) -> None:
    testapp, platform = sp
    page = post_form(testapp, _module_form(platform))
    assert page.html.find(id="payment-page") is not None
    assert text_of(page, "amount") == "25,90 EUR"
    assert text_of(page, "shop-name") == "Boutique d'Hélène & Cie"
    assert "sent to the issuer" in page.text or "transmise" in page.text  # mpi=2 below 30 EUR
    result = pay(testapp, page, "4970100000000014")
    assert result.html.find(id="auto-redirect")["data-timeout"] == "5"
    assert text_of(result, "auto-redirect") == "Merci, retour à la boutique"
    body = urlencode(ipn.calls()[0].pairs).encode("utf-8")
    notification = parse_body(body)
    assert notification.is_ipn
    assert notification.trans_id == "004217"
    assert notification.trans_status == "AUTHORISED"
    assert notification.source == "PAY"
    assert notification.amount_minor == 2590
    assert notification.fields["vads_ext_info_store"] == "1003"
    assert verify_signature(notification.fields, notification.signature, KEY_TEST)
    # The browser return (posted, as the module asks) is a valid signed message for its parser too (no vads_hash).
    return_form = result.forms["return-form"]
    assert return_form.method.upper() == "POST" and return_form.action == "http://shop.test/return/pub?x=1"
    returned = parse_body(urlencode(return_form.submit_fields()).encode("utf-8"))
    assert not returned.is_ipn
    assert verify_signature(returned.fields, returned.signature, KEY_TEST)
