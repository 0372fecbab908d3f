"""Processing the gateway's notification (IPN) and, as a fallback, a signed return.

1. :func:`verify_and_store` finds the attempt, verifies the signature with the key
   of the attempt's mode (constant time) and commits the notification in its own
   short transaction: nothing verified is lost, whatever happens next.
2. :func:`apply_notification` then runs in the request's transaction: it checks
   mode, shop, amount and currency against the attempt, applies the state machine,
   audits the transition and queues the Ecwid update, all in one commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..config import AppSettings
from ..models import PaymentAttempt, StoredNotification, Transition
from ..models.meta import utcnow
from ..protocol.form import clean_order_id
from ..protocol.notification import Notification
from ..protocol.signature import verify_signature
from ..protocol.statuses import SETTLED, AttemptStatus, Group, decide, group_of
from ..secrets_box import SecretBox
from .stores import key_for_mode
from .updates import enqueue_order_status

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verified:
    notification_id: int | None
    attempt_id: int | None
    case: str | None  # an error case when not verified


def find_attempt(session: Session, note: Notification) -> PaymentAttempt | None:
    attempt = session.scalar(
        select(PaymentAttempt).where(
            PaymentAttempt.site_id == note.site_id,
            PaymentAttempt.trans_day == note.trans_day,
            PaymentAttempt.trans_id == note.trans_id.upper(),
        )
    )
    if attempt is None and note.operation_type == "CREDIT":
        # A refund made in the Back Office gets its own trans_id: find the paid attempt of the order.
        reference = note.fields.get("vads_ext_info_ecwid_reference")
        order_id = clean_order_id(note.fields.get("vads_order_id"))
        query = select(PaymentAttempt).where(
            PaymentAttempt.site_id == note.site_id,
            PaymentAttempt.status.in_([s.value for s in SETTLED]),
        )
        if reference:
            query = query.where(PaymentAttempt.reference_transaction_id == reference)
        elif order_id:
            query = query.where(PaymentAttempt.ecwid_order_id == order_id)
        else:
            return None
        attempt = session.scalar(query.order_by(PaymentAttempt.id.desc()).limit(1))
    return attempt


def verify_and_store(
    session_factory: sessionmaker[Session],
    note: Notification,
    *,
    brand: str,
    kind: str,
    box: SecretBox,
    app_settings: AppSettings,
) -> Verified:
    """Verify ``note`` against its attempt and commit it; see the module docstring."""
    with session_factory() as session, session.begin():
        attempt = find_attempt(session, note)
        if attempt is None:
            log.warning("%s for unknown payment site=%s trans=%s", kind, note.site_id, note.trans_id)
            return Verified(None, None, "order_not_found")
        store = attempt.store
        key = key_for_mode(store, box, attempt.mode, allow_production=app_settings.allow_production)
        if not key:
            log.warning("%s for store %s: no usable %s key", kind, store.ecwid_store_id, attempt.mode)
            return Verified(None, attempt.id, "not_configured")
        if not verify_signature(note.fields, note.signature, key, attempt.sign_algo):
            log.warning(
                "%s with a bad signature for store %s trans=%s/%s (check the key and the algorithm %s)",
                kind,
                store.ecwid_store_id,
                note.site_id,
                note.trans_id,
                attempt.sign_algo,
            )
            return Verified(None, attempt.id, "auth_fail")
        stored = StoredNotification(
            kind=kind,
            attempt_id=attempt.id,
            store_id=store.id,
            site_id=note.site_id,
            ctx_mode=note.ctx_mode,
            trans_id=note.trans_id,
            trans_date=note.fields["vads_trans_date"],
            trans_status=note.trans_status,
            source=note.source if kind == "IPN" else "RETURN",
            operation_type=note.operation_type,
            trans_uuid=note.trans_uuid,
            amount_minor=note.amount_minor,
            currency_numeric=note.currency_numeric,
            fields=note.storable_fields(),
        )
        if store.brand != brand:
            stored.outcome, stored.reason = "rejected", f"brand {brand} does not match the store's {store.brand}"
            session.add(stored)
            return Verified(None, attempt.id, "store_mismatch")
        session.add(stored)
        session.flush()
        return Verified(stored.id, attempt.id, None)


def mismatch(attempt: PaymentAttempt, note: Notification) -> str | None:
    """An error case when the verified message does not describe this attempt."""
    if note.ctx_mode != attempt.mode:
        return "mode_mismatch"
    if note.site_id != attempt.site_id:
        return "site_mismatch"
    ecwid_store = note.fields.get("vads_ext_info_ecwid_store")
    if ecwid_store is not None and ecwid_store != str(attempt.store.ecwid_store_id):
        return "store_mismatch"
    if note.currency_numeric != attempt.currency_numeric:
        return "currency_error"
    if note.operation_type == "CREDIT":
        if note.amount_minor > attempt.amount_minor:
            return "amount_error"
    elif note.amount_minor != attempt.amount_minor:
        return "amount_error"
    return None


def next_sequence(session: Session, attempt: PaymentAttempt) -> int:
    from sqlalchemy import func

    current = session.scalar(
        select(func.max(PaymentAttempt.status_seq)).where(
            PaymentAttempt.store_id == attempt.store_id,
            PaymentAttempt.reference_transaction_id == attempt.reference_transaction_id,
        )
    )
    return (current or 0) + 1


def apply_notification(
    session: Session,
    note: Notification,
    *,
    attempt_id: int,
    notification_id: int,
    source: str,
    is_ipn: bool,
) -> tuple[str, bool]:
    """Apply a verified message to its attempt; returns (case, state changed)."""
    attempt = session.get(PaymentAttempt, attempt_id)
    assert attempt is not None
    if session.get_bind().dialect.name == "postgresql":
        # Lock every attempt of the Ecwid order (in id order, so no deadlock): the
        # order's status is derived from all of them, and is queued once.
        session.scalars(
            select(PaymentAttempt.id)
            .where(
                PaymentAttempt.store_id == attempt.store_id,
                PaymentAttempt.reference_transaction_id == attempt.reference_transaction_id,
            )
            .order_by(PaymentAttempt.id)
            .with_for_update()
        ).all()
        session.refresh(attempt)
    stored = session.get(StoredNotification, notification_id)
    now = utcnow()
    assert stored is not None
    store = attempt.store
    if is_ipn:
        store.ipn_last_seen_at = now
        if attempt.notified_at is None:
            attempt.notified_at = now

    problem = mismatch(attempt, note)
    if problem:
        stored.outcome, stored.reason, stored.processed_at = "rejected", problem, now
        if problem in ("amount_error", "currency_error"):
            attempt.attention = (
                f"{source}: paid {note.amount_minor}/{note.currency_numeric}, "
                f"expected {attempt.amount_minor}/{attempt.currency_numeric}"
            )
        log.warning(
            "rejected %s for store %s trans=%s/%s: %s",
            source,
            store.ecwid_store_id,
            attempt.site_id,
            attempt.trans_id,
            problem,
        )
        return problem, False

    current = AttemptStatus(attempt.status)
    decision = decide(
        current,
        note.trans_status,
        source=note.source,
        operation_type=note.operation_type,
        refund_is_full=note.amount_minor >= attempt.amount_minor,
    )
    changed = decision.new_status is not None and decision.new_status != current
    if changed:
        assert decision.new_status is not None
        session.add(
            Transition(
                attempt_id=attempt.id,
                from_status=current.value,
                to_status=decision.new_status.value,
                source=source,
                trans_status=note.trans_status,
                notification_id=notification_id,
            )
        )
        attempt.status = decision.new_status.value
        attempt.gateway_status = note.trans_status
        if note.trans_uuid and note.operation_type != "CREDIT":
            attempt.gateway_trans_uuid = note.trans_uuid
        attempt.status_seq = next_sequence(session, attempt)
        message = None
        if decision.new_status == AttemptStatus.FAILED:
            message = f"{store.brand.title()}: {note.trans_status or 'failure'}"
        session.flush()
        enqueue_order_status(session, attempt, message)
        log.info(
            "store %s order %s trans=%s/%s %s -> %s (%s, %s)",
            store.ecwid_store_id,
            attempt.reference_transaction_id,
            attempt.site_id,
            attempt.trans_id,
            current.value,
            decision.new_status.value,
            source,
            note.trans_status,
        )
    stored.outcome = decision.outcome.value
    stored.processed_at = now
    return decision.outcome.value, changed


def is_success(note: Notification) -> bool:
    return group_of(note.trans_status) == Group.SUCCESS and note.operation_type != "CREDIT"


