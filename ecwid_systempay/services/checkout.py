"""Checkout: from Ecwid's decrypted payment request to a signed payment form.

One Ecwid order may be posted many times (back button, reload, a replaying
attacker). While the order's latest attempt can still be open at the gateway (no
notification, younger than ``checkout.reuse_seconds``) and the form it would get
is the very same, that form is answered again: same ``vads_trans_id`` and
``vads_trans_date``, which the gateway shows as the same payment session. A
change of anything the form carries (amount, currency, mode, the buyer's details,
the language, the shop's key) or an ended attempt makes a new attempt, up to
``checkout.max_attempts_per_order``. An order already paid (or pending) never
starts another payment: the buyer is sent back to the shop.
"""

from __future__ import annotations

import hmac
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from cryptography.fernet import InvalidToken
from sqlalchemy import Row
from sqlalchemy.orm import Session

from ..config import AppSettings, Brand
from ..models.attempt import new_public_id
from ..models.meta import utcnow
from ..protocol.currencies import InvalidAmount, UnsupportedCurrency, find_currency, to_decimal, to_minor_units
from ..protocol.form import OrderData, ShopConfig, build_fields, form_digest, sign_form
from ..protocol.languages import payment_language
from ..protocol.payment_request import InvalidPaymentRequest, parse_payment_request
from ..secrets_box import SecretBox
from .order_attempts import is_open, keep_latest_return, lock_order, note_production_use, paid_attempt, store_locking_order
from .stores import StoreNotConfigured, shop_config
from .new_attempts import attempt_values, insert_attempt
from .trans_ids import TransIdsExhausted

log = logging.getLogger(__name__)


class CheckoutError(Exception):
    """A checkout that cannot go on; ``kind`` names the buyer message."""

    def __init__(
        self, kind: str, return_url: str | None = None, lang: str | None = None, retry_after: int | None = None
    ) -> None:
        super().__init__(kind)
        self.kind = kind
        self.return_url = return_url
        self.lang = lang
        self.retry_after = retry_after


@dataclass(frozen=True)
class PaymentForm:
    action: str
    fields: dict[str, str]
    lang: str  # the payment page's (vads_language)
    return_url: str
    buyer_lang: str = "en"  # the buyer's pages and messages
    replayed: bool = False


@dataclass(frozen=True)
class AlreadyPaid:
    """The order already has a payment: the buyer goes back to the shop through its return page."""

    location: str


def is_store_token(store: Row[Any] | None, token: str, box: SecretBox) -> bool:
    """Whether ``token`` is the store's saved Ecwid token (constant-time compare)."""
    try:
        saved = box.decrypt(store.ecwid_token_enc) if store is not None else None
    except (InvalidToken, ValueError):  # saved with a key secret_keys no longer has
        log.error(
            "store %s:%s: its saved Ecwid token cannot be decrypted with the configured secret_keys",
            store.brand,
            store.ecwid_store_id,
        )
        return False
    if not saved:
        return False
    return hmac.compare_digest(saved.encode("utf-8"), token.encode("utf-8"))


def return_location(app_settings: AppSettings, brand: str, public_id: str) -> str:
    """The ``vads_url_return`` of an attempt."""
    return app_settings.url(f"return/{public_id}") + f"?app-name={brand}"


def seconds_to_utc_midnight(now: datetime) -> int:
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return max(1, int((midnight - now).total_seconds()))


def start_checkout(
    dbsession: Session,
    payload: dict[str, Any],
    *,
    authenticated: bool,
    brand: Brand,
    app_settings: AppSettings,
    box: SecretBox,
    fallback_lang: str = "en",
) -> PaymentForm | AlreadyPaid:
    """The signed form of the order's attempt (open one or new), or where to send the buyer.

    ``authenticated`` tells whether the payload came from ``enc_data`` (AES-GCM). A
    legacy ``data`` payload (AES-CBC, malleable) is only trusted, its ``returnUrl``
    included, once its ``token`` is found to be the store's saved Ecwid token.
    The buyer's texts follow Ecwid's ``lang`` when it is a payment page language,
    else ``fallback_lang`` (the browser's); the attempt keeps that language.
    Raises :class:`CheckoutError` for everything the buyer cannot pay.
    """
    try:
        request = parse_payment_request(payload)
    except InvalidPaymentRequest as exc:
        log.info("payment request refused: unusable %s (%s)", exc.reason, brand.name)
        raise CheckoutError("invalid_request", exc.return_url if authenticated else None, exc.lang) from None
    return_url, lang = request.return_url, request.lang

    reference = request.reference
    store = store_locking_order(dbsession, brand.name, request.store_id, reference)
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

    language = payment_language(lang, shop.default_language)
    order = OrderData(
        order_id=request.order_id,
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

    clock = utcnow()
    now = clock.replace(microsecond=0)
    public_id = new_public_id()
    unsigned = build_fields(
        shop, order, trans_id="", trans_date=now, return_url=return_location(app_settings, brand.name, public_id)
    )
    values = attempt_values(
        public_id=public_id,
        store_id=store.id,
        ecwid_order_id=request.order_id[:64],
        reference_transaction_id=reference,
        return_url=return_url,
        ecwid_token_enc=box.encrypt(request.token),
        lang=lang or fallback_lang,
        amount_minor=amount_minor,
        currency=currency.alpha,
        currency_numeric=currency.numeric,
        mode=shop.ctx_mode,
        site_id=shop.site_id,
        sign_algo=shop.sign_algo,
        trans_date=now,
        trans_day=now.date(),
        form_digest=form_digest(unsigned, shop),
        created_at=clock,
    )
    new = NewAttempt(store, shop, values, unsigned, now)

    # Most checkouts are the order's first: its attempt is written by the statement that looks for others.
    trans_id = new.insert(dbsession, first_only=True, return_url=return_url, lang=lang)
    if trans_id is not None:
        return new.form(trans_id, attempt_number=1, brand=brand, return_url=return_url, buyer_lang=lang or fallback_lang)

    attempts = lock_order(dbsession, store.id, reference)
    keep_latest_return(attempts, return_url, request.token, box)
    paid = paid_attempt(attempts)
    if paid is not None:
        log.info(
            "store %s order %s is already %s: no new payment, buyer sent back to the shop",
            store.ecwid_store_id,
            reference,
            paid.status,
        )
        return AlreadyPaid(app_settings.url(f"return/{paid.public_id}"))

    latest = attempts[-1] if attempts else None
    if latest is not None and is_open(latest, now, app_settings.checkout_reuse_seconds):
        replayed = build_fields(
            shop,
            order,
            trans_id=latest.trans_id,
            trans_date=latest.trans_date,
            return_url=return_location(app_settings, brand.name, latest.public_id),
        )
        if latest.form_digest is not None and hmac.compare_digest(form_digest(replayed, shop), latest.form_digest):
            log.info(
                "checkout store=%s order=%s trans=%s/%s answered again (same order, session may be open)",
                store.ecwid_store_id,
                reference,
                latest.site_id,
                latest.trans_id,
            )
            fields = sign_form(replayed, shop)
            return PaymentForm(brand.payment_url, fields, language, return_url, lang or fallback_lang, replayed=True)

    if len(attempts) >= app_settings.max_attempts_per_order:
        log.warning(
            "store %s order %s refused: %s payment attempts already (checkout.max_attempts_per_order)",
            store.ecwid_store_id,
            reference,
            len(attempts),
        )
        raise CheckoutError("too_many_attempts", return_url, lang)
    trans_id = new.insert(dbsession, first_only=False, return_url=return_url, lang=lang)
    assert trans_id is not None
    return new.form(
        trans_id, attempt_number=len(attempts) + 1, brand=brand, return_url=return_url, buyer_lang=lang or fallback_lang
    )


@dataclass(frozen=True)
class NewAttempt:
    """The attempt a checkout writes if it needs one: its columns and its form, trans id aside."""

    store: Row[Any]  # the checkout's store (order_attempts.CHECKOUT_STORE_COLUMNS)
    shop: ShopConfig
    values: dict[str, Any]
    unsigned: dict[str, str]
    now: datetime

    def insert(self, dbsession: Session, *, first_only: bool, return_url: str, lang: str | None) -> str | None:
        """Its trans id once written (``None``: ``first_only`` and the order has attempts)."""
        try:
            trans_id = insert_attempt(dbsession, self.values, self.now, first_only=first_only)
        except TransIdsExhausted:
            log.error(
                "store %s: every trans id of %s (UTC) is used for shop %s; checkouts refused until midnight UTC",
                self.store.ecwid_store_id,
                self.now.date(),
                self.shop.site_id,
            )
            raise CheckoutError("temporarily_unavailable", return_url, lang, seconds_to_utc_midnight(self.now)) from None
        if trans_id is not None and self.shop.ctx_mode == "PRODUCTION" and self.store.production_used_at is None:
            note_production_use(dbsession, self.store.id, self.now)
        return trans_id

    def form(self, trans_id: str, *, attempt_number: int, brand: Brand, return_url: str, buyer_lang: str) -> PaymentForm:
        """The signed form of the attempt written with ``trans_id``."""
        store, shop, values = self.store, self.shop, self.values
        log.info(
            "checkout store=%s order=%s trans=%s/%s amount=%s %s mode=%s attempt=%s",
            store.ecwid_store_id,
            values["reference_transaction_id"],
            shop.site_id,
            trans_id,
            values["amount_minor"],
            values["currency"],
            shop.ctx_mode,
            attempt_number,
        )
        fields = sign_form({**self.unsigned, "vads_trans_id": trans_id}, shop)
        return PaymentForm(brand.payment_url, fields, self.unsigned["vads_language"], return_url, buyer_lang)
