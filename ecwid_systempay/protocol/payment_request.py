"""The decrypted Ecwid payment request, checked field by field (pure, no I/O).

Only the shape Ecwid documents is accepted for the fields the checkout relies on:
``storeId`` a positive integer (or its digits), ``token`` and ``returnUrl`` strings,
``cart`` and ``cart.order`` objects, ``cart.currency`` a string, the order's
references strings or integers, ``total`` a JSON number or a numeric string. Any
other shape (lists, objects, booleans, nulls, numbers too large for the database)
raises :class:`InvalidPaymentRequest`. Optional texts of another shape (``lang``,
``email``, the buyer's names and addresses) are dropped rather than stringified.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from .form import Person
from .languages import normalize_language

#: Fits a signed 64-bit column with room to spare (Ecwid store ids have 7-9 digits).
MAX_STORE_ID = 10**18 - 1
MAX_REFERENCE_CHARS = 128
MAX_RETURN_URL_CHARS = 4096
_DIGITS = re.compile(r"[0-9]{1,18}")
_TOKEN = re.compile(r"[\x21-\x7e]{1,1024}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class InvalidPaymentRequest(ValueError):
    """A readable payload whose fields do not have the documented shape.

    ``return_url`` and ``lang`` are kept when they themselves were usable, so the
    buyer can get a page in their language with a way back to the shop.
    """

    def __init__(self, reason: str, return_url: str | None = None, lang: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.return_url = return_url
        self.lang = lang


@dataclass(frozen=True)
class PaymentRequest:
    """What the checkout uses from Ecwid's payment request."""

    store_id: int
    token: str
    return_url: str
    lang: str | None
    currency: str
    reference: str
    order_id: str
    total: int | Decimal | str
    email: str = ""
    customer_id: str = ""
    billing: Person | None = None
    shipping: Person | None = None


def scalar_text(value: Any) -> str:
    """A string or an integer as text; anything else (objects, lists, booleans, null) as ``""``."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**30:
        return str(value)
    return ""


def valid_return_url(value: Any) -> str | None:
    """An absolute http(s) URL of a sane length, or None."""
    if not isinstance(value, str) or len(value) > MAX_RETURN_URL_CHARS or _CONTROL.search(value):
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return value


def store_id_of(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if 0 < number <= MAX_STORE_ID else None


def reference_of(value: Any) -> str:
    """A reference (string or non-negative integer) as text, or ``""`` when unusable."""
    if isinstance(value, int) and not isinstance(value, bool):
        text = str(value) if 0 <= value < 10**30 else ""
    else:
        text = value if isinstance(value, str) else ""
    if len(text) > MAX_REFERENCE_CHARS or _CONTROL.search(text):
        return ""
    return text


def person_of(value: Any) -> Person | None:
    if not isinstance(value, dict):
        return None
    return Person(
        name=scalar_text(value.get("name")),
        company=scalar_text(value.get("companyName")),
        street=scalar_text(value.get("street")),
        city=scalar_text(value.get("city")),
        zip=scalar_text(value.get("postalCode")),
        state=scalar_text(value.get("stateOrProvinceName")) or scalar_text(value.get("stateOrProvinceCode")),
        country=scalar_text(value.get("countryCode")),
        phone=scalar_text(value.get("phone")),
    )


def parse_payment_request(payload: dict[str, Any]) -> PaymentRequest:
    """Check ``payload`` (the decrypted JSON object) into a :class:`PaymentRequest`."""
    return_url = valid_return_url(payload.get("returnUrl"))
    raw_lang = payload.get("lang")
    lang = normalize_language(raw_lang[:16]) if isinstance(raw_lang, str) else None

    def refuse(reason: str) -> InvalidPaymentRequest:
        return InvalidPaymentRequest(reason, return_url, lang)

    if return_url is None:
        raise refuse("returnUrl")
    store_id = store_id_of(payload.get("storeId"))
    if store_id is None:
        raise refuse("storeId")
    token = payload.get("token")
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise refuse("token")
    cart = payload.get("cart")
    order = cart.get("order") if isinstance(cart, dict) else None
    if not isinstance(cart, dict) or not isinstance(order, dict):
        raise refuse("cart")
    currency = cart.get("currency")
    if not isinstance(currency, str) or len(currency) > 16:
        raise refuse("currency")
    for name in ("id", "referenceTransactionId"):
        value = order.get(name)
        if value is not None and value != "" and not reference_of(value):
            raise refuse(name)
    order_id = reference_of(order.get("id"))
    reference = reference_of(order.get("referenceTransactionId")) or order_id
    if not reference:
        raise refuse("referenceTransactionId")
    total = order.get("total")
    if isinstance(total, bool) or not isinstance(total, int | Decimal | str):
        raise refuse("total")
    return PaymentRequest(
        store_id=store_id,
        token=token,
        return_url=return_url,
        lang=lang,
        currency=currency,
        reference=reference,
        order_id=order_id or reference_of(order.get("orderNumber")) or reference,
        total=total,
        email=scalar_text(order.get("email")),
        customer_id=scalar_text(order.get("customerId")),
        billing=person_of(order.get("billingPerson")),
        shipping=person_of(order.get("shippingPerson")),
    )
