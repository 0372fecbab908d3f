"""Bodies answered to the gateway's notification (spec section 4.7).

The gateway keeps the first 256 bytes of the answer in the Back Office history,
so each body is a one-line ``OK-...``/``KO-...`` diagnostic for the merchant.
"""

from __future__ import annotations

from .statuses import Outcome

#: One answer for every refusal made before the signature is known good (unknown payment,
#: wrong signature, no key for the payment's mode): it must not tell a prober which payments
#: exist. The log says which case it was.
UNVERIFIED = ("KO", "Unknown payment or invalid signature.")

MESSAGES: dict[str, tuple[str, str]] = {
    Outcome.PAYMENT_OK: ("OK", "Accepted payment, order has been updated."),
    Outcome.PAYMENT_PENDING: ("OK", "Pending payment, order has been updated."),
    Outcome.PAYMENT_KO: ("OK", "Payment failure, order has been updated."),
    Outcome.PAYMENT_OK_ALREADY_DONE: ("OK", "Accepted payment, already registered."),
    Outcome.PAYMENT_KO_ALREADY_DONE: ("OK", "Payment failure, already registered."),
    Outcome.PAYMENT_KO_ON_ORDER_OK: ("KO", "Order status does not match the payment result."),
    Outcome.CANCELLED: ("OK", "Payment cancelled, order has been updated."),
    Outcome.REFUNDED: ("OK", "Refund registered, order has been updated."),
    Outcome.ABANDONED_IGNORED: ("KO", "Payment abandoned, order already registered."),
    "order_not_found": UNVERIFIED,
    "auth_fail": UNVERIFIED,
    "not_configured": UNVERIFIED,
    "mode_mismatch": ("KO", "Context mode does not match the payment."),
    "site_mismatch": ("KO", "Shop ID does not match the payment."),
    "amount_error": ("KO", "Total paid is different from order amount."),
    "currency_error": ("KO", "Currency is different from order currency."),
    "store_mismatch": ("KO", "Notification does not belong to this store."),
    "bad_request": ("KO", "Bad request received."),
    "too_large": ("KO", "Request too large."),
    "not_a_notification": ("KO", "Not a notification (vads_hash and vads_url_check_src are required)."),
    "retry_later": ("KO", "Temporary error, please retry."),
}


def ipn_body(case: str) -> str:
    """``OK-...``/``KO-...`` line for an outcome or error case."""
    prefix, message = MESSAGES[case]
    return f"{prefix}-{message}\n"
