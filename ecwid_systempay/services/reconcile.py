"""Payments left without any notification after the gateway's retry window.

The gateway retries a failed notification four more times at quarter-hour marks
(about an hour). A payment still without notification after that is listed for
the operator (``ecwid_systempay_reconcile``) and the merchant (settings page),
so nobody forgets a buyer who may have paid.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import PaymentAttempt
from ..protocol.statuses import AttemptStatus


def unnotified(now: datetime, older_than_seconds: int) -> tuple[Any, ...]:
    """Conditions of a payment still waiting for its first notification after the retry window."""
    return (
        PaymentAttempt.notified_at.is_(None),
        PaymentAttempt.status == AttemptStatus.NEW.value,
        PaymentAttempt.created_at < now - timedelta(seconds=older_than_seconds),
        PaymentAttempt.created_at > now - timedelta(days=30),
    )


def unnotified_attempts(
    session: Session, now: datetime, older_than_seconds: int, *, store_id: int | None = None, limit: int = 100
) -> list[PaymentAttempt]:
    query = (
        select(PaymentAttempt)
        .where(*unnotified(now, older_than_seconds))
        .order_by(PaymentAttempt.created_at.desc())
        .limit(limit)
    )
    if store_id is not None:
        query = query.where(PaymentAttempt.store_id == store_id)
    return list(session.scalars(query))


def unnotified_counts(
    session: Session, now: datetime, older_than_seconds: int, *, store_ids: Iterable[int] | None = None
) -> dict[int, int]:
    """How many such payments each store has (stores with none are left out)."""
    query = (
        select(PaymentAttempt.store_id, func.count())
        .where(*unnotified(now, older_than_seconds))
        .group_by(PaymentAttempt.store_id)
    )
    if store_ids is not None:
        query = query.where(PaymentAttempt.store_id.in_(list(store_ids)))
    return {store_id: count for store_id, count in session.execute(query)}
