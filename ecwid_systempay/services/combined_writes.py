"""PostgreSQL: a payment's notification and its state change in one statement instead of four.

A new notification that changes its attempt and queues an Ecwid update writes four
rows (notification, transition, attempt, Ecwid update). Each statement is a round
trip to the database, and round trips are what the callback's time goes to
(``scripts/bench --profile``), so on PostgreSQL they travel together, as
data-modifying CTEs of one statement: the notification's INSERT; the transition's
INSERT from its new id; the attempt's UPDATE, checked by its version; and, only if
that UPDATE matched, the Ecwid update's INSERT. When the version did not match the
statement returns no row and the caller rolls the whole transaction back.

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


def _stored_and_audited() -> tuple[Any, Any]:
    """CTEs: the notification's INSERT, and the transition's INSERT from its new id."""
    stored = (
        insert(notifications)
        .values({key: bindparam(f"n_{key}", type_=notifications.c[key].type) for key in NOTIFICATION_COLUMNS})
        .returning(notifications.c.id)
        .cte("stored")
    )
    audited_columns = (
        ("attempt_id", Integer),
        ("from_status", String),
        ("to_status", String),
        ("source", String),
        ("trans_status", String),
    )
    audited = (
        insert(transitions)
        .from_select(
            [name for name, _ in audited_columns] + ["notification_id", "created_at"],
            select(
                *(bindparam(f"t_{name}", type_=kind) for name, kind in audited_columns),
                stored.c.id,
                bindparam("t_created_at", type_=UTCDateTime),
            ),
        )
        .cte("audited")
    )
    return stored, audited


def _everything() -> Any:
    """The four writes; returns the job's id and the notification's (no row if the attempt's version moved)."""
    stored, audited = _stored_and_audited()
    changed = (
        update(attempts)
        .where(attempts.c.id == bindparam("w_id"), attempts.c.version == bindparam("w_version"))
        .values({key: bindparam(f"a_{key}", type_=attempts.c[key].type) for key in ATTEMPT_COLUMNS})
        .returning(attempts.c.id)
        .cte("changed")
    )
    columns = UPDATE_COLUMNS + ("state", "tries", "next_attempt_at", "created_at")
    kinds = {"store_id": Integer, "attempt_id": Integer, "tries": Integer}
    queued = select(*(bindparam(f"u_{key}", type_=kinds.get(key, updates.c[key].type)) for key in columns))
    return (
        insert(updates)
        .from_select(list(columns), queued.select_from(changed))
        .add_cte(audited)
        .returning(updates.c.id, select(stored.c.id).scalar_subquery().label("notification_id"))
    )


_EVERYTHING = _everything()


def store_change_and_queue(
    session: Session,
    notification: dict[str, Any],
    transition: dict[str, Any],
    attempt: dict[str, Any],
    changes: dict[str, Any],
    update_values: dict[str, Any],
    now: Any,
) -> tuple[int, int]:
    """The four writes of a new notification in one statement; (notification id, job id).

    ``attempt`` (locked) follows ``changes``. Raises :class:`StaleDataError` if its
    version moved: nothing may be kept then, the caller rolls the transaction back.
    """
    version = attempt["version"]
    after = {**attempt, **changes, "version": version + 1, "updated_at": now}
    # Every parameter has a prefix: a parameter named like a column of a table a
    # statement writes would be taken as a value for that column.
    params: dict[str, Any] = {f"n_{key}": notification.get(key) for key in NOTIFICATION_COLUMNS}
    params.update({f"t_{key}": value for key, value in transition.items()})
    params.update({f"a_{key}": after[key] for key in ATTEMPT_COLUMNS})
    params.update(w_id=attempt["id"], w_version=version)
    params.update({f"u_{key}": update_values[key] for key in UPDATE_COLUMNS})
    params.update(u_state=UpdateState.PENDING.value, u_tries=0, u_next_attempt_at=now, u_created_at=now)
    row = session.connection().execute(_EVERYTHING, params).first()
    if row is None:
        raise StaleDataError(f"payment attempt {attempt['id']} changed under its lock")
    attempt.update(changes, version=version + 1)
    return int(row.notification_id), int(row.id)
