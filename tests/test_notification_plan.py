"""The decision a verified notification leads to, made before anything is written (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from ecwid_systempay.protocol.notification import Notification
from ecwid_systempay.services.notification_plan import SEEN_PRECISION, plan

NOW = datetime(2026, 12, 1, 12, 0, 0)


def note(**overrides: str) -> Notification:
    fields = {
        "vads_site_id": "12345678",
        "vads_ctx_mode": "TEST",
        "vads_trans_id": "000042",
        "vads_trans_date": "20261201115900",
        "vads_amount": "1990",
        "vads_currency": "978",
        "vads_trans_status": "AUTHORISED",
        "vads_url_check_src": "PAY",
        "vads_operation_type": "DEBIT",
        "vads_trans_uuid": "a" * 32,
        "vads_hash": "h",
    }
    fields.update(overrides)
    return Notification(fields=fields, signature="s", extras={})


def attempt(**overrides: Any) -> dict[str, Any]:
    row = {
        "id": 7,
        "mode": "TEST",
        "site_id": "12345678",
        "ecwid_store_id": 1003,
        "brand": "systempay",
        "currency_numeric": "978",
        "amount_minor": 1990,
        "status": "NEW",
        "status_seq": 0,
        "notified_at": None,
        "ipn_last_seen_at": None,
        "ipn_failure_at": None,
    }
    row.update(overrides)
    return row


def test_a_payment_is_paid_audited_and_queued_for_ecwid():
    target = attempt()
    decided = plan(note(), target, [target], now=NOW, source="PAY", is_ipn=True)
    assert decided.case == decided.outcome and decided.changed
    assert decided.attempt_changes["status"] == "PAID"
    assert decided.attempt_changes["notified_at"] == NOW
    assert decided.attempt_changes["gateway_trans_uuid"] == "a" * 32
    assert decided.transition == {"from_status": "NEW", "to_status": "PAID", "trans_status": "AUTHORISED"}
    assert decided.enqueue and decided.message is None
    assert decided.store_seen_at == NOW


def test_a_duplicate_writes_nothing_but_the_notification():
    target = attempt(status="PAID", status_seq=1, notified_at=NOW, ipn_last_seen_at=NOW - timedelta(seconds=5))
    decided = plan(note(), target, [target], now=NOW, source="PAY", is_ipn=True)
    assert not decided.changed and not decided.writes
    assert decided.outcome == decided.case


def test_another_amount_is_rejected_and_flagged_never_paid():
    target = attempt()
    decided = plan(note(vads_amount="1"), target, [target], now=NOW, source="PAY", is_ipn=True)
    assert (decided.case, decided.outcome, decided.reason) == ("amount_error", "rejected", "amount_error")
    assert "status" not in decided.attempt_changes and not decided.enqueue and decided.transition is None
    assert decided.attempt_changes["attention"] == "PAY: paid 1/978, expected 1990/978"


def test_a_refusal_tells_ecwid_why_and_the_order_sequence_moves_on():
    older = attempt(id=3, status="FAILED", status_seq=4)
    target = attempt()
    decided = plan(note(vads_trans_status="REFUSED"), target, [older, target], now=NOW, source="PAY", is_ipn=True)
    assert decided.attempt_changes["status"] == "FAILED"
    assert decided.attempt_changes["status_seq"] == 5
    assert decided.message == "Systempay: REFUSED"


def test_the_store_last_seen_is_written_once_a_minute_and_always_after_a_failure():
    recent = attempt(ipn_last_seen_at=NOW - SEEN_PRECISION + timedelta(seconds=1))
    assert plan(note(), recent, [recent], now=NOW, source="PAY", is_ipn=True).store_seen_at is None
    stale = attempt(ipn_last_seen_at=NOW - SEEN_PRECISION)
    assert plan(note(), stale, [stale], now=NOW, source="PAY", is_ipn=True).store_seen_at == NOW
    flagged = attempt(ipn_last_seen_at=NOW - timedelta(seconds=5), ipn_failure_at=NOW - timedelta(seconds=2))
    assert plan(note(), flagged, [flagged], now=NOW, source="PAY", is_ipn=True).store_seen_at == NOW
    returned = attempt()
    assert plan(note(), returned, [returned], now=NOW, source="RETURN", is_ipn=False).store_seen_at is None
