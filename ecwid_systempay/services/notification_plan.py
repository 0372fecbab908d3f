"""What a verified notification (or signed return) does to its attempt, decided before any write.

:func:`plan` is pure: from the message and the order's locked attempts it computes the
answer's case, the outcome stored on the notification, and the writes to make (the
attempt's new columns, the transition to audit, whether the Ecwid status is queued).
Deciding first lets the notification be inserted already processed, and keeps the
state machine testable without a database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..protocol.notification import Notification
from ..protocol.statuses import AttemptStatus, decide

#: ``stores.ipn_last_seen_at`` is written at most this often per store (see :func:`store_seen_due`).
SEEN_PRECISION = timedelta(seconds=60)


@dataclass
class Plan:
    case: str  # the answer's case (a ``protocol.responses`` key or an outcome)
    outcome: str  # stored on the notification
    reason: str | None = None
    changed: bool = False  # the attempt's status changes
    attempt_changes: dict[str, Any] = field(default_factory=dict)
    store_seen_at: datetime | None = None  # write ``stores.ipn_last_seen_at``
    transition: dict[str, Any] | None = None  # from_status, to_status, trans_status
    enqueue: bool = False
    message: str | None = None  # the Ecwid payment message of a failure

    @property
    def writes(self) -> bool:
        return bool(self.attempt_changes or self.store_seen_at or self.transition or self.enqueue)


def mismatch(attempt: dict[str, Any], note: Notification) -> str | None:
    """An error case when the verified message does not describe this attempt."""
    if note.ctx_mode != attempt["mode"]:
        return "mode_mismatch"
    if note.site_id != attempt["site_id"]:
        return "site_mismatch"
    ecwid_store = note.fields.get("vads_ext_info_ecwid_store")
    if ecwid_store is not None and ecwid_store != str(attempt["ecwid_store_id"]):
        return "store_mismatch"
    if note.currency_numeric != attempt["currency_numeric"]:
        return "currency_error"
    if note.operation_type == "CREDIT":
        if note.amount_minor > attempt["amount_minor"]:
            return "amount_error"
    elif note.amount_minor != attempt["amount_minor"]:
        return "amount_error"
    return None


def store_seen_due(attempt: dict[str, Any], now: datetime) -> bool:
    """Whether to record that the store's notification URL works (to the minute).

    Each write locks the store's row until the commit, which would queue every
    notification of a busy store behind the previous one. Right after a flagged
    notification failure it is always written, so that warning clears.
    """
    seen, failed = attempt["ipn_last_seen_at"], attempt["ipn_failure_at"]
    return seen is None or now - seen >= SEEN_PRECISION or (failed is not None and seen <= failed)


def plan(
    note: Notification,
    attempt: dict[str, Any],
    order: list[dict[str, Any]],
    *,
    now: datetime,
    source: str,
    is_ipn: bool,
) -> Plan:
    """The effect of ``note`` on ``attempt`` (one of ``order``, the Ecwid order's attempts)."""
    changes: dict[str, Any] = {}
    store_seen: datetime | None = None
    if is_ipn:
        store_seen = now if store_seen_due(attempt, now) else None
        if attempt["notified_at"] is None:
            changes["notified_at"] = now

    problem = mismatch(attempt, note)
    if problem:
        if problem in ("amount_error", "currency_error"):
            changes["attention"] = (
                f"{source}: paid {note.amount_minor}/{note.currency_numeric}, "
                f"expected {attempt['amount_minor']}/{attempt['currency_numeric']}"
            )
        return Plan(problem, "rejected", reason=problem, attempt_changes=changes, store_seen_at=store_seen)

    current = AttemptStatus(attempt["status"])
    decision = decide(
        current,
        note.trans_status,
        source=note.source,
        operation_type=note.operation_type,
        refund_is_full=note.amount_minor >= attempt["amount_minor"],
    )
    outcome = decision.outcome.value
    if decision.new_status is None or decision.new_status == current:
        return Plan(outcome, outcome, attempt_changes=changes, store_seen_at=store_seen)
    new = decision.new_status
    changes.update(
        status=new.value,
        gateway_status=note.trans_status,
        status_seq=max(a["status_seq"] for a in order) + 1,
    )
    if note.trans_uuid and note.operation_type != "CREDIT":
        changes["gateway_trans_uuid"] = note.trans_uuid
    message = f"{attempt['brand'].title()}: {note.trans_status or 'failure'}" if new == AttemptStatus.FAILED else None
    return Plan(
        outcome,
        outcome,
        changed=True,
        attempt_changes=changes,
        store_seen_at=store_seen,
        transition={"from_status": current.value, "to_status": new.value, "trans_status": note.trans_status},
        enqueue=True,
        message=message,
    )
