"""Views of the simulated Systempay platform: payment pages (:mod:`.payment`) and a small
Back Office (:mod:`.backoffice`).

Thin layer over :class:`~..platform.SystempayPlatform`; element ids are listed in
the package docstring.
"""

from __future__ import annotations

from typing import Any

from .backoffice import (
    bo_action,
    bo_algorithm,
    bo_generate,
    bo_home,
    bo_keys,
    bo_outbox,
    bo_outbox_clear,
    bo_rule,
    bo_rules,
    bo_transaction,
    bo_transactions,
)
from .common import P
from .payment import cancel, challenge, pay, payment_form, session_page


def add_views(config: Any) -> None:
    """Routes and views of the platform (called by ``includeme``)."""
    routes = [
        ("payment", "/vads-payment/", payment_form, ("GET", "POST")),
        ("session", "/vads-payment/session/{sid}", session_page, ("GET",)),
        ("pay", "/vads-payment/session/{sid}/pay", pay, ("POST",)),
        ("cancel", "/vads-payment/session/{sid}/cancel", cancel, ("POST",)),
        ("challenge", "/vads-payment/session/{sid}/challenge", challenge, ("POST",)),
        ("bo", "/bo/", bo_home, ("GET", "POST")),
        ("bo_keys", "/bo/keys", bo_keys, ("GET",)),
        ("bo_generate", "/bo/keys/generate", bo_generate, ("POST",)),
        ("bo_algorithm", "/bo/keys/algorithm", bo_algorithm, ("POST",)),
        ("bo_rules", "/bo/rules", bo_rules, ("GET",)),
        ("bo_rule", "/bo/rules/{rule}", bo_rule, ("POST",)),
        ("bo_transactions", "/bo/transactions", bo_transactions, ("GET",)),
        ("bo_transaction", "/bo/transactions/{uuid}", bo_transaction, ("GET",)),
        ("bo_action", "/bo/transactions/{uuid}/{action}", bo_action, ("POST",)),
        ("bo_outbox", "/bo/outbox", bo_outbox, ("GET",)),
        ("bo_outbox_clear", "/bo/outbox/clear", bo_outbox_clear, ("POST",)),
    ]
    for name, pattern, view, methods in routes:
        config.add_route(P + name, pattern)
        config.add_view(view, route_name=P + name, request_method=methods)


__all__ = ["add_views"]
