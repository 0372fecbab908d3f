"""The attempts of one Ecwid order, as a checkout sees them.

A checkout locks the order first, so that identical requests arriving together are
handled one after the other: on PostgreSQL with a transaction-scoped advisory lock
keyed by the order, taken when the store is read (then the attempts' rows, in id
order, as the notification processing does), on SQLite by the ``BEGIN IMMEDIATE``
every transaction starts with.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from typing import Any

from sqlalchemy import BigInteger, Row, bindparam, func, select, update
from sqlalchemy.orm import Session, lazyload

from ..models import PaymentAttempt, Store, mark_changed
from ..protocol.statuses import SETTLED, AttemptStatus, order_status
from ..secrets_box import SecretBox

#: Order states in which a new payment must not start: money taken, or on its way.
NO_NEW_PAYMENT = SETTLED | {AttemptStatus.PENDING}


def order_lock_key(brand: str, ecwid_store_id: int, reference: str) -> int:
    """A signed 64-bit key for ``pg_advisory_xact_lock`` (collisions only serialize more)."""
    digest = hashlib.sha256(f"checkout:{brand}:{ecwid_store_id}:{reference}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


# Built once, with bound parameters. The attempts' store is the checkout's, already in the
# session: it is not joined again (a lock on the joined row is not wanted either).
_ATTEMPTS = (
    select(PaymentAttempt)
    .where(
        PaymentAttempt.store_id == bindparam("store_id"),
        PaymentAttempt.reference_transaction_id == bindparam("reference"),
    )
    .order_by(PaymentAttempt.id)
    .options(lazyload(PaymentAttempt.store))
)
_ATTEMPTS_FOR_UPDATE = _ATTEMPTS.with_for_update(of=PaymentAttempt)
stores = Store.__table__
#: What a checkout reads of its store: identity, Ecwid token, and every setting the form carries.
CHECKOUT_STORE_COLUMNS = (
    "id", "brand", "ecwid_store_id", "ecwid_token_enc", "site_id", "key_test_enc", "key_prod_enc", "ctx_mode",
    "sign_algo", "default_language", "available_languages", "capture_delay", "validation_mode", "threeds_manage",
    "threeds_max_amount", "redirect_enabled", "redirect_success_timeout", "redirect_success_message",
    "redirect_error_timeout", "redirect_error_message", "production_used_at",
)  # fmt: skip
_CHECKOUT_STORE = select(*(stores.c[name] for name in CHECKOUT_STORE_COLUMNS)).where(
    stores.c.brand == bindparam("brand"), stores.c.ecwid_store_id == bindparam("ecwid_store_id")
)
#: The store, and the order's lock taken by the same statement (one round trip less per checkout).
_STORE_LOCKING_ORDER = _CHECKOUT_STORE.add_columns(func.pg_advisory_xact_lock(bindparam("key", type_=BigInteger)))
_FIRST_PRODUCTION_USE = (
    update(stores)
    .where(stores.c.id == bindparam("w_id"), stores.c.production_used_at.is_(None))
    .values(production_used_at=bindparam("w_at"))
)


def is_postgresql(dbsession: Session) -> bool:
    return dbsession.get_bind().dialect.name == "postgresql"


def store_locking_order(dbsession: Session, brand: str, ecwid_store_id: int, reference: str) -> Row[Any] | None:
    """The checkout's store (the columns it needs, :data:`CHECKOUT_STORE_COLUMNS`), or None.

    The order's lock is held until the end of the transaction once it is found. On
    PostgreSQL it is a transaction-scoped advisory lock keyed by the order, taken in
    the store's SELECT; the attempts are read by a later statement (:func:`lock_order`),
    so they are seen as the previous holder committed them. A Core row on the session's
    connection: nothing of the store is written back through the ORM.
    """
    params: dict[str, Any] = {"brand": brand, "ecwid_store_id": int(ecwid_store_id)}
    if not is_postgresql(dbsession):
        return dbsession.connection().execute(_CHECKOUT_STORE, params).first()
    params["key"] = order_lock_key(brand, ecwid_store_id, reference)
    return dbsession.connection().execute(_STORE_LOCKING_ORDER, params).first()


def note_production_use(dbsession: Session, store_id: int, now: datetime) -> None:
    """The store's first PRODUCTION checkout, remembered once (the settings page warns before it)."""
    mark_changed(dbsession)
    dbsession.connection().execute(_FIRST_PRODUCTION_USE, {"w_id": store_id, "w_at": now})


def lock_order(dbsession: Session, store_id: int, reference: str) -> list[PaymentAttempt]:
    """The order's attempts, oldest first, locked (its lock taken by :func:`store_locking_order`)."""
    query = _ATTEMPTS_FOR_UPDATE if is_postgresql(dbsession) else _ATTEMPTS
    return list(dbsession.scalars(query, {"store_id": store_id, "reference": reference}))


def paid_attempt(attempts: list[PaymentAttempt]) -> PaymentAttempt | None:
    """The attempt that speaks for an order already paid (or pending, refunded...), if any."""
    status = order_status([(AttemptStatus(a.status), a.status_seq) for a in attempts])
    if status not in NO_NEW_PAYMENT:
        return None
    return max((a for a in attempts if a.status == status.value), key=lambda a: (a.status_seq, a.id))


def is_open(attempt: PaymentAttempt, now: datetime, reuse_seconds: int) -> bool:
    """Whether the gateway may still be showing this attempt's payment session.

    The session opens when the buyer's browser posts the form (at ``trans_date`` at
    the earliest) and lasts 10 minutes. It is over once a notification came or the
    buyer came back from the payment page (with or without return data).
    """
    if attempt.status != AttemptStatus.NEW.value or attempt.notified_at is not None or attempt.returned_at is not None:
        return False
    age = now - attempt.trans_date
    return timedelta(0) <= age < timedelta(seconds=reuse_seconds)


def keep_latest_return(attempts: list[PaymentAttempt], return_url: str, token: str, box: SecretBox) -> None:
    """Ecwid's latest ``returnUrl`` (it carries a per-request key) and token, on every attempt of the order."""
    for attempt in attempts:
        if attempt.return_url != return_url:
            attempt.return_url = return_url
        if box.decrypt(attempt.ecwid_token_enc) != token:
            attempt.ecwid_token_enc = box.encrypt(token)
