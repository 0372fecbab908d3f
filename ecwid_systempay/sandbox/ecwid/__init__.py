"""Simulated Ecwid store: storefront, demo admin, JS SDK and CSS framework, REST API subset, switches to fail.

Included by :mod:`ecwid_systempay.sandbox` under ``/sandbox/ecwid``; state in one
:class:`~.store.EcwidSandbox` at ``registry["sandbox.ecwid"]``, with one installed app
per brand of :mod:`..brands` (systempay, and payzen in development.ini), each with its
client id and secret and its own access token for the store.

Pages (element ids for the browser tests):
- ``GET /store[?currency=EUR|USD|JPY|KWD&lang=..&app=..]``: ``#products`` (``.product`` rows with ``.add-to-cart``
  buttons and ``input.quantity`` named ``qty_<id>``), ``#currency``, ``#lang``, ``#cart-total``, buyer fields
  ``#buyer-name``, ``#buyer-email``..., ``#payment-methods`` (radio ``app``: one payment method per app,
  ``#payment-app-<name>``), ``#legacy-cbc`` (send only the legacy ``data``), ``#go-to-payment``,
  ``#error-message`` (the ``errorMsg`` of a failed payment).
- ``POST /store/checkout``: creates the order ``SBX-<n>`` (``transaction_<n>``) and auto-posts ``enc_data`` (GCM)
  and ``data`` (CBC), encrypted with the chosen app's secret, to ``{module_url}/payment?app-name=<app>``, as Ecwid does.
- ``GET /store/{store_id}/return?orderId&clientId&timestamp&key[&errorMsg]``: Ecwid's ``returnUrl``; ``#thank-you``
  for PAID (and AWAITING_PAYMENT) orders, the checkout again with ``#error-message`` otherwise; a tampered ``key``
  is refused (403).
- ``GET /admin[?lang=fr&app=<name>|sdk-demo&auth=payload|fragment&init_timeout=N]`` (:mod:`.admin`): ``#admin-app``,
  ``#admin-auth`` (both remembered in cookies), ``#app-area`` (``data-state`` loading|ready, ``data-shown-by``
  init|ready|timeout, ``data-height``, ``data-app-origin``) with ``#app-loader``, ``#app-init-missing`` and the
  app's iframe ``#settings-frame``; ``#sdk-log`` (``.sdk-message[data-method]``); ``#hint-site-id``,
  ``#hint-key-test`` (the app's demo shop); ``#orders`` with ``tr.order[data-order-id][data-app]`` and
  ``td.payment-status``.
- ``GET /sdk-demo[?init_delay_ms=1500|-1&autoheight=0&autoloaded=0]``: a tiny app page calling the SDK
  (``window.sdkDemo.init()/ready()/grow()/setSize(h)``; ``#grow``, ``#set-size``, ``#payload-store-id``...).
- ``GET /sdk/js/1.3.0/ecwid-app.js``, ``GET /sdk/css/1.3.19/ecwid-app-ui.css``: the simulated SDK and CSS framework.
- ``GET|POST /api-switches``: ``#api-mode`` (normal, error500, rate429, hang), ``#remaining``, ``#retry-after``,
  ``#hang-seconds``, ``#save-switch``; the API log ``#api-log`` (with the app whose token was sent).
- REST: ``PUT|GET /api/v3/{storeId}/orders/{orderId}`` (Bearer token of one of the store's apps only;
  ``{"updateCount": 1}``; 401, 403, 404, 415, 400); ``GET /api/v3/{storeId}/profile`` (the store profile,
  ``generalInfo.storeId``; 403 to another store's token). The switches apply to both.

Settings: ``sandbox.module_url``, ``sandbox.public_url``, ``sandbox.store_id`` (1003),
``sandbox.app_init_timeout_seconds`` (5), and the brands' settings of :mod:`..brands`.
"""

from __future__ import annotations

from typing import Any

from ..brands import sandbox_brands
from ..guard import refused_in_production
from .store import EcwidSandbox

REGISTRY_KEY = "sandbox.ecwid"


def sandbox_settings(settings: dict[str, Any]) -> dict[str, str]:
    module_url = (settings.get("sandbox.module_url") or "http://127.0.0.1:6543").rstrip("/")
    return {
        "module_url": module_url,
        "public_url": (settings.get("sandbox.public_url") or f"{module_url}/sandbox").rstrip("/"),
        "store_id": str(settings.get("sandbox.store_id") or "1003"),
        "app_init_timeout": str(settings.get("sandbox.app_init_timeout_seconds") or "5"),
    }


def includeme(config: Any) -> None:
    if refused_in_production(config, "ecwid_systempay.sandbox.ecwid"):
        return
    from . import admin, views

    settings = config.registry.settings or {}
    conf = sandbox_settings(settings)
    brands = sandbox_brands(settings)
    config.registry["sandbox.ecwid.settings"] = conf
    config.registry["sandbox.brands"] = brands
    config.registry[REGISTRY_KEY] = EcwidSandbox(int(conf["store_id"]), brands)
    config.include("pyramid_chameleon")
    config.add_static_view("sandbox-static", "ecwid_systempay.sandbox:static", cache_max_age=0)
    views.add_views(config)
    admin.add_views(config)
