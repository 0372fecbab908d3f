"""Processing the gateway's notification (IPN) and, as a fallback, a signed return.

Both steps run in the caller's transaction, with Core statements (this is the
module's hot path: each statement is one round trip, the ORM's unit of work adds
nothing here):

1. :func:`verify_and_store` finds the attempt with its store (one SELECT), verifies
   the signature with the key of the attempt's mode (constant time), locks the Ecwid
   order's attempts (one SELECT ... FOR UPDATE, in id order) and inserts the
   notification.
2. :func:`apply_notification` checks mode, shop, amount and currency against the
   locked attempt, applies the state machine, audits the transition and queues the
   Ecwid update.

The callback runs step 2 inside a SAVEPOINT of the transaction that inserted the
notification: a failing state change is rolled back alone and the notification is
committed all the same; the gateway's answer is sent only after that commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ..config import AppSettings
from ..models import PaymentAttempt, Store, StoredNotification, Transition, mark_changed
from ..models.meta import utcnow
from ..protocol.form import clean_order_id
from ..protocol.notification import Notification
from ..protocol.signature import verify_signature
from ..protocol.statuses import SETTLED, AttemptStatus, Group, decide, group_of
from ..secrets_box import SecretBox
from .stores import key_for_mode
from .updates import enqueue_order_status

log = logging.getLogger(__name__)

attempts = PaymentAttempt.__table__
stores = Store.__table__
notifications = StoredNotification.__table__
transitions = Transition.__table__


#: ``stores.ipn_last_seen_at`` is written at most this often per store (see :func:`note_store_seen`).
SEEN_PRECISION = timedelta(seconds=60)


@dataclass(frozen=True)
class Verified:
    notification_id: int | None
    attempt_id: int | None
    case: str | None  # an error case when not verified
    order: list[dict[str, Any]] | None = None  # the order's attempts, locked (see lock_order)


#: What the signature check needs: the attempt's mode and algorithm, its store's brand and keys.
_FOUND = select(
    attempts.c.id,
    attempts.c.store_id,
    attempts.c.mode,
    attempts.c.sign_algo,
    stores.c.brand,
    stores.c.ecwid_store_id,
    stores.c.key_test_enc,
    stores.c.key_prod_enc,
).join_from(attempts, stores, attempts.c.store_id == stores.c.id)


# The hot path's statements are built once, with bound parameters: building a statement
# and computing its cache key at each request cost more than sending it.
_FIND = _FOUND.where(
    attempts.c.site_id == bindparam("site_id"),
    attempts.c.trans_day == bindparam("trans_day"),
    attempts.c.trans_id == bindparam("trans_id"),
)


def _lock_query() -> Any:
    target = attempts.alias("target")
    return (
        select(
            attempts,
            stores.c.brand,
            stores.c.ecwid_store_id,
            stores.c.ecwid_token_enc.label("store_token_enc"),
            stores.c.ipn_last_seen_at,
            stores.c.ipn_failure_at,
        )
        .join_from(
            attempts,
            target,
            (target.c.store_id == attempts.c.store_id)
            & (target.c.reference_transaction_id == attempts.c.reference_transaction_id),
        )
        .join(stores, stores.c.id == attempts.c.store_id)
        .where(target.c.id == bindparam("attempt_id"))
        .order_by(attempts.c.id)
        .with_for_update(of=attempts)
    )


_LOCK = _lock_query()
_INSERT_NOTIFICATION = insert(notifications)
_INSERT_TRANSITION = insert(transitions)
#: The values to set are the parameters' column names; the ``w_`` parameters select the row.
_UPDATE_ATTEMPT = update(attempts).where(
    attempts.c.id == bindparam("w_id"), attempts.c.version == bindparam("w_version")
)
_UPDATE_NOTIFICATION = update(notifications).where(notifications.c.id == bindparam("w_id"))
_UPDATE_STORE = update(stores).where(stores.c.id == bindparam("w_id"))


def find_attempt(session: Session, note: Notification) -> Row[Any] | None:
    """The attempt ``note`` names, with its store's keys (see :data:`_FOUND`)."""
    found = session.execute(
        _FIND, {"site_id": note.site_id, "trans_day": note.trans_day, "trans_id": note.trans_id.upper()}
    ).first()
    if found is None and note.operation_type == "CREDIT":
        # A refund made in the Back Office gets its own trans_id: find the paid attempt of the order.
        reference = note.fields.get("vads_ext_info_ecwid_reference")
        order_id = clean_order_id(note.fields.get("vads_order_id"))
        query = _FOUND.where(
            attempts.c.site_id == note.site_id,
            attempts.c.status.in_([s.value for s in SETTLED]),
        )
        if reference:
            query = query.where(attempts.c.reference_transaction_id == reference)
        elif order_id:
            query = query.where(attempts.c.ecwid_order_id == order_id)
        else:
            return None
        found = session.execute(query.order_by(attempts.c.id.desc()).limit(1)).first()
    return found


def verify_and_store(
    session: Session,
    note: Notification,
    *,
    brand: str,
    kind: str,
    box: SecretBox,
    app_settings: AppSettings,
) -> Verified:
    """Verify ``note`` against its attempt, lock the attempt's order and insert ``note``, in ``session``'s transaction.

    The lock comes before the insert: the insert's foreign key takes a share lock on
    the attempt, which would deadlock two notifications of one order both waiting to
    upgrade it.
    """
    found = find_attempt(session, note)
    if found is None:
        log.warning("%s for unknown payment site=%s trans=%s", kind, note.site_id, note.trans_id)
        return Verified(None, None, "order_not_found")
    key = key_for_mode(found, box, found.mode, allow_production=app_settings.allow_production)
    if not key:
        log.warning("%s for store %s: no usable %s key", kind, found.ecwid_store_id, found.mode)
        return Verified(None, found.id, "not_configured")
    if not verify_signature(note.fields, note.signature, key, found.sign_algo):
        log.warning(
            "%s with a bad signature for store %s trans=%s/%s (check the key and the algorithm %s)",
            kind,
            found.ecwid_store_id,
            note.site_id,
            note.trans_id,
            found.sign_algo,
        )
        return Verified(None, found.id, "auth_fail")
    values: dict[str, Any] = {
        "kind": kind,
        "attempt_id": found.id,
        "store_id": found.store_id,
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
    mark_changed(session)
    if found.brand != brand:
        values.update(outcome="rejected", reason=f"brand {brand} does not match the store's {found.brand}")
        session.execute(_INSERT_NOTIFICATION, values)
        return Verified(None, found.id, "store_mismatch")
    order = lock_order(session, found.id)
    stored = session.execute(_INSERT_NOTIFICATION, values)
    return Verified(stored.inserted_primary_key[0], found.id, None, order)


def lock_order(session: Session, attempt_id: int) -> list[dict[str, Any]]:
    """Every attempt of ``attempt_id``'s Ecwid order with its store, locked in id order (PostgreSQL).

    The order's status is derived from all of them and queued once, so a notification
    holds them all until its commit; ordering the locks by id rules out deadlocks.
    SQLite's ``BEGIN IMMEDIATE`` already serializes writers.
    """
    return [dict(row._mapping) for row in session.execute(_LOCK, {"attempt_id": attempt_id})]


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


def update_attempt(session: Session, attempt: dict[str, Any], changes: dict[str, Any]) -> None:
    """Write ``changes`` to the (locked) attempt, bumping its version; ``attempt`` follows."""
    version = attempt["version"]
    result = session.execute(
        _UPDATE_ATTEMPT, {**changes, "version": version + 1, "w_id": attempt["id"], "w_version": version}
    )
    if result.rowcount != 1:
        raise StaleDataError(f"payment attempt {attempt['id']} changed under its lock")
    attempt.update(changes, version=version + 1)


def note_store_seen(session: Session, attempt: dict[str, Any], now: datetime) -> None:
    """Record that the store's notification URL works, to the minute (:data:`SEEN_PRECISION`).

    Each write locks the store's row until the commit, which would queue every
    notification of a busy store behind the previous one. Right after a flagged
    notification failure it is always written, so that warning clears.
    """
    seen, failed = attempt["ipn_last_seen_at"], attempt["ipn_failure_at"]
    if seen is not None and now - seen < SEEN_PRECISION and (failed is None or seen > failed):
        return
    session.execute(_UPDATE_STORE, {"ipn_last_seen_at": now, "w_id": attempt["store_id"]})


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
    """Apply a verified message to its attempt; returns (case, state changed).

    ``order``: the order's attempts as :func:`lock_order` returned them in this
    transaction (locked then if not given).
    """
    if order is None:
        order = lock_order(session, attempt_id)
    attempt = next(a for a in order if a["id"] == attempt_id)
    now = utcnow()
    changes: dict[str, Any] = {}
    if is_ipn:
        note_store_seen(session, attempt, now)
        if attempt["notified_at"] is None:
            changes["notified_at"] = now

    problem = mismatch(attempt, note)
    if problem:
        if problem in ("amount_error", "currency_error"):
            changes["attention"] = (
                f"{source}: paid {note.amount_minor}/{note.currency_numeric}, "
                f"expected {attempt['amount_minor']}/{attempt['currency_numeric']}"
            )
        if changes:
            update_attempt(session, attempt, changes)
        mark_processed(session, notification_id, "rejected", now, reason=problem)
        log.warning(
            "rejected %s for store %s trans=%s/%s: %s",
            source,
            attempt["ecwid_store_id"],
            attempt["site_id"],
            attempt["trans_id"],
            problem,
        )
        return problem, False

    current = AttemptStatus(attempt["status"])
    decision = decide(
        current,
        note.trans_status,
        source=note.source,
        operation_type=note.operation_type,
        refund_is_full=note.amount_minor >= attempt["amount_minor"],
    )
    changed = decision.new_status is not None and decision.new_status != current
    if changed:
        assert decision.new_status is not None
        changes.update(
            status=decision.new_status.value,
            gateway_status=note.trans_status,
            status_seq=max(a["status_seq"] for a in order) + 1,
        )
        if note.trans_uuid and note.operation_type != "CREDIT":
            changes["gateway_trans_uuid"] = note.trans_uuid
        update_attempt(session, attempt, changes)
        session.execute(
            _INSERT_TRANSITION,
            {
                "attempt_id": attempt_id,
                "from_status": current.value,
                "to_status": decision.new_status.value,
                "source": source,
                "trans_status": note.trans_status,
                "notification_id": notification_id,
            },
        )
        message = None
        if decision.new_status == AttemptStatus.FAILED:
            message = f"{attempt['brand'].title()}: {note.trans_status or 'failure'}"
        enqueue_order_status(session, order, attempt, message)
        log.info(
            "store %s order %s trans=%s/%s %s -> %s (%s, %s)",
            attempt["ecwid_store_id"],
            attempt["reference_transaction_id"],
            attempt["site_id"],
            attempt["trans_id"],
            current.value,
            decision.new_status.value,
            source,
            note.trans_status,
        )
    elif changes:
        update_attempt(session, attempt, changes)
    mark_processed(session, notification_id, decision.outcome.value, now)
    return decision.outcome.value, changed


def mark_processed(session: Session, notification_id: int, outcome: str, now: Any, reason: str | None = None) -> None:
    values: dict[str, Any] = {"outcome": outcome, "processed_at": now, "w_id": notification_id}
    if reason is not None:
        values["reason"] = reason
    session.execute(_UPDATE_NOTIFICATION, values)


def is_success(note: Notification) -> bool:
    return group_of(note.trans_status) == Group.SUCCESS and note.operation_type != "CREDIT"
