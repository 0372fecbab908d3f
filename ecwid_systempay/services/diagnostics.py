"""Are the gateway's notifications reaching the module? The facts the settings page shows, per mode.

Per mode (TEST, PRODUCTION), each fact is one indexed query:

- the last notification (IPN) received: when, its source (``PAY``, ``RETRY``, ``BO``,
  ``MERCH_BO``...), its ``vads_trans_status`` and what the module did with it;
- the last payment completed from the buyer's signed return because no notification
  came in time (a stored ``RETURN`` that was applied);
- the payments still without any notification after ``reconcile_after_seconds``
  (the gateway's retries are over by then).

The warning (check the three notification rules and their automatic retry) is shown
while such a failure is more recent than the last notification received in that mode:
it clears as soon as a notification arrives after the failure, which proves the rules
work again. The payments concerned stay listed (:mod:`.reconcile`) until they have been
dealt with.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import StoredNotification
from ..models.attempt import PaymentAttempt
from .reconcile import unnotified

MODES = ("TEST", "PRODUCTION")


@dataclass(frozen=True)
class LastNotification:
    received_at: datetime
    source: str
    trans_status: str
    outcome: str | None
    reason: str | None


@dataclass(frozen=True)
class ModeDiagnostics:
    mode: str
    last: LastNotification | None
    #: When a payment of this mode was last completed from its signed return, without notification.
    return_without_notification_at: datetime | None
    #: Payments of this mode without any notification after the gateway's retry window.
    overdue_count: int
    overdue_newest_at: datetime | None

    @property
    def failure_at(self) -> datetime | None:
        """The latest sign that notifications did not arrive."""
        times = [t for t in (self.return_without_notification_at, self.overdue_newest_at) if t is not None]
        return max(times) if times else None

    @property
    def warning(self) -> bool:
        """Notifications failed, and none arrived since."""
        failure = self.failure_at
        return failure is not None and (self.last is None or self.last.received_at < failure)

    @property
    def returned_without_notification(self) -> bool:
        return self.warning and self.return_without_notification_at is not None and (
            self.last is None or self.last.received_at < self.return_without_notification_at
        )

    @property
    def overdue(self) -> bool:
        return self.warning and self.overdue_newest_at is not None and (
            self.last is None or self.last.received_at < self.overdue_newest_at
        )


def last_notification(session: Session, store_id: int, mode: str) -> LastNotification | None:
    row = session.execute(
        select(
            StoredNotification.received_at,
            StoredNotification.source,
            StoredNotification.trans_status,
            StoredNotification.outcome,
            StoredNotification.reason,
        )
        .where(
            StoredNotification.store_id == store_id,
            StoredNotification.kind == "IPN",
            StoredNotification.ctx_mode == mode,
        )
        .order_by(StoredNotification.received_at.desc())
        .limit(1)
    ).first()
    return LastNotification(*row) if row else None


def last_return_without_notification(session: Session, store_id: int, mode: str) -> datetime | None:
    """A stored return is only applied when no notification came in time."""
    return session.scalar(
        select(func.max(StoredNotification.processed_at)).where(
            StoredNotification.store_id == store_id,
            StoredNotification.kind == "RETURN",
            StoredNotification.ctx_mode == mode,
        )
    )


def overdue_payments(
    session: Session, store_id: int, now: datetime, older_than_seconds: int
) -> dict[str, tuple[int, datetime]]:
    """mode -> (how many payments have had no notification for too long, the newest one's creation)."""
    rows = session.execute(
        select(PaymentAttempt.mode, func.count(), func.max(PaymentAttempt.created_at))
        .where(PaymentAttempt.store_id == store_id, *unnotified(now, older_than_seconds))
        .group_by(PaymentAttempt.mode)
    )
    return {mode: (count, _aware(newest)) for mode, count, newest in rows}


def _aware(value: datetime) -> datetime:
    """UTC-aware, whatever the driver gave back for an aggregate."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def notification_diagnostics(
    session: Session, store_id: int, now: datetime, reconcile_after_seconds: int
) -> dict[str, ModeDiagnostics]:
    """The facts of both modes for one store."""
    overdue = overdue_payments(session, store_id, now, reconcile_after_seconds)
    result = {}
    for mode in MODES:
        returned = last_return_without_notification(session, store_id, mode)
        count, newest = overdue.get(mode, (0, None))
        result[mode] = ModeDiagnostics(
            mode=mode,
            last=last_notification(session, store_id, mode),
            return_without_notification_at=_aware(returned) if returned is not None else None,
            overdue_count=count,
            overdue_newest_at=newest,
        )
    return result

