"""Simulated Ecwid store: storefront, demo admin, REST API subset, with switches to fail.

Included by :mod:`ecwid_systempay.sandbox` under ``/sandbox/ecwid``; state in one
:class:`~.store.EcwidSandbox` at ``registry["sandbox.ecwid"]``.

Pages (element ids for the browser tests):
- ``GET /store[?currency=EUR|USD|JPY|KWD&lang=..]``: ``#products`` (``.product`` rows with ``.add-to-cart``
  buttons and ``input.quantity`` named ``qty_<id>``), ``#currency``, ``#lang``, ``#cart-total``, buyer fields
  ``#buyer-name``, ``#buyer-email``..., ``#legacy-cbc`` (send only the legacy ``data``), ``#go-to-payment``,
  ``#error-message`` (the ``errorMsg`` of a failed payment).
- ``POST /store/checkout``: creates the order ``SBX-<n>`` (``transaction_<n>``) and auto-posts ``enc_data`` (GCM)
  and ``data`` (CBC) to ``{module_url}/payment?app-name=...``, as Ecwid does.
- ``GET /store/{store_id}/return?orderId&clientId&timestamp&key[&errorMsg]``: Ecwid's ``returnUrl``; ``#thank-you``
  for PAID (and AWAITING_PAYMENT) orders, the checkout again with ``#error-message`` otherwise; a tampered ``key``
  is refused (403).
- ``GET /admin[?lang=fr]``: ``#settings-frame`` (the module's settings page with a real encrypted payload),
  ``#hint-site-id``, ``#hint-key-test``, ``#orders`` with ``tr.order[data-order-id]`` and ``td.payment-status``.
- ``GET|POST /api-switches``: ``#api-mode`` (normal, error500, rate429, hang), ``#remaining``, ``#retry-after``,
  ``#hang-seconds``, ``#save-switch``; the API log ``#api-log``.
- REST: ``PUT|GET /api/v3/{storeId}/orders/{orderId}`` (Bearer token only; ``{"updateCount": 1}``; 401, 403, 404, 415, 400);
  ``GET /api/v3/{storeId}/profile`` (the store profile, ``generalInfo.storeId``; 403 to another store's token).
  The switches apply to both.

Settings: ``sandbox.module_url``, ``sandbox.public_url``, ``sandbox.client_secret``, ``sandbox.client_id``,
``sandbox.store_id`` (1003), ``sandbox.app_name`` (systempay), ``sandbox.site_id``, ``sandbox.key_test``.
"""

from __future__ import annotations

from typing import Any

from ..guard import refused_in_production
from .store import EcwidSandbox

REGISTRY_KEY = "sandbox.ecwid"


def sandbox_settings(settings: dict[str, Any]) -> dict[str, str]:
    module_url = (settings.get("sandbox.module_url") or "http://127.0.0.1:6543").rstrip("/")
    return {
        "module_url": module_url,
        "public_url": (settings.get("sandbox.public_url") or f"{module_url}/sandbox").rstrip("/"),
        "client_secret": settings.get("sandbox.client_secret")
        or settings.get("ecwid_systempay.brand.systempay.client_secret")
        or "sandbox-client-secret-0123456789",
        "client_id": settings.get("sandbox.client_id") or settings.get("ecwid_systempay.brand.systempay.client_id") or "systempay",
        "store_id": str(settings.get("sandbox.store_id") or "1003"),
        "app_name": settings.get("sandbox.app_name") or "systempay",
        "site_id": settings.get("sandbox.site_id") or "12345678",
        "key_test": settings.get("sandbox.key_test") or "7731553187454211",
    }


def includeme(config: Any) -> None:
    if refused_in_production(config, "ecwid_systempay.sandbox.ecwid"):
        return
    from . import views

    conf = sandbox_settings(config.registry.settings or {})
    config.registry["sandbox.ecwid.settings"] = conf
    config.registry[REGISTRY_KEY] = EcwidSandbox(int(conf["store_id"]), conf["client_id"], conf["client_secret"])
    config.include("pyramid_chameleon")
    config.add_static_view("sandbox-static", "ecwid_systempay.sandbox:static", cache_max_age=0)
    views.add_views(config)
