"""Checkout: from Ecwid's decrypted payment request to a signed payment form."""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from ..config import AppSettings, Brand
from ..models import PaymentAttempt, Store
from ..models.meta import utcnow
from ..protocol.currencies import InvalidAmount, UnsupportedCurrency, find_currency, to_decimal, to_minor_units
from ..protocol.form import OrderData, build_fields, sign_form
from ..protocol.languages import payment_language
from ..protocol.payment_request import InvalidPaymentRequest, parse_payment_request
from ..secrets_box import SecretBox
from .stores import StoreNotConfigured, get_store, shop_config
from .trans_ids import allocate_trans_id

log = logging.getLogger(__name__)


class CheckoutError(Exception):
    """A checkout that cannot go on; ``kind`` names the buyer message."""

    def __init__(self, kind: str, return_url: str | None = None, lang: str | None = None) -> None:
        super().__init__(kind)
        self.kind = kind
        self.return_url = return_url
        self.lang = lang


@dataclass(frozen=True)
class PaymentForm:
    action: str
    fields: dict[str, str]
    lang: str  # the payment page's (vads_language)
    return_url: str
    buyer_lang: str = "en"  # the buyer's pages and messages


def is_store_token(store: Store | None, token: str, box: SecretBox) -> bool:
    """Whether ``token`` is the store's saved Ecwid token (constant-time compare)."""
    saved = box.decrypt(store.ecwid_token_enc) if store is not None else None
    if not saved:
        return False
    return hmac.compare_digest(saved.encode("utf-8"), token.encode("utf-8"))


def start_checkout(
    dbsession: Session,
    payload: dict[str, Any],
    *,
    authenticated: bool,
    brand: Brand,
    app_settings: AppSettings,
    box: SecretBox,
    fallback_lang: str = "en",
) -> PaymentForm:
    """Create the attempt and the signed form, or raise :class:`CheckoutError`.

    ``authenticated`` tells whether the payload came from ``enc_data`` (AES-GCM). A
    legacy ``data`` payload (AES-CBC, malleable) is only trusted, its ``returnUrl``
    included, once its ``token`` is found to be the store's saved Ecwid token.
    The buyer's texts follow Ecwid's ``lang`` when it is a payment page language,
    else ``fallback_lang`` (the browser's); the attempt keeps that language.
    """
    try:
        request = parse_payment_request(payload)
    except InvalidPaymentRequest as exc:
        log.info("payment request refused: unusable %s (%s)", exc.reason, brand.name)
        raise CheckoutError("invalid_request", exc.return_url if authenticated else None, exc.lang) from None
    return_url, lang = request.return_url, request.lang

    store = get_store(dbsession, brand.name, request.store_id)
    if not authenticated and not is_store_token(store, request.token, box):
        log.warning("legacy payment request refused: its token is not store %s's (%s)", request.store_id, brand.name)
        raise CheckoutError("unverified_request", None, lang)
    if store is None:
        log.warning("checkout for unknown store %s (%s)", request.store_id, brand.name)
        raise CheckoutError("not_configured", return_url, lang)
    try:
        shop = shop_config(store, box, allow_production=app_settings.allow_production, shop_name="")
    except StoreNotConfigured as exc:
        log.warning("checkout for store %s refused: %s", store.ecwid_store_id, exc)
        raise CheckoutError("not_configured", return_url, lang) from None

    try:
        currency = find_currency(request.currency)
    except UnsupportedCurrency:
        log.info("store %s: unsupported currency %r", store.ecwid_store_id, request.currency)
        raise CheckoutError("unsupported_currency", return_url, lang) from None
    try:
        total: Decimal = to_decimal(request.total)
        amount_minor = to_minor_units(total, currency)
    except InvalidAmount:
        raise CheckoutError("invalid_request", return_url, lang) from None
    reference, order_id, token = request.reference, request.order_id, request.token

    language = payment_language(lang, shop.default_language)
    now = utcnow().replace(microsecond=0)
    trans_id = allocate_trans_id(dbsession, shop.site_id, now)
    attempt = PaymentAttempt(
        store_id=store.id,
        ecwid_order_id=order_id[:64],
        reference_transaction_id=reference,
        return_url=return_url,
        ecwid_token_enc=box.encrypt(token),
        lang=lang or fallback_lang,
        amount_minor=amount_minor,
        currency=currency.alpha,
        currency_numeric=currency.numeric,
        mode=shop.ctx_mode,
        site_id=shop.site_id,
        sign_algo=shop.sign_algo,
        trans_date=now,
        trans_day=now.date(),
        trans_id=trans_id,
    )
    dbsession.add(attempt)
    dbsession.flush()
    if shop.ctx_mode == "PRODUCTION" and store.production_used_at is None:
        store.production_used_at = now

    order_data = OrderData(
        order_id=order_id,
        amount=total,
        amount_minor=amount_minor,
        currency=currency,
        email=request.email,
        customer_id=request.customer_id,
        billing=request.billing,
        shipping=request.shipping,
        language=language,
        extra={"ecwid_store": str(store.ecwid_store_id), "ecwid_reference": reference[:255]},
    )
    return_to = app_settings.url(f"return/{attempt.public_id}") + f"?app-name={brand.name}"
    fields = build_fields(shop, order_data, trans_id=trans_id, trans_date=now, return_url=return_to)
    log.info(
        "checkout store=%s order=%s trans=%s/%s amount=%s %s mode=%s",
        store.ecwid_store_id,
        reference,
        shop.site_id,
        trans_id,
        amount_minor,
        currency.alpha,
        shop.ctx_mode,
    )
    return PaymentForm(
        action=brand.payment_url,
        fields=sign_form(fields, shop),
        lang=language,
        return_url=return_url,
        buyer_lang=lang or fallback_lang,
    )
