"""Labels of the payment history page: message ids of the admin domain (French and English).

The page's own texts are in ``templates/history.pt`` (``i18n:translate``); these are
the labels of values the page shows (states, statuses, results) and its flash
messages. White-label: nothing here names the e-commerce platform; its order
status is "the order's payment status".
"""

from __future__ import annotations

from typing import Any

from ..i18n import admin_message as _

TITLE = _("Payment history")

#: State of the order update: queued, failed (retrying), sent, dead letter.
UPDATE_STATES = {
    "queued": _("Queued"),
    "failed": _("Failed, will retry"),
    "sent": _("Sent"),
    "dead": _("Given up"),
}

#: The order's payment status as the store knows it.
ORDER_STATUSES = {
    "AWAITING_PAYMENT": _("Awaiting payment"),
    "PAID": _("Paid"),
    "INCOMPLETE": _("Incomplete"),
    "CANCELLED": _("Cancelled"),
    "REFUNDED": _("Refunded"),
    "PARTIALLY_REFUNDED": _("Partially refunded"),
}

#: State of one payment attempt (transaction).
ATTEMPT_STATUSES = {
    "NEW": _("Sent to the payment page"),
    "PENDING": _("Pending"),
    "PAID": _("Paid"),
    "FAILED": _("Failed"),
    "CANCELLED": _("Cancelled"),
    "REFUNDED": _("Refunded"),
    "PARTIALLY_REFUNDED": _("Partially refunded"),
}

#: What a notification did to its payment.
OUTCOMES: dict[str | None, Any] = {
    "payment_ok": _("Payment accepted"),
    "payment_pending": _("Payment pending"),
    "payment_ko": _("Payment failed"),
    "payment_ok_already_done": _("Already taken into account"),
    "payment_ko_already_done": _("Failure already taken into account"),
    "payment_ko_on_order_ok": _("Failure ignored: order already paid"),
    "cancelled": _("Payment cancelled"),
    "refunded": _("Refund"),
    "abandoned_ignored": _("Abandonment ignored"),
    "rejected": _("Rejected"),
    None: _("Not processed"),
}
RETURN_KEPT = _("Kept: the notification decides")

#: The answer to "send again", by the result of services.history.resend_dead_letter.
FLASH = {
    "queued": _("The update is queued again: it will be sent within a few seconds."),
    "not_found": _("This update does not exist in this store."),
    "not_dead": _("This update is no longer given up: nothing to send again."),
    "superseded": _("A newer update of this order exists: this one is not sent again."),
    "bad_request": _("Incomplete request: please reopen the history."),
}


def label(table: dict[Any, Any], value: Any) -> Any:
    """The label of ``value`` (a message id), or the value itself when it has none."""
    found = table.get(value)
    return found if found is not None else ("" if value is None else str(value))
