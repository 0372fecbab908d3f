"""Payments left without any notification after the gateway's retry window.

The gateway retries a failed notification four more times at quarter-hour marks
(about an hour). A payment still without notification after that is listed for
the operator (``ecwid_systempay_reconcile``) and the merchant (settings page),
so nobody forgets a buyer who may have paid.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import PaymentAttempt
from ..protocol.statuses import AttemptStatus


def unnotified_attempts(
    session: Session, now: datetime, older_than_seconds: int, *, store_id: int | None = None, limit: int = 100
) -> list[PaymentAttempt]:
    query = (
        select(PaymentAttempt)
        .where(
            PaymentAttempt.notified_at.is_(None),
            PaymentAttempt.status == AttemptStatus.NEW.value,
            PaymentAttempt.created_at < now - timedelta(seconds=older_than_seconds),
            PaymentAttempt.created_at > now - timedelta(days=30),
        )
        .order_by(PaymentAttempt.created_at.desc())
        .limit(limit)
    )
    if store_id is not None:
        query = query.where(PaymentAttempt.store_id == store_id)
    return list(session.scalars(query))
