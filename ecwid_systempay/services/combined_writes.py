"""PostgreSQL: a payment's notification and its state change in two statements instead of five.

A new notification that changes its attempt and queues an Ecwid update writes four
rows (notification, transition, attempt, Ecwid update). Each statement is a round
trip to the database, and round trips are what the callback's time goes to
(``scripts/bench --profile``), so on PostgreSQL the writes that depend on each other
travel together as data-modifying CTEs:

1. the notification's INSERT and, from its new id, the transition's INSERT;
2. the attempt's UPDATE (checked by its version) and, only if it matched, the
   Ecwid update's INSERT.

SQLite has no data-modifying CTE: there, and for the other shapes (no change, a
rejection, a status Ecwid already has), :mod:`.ipn` sends one statement per write.
The values are the same either way; the whole test suite runs on both databases.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, String, bindparam, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..models import EcwidUpdate, PaymentAttempt, StoredNotification, Transition, UpdateState
from ..models.meta import UTCDateTime

attempts = PaymentAttempt.__table__
notifications = StoredNotification.__table__
transitions = Transition.__table__
updates = EcwidUpdate.__table__

#: Every column the INSERT of a processed notification sets (``id`` excepted).
NOTIFICATION_COLUMNS = tuple(c.key for c in notifications.columns if c.key != "id")
#: The attempt's columns a state change sets, always all of them (the unchanged keep their value).
ATTEMPT_COLUMNS = ("status", "gateway_status", "status_seq", "gateway_trans_uuid", "notified_at", "version", "updated_at")
#: The Ecwid update's columns, as :func:`~.updates.order_update` gives them, plus its clock.
UPDATE_COLUMNS = (
    "store_id",
    "attempt_id",
    "ecwid_store_id",
    "reference_transaction_id",
    "ecwid_order_id",
    "payment_status",
    "external_transaction_id",
    "payment_message",
    "token_enc",
)


def _notification_and_transition() -> Any:
    stored = (
        insert(notifications)
        .values({key: bindparam(key, type_=notifications.c[key].type) for key in NOTIFICATION_COLUMNS})
        .returning(notifications.c.id)
        .cte("stored")
    )
    audited = (
        ("attempt_id", Integer),
        ("from_status", String),
        ("to_status", String),
        ("source", String),
        ("trans_status", String),
    )
    return insert(transitions).from_select(
        [name for name, _ in audited] + ["notification_id", "created_at"],
        select(
            *(bindparam(f"t_{name}", type_=kind) for name, kind in audited),
            stored.c.id,
            bindparam("t_created_at", type_=UTCDateTime),
        ),
    ).returning(transitions.c.notification_id)


def _attempt_and_ecwid_update() -> Any:
    changed = (
        update(attempts)
        .where(attempts.c.id == bindparam("w_id"), attempts.c.version == bindparam("w_version"))
        .values({key: bindparam(f"a_{key}", type_=attempts.c[key].type) for key in ATTEMPT_COLUMNS})
        .returning(attempts.c.id)
        .cte("changed")
    )
    columns = UPDATE_COLUMNS + ("state", "tries", "next_attempt_at", "created_at")
    kinds = {"store_id": Integer, "attempt_id": Integer, "tries": Integer}
    return insert(updates).from_select(
        list(columns),
        select(*(bindparam(f"u_{key}", type_=kinds.get(key, updates.c[key].type)) for key in columns)).select_from(
            changed
        ),
    ).returning(updates.c.id)


_NOTIFICATION_AND_TRANSITION = _notification_and_transition()
_ATTEMPT_AND_ECWID_UPDATE = _attempt_and_ecwid_update()


def store_with_transition(session: Session, notification: dict[str, Any], transition: dict[str, Any]) -> int:
    """Insert the processed notification and its transition; the notification's id."""
    params = {key: notification.get(key) for key in NOTIFICATION_COLUMNS}
    params.update({f"t_{key}": value for key, value in transition.items()})
    return session.execute(_NOTIFICATION_AND_TRANSITION, params).scalar_one()


def change_and_queue(
    session: Session, attempt: dict[str, Any], changes: dict[str, Any], update_values: dict[str, Any], now: Any
) -> int:
    """Write ``changes`` to the locked attempt (``attempt`` follows) and queue the Ecwid update; the job's id."""
    version = attempt["version"]
    after = {**attempt, **changes, "version": version + 1, "updated_at": now}
    params: dict[str, Any] = {f"a_{key}": after[key] for key in ATTEMPT_COLUMNS}
    params.update(w_id=attempt["id"], w_version=version)
    params.update({f"u_{key}": update_values[key] for key in UPDATE_COLUMNS})
    params.update(u_state=UpdateState.PENDING.value, u_tries=0, u_next_attempt_at=now, u_created_at=now)
    job = session.execute(_ATTEMPT_AND_ECWID_UPDATE, params).scalar()
    if job is None:
        raise StaleDataError(f"payment attempt {attempt['id']} changed under its lock")
    attempt.update(changes, version=version + 1)
    return int(job)

