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

from sqlalchemy import BigInteger, bindparam, func, select
from sqlalchemy.orm import Session, lazyload

from ..models import PaymentAttempt, Store
from ..protocol.statuses import SETTLED, AttemptStatus, order_status
from ..secrets_box import SecretBox
from .stores import get_store

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
#: The store, and the order's lock taken by the same statement (one round trip less per checkout).
_STORE_LOCKING_ORDER = select(Store, func.pg_advisory_xact_lock(bindparam("key", type_=BigInteger))).where(
    Store.brand == bindparam("brand"), Store.ecwid_store_id == bindparam("ecwid_store_id")
)


def is_postgresql(dbsession: Session) -> bool:
    return dbsession.get_bind().dialect.name == "postgresql"


def store_locking_order(dbsession: Session, brand: str, ecwid_store_id: int, reference: str) -> Store | None:
    """The checkout's store; the order's lock is held until the end of the transaction once it is found.

    On PostgreSQL the lock is a transaction-scoped advisory lock keyed by the order,
    taken in the store's SELECT; the attempts are read by a later statement
    (:func:`lock_order`), so they are seen as the previous holder committed them.
    """
    if not is_postgresql(dbsession):
        return get_store(dbsession, brand, ecwid_store_id)
    params = {"brand": brand, "ecwid_store_id": int(ecwid_store_id), "key": order_lock_key(brand, ecwid_store_id, reference)}
    row = dbsession.execute(_STORE_LOCKING_ORDER, params).first()
    return row[0] if row is not None else None


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
