"""Transaction status groups and the payment state machine.

The gateway reports ``vads_trans_status``; Lyra's modules group the values into
success, pending, cancelled and failure (spec section 4.3). We keep one state per
payment attempt and derive the Ecwid ``paymentStatus`` of the order from the
attempts, so a late failure never downgrades a paid order.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Group(enum.StrEnum):
    SUCCESS = "success"
    PENDING = "pending"
    CANCELLED = "cancelled"
    FAILURE = "failure"


SUCCESS_STATUSES = frozenset({"AUTHORISED", "CAPTURED", "ACCEPTED", "PARTIALLY_AUTHORISED"})
PENDING_STATUSES = frozenset(
    {
        "INITIAL",
        "CAPTURE_PENDING",
        "WAITING_AUTHORISATION",
        "WAITING_AUTHORISATION_TO_VALIDATE",
        "WAITING_AUTHORIZATION",  # spelling seen in some documentation pages
        "WAITING_AUTHORIZATION_TO_VALIDATE",
        "UNDER_VERIFICATION",
        "PRE_AUTHORISED",
        "WAITING_FOR_PAYMENT",
        "AUTHORISED_TO_VALIDATE",
        "SUSPENDED",
        "PENDING",
        "REFUND_TO_RETRY",
    }
)
CANCELLED_STATUSES = frozenset({"ABANDONED", "NOT_CREATED", "CANCELLED"})
FAILURE_STATUSES = frozenset({"REFUSED", "CAPTURE_FAILED", "EXPIRED", "ERROR"})
KNOWN_STATUSES = SUCCESS_STATUSES | PENDING_STATUSES | CANCELLED_STATUSES | FAILURE_STATUSES

#: Sources of a Back Office operation (merchant action or batch synchronisation).
BACK_OFFICE_SOURCES = frozenset({"MERCH_BO", "BO", "BATCH"})


def group_of(trans_status: str) -> Group:
    """Group of a ``vads_trans_status``; unknown values count as failure."""
    if trans_status in SUCCESS_STATUSES:
        return Group.SUCCESS
    if trans_status in PENDING_STATUSES:
        return Group.PENDING
    if trans_status in CANCELLED_STATUSES:
        return Group.CANCELLED
    return Group.FAILURE


class AttemptStatus(enum.StrEnum):
    """State of one payment attempt (one ``vads_trans_id``)."""

    NEW = "NEW"
    PENDING = "PENDING"
    PAID = "PAID"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    REFUNDED = "REFUNDED"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"


#: States in which money was taken at least once: never downgraded by a failure.
SETTLED = frozenset(
    {
        AttemptStatus.PAID,
        AttemptStatus.CANCELLED,
        AttemptStatus.REFUNDED,
        AttemptStatus.PARTIALLY_REFUNDED,
    }
)

ECWID_STATUS = {
    AttemptStatus.PENDING: "AWAITING_PAYMENT",
    AttemptStatus.PAID: "PAID",
    AttemptStatus.FAILED: "INCOMPLETE",
    AttemptStatus.CANCELLED: "CANCELLED",
    AttemptStatus.REFUNDED: "REFUNDED",
    AttemptStatus.PARTIALLY_REFUNDED: "PARTIALLY_REFUNDED",
}


class Outcome(enum.StrEnum):
    """What a notification did, with the IPN answer it deserves (spec 4.7)."""

    PAYMENT_OK = "payment_ok"
    PAYMENT_PENDING = "payment_pending"
    PAYMENT_KO = "payment_ko"
    PAYMENT_OK_ALREADY_DONE = "payment_ok_already_done"
    PAYMENT_KO_ALREADY_DONE = "payment_ko_already_done"
    PAYMENT_KO_ON_ORDER_OK = "payment_ko_on_order_ok"
    CANCELLED = "cancelled"
    REFUNDED = "refunded"
    ABANDONED_IGNORED = "abandoned_ignored"


@dataclass(frozen=True)
class Decision:
    """The new attempt state (``None``: unchanged) and the outcome to answer."""

    new_status: AttemptStatus | None
    outcome: Outcome


def decide(
    current: AttemptStatus,
    trans_status: str,
    *,
    source: str = "PAY",
    operation_type: str = "DEBIT",
    refund_is_full: bool = True,
) -> Decision:
    """Next state of an attempt given a verified notification.

    Rules: success -> PAID; pending -> PENDING (unless already settled); refused,
    abandoned or expired -> FAILED (never over a settled state); a Back Office
    cancellation of a paid or pending payment -> CANCELLED; a refund (operation
    CREDIT) -> REFUNDED or PARTIALLY_REFUNDED. Replays leave the state unchanged.
    """
    group = group_of(trans_status)
    if operation_type == "CREDIT":
        if group in (Group.SUCCESS, Group.PENDING) and current in SETTLED:
            target = AttemptStatus.REFUNDED if refund_is_full else AttemptStatus.PARTIALLY_REFUNDED
            if current == AttemptStatus.REFUNDED or current == target:
                return Decision(None, Outcome.PAYMENT_OK_ALREADY_DONE)
            return Decision(target, Outcome.REFUNDED)
        return Decision(None, Outcome.PAYMENT_KO_ALREADY_DONE)

    if group == Group.SUCCESS:
        if current == AttemptStatus.PAID:
            return Decision(None, Outcome.PAYMENT_OK_ALREADY_DONE)
        if current in SETTLED:  # cancelled or refunded after payment: a replay cannot undo it
            return Decision(None, Outcome.PAYMENT_OK_ALREADY_DONE)
        return Decision(AttemptStatus.PAID, Outcome.PAYMENT_OK)

    if group == Group.PENDING:
        if current in SETTLED:
            return Decision(None, Outcome.PAYMENT_OK_ALREADY_DONE)
        if current == AttemptStatus.PENDING:
            return Decision(None, Outcome.PAYMENT_OK_ALREADY_DONE)
        return Decision(AttemptStatus.PENDING, Outcome.PAYMENT_PENDING)

    if trans_status == "CANCELLED" and source in BACK_OFFICE_SOURCES:
        if current in (AttemptStatus.PAID, AttemptStatus.PENDING):
            return Decision(AttemptStatus.CANCELLED, Outcome.CANCELLED)
        if current == AttemptStatus.CANCELLED:
            return Decision(None, Outcome.PAYMENT_KO_ALREADY_DONE)

    # Refused, abandoned, expired, not created, or a cancellation outside the BO.
    if current in SETTLED:
        if group == Group.CANCELLED and trans_status != "CANCELLED":
            return Decision(None, Outcome.ABANDONED_IGNORED)
        return Decision(None, Outcome.PAYMENT_KO_ON_ORDER_OK)
    if current == AttemptStatus.FAILED:
        return Decision(None, Outcome.PAYMENT_KO_ALREADY_DONE)
    if current == AttemptStatus.PENDING and trans_status in ("ABANDONED", "NOT_CREATED"):
        # A pending authorisation is not undone by a stale abandonment message.
        return Decision(None, Outcome.ABANDONED_IGNORED)
    return Decision(AttemptStatus.FAILED, Outcome.PAYMENT_KO)


def order_status(attempts: list[tuple[AttemptStatus, int]]) -> AttemptStatus | None:
    """The state that speaks for the whole Ecwid order, from its attempts.

    ``attempts`` holds ``(status, sequence)`` pairs where a larger sequence is a
    more recent change. A settled attempt wins over any failure or pending one,
    so an older attempt's late refusal never downgrades a paid order.
    """
    settled = [a for a in attempts if a[0] in SETTLED]
    if settled:
        return max(settled, key=lambda a: a[1])[0]
    pending = [a for a in attempts if a[0] == AttemptStatus.PENDING]
    if pending:
        return AttemptStatus.PENDING
    failed = [a for a in attempts if a[0] == AttemptStatus.FAILED]
    if failed:
        return AttemptStatus.FAILED
    return None
