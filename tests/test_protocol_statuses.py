"""The payment state machine: mapping, idempotence, no downgrade of a paid order."""

from __future__ import annotations

import pytest

from ecwid_systempay.protocol.statuses import ECWID_STATUS, AttemptStatus as S, Outcome, decide, group_of, order_status


@pytest.mark.parametrize(
    ("current", "trans_status", "source", "operation", "expected"),
    [
        (S.NEW, "AUTHORISED", "PAY", "DEBIT", S.PAID),
        (S.NEW, "CAPTURED", "PAY", "DEBIT", S.PAID),
        (S.NEW, "AUTHORISED_TO_VALIDATE", "PAY", "DEBIT", S.PENDING),
        (S.NEW, "WAITING_AUTHORISATION", "PAY", "DEBIT", S.PENDING),
        (S.NEW, "REFUSED", "PAY", "DEBIT", S.FAILED),
        (S.NEW, "ABANDONED", "PAY", "DEBIT", S.FAILED),
        (S.PENDING, "AUTHORISED", "MERCH_BO", "DEBIT", S.PAID),  # manual validation
        (S.PENDING, "EXPIRED", "BATCH", "DEBIT", S.FAILED),
        (S.PAID, "CANCELLED", "MERCH_BO", "DEBIT", S.CANCELLED),
        (S.PAID, "CAPTURED", "BATCH", "DEBIT", None),
        (S.PAID, "AUTHORISED", "BO", "DEBIT", None),
        (S.PAID, "REFUSED", "PAY", "DEBIT", None),
        (S.PAID, "ABANDONED", "PAY", "DEBIT", None),
        (S.PAID, "CANCELLED", "PAY", "DEBIT", None),
        (S.FAILED, "REFUSED", "RETRY", "DEBIT", None),
        (S.FAILED, "AUTHORISED", "PAY", "DEBIT", S.PAID),
        (S.PENDING, "ABANDONED", "PAY", "DEBIT", None),
        (S.CANCELLED, "AUTHORISED", "BO", "DEBIT", None),
        (S.PAID, "CAPTURED", "MERCH_BO", "CREDIT", S.REFUNDED),
        (S.REFUNDED, "CAPTURED", "MERCH_BO", "CREDIT", None),
        (S.NEW, "CAPTURED", "MERCH_BO", "CREDIT", None),
    ],
)
def test_transitions(current, trans_status, source, operation, expected):
    decision = decide(current, trans_status, source=source, operation_type=operation)
    assert decision.new_status == expected


def test_partial_refund():
    decision = decide(S.PAID, "CAPTURED", source="MERCH_BO", operation_type="CREDIT", refund_is_full=False)
    assert decision.new_status == S.PARTIALLY_REFUNDED
    again = decide(S.PARTIALLY_REFUNDED, "CAPTURED", source="MERCH_BO", operation_type="CREDIT", refund_is_full=True)
    assert again.new_status == S.REFUNDED


def test_answers_of_replays():
    assert decide(S.PAID, "AUTHORISED").outcome == Outcome.PAYMENT_OK_ALREADY_DONE
    assert decide(S.PAID, "REFUSED").outcome == Outcome.PAYMENT_KO_ON_ORDER_OK
    assert decide(S.FAILED, "REFUSED").outcome == Outcome.PAYMENT_KO_ALREADY_DONE


def test_unknown_status_is_a_failure():
    assert group_of("SOMETHING_NEW").value == "failure"


def test_ecwid_mapping():
    assert ECWID_STATUS[S.PAID] == "PAID"
    assert ECWID_STATUS[S.PENDING] == "AWAITING_PAYMENT"
    assert ECWID_STATUS[S.FAILED] == "INCOMPLETE"
    assert ECWID_STATUS[S.CANCELLED] == "CANCELLED"
    assert ECWID_STATUS[S.REFUNDED] == "REFUNDED"
    assert ECWID_STATUS[S.PARTIALLY_REFUNDED] == "PARTIALLY_REFUNDED"


def test_order_status_prefers_settled_attempts():
    assert order_status([(S.PAID, 1), (S.FAILED, 2)]) == S.PAID
    assert order_status([(S.FAILED, 1), (S.PENDING, 2)]) == S.PENDING
    assert order_status([(S.NEW, 1)]) is None
    assert order_status([(S.PAID, 1), (S.CANCELLED, 3)]) == S.CANCELLED
