"""Simulated Systempay platform: payment page, notifications (IPN), return to shop, Back Office.

Included by :mod:`ecwid_systempay.sandbox` with ``route_prefix="/sandbox/systempay"``.
It speaks only the public protocol (spec ``systempay-form-api.md``): the module
knows it through its configured payment URL ``{prefix}/vads-payment/`` only.
State lives in memory in one thread-safe :class:`~.platform.SystempayPlatform`
stored at ``registry["sandbox.systempay"]``.

Settings (``registry.settings``, all optional):
``sandbox.module_url`` (http://127.0.0.1:6543; rule URLs are ``{module_url}/callback?app-name=systempay``),
``sandbox.site_id`` (12345678), ``sandbox.key_test`` (7731553187454211); one more demo shop per other
brand of :mod:`..brands` (e.g. PayZen), its rules on ``{module_url}/callback?app-name=<brand>``;
``sandbox.retry_interval_seconds`` (900), ``sandbox.session_timeout_seconds`` (600),
``sandbox.shop_manager_email`` (manager@demo-shop.test),
``sandbox.failure_email`` (alerts@demo-shop.test: the rules' failure address; empty = none),
``sandbox.ipn_timeout_seconds`` (10), ``sandbox.ipn_synchronous`` (true: first IPN call before the result page).

Python API (``platform = registry["sandbox.systempay"]``)::

    platform.get_shop() / platform.keys()          # Shop; {"site_id", "key_test", "key_production", "algorithm"}
    platform.set_rule_url(url, rule=None)          # rules: "end_of_payment", "cancellation", "bo_operation"
    platform.set_rule(rule, enabled=, url=, url_test=, url_production=, emails=[...], retry=)
    platform.configure_shop(manager_email=, validation_mode=, capture_delay=, return_url=, name=)
    platform.set_algorithm("SHA-1" | "HMAC-SHA-256")
    platform.test_rows() / tests_complete() / generate_production_key(force=False)
    platform.transactions(include_abandoned=True) / get_transaction(uuid) / find_transactions(trans_id=, order_id=)
    platform.calls(uuid=None)                      # NotificationCall: source, attempt, success, http_status, info...
    platform.bo_cancel(uuid) / bo_validate(uuid) / bo_resend(uuid)
    platform.outbox() / clear_outbox()             # Email: to, subject, body, kind
    platform.pending_retries() / run_retries_now() / wait_idle(timeout)
    platform.clock = lambda: datetime(...)         # injectable UTC time (date checks, session expiry)
    platform.expire_sessions() / reset() / close()
    platform.open_session(fields, signature) / pay(sid, card) / answer_challenge(sid, ok) / cancel(sid)

Behaviour notes (choices where the spec is silent):
- form checks run in this order: 70, 01 version, 02 site, 11 mode (PRODUCTION without production key is
  ``11``), 00 signature, then formats (03 trans id incl. reuse the same UTC day of ``vads_trans_date``, 04 date
  30 min past / 1 h 30 future, 05, 06, 07, 08, 09, 10, 12, 71, 13...). Re-posting the very same form while
  its session is open shows that session again; any other reuse is ``03``.
- ``vads_threeds_mpi`` in the IPN is the preference actually sent (``2`` honoured, ``0`` ignored or none).
- ABANDONED payments (cancel / 10 min expiry, ``vads_result=17``, expiry adds ``vads_payment_error=149``)
  are notified through the cancellation rule only; they are kept but hidden from the BO list (``?all=1``).
- A failed call's e-mail says ``#n``, or ``#last`` when no automatic attempt follows (retry off, 5th
  attempt, BO re-send). ``vads_url_check`` overrides the rule URL for PAY/RETRY only, and only when it is
  the module's callback (``sandbox.module_url``'s scheme, host and port, path ``/callback``); any other
  value is ignored (history line "vads_url_check ignored"): the sandbox posts nowhere else.
- ``vads_capture_delay`` > 7 days gives WAITING_AUTHORISATION (``vads_auth_mode=MARK``).

Pages (under the prefix) and their stable element ids:

``POST|GET /vads-payment/``
    the payment form; on success 303 to the session page; on error the error page:
    ``#error-page``, ``#error-code`` (e.g. ``00``), ``#error-field`` (e.g. ``signature``),
    ``#error-message``, ``#signed-string`` (TEST mode, key masked), ``#return-to-shop`` (if any URL).
``GET /vads-payment/session/{id}[?lang=xx]``
    depending on the session state:
    payment page ``#payment-page`` (``data-state="open"``): ``#mode-banner``, ``#language-selector`` with
    ``#lang-xx`` links, ``#shop-name``, ``#order-id``, ``#amount``, ``#trans-id``, ``#threeds-info``,
    ``#card-error``, form ``#payment-form`` with ``#card-number``, ``#expiry-month``, ``#expiry-year``,
    ``#cvv``, ``#pay``; form ``#cancel-form`` with ``#cancel``; ``#session-expires-at``;
    ``#test-cards`` with ``#test-card-table`` (rows ``.test-card-row[data-row][data-expected]``,
    buttons ``.test-card[data-card]``) and ``#scenario-cards`` (``.scenario-card[data-card][data-scenario]``);
    challenge page ``#challenge-page`` with ``#challenge-approve`` / ``#challenge-fail``;
    result page ``#result`` (``data-status``, ``data-result``), ``#result-title``, ``#trans-status``,
    ``#auto-redirect`` (``data-timeout``, ``data-url``) when the form asked for it, ``#return-to-shop``
    (a link, or the submit button of ``#return-form`` for ``vads_return_mode=POST``);
    expiry page ``#session-expired``, cancelled page ``#session-cancelled`` (both with ``#return-to-shop``).
``POST /vads-payment/session/{id}/pay`` (``card_number``, ``expiry_month``, ``expiry_year``, ``cvv``),
``POST .../cancel`` (303 to the shop, or the auto-posted ``#return-form``),
``POST .../challenge`` (``action=approve|fail``).

Back Office (``?site_id=`` selects a shop, default the demo shop):
``GET /bo/``: ``#bo-home``, shop form ``#shop-form`` (``#shop-name-input``, ``#manager-email``,
    ``#validation-mode``, ``#capture-delay``, ``#shop-return-url``, ``#save-shop``); every BO page has the nav
    ``#nav-home``, ``#nav-keys``, ``#nav-rules``, ``#nav-transactions``, ``#nav-outbox`` and ``#action-result``
    for the outcome of the last action.
``GET /bo/keys``: ``#keys-page``, ``#site-id``, ``#key-test``, ``#sign-algo``, ``#algorithm-select`` +
    ``#save-algorithm``, ``#production-key`` (after generation) or ``#production-key-hidden`` (after a first
    PRODUCTION transaction) or ``#production-key-missing``; ``#test-table`` with ``tr.test-row``
    (``data-row``, ``data-status="done|todo"``, ``data-expected="ACCEPTED|REFUSED"``, cells ``.test-date``,
    ``.test-status`` ✓/✘), ``#refresh-tests``, ``#tests-complete`` / ``#tests-incomplete``, form
    ``#generate-form`` with ``#generate-production-key`` (disabled until the 4 rows pass).
    Expected results: rows 1 (…0014) and 2 (…0055) accepted, rows 3 (…0063, 3DS failure) and
    4 (…0071, limit exceeded) refused; TEST mode, ``vads_page_action`` PAYMENT or REGISTER_PAY.
``GET /bo/rules``: ``#rules``, ``tr#rule-{key}[data-enabled]``, form ``#rule-{key}-form`` with
    ``#rule-{key}-enabled``, ``#rule-{key}-url-test``, ``#rule-{key}-url-production``, ``#rule-{key}-emails``
    (``;``-separated), ``#rule-{key}-retry``, ``#rule-{key}-save``.
``GET /bo/transactions[?all=1]``: ``#transactions``, ``tr.transaction-row`` (``data-uuid``, ``data-trans-id``,
    ``data-order-id``, ``data-status``, ``data-mode``), ``a.transaction-link``, ``#show-abandoned``.
``GET /bo/transactions/{uuid}``: ``#transaction`` (``data-status``), ``#trans-status``, ``#trans-uuid``,
    ``#action-result``, ``#action-cancel``, ``#action-validate``, ``#action-resend``, tabs ``#tab-info``,
    ``#tab-3ds``, ``#tab-extras``, ``#tab-history`` with ``#history`` (``tr.history-row``: ``data-operation``,
    ``data-source``, ``data-rule``, ``data-success``, ``data-http-status``; ``.history-info`` holds
    ``SENT, rule=..., duration=~0,1s, response=OK-...``).
``GET /bo/outbox``: ``#outbox``, ``#outbox-count``, ``article.email`` (``data-kind``, ``data-to``) with
    ``.email-subject``, ``.email-to``, ``.email-body``; ``#clear-outbox``.
"""

from __future__ import annotations

from typing import Any

from ..brands import sandbox_brands
from ..guard import refused_in_production
from .platform import SystempayPlatform

REGISTRY_KEY = "sandbox.systempay"


def _bool(value: Any, default: bool) -> bool:
    if value is None:
        return default
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def platform_from_settings(settings: dict[str, Any]) -> SystempayPlatform:
    """A platform configured from ``sandbox.*`` settings (defaults in the module docstring)."""
    first, *others = sandbox_brands(settings)
    return SystempayPlatform(
        module_url=settings.get("sandbox.module_url") or "http://127.0.0.1:6543",
        site_id=first.site_id,
        key_test=first.key_test,
        brand=first.name,
        brand_shops=[(b.name, b.site_id, b.key_test) for b in others],
        retry_interval=float(settings.get("sandbox.retry_interval_seconds") or 900),
        session_timeout=float(settings.get("sandbox.session_timeout_seconds") or 600),
        manager_email=settings.get("sandbox.shop_manager_email", "manager@demo-shop.test"),
        failure_email=settings.get("sandbox.failure_email", "alerts@demo-shop.test"),
        ipn_timeout=float(settings.get("sandbox.ipn_timeout_seconds") or 10),
        synchronous_first_call=_bool(settings.get("sandbox.ipn_synchronous"), True),
    )


def get_platform(registry: Any) -> SystempayPlatform:
    """The platform of an application registry."""
    return registry[REGISTRY_KEY]


def includeme(config: Any) -> None:
    """Create the platform and add the routes and views (no scan)."""
    if refused_in_production(config, "ecwid_systempay.sandbox.systempay"):
        return
    from . import views

    settings = config.registry.settings or {}
    config.registry[REGISTRY_KEY] = platform_from_settings(settings)
    config.include("pyramid_chameleon")
    config.add_static_view("systempay-static", "ecwid_systempay.sandbox:static", cache_max_age=0)
    views.add_views(config)
