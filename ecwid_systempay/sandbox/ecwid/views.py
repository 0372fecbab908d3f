"""Storefront, checkout, returnUrl and REST API of the simulated Ecwid store (the demo admin: :mod:`.admin`)."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from pyramid.httpexceptions import HTTPFound
from pyramid.renderers import render_to_response
from pyramid.response import Response

from ...protocol.ecwid_crypto import encrypt_cbc, encrypt_gcm
from .store import PAYMENT_STATUSES, PRODUCTS, RATES, EcwidSandbox, Order, format_money, price_in

LANGS = ("en", "fr", "de", "es", "it")
DEFAULT_BUYER = {
    "name": "Camille Martin",
    "email": "camille.martin@example.com",
    "street": "12 rue de la Paix",
    "city": "Paris",
    "postalCode": "75002",
    "countryCode": "FR",
    "phone": "+33 1 23 45 67 89",
}


def sandbox(request: Any) -> EcwidSandbox:
    return request.registry["sandbox.ecwid"]


def settings(request: Any) -> dict[str, str]:
    return request.registry["sandbox.ecwid.settings"]


def page(request: Any, template: str, status: int = 200, **values: Any) -> Response:
    values.setdefault("title", "Demo store")
    response = render_to_response(f"ecwid_systempay.sandbox:templates/{template}", values, request=request)
    response.status = status
    return response


def store_page(request: Any, *, order: Order | None = None, error: str | None = None, status: int = 200) -> Response:
    shop = sandbox(request)
    currency = request.params.get("currency") or (order.currency if order else "EUR")
    if currency not in RATES:
        currency = "EUR"
    lang = request.params.get("lang") or (order.lang if order else "en")
    quantities = {item["id"]: item["quantity"] for item in order.items} if order else {}
    products = [
        {"product": p, "price": format_money(price_in(p, currency), currency), "quantity": quantities.get(p.id, 0)}
        for p in PRODUCTS
    ]
    return page(
        request,
        "ecwid_store.pt",
        status,
        title="Demo store",
        products=products,
        currency=currency,
        currencies=list(RATES),
        lang=lang,
        langs=LANGS,
        buyer={**DEFAULT_BUYER, **(order.buyer if order else {})},
        error=error,
        store_id=shop.store_id,
        checkout_url=request.route_url("sandbox.ecwid.checkout"),
        apps=list(shop.apps.values()),
        app_name=shop.app(request.params.get("app") or (order.app_name if order else None)).name,
        prices={str(p.id): str(price_in(p, currency)) for p in PRODUCTS},
    )


def storefront(request: Any) -> Response:
    return store_page(request)


def payment_payload(request: Any, order: Order) -> dict[str, Any]:
    shop = sandbox(request)
    app = shop.app(order.app_name)
    conf = settings(request)
    timestamp = shop.new_timestamp()
    query = urlencode(
        {"orderId": order.id, "clientId": app.client_id, "timestamp": timestamp, "key": shop.return_key(order.id, timestamp)}
    )
    buyer = order.buyer
    person = {
        "name": buyer.get("name", ""),
        "street": buyer.get("street", ""),
        "city": buyer.get("city", ""),
        "postalCode": buyer.get("postalCode", ""),
        "countryCode": buyer.get("countryCode", ""),
        "phone": buyer.get("phone", ""),
    }
    return {
        "storeId": shop.store_id,
        "lang": order.lang,
        "returnUrl": f"{conf['public_url']}/ecwid/store/{shop.store_id}/return?{query}",
        "merchantAppSettings": {"public": "{}"},
        "token": app.token,
        "cart": {
            "currency": order.currency,
            "order": {
                "id": order.id,
                "orderNumber": order.number,
                "vendorOrderNumber": str(order.number),
                "referenceTransactionId": order.reference,
                "total": order.total,
                "subtotal": order.total,
                "email": buyer.get("email", ""),
                "paymentStatus": "INCOMPLETE",
                "fulfillmentStatus": "AWAITING_PROCESSING",
                "paymentModule": f"CUSTOM_PAYMENT_APP-{app.client_id}",
                "paymentMethod": f"Credit or debit card ({app.title})",
                "billingPerson": person,
                "shippingPerson": person,
                "items": order.items,
                "createTimestamp": int(time.time()),
            },
        },
    }


def checkout(request: Any) -> Response:
    """'Go to payment': create the order and post it, encrypted, to the payment app."""
    shop = sandbox(request)
    currency = request.POST.get("currency", "EUR")
    if currency not in RATES:
        currency = "EUR"
    lang = request.POST.get("lang", "en")
    quantities = {}
    for product in PRODUCTS:
        try:
            quantities[product.id] = max(0, min(99, int(request.POST.get(f"qty_{product.id}", "0") or 0)))
        except ValueError:
            quantities[product.id] = 0
    if not any(quantities.values()):
        return store_page(request, error="Your cart is empty.", status=400)
    buyer = {key: request.POST.get(key, "").strip() for key in DEFAULT_BUYER}
    app = shop.app(request.POST.get("app"))
    order = shop.create_order(currency, lang, quantities, buyer, app.name)
    payload = payment_payload(request, order)
    fields = {"data": encrypt_cbc(payload, app.client_secret)}
    if not request.POST.get("legacy_cbc"):
        fields["enc_data"] = encrypt_gcm(payload, app.client_secret)
    action = f"{settings(request)['module_url']}/payment?{urlencode({'app-name': app.name})}"
    return page(request, "ecwid_redirect.pt", title="Redirecting to payment", action=action, fields=sorted(fields.items()))


def return_page(request: Any) -> Response:
    """Ecwid's ``returnUrl``: thank-you page for paid orders, checkout again otherwise."""
    shop = sandbox(request)
    order_id = request.GET.get("orderId", "")
    if not shop.check_return_key(order_id, request.GET.get("timestamp", ""), request.GET.get("key", "")):
        return page(request, "ecwid_message.pt", 403, title="Invalid link", message="This return link is not valid.")
    order = shop.order(order_id)
    if order is None:
        return page(request, "ecwid_message.pt", 404, title="Unknown order", message="This order does not exist.")
    if order.payment_status in ("PAID", "AWAITING_PAYMENT"):
        return page(request, "ecwid_thanks.pt", title="Thank you", order=order, total=format_money(order.total, order.currency))
    return store_page(request, order=order, error=request.GET.get("errorMsg") or None)


def json_response(status: int, data: Any, **headers: str) -> Response:
    response = Response(
        body=json.dumps(data, default=lambda v: float(v) if isinstance(v, Decimal) else str(v)).encode(),
        status=status,
        content_type="application/json",
        charset="utf-8",
    )
    response.headers.update(headers)
    return response


def _caller(shop: EcwidSandbox, request: Any) -> str:
    """The app whose Bearer token the request carries ("" if none)."""
    _, _, token = request.headers.get("Authorization", "").partition(" ")
    app = shop.app_for_token(token) if token else None
    return app.name if app else ""


def _token_ok(shop: EcwidSandbox, authorization: str, store_id: str) -> bool:
    """A Bearer token of one of the store's apps, on this store's URL."""
    scheme, _, token = authorization.partition(" ")
    return scheme == "Bearer" and shop.app_for_token(token) is not None and store_id == str(shop.store_id)


def api_order(request: Any) -> Response:
    """``PUT|GET /api/v3/{store_id}/orders/{order_id}`` (Bearer token only)."""
    shop = sandbox(request)
    response = _api_order(request, shop)
    body = request.text if request.method == "PUT" else ""
    shop.record(request.method, request.path_qs, response.status_int, body, _caller(shop, request))
    return response


def _api_order(request: Any, shop: EcwidSandbox) -> Response:
    switch = shop.take_switch()
    if switch.mode == "error500":
        return json_response(500, {"errorMessage": "Internal server error (sandbox switch)"})
    if switch.mode == "rate429":
        return json_response(429, {"errorMessage": "Too many requests (sandbox switch)"}, **{"Retry-After": str(switch.retry_after)})
    if switch.mode == "hang":
        time.sleep(switch.hang_seconds)
    if "token" in request.GET:
        return json_response(403, {"errorMessage": "Access tokens in query parameters are disabled, use the Authorization header"})
    auth = request.headers.get("Authorization", "")
    if not auth:
        return json_response(401, {"errorMessage": "Missing access token"})
    if not _token_ok(shop, auth, request.matchdict["store_id"]):
        return json_response(403, {"errorMessage": "Invalid access token"})
    order = shop.find(request.matchdict["order_id"])
    if request.method == "GET":
        if order is None:
            return json_response(404, {"errorMessage": "Order not found"})
        return json_response(200, order.as_json())
    if request.method != "PUT":
        return json_response(405, {"errorMessage": "Method not allowed"})
    if not (request.content_type or "").startswith("application/json"):
        return json_response(415, {"errorMessage": "Content-Type must be application/json"})
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        return json_response(400, {"errorMessage": "Invalid JSON"})
    if not isinstance(body, dict):
        return json_response(400, {"errorMessage": "Invalid JSON"})
    if order is None:
        return json_response(404, {"errorMessage": "Order not found"})
    if "paymentStatus" in body and body["paymentStatus"] not in PAYMENT_STATUSES:
        return json_response(400, {"errorMessage": f"Unknown paymentStatus {body['paymentStatus']!r}"})
    shop.update(order, body)
    return json_response(200, {"updateCount": 1})


def api_profile(request: Any) -> Response:
    """``GET /api/v3/{store_id}/profile``: the store profile, only to this store's token."""
    shop = sandbox(request)
    response = _api_profile(request, shop)
    shop.record(request.method, request.path_qs, response.status_int, "", _caller(shop, request))
    return response


def _api_profile(request: Any, shop: EcwidSandbox) -> Response:
    switch = shop.take_switch()
    if switch.mode == "error500":
        return json_response(500, {"errorMessage": "Internal server error (sandbox switch)"})
    if switch.mode == "rate429":
        return json_response(429, {"errorMessage": "Too many requests (sandbox switch)"}, **{"Retry-After": str(switch.retry_after)})
    if switch.mode == "hang":
        time.sleep(switch.hang_seconds)
    if "token" in request.GET:
        return json_response(403, {"errorMessage": "Access tokens in query parameters are disabled, use the Authorization header"})
    auth = request.headers.get("Authorization", "")
    if not auth:
        return json_response(401, {"errorMessage": "Missing access token"})
    if not _token_ok(shop, auth, request.matchdict["store_id"]):
        return json_response(403, {"errorMessage": "Invalid access token"})
    return json_response(
        200,
        {
            "generalInfo": {"storeId": shop.store_id, "storeUrl": f"{settings(request)['public_url']}/ecwid/store"},
            "account": {"accountName": "Demo merchant", "accountEmail": "merchant@example.com"},
            "settings": {"storeName": "Demo store"},
        },
    )


def switches(request: Any) -> Response:
    """Make the REST API fail on purpose (500, 429 + Retry-After, hang)."""
    shop = sandbox(request)
    if request.method == "POST":
        remaining = request.POST.get("remaining", "").strip()
        shop.set_switch(
            request.POST.get("mode", "normal"),
            remaining=int(remaining) if remaining.isascii() and remaining.isdigit() else None,
            retry_after=int(request.POST.get("retry_after", "5") or 5),
            hang_seconds=float(request.POST.get("hang_seconds", "15") or 15),
        )
        return HTTPFound(location=request.route_url("sandbox.ecwid.switches"))
    return page(request, "ecwid_switches.pt", title="REST API switches", switch=shop.switch, calls=list(reversed(shop.api_calls()))[:100])


def add_views(config: Any) -> None:
    config.add_route("sandbox.ecwid.store", "/store")
    config.add_route("sandbox.ecwid.checkout", "/store/checkout")
    config.add_route("sandbox.ecwid.return", "/store/{store_id}/return")
    config.add_route("sandbox.ecwid.switches", "/api-switches")
    config.add_route("sandbox.ecwid.api_order", "/api/v3/{store_id}/orders/{order_id}")
    config.add_route("sandbox.ecwid.api_profile", "/api/v3/{store_id}/profile")
    config.add_view(storefront, route_name="sandbox.ecwid.store", request_method="GET")
    config.add_view(checkout, route_name="sandbox.ecwid.checkout", request_method="POST", require_csrf=False)
    config.add_view(return_page, route_name="sandbox.ecwid.return", request_method="GET")
    config.add_view(switches, route_name="sandbox.ecwid.switches", request_method=("GET", "POST"), require_csrf=False)
    config.add_view(api_order, route_name="sandbox.ecwid.api_order", require_csrf=False)
    config.add_view(api_profile, route_name="sandbox.ecwid.api_profile", request_method="GET")
