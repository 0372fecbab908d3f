"""Building the signed ``vads_*`` form sent to the payment page.

Pure functions from plain data: the shop configuration, the order as Ecwid
describes it, and the attempt's identifiers. No I/O.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from ..__about__ import __version__
from .currencies import Currency
from .signature import compute_signature

_SPACES = re.compile(r"\s+")
_ORDER_ID = re.compile(r"[^A-Za-z0-9_-]")
_PHONE = re.compile(r"[^0-9+]")
_ZIP = re.compile(r"[^A-Za-z0-9 -]")
_COUNTRY = re.compile(r"[A-Za-z]{2}")


def clean_text(value: object, max_length: int) -> str:
    """Gateway hygiene: no ``<``/``>``/quotes, whitespace collapsed, trimmed, truncated."""
    text = "" if value is None else str(value)
    if not (text.isascii() and text.isprintable()):  # printable ASCII is NFC and has no control character
        text = unicodedata.normalize("NFC", text)
        text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    text = text.replace("<", " ").replace(">", " ").replace('"', " ")
    text = _SPACES.sub(" ", text).strip()
    return text[:max_length].strip()


def clean_order_id(value: object) -> str:
    return _ORDER_ID.sub("", str(value or ""))[:64]


def clean_phone(value: object) -> str:
    return _PHONE.sub("", str(value or ""))[:32]


def clean_zip(value: object) -> str:
    return clean_text(_ZIP.sub("", str(value or "")), 64)


def clean_country(value: object) -> str:
    text = str(value or "").strip()
    return text.upper() if _COUNTRY.fullmatch(text) else ""


def split_name(full_name: object) -> tuple[str, str]:
    """``'Jean-Luc de la Tour'`` -> ``('Jean-Luc', 'de la Tour')``."""
    parts = clean_text(full_name, 127).split(" ", 1)
    if len(parts) == 1:
        return "", parts[0]
    return parts[0], parts[1]


@dataclass(frozen=True)
class ShopConfig:
    """The store's gateway settings, keys already decrypted."""

    site_id: str
    ctx_mode: str
    key: str
    sign_algo: str
    default_language: str
    available_languages: tuple[str, ...] = ()
    capture_delay: int | None = None
    validation_mode: str | None = None
    threeds_manage: bool = False
    threeds_max_amount: Decimal | None = None
    redirect_enabled: bool = False
    redirect_success_timeout: int = 5
    redirect_success_message: str = ""
    redirect_error_timeout: int = 5
    redirect_error_message: str = ""
    shop_name: str = ""


@dataclass(frozen=True)
class Person:
    name: str = ""
    company: str = ""
    street: str = ""
    city: str = ""
    zip: str = ""
    state: str = ""
    country: str = ""
    phone: str = ""


@dataclass(frozen=True)
class OrderData:
    """What the form needs from the Ecwid order."""

    order_id: str
    amount: Decimal
    amount_minor: int
    currency: Currency
    email: str = ""
    customer_id: str = ""
    billing: Person | None = None
    shipping: Person | None = None
    language: str = "en"
    extra: dict[str, str] = field(default_factory=dict)


def contrib() -> str:
    """``vads_contrib``: the module and its version, for the gateway's support (nothing about the platform)."""
    return f"Ecwid_Systempay_{__version__}"[:128]


def wants_frictionless(shop: ShopConfig, amount: Decimal) -> bool:
    """Custom 3DS: ask for frictionless when enabled and below the merchant's threshold."""
    if not shop.threeds_manage:
        return False
    return shop.threeds_max_amount is None or amount < shop.threeds_max_amount


def build_fields(
    shop: ShopConfig,
    order: OrderData,
    *,
    trans_id: str,
    trans_date: datetime,
    return_url: str,
) -> dict[str, str]:
    """Every ``vads_*`` field of the payment form (without the signature)."""
    fields: dict[str, str] = {
        "vads_action_mode": "INTERACTIVE",
        "vads_amount": str(order.amount_minor),
        "vads_ctx_mode": shop.ctx_mode,
        "vads_currency": order.currency.numeric,
        "vads_page_action": "PAYMENT",
        "vads_payment_config": "SINGLE",
        "vads_site_id": shop.site_id,
        "vads_trans_date": trans_date.strftime("%Y%m%d%H%M%S"),
        "vads_trans_id": trans_id,
        "vads_version": "V2",
        "vads_contrib": contrib(),
        "vads_language": order.language,
        "vads_order_id": clean_order_id(order.order_id),
        "vads_url_return": return_url,
        # POST: the return data (masked card, e-mail, address, CAVV...) never goes in a URL.
        "vads_return_mode": "POST",
    }
    if shop.available_languages:
        fields["vads_available_languages"] = ";".join(shop.available_languages)
    if shop.capture_delay is not None:
        fields["vads_capture_delay"] = str(shop.capture_delay)
    if shop.validation_mode in ("0", "1"):
        fields["vads_validation_mode"] = shop.validation_mode
    if wants_frictionless(shop, order.amount):
        fields["vads_threeds_mpi"] = "2"
    if shop.redirect_enabled:
        fields["vads_redirect_success_timeout"] = str(shop.redirect_success_timeout)
        fields["vads_redirect_success_message"] = clean_text(shop.redirect_success_message, 255)
        fields["vads_redirect_error_timeout"] = str(shop.redirect_error_timeout)
        fields["vads_redirect_error_message"] = clean_text(shop.redirect_error_message, 255)
    if shop.shop_name:
        fields["vads_shop_name"] = clean_text(shop.shop_name, 127)

    optional: dict[str, str] = {
        "vads_cust_email": clean_text(order.email, 150),
        "vads_cust_id": clean_text(order.customer_id, 63),
    }
    if order.billing:
        first, last = split_name(order.billing.name)
        optional.update(
            {
                "vads_cust_first_name": clean_text(first, 63),
                "vads_cust_last_name": clean_text(last, 63),
                "vads_cust_legal_name": clean_text(order.billing.company, 100),
                "vads_cust_address": clean_text(order.billing.street, 255),
                "vads_cust_zip": clean_zip(order.billing.zip),
                "vads_cust_city": clean_text(order.billing.city, 128),
                "vads_cust_state": clean_text(order.billing.state, 127),
                "vads_cust_country": clean_country(order.billing.country),
                "vads_cust_phone": clean_phone(order.billing.phone),
            }
        )
    if order.shipping:
        first, last = split_name(order.shipping.name)
        optional.update(
            {
                "vads_ship_to_first_name": clean_text(first, 63),
                "vads_ship_to_last_name": clean_text(last, 63),
                "vads_ship_to_legal_name": clean_text(order.shipping.company, 100),
                "vads_ship_to_street": clean_text(order.shipping.street, 255),
                "vads_ship_to_zip": clean_zip(order.shipping.zip),
                "vads_ship_to_city": clean_text(order.shipping.city, 128),
                "vads_ship_to_state": clean_text(order.shipping.state, 127),
                "vads_ship_to_country": clean_country(order.shipping.country),
                "vads_ship_to_phone_num": clean_phone(order.shipping.phone),
            }
        )
    for name, value in order.extra.items():
        optional[f"vads_ext_info_{name}"] = clean_text(value, 255)
    fields.update({k: v for k, v in optional.items() if v})
    return fields


def form_digest(fields: dict[str, str], shop: ShopConfig) -> str:
    """The identity of a form, its ``vads_trans_id`` (and signature) aside: HMAC-SHA256 under the shop key.

    Names and values, order-independent, and the signing algorithm: two forms have
    the same digest when they would show the buyer the same payment under the same
    key. The trans id is left out because it is allocated by the very statement that
    stores the digest (one round trip per checkout).
    """
    shown = sorted((name, value) for name, value in fields.items() if name not in ("vads_trans_id", "signature"))
    canonical = json.dumps([shop.sign_algo, shown], ensure_ascii=False, separators=(",", ":"))
    return hmac.new(shop.key.encode("utf-8"), b"form-digest:" + canonical.encode("utf-8"), hashlib.sha256).hexdigest()


def sign_form(fields: dict[str, str], shop: ShopConfig) -> dict[str, str]:
    """The fields plus their ``signature``."""
    signed = dict(fields)
    signed["signature"] = compute_signature(fields, shop.key, shop.sign_algo)
    return signed
