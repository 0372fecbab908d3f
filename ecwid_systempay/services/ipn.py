"""Processing the gateway's notification (IPN) and, as a fallback, a signed return.

Everything runs in the caller's transaction, with Core statements built once (this is
the module's hot path: each statement is one round trip, the ORM's unit of work adds
nothing here). A new notification costs: one SELECT ... FOR UPDATE that finds the
attempt by its trans id and locks every attempt of its Ecwid order (in id order), with
the store's keys and the order's last queued Ecwid status; the signature check with the
key of the attempt's mode (constant time); the decision (:mod:`.notification_plan`,
pure); the notification's INSERT, already carrying its outcome; then the
attempt's UPDATE, the transition's INSERT and the Ecwid update's INSERT, all committed
together before the answer leaves. When the state change fails, the transaction is
rolled back and the notification is stored alone, unprocessed, in a new one
(:class:`StateChangeFailed`), and the gateway is asked to retry: nothing verified is
lost, and nothing is half applied. A duplicate costs the SELECT and the INSERT.

The signed return (:mod:`.returns`) stores its data with :func:`verify_and_store` and
applies it later with :func:`apply_notification`, with the same decision.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..config import AppSettings
from ..models import EcwidUpdate, PaymentAttempt, Store, StoredNotification, Transition, UpdateState, mark_changed
from ..models.meta import utcnow
from ..protocol.form import clean_order_id
from ..protocol.notification import Notification
from ..protocol.signature import verify_signature
from ..protocol.statuses import SETTLED, Group, group_of
from ..secrets_box import SecretBox
from .notification_plan import Plan, plan
from .stores import key_for_mode
from .combined_writes import store_change_and_queue
from .order_attempts import is_postgresql
from .updates import log_queued, order_update, queue_update, supersede

log = logging.getLogger(__name__)

attempts = PaymentAttempt.__table__
stores = Store.__table__
notifications = StoredNotification.__table__
transitions = Transition.__table__
updates = EcwidUpdate.__table__


@dataclass(frozen=True)
class Verified:
    notification_id: int | None
    attempt_id: int | None
    case: str | None  # an error case when not verified
    order: list[dict[str, Any]] | None = None  # the order's attempts, locked (see lock_order)


@dataclass(frozen=True)
class Processed:
    """What the callback answers: the case, and whether an Ecwid update was queued."""

    case: str
    changed: bool = False
    failed: bool = False  # stored, but the state change failed: ask the gateway to retry


#: The attempt a CREDIT (a Back Office refund, with a trans id of its own) is about.
_FOUND = select(attempts.c.id).where(
    attempts.c.site_id == bindparam("site_id"), attempts.c.status.in_([s.value for s in SETTLED])
)


def _lock_query(target_matches: Any) -> Any:
    """Every attempt of the target's Ecwid order, locked in id order, with what processing needs.

    With each attempt: ``target_id``, the store's brand, keys and token, when its
    notification URL last worked, and the order's last queued Ecwid status (the
    outbox is only written under these locks, so it cannot change before the commit).
    """
    target = attempts.alias("target")
    last = updates.alias("last_update")
    last_id = (
        select(func.max(updates.c.id))
        .where(
            updates.c.store_id == attempts.c.store_id,
            updates.c.reference_transaction_id == attempts.c.reference_transaction_id,
            updates.c.state != UpdateState.SUPERSEDED.value,
        )
        .correlate(attempts)
        .scalar_subquery()
    )
    return (
        select(
            attempts,
            target.c.id.label("target_id"),
            stores.c.brand,
            stores.c.ecwid_store_id,
            stores.c.key_test_enc,
            stores.c.key_prod_enc,
            stores.c.ecwid_token_enc.label("store_token_enc"),
            stores.c.ipn_last_seen_at,
            stores.c.ipn_failure_at,
            last.c.id.label("last_update_id"),
            last.c.state.label("last_update_state"),
            last.c.payment_status.label("last_update_status"),
        )
        .join_from(
            attempts,
            target,
            (target.c.store_id == attempts.c.store_id)
            & (target.c.reference_transaction_id == attempts.c.reference_transaction_id),
        )
        .join(stores, stores.c.id == attempts.c.store_id)
        .outerjoin(last, last.c.id == last_id)
        .where(*target_matches(target))
        .order_by(attempts.c.id)
        .with_for_update(of=attempts)
    )


# The hot path's statements are built once, with bound parameters: building a statement
# and computing its cache key at each request cost more than sending it. They are Core
# statements sent on the session's connection (``session.connection().execute``):
# ``Session.execute`` would add its ORM layer, about 70 µs of CPU per statement, for
# nothing. Writes are announced to the transaction with ``mark_changed`` either way.
_LOCK_BY_TRANS = _lock_query(
    lambda t: (
        t.c.site_id == bindparam("site_id"),
        t.c.trans_day == bindparam("trans_day"),
        t.c.trans_id == bindparam("trans_id"),
    )
)
_LOCK_BY_ID = _lock_query(lambda t: (t.c.id == bindparam("attempt_id"),))
_INSERT_NOTIFICATION = insert(notifications)
_INSERT_TRANSITION = insert(transitions)
#: The values to set are the parameters' column names; the ``w_`` parameters select the row.
_UPDATE_ATTEMPT = update(attempts).where(
    attempts.c.id == bindparam("w_id"), attempts.c.version == bindparam("w_version")
)
_UPDATE_NOTIFICATION = update(notifications).where(notifications.c.id == bindparam("w_id"))
_UPDATE_STORE = update(stores).where(stores.c.id == bindparam("w_id"))


def lock_order(session: Session, attempt_id: int) -> list[dict[str, Any]]:
    """Every attempt of ``attempt_id``'s Ecwid order with its store, locked in id order (PostgreSQL).

    The order's status is derived from all of them and queued once, so a notification
    holds them all until its commit; ordering the locks by id rules out deadlocks.
    SQLite's ``BEGIN IMMEDIATE`` already serializes writers.
    """
    return [dict(row._mapping) for row in session.connection().execute(_LOCK_BY_ID, {"attempt_id": attempt_id})]


def lock_order_of(session: Session, note: Notification) -> list[dict[str, Any]]:
    """The order of the attempt ``note`` names, locked (see :func:`lock_order`); empty if unknown.

    The lock comes before the signature check and the notification's insert: the
    insert's foreign key takes a share lock on the attempt, which would deadlock two
    notifications of one order both waiting to upgrade it.
    """
    params = {"site_id": note.site_id, "trans_day": note.trans_day, "trans_id": note.trans_id.upper()}
    order = [dict(row._mapping) for row in session.connection().execute(_LOCK_BY_TRANS, params)]
    if order or note.operation_type != "CREDIT":
        return order
    # A refund made in the Back Office gets its own trans_id: find the paid attempt of the order.
    reference = note.fields.get("vads_ext_info_ecwid_reference")
    order_id = clean_order_id(note.fields.get("vads_order_id"))
    query = _FOUND
    if reference:
        query = query.where(attempts.c.reference_transaction_id == reference)
    elif order_id:
        query = query.where(attempts.c.ecwid_order_id == order_id)
    else:
        return []
    found = session.connection().execute(query.order_by(attempts.c.id.desc()).limit(1), {"site_id": note.site_id}).scalar()
    if found is None:
        return []
    return [{**a, "target_id": found} for a in lock_order(session, found)]


def _target(order: list[dict[str, Any]]) -> dict[str, Any]:
    target_id = order[0]["target_id"]
    return next(a for a in order if a["id"] == target_id)


def _check(
    note: Notification, attempt: dict[str, Any], *, kind: str, box: SecretBox, app_settings: AppSettings
) -> str | None:
    """None when ``note`` is signed with the key of its attempt's mode, else the error case."""
    keys = SimpleNamespace(**attempt)
    key = key_for_mode(keys, box, attempt["mode"], allow_production=app_settings.allow_production)
    if not key:
        log.warning("%s for store %s: no usable %s key", kind, attempt["ecwid_store_id"], attempt["mode"])
        return "not_configured"
    if not verify_signature(note.fields, note.signature, key, attempt["sign_algo"]):
        log.warning(
            "%s with a bad signature for store %s trans=%s/%s (check the key and the algorithm %s)",
            kind,
            attempt["ecwid_store_id"],
            note.site_id,
            note.trans_id,
            attempt["sign_algo"],
        )
        return "auth_fail"
    return None


def _notification_values(note: Notification, attempt: dict[str, Any], kind: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "attempt_id": attempt["id"],
        "store_id": attempt["store_id"],
        "site_id": note.site_id,
        "ctx_mode": note.ctx_mode,
        "trans_id": note.trans_id,
        "trans_date": note.fields["vads_trans_date"],
        "trans_status": note.trans_status,
        "source": note.source if kind == "IPN" else "RETURN",
        "operation_type": note.operation_type,
        "trans_uuid": note.trans_uuid,
        "amount_minor": note.amount_minor,
        "currency_numeric": note.currency_numeric,
        "fields": note.storable_fields(),
    }


def process_notification(
    session: Session, note: Notification, *, brand: str, box: SecretBox, app_settings: AppSettings
) -> Processed:
    """The callback's work, in ``session``'s transaction (see the module's docstring)."""
    order = lock_order_of(session, note)
    if not order:
        log.warning("IPN for unknown payment site=%s trans=%s", note.site_id, note.trans_id)
        return Processed("order_not_found")
    attempt = _target(order)
    problem = _check(note, attempt, kind="IPN", box=box, app_settings=app_settings)
    if problem:
        return Processed(problem)
    values = _notification_values(note, attempt, "IPN")
    mark_changed(session)
    if attempt["brand"] != brand:
        values.update(outcome="rejected", reason=f"brand {brand} does not match the store's {attempt['brand']}")
        session.connection().execute(_INSERT_NOTIFICATION, values)
        return Processed("store_mismatch")
    now = utcnow()
    try:
        decided: Plan | None = plan(note, attempt, order, now=now, source=note.source, is_ipn=True)
    except Exception:
        log.exception("notification for attempt %s could not be decided: stored, the gateway will retry", attempt["id"])
        decided = None
    if decided is None:
        session.connection().execute(_INSERT_NOTIFICATION, values)
        return Processed("retry_later", failed=True)
    try:
        processed = {**values, "received_at": now, "outcome": decided.outcome, "processed_at": now, "reason": decided.reason}
        if decided.transition and decided.enqueue and is_postgresql(session):
            write_combined(session, decided, attempt, order, processed, now=now, source=note.source)
        else:
            notification_id = session.connection().execute(_INSERT_NOTIFICATION, processed).inserted_primary_key[0]
            write(session, decided, attempt, order, notification_id, source=note.source)
    except Exception as exc:
        raise StateChangeFailed(values) from exc
    _log_decision(note, decided, attempt, note.source)
    return Processed(decided.case, decided.changed)


class StateChangeFailed(Exception):
    """The state change of a verified notification failed: its transaction must be rolled back.

    ``values`` is the notification, unprocessed: the caller stores it alone in a new
    transaction (:func:`store_unprocessed`) and asks the gateway to retry.
    """

    def __init__(self, values: dict[str, Any]) -> None:
        super().__init__("state change failed")
        self.values = values


def store_unprocessed(session: Session, values: dict[str, Any]) -> int:
    """Insert a verified notification without processing it (after :class:`StateChangeFailed`)."""
    mark_changed(session)
    return session.connection().execute(_INSERT_NOTIFICATION, values).inserted_primary_key[0]


def verify_and_store(
    session: Session,
    note: Notification,
    *,
    brand: str,
    kind: str,
    box: SecretBox,
    app_settings: AppSettings,
) -> Verified:
    """Verify ``note`` against its attempt, lock the attempt's order and insert ``note`` unprocessed."""
    order = lock_order_of(session, note)
    if not order:
        log.warning("%s for unknown payment site=%s trans=%s", kind, note.site_id, note.trans_id)
        return Verified(None, None, "order_not_found")
    attempt = _target(order)
    problem = _check(note, attempt, kind=kind, box=box, app_settings=app_settings)
    if problem:
        return Verified(None, attempt["id"], problem)
    values = _notification_values(note, attempt, kind)
    mark_changed(session)
    if attempt["brand"] != brand:
        values.update(outcome="rejected", reason=f"brand {brand} does not match the store's {attempt['brand']}")
        session.connection().execute(_INSERT_NOTIFICATION, values)
        return Verified(None, attempt["id"], "store_mismatch")
    stored = session.connection().execute(_INSERT_NOTIFICATION, values)
    return Verified(stored.inserted_primary_key[0], attempt["id"], None, order)


def update_attempt(session: Session, attempt: dict[str, Any], changes: dict[str, Any]) -> None:
    """Write ``changes`` to the (locked) attempt, bumping its version; ``attempt`` follows."""
    version = attempt["version"]
    result = session.connection().execute(
        _UPDATE_ATTEMPT, {**changes, "version": version + 1, "w_id": attempt["id"], "w_version": version}
    )
    if result.rowcount != 1:
        raise StaleDataError(f"payment attempt {attempt['id']} changed under its lock")
    attempt.update(changes, version=version + 1)


def write(
    session: Session,
    decided: Plan,
    attempt: dict[str, Any],
    order: list[dict[str, Any]],
    notification_id: int,
    *,
    source: str,
) -> None:
    """The writes ``decided`` names: the store's last notification, the attempt, its transition, the Ecwid update."""
    if decided.store_seen_at:
        session.connection().execute(_UPDATE_STORE, {"ipn_last_seen_at": decided.store_seen_at, "w_id": attempt["store_id"]})
    if decided.attempt_changes:
        update_attempt(session, attempt, decided.attempt_changes)
    if decided.transition:
        session.connection().execute(
            _INSERT_TRANSITION,
            {**decided.transition, "attempt_id": attempt["id"], "source": source, "notification_id": notification_id},
        )
    if decided.enqueue:
        queued = order_update(session, order, attempt, decided.message)
        if queued is not None:
            queue_update(session, queued)


def write_combined(
    session: Session,
    decided: Plan,
    attempt: dict[str, Any],
    order: list[dict[str, Any]],
    notification: dict[str, Any],
    *,
    now: Any,
    source: str,
) -> int:
    """The notification's INSERT and :func:`write`, on PostgreSQL, in one statement (:mod:`.combined_writes`)."""
    assert decided.transition is not None
    # The order as this notification leaves it decides what Ecwid is told.
    leaving = [{**a, **decided.attempt_changes} if a is attempt else a for a in order]
    target = next(a for a in leaving if a["id"] == attempt["id"])
    queued = order_update(session, leaving, target, decided.message)
    if queued is None:  # Ecwid already has (or is about to get) this status
        notification_id = session.connection().execute(_INSERT_NOTIFICATION, notification).inserted_primary_key[0]
        write(session, decided, attempt, order, notification_id, source=source)
        return notification_id
    transition = {**decided.transition, "attempt_id": attempt["id"], "source": source, "created_at": now}
    supersede(session, queued)
    notification_id, job = store_change_and_queue(
        session, notification, transition, attempt, decided.attempt_changes, queued.values, now
    )
    log_queued(queued, job)
    if decided.store_seen_at:
        session.connection().execute(_UPDATE_STORE, {"ipn_last_seen_at": decided.store_seen_at, "w_id": attempt["store_id"]})
    return notification_id


def _log_decision(note: Notification, decided: Plan, attempt: dict[str, Any], source: str) -> None:
    if decided.transition:
        log.info(
            "store %s order %s trans=%s/%s %s -> %s (%s, %s)",
            attempt["ecwid_store_id"],
            attempt["reference_transaction_id"],
            attempt["site_id"],
            attempt["trans_id"],
            decided.transition["from_status"],
            decided.transition["to_status"],
            source,
            note.trans_status,
        )
    elif decided.reason:
        log.warning(
            "rejected %s for store %s trans=%s/%s: %s",
            source,
            attempt["ecwid_store_id"],
            attempt["site_id"],
            attempt["trans_id"],
            decided.reason,
        )


def apply_notification(
    session: Session,
    note: Notification,
    *,
    attempt_id: int,
    notification_id: int,
    source: str,
    is_ipn: bool,
    order: list[dict[str, Any]] | None = None,
) -> tuple[str, bool]:
    """Apply a stored, verified message to its attempt; returns (case, state changed).

    ``order``: the order's attempts as :func:`lock_order` returned them in this
    transaction (locked then if not given).
    """
    if order is None:
        order = lock_order(session, attempt_id)
    attempt = next(a for a in order if a["id"] == attempt_id)
    now = utcnow()
    decided = plan(note, attempt, order, now=now, source=source, is_ipn=is_ipn)
    write(session, decided, attempt, order, notification_id, source=source)
    mark_processed(session, notification_id, decided.outcome, now, reason=decided.reason)
    _log_decision(note, decided, attempt, source)
    return decided.case, decided.changed


def mark_processed(session: Session, notification_id: int, outcome: str, now: Any, reason: str | None = None) -> None:
    values: dict[str, Any] = {"outcome": outcome, "processed_at": now, "w_id": notification_id}
    if reason is not None:
        values["reason"] = reason
    session.connection().execute(_UPDATE_NOTIFICATION, values)


def is_success(note: Notification) -> bool:
    return group_of(note.trans_status) == Group.SUCCESS and note.operation_type != "CREDIT"
