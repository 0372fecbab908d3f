"""State of the simulated Ecwid store: products, orders, REST API switches and log."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ...protocol.currencies import find_currency
from ..brands import SandboxBrand

PAYMENT_STATUSES = frozenset(
    {
        "AWAITING_PAYMENT",
        "PAID",
        "CANCELLED",
        "REFUNDED",
        "PARTIALLY_REFUNDED",
        "INCOMPLETE",
        "CUSTOM_PAYMENT_STATUS_1",
        "CUSTOM_PAYMENT_STATUS_2",
        "CUSTOM_PAYMENT_STATUS_3",
    }
)
#: Display currencies of the demo store and their rate from EUR.
RATES = {"EUR": Decimal("1"), "USD": Decimal("1.08"), "JPY": Decimal("162"), "KWD": Decimal("0.333")}


@dataclass(frozen=True)
class Product:
    id: int
    name: str
    price_eur: Decimal


PRODUCTS = (
    Product(1, "Espresso cup", Decimal("12.50")),
    Product(2, "Coffee beans 1 kg", Decimal("24.90")),
    Product(3, "Grinder", Decimal("89.00")),
    Product(4, "Sticker", Decimal("1.20")),
)


def price_in(product: Product, currency: str) -> Decimal:
    exponent = find_currency(currency).exponent
    return (product.price_eur * RATES[currency]).quantize(Decimal(1).scaleb(-exponent), rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str) -> str:
    exponent = find_currency(currency).exponent
    return f"{amount:.{exponent}f} {currency}"


@dataclass(frozen=True)
class EcwidApp:
    """An app installed in the store (one per brand): its credentials and the store's tokens for it."""

    name: str  # the module's app-name
    title: str
    client_id: str
    client_secret: str
    token: str
    public_token: str


@dataclass
class Order:
    number: int
    currency: str
    lang: str
    items: list[dict[str, Any]]
    total: Decimal
    buyer: dict[str, str]
    app_name: str = "systempay"
    payment_status: str = "INCOMPLETE"
    external_transaction_id: str = ""
    payment_message: str = ""
    created_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    updated_at: datetime | None = None

    @property
    def id(self) -> str:
        return f"SBX-{self.number}"

    @property
    def reference(self) -> str:
        return f"transaction_{self.number}"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "referenceTransactionId": self.reference,
            "orderNumber": self.number,
            "total": self.total,
            "paymentStatus": self.payment_status,
            "externalTransactionId": self.external_transaction_id,
            "paymentMessage": self.payment_message,
            "email": self.buyer.get("email", ""),
        }


@dataclass
class ApiCall:
    at: datetime
    method: str
    path: str
    status: int
    body: str
    app: str = ""  # the app whose token was sent ("" for none or an unknown one)


@dataclass
class Switch:
    """How the REST API misbehaves: ``normal``, ``error500``, ``rate429`` or ``hang``."""

    mode: str = "normal"
    remaining: int | None = None  # None: until switched back
    retry_after: int = 5
    hang_seconds: float = 15.0


class EcwidSandbox:
    """Thread-safe in-memory Ecwid store, with one installed app per brand (the first is the default)."""

    def __init__(self, store_id: int, brands: Sequence[SandboxBrand]) -> None:
        if not brands:
            raise ValueError("at least one app")
        self.store_id = store_id
        self.apps: dict[str, EcwidApp] = {}
        for index, brand in enumerate(brands):
            suffix = "" if index == 0 else f"_{brand.name}"
            self.apps[brand.name] = EcwidApp(
                name=brand.name,
                title=brand.title,
                client_id=brand.client_id,
                client_secret=brand.client_secret,
                token=f"secret_sandbox_{store_id}{suffix}",
                public_token=f"public_sandbox_{store_id}{suffix}",
            )
        self.default_app = next(iter(self.apps.values()))
        self._return_secret = secrets.token_bytes(32)
        self._lock = threading.Lock()
        self._orders: dict[int, Order] = {}
        self._next = 1
        self.switch = Switch()
        self.calls: list[ApiCall] = []

    # -- apps -----------------------------------------------------------------------

    def app(self, name: str | None) -> EcwidApp:
        """The app named ``name`` (its app-name), else the default one."""
        return self.apps.get((name or "").strip().lower(), self.default_app)

    def app_for_token(self, token: str) -> EcwidApp | None:
        """The app whose access token for this store is ``token``."""
        for app in self.apps.values():
            if hmac.compare_digest(app.token.encode(), token.encode()):
                return app
        return None

    # The default app's credentials (the single-app API).
    client_id = property(lambda self: self.default_app.client_id)
    client_secret = property(lambda self: self.default_app.client_secret)
    token = property(lambda self: self.default_app.token)
    public_token = property(lambda self: self.default_app.public_token)

    # -- orders ---------------------------------------------------------------------

    def create_order(
        self, currency: str, lang: str, quantities: dict[int, int], buyer: dict[str, str], app_name: str | None = None
    ) -> Order:
        items = []
        total = Decimal(0)
        for product in PRODUCTS:
            quantity = quantities.get(product.id, 0)
            if quantity > 0:
                price = price_in(product, currency)
                items.append({"id": product.id, "productId": product.id, "name": product.name, "price": price, "quantity": quantity})
                total += price * quantity
        with self._lock:
            order = Order(self._next, currency, lang, items, total, buyer, self.app(app_name).name)
            self._orders[order.number] = order
            self._next += 1
        return order

    def orders(self) -> list[Order]:
        with self._lock:
            return sorted(self._orders.values(), key=lambda o: o.number, reverse=True)

    def find(self, order_ref: str) -> Order | None:
        with self._lock:
            for order in self._orders.values():
                if order_ref in (order.id, order.reference, str(order.number)):
                    return order
        return None

    def order(self, order_id: str) -> Order | None:
        return self.find(order_id)

    def update(self, order: Order, body: dict[str, Any]) -> None:
        with self._lock:
            if "paymentStatus" in body:
                order.payment_status = body["paymentStatus"]
            if "externalTransactionId" in body:
                order.external_transaction_id = str(body["externalTransactionId"] or "")
            if "paymentMessage" in body:
                order.payment_message = str(body["paymentMessage"] or "")
            order.updated_at = datetime.now(timezone.utc)

    # -- returnUrl ------------------------------------------------------------------

    def return_key(self, order_id: str, timestamp: str) -> str:
        return hmac.new(self._return_secret, f"{order_id}.{timestamp}".encode(), hashlib.sha256).hexdigest()[:16]

    def check_return_key(self, order_id: str, timestamp: str, key: str) -> bool:
        return hmac.compare_digest(self.return_key(order_id, timestamp), key or "")

    def new_timestamp(self) -> str:
        return str(int(time.time() * 1000))

    # -- REST API behaviour ---------------------------------------------------------

    def set_switch(self, mode: str, *, remaining: int | None = None, retry_after: int = 5, hang_seconds: float = 15.0) -> None:
        if mode not in ("normal", "error500", "rate429", "hang"):
            raise ValueError(mode)
        with self._lock:
            self.switch = Switch(mode, remaining, retry_after, hang_seconds)

    def take_switch(self) -> Switch:
        """The misbehaviour for this call (consumes one of ``remaining``)."""
        with self._lock:
            current = self.switch
            if current.mode == "normal":
                return current
            if current.remaining is not None:
                current.remaining -= 1
                if current.remaining <= 0:
                    self.switch = Switch()
            return Switch(current.mode, None, current.retry_after, current.hang_seconds)

    def record(self, method: str, path: str, status: int, body: str, app: str = "") -> None:
        with self._lock:
            self.calls.append(ApiCall(datetime.now(timezone.utc), method, path, status, body[:500], app))
            del self.calls[:-500]

    def api_calls(self) -> list[ApiCall]:
        with self._lock:
            return list(self.calls)
