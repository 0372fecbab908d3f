"""The operator's view of the deployment: per store and overall, what happened and what needs attention.

For each store: its payments by status over the last 24 hours and 7 days, the
Ecwid updates still queued (and those overdue: no worker picked them up), the
dead letters, and whether its notifications are arriving. They are not when a
payment came back through the signed return without any notification
(``stores.ipn_failure_at``, until a notification arrives again) or when payments
wait longer than ``reconcile_after_seconds`` for one (services/reconcile.py).

A report costs a handful of grouped queries, whatever the number of stores.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from ..models import EcwidUpdate, PaymentAttempt, Store, UpdateState
from ..protocol.statuses import AttemptStatus
from .reconcile import unnotified_counts

WINDOWS = (("last_24h", timedelta(hours=24)), ("last_7d", timedelta(days=7)))
#: A queued update not picked up this long after it was due: no worker is running.
OVERDUE_AFTER = timedelta(minutes=15)
STATUS_ORDER = [s.value for s in AttemptStatus]


def iso(moment: datetime | None) -> str | None:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


@dataclass
class StoreStatus:
    id: int
    brand: str
    ecwid_store_id: int
    site_id: str
    mode: str
    ipn_failure_at: datetime | None
    ipn_last_seen_at: datetime | None
    payments: dict[str, dict[str, int]] = field(default_factory=lambda: {name: {} for name, _ in WINDOWS})
    pending_updates: int = 0
    overdue_updates: int = 0
    oldest_pending_at: datetime | None = None
    dead_letters: int = 0
    unnotified_payments: int = 0

    @property
    def name(self) -> str:
        return f"{self.brand}:{self.ecwid_store_id}"

    @property
    def return_without_notification(self) -> bool:
        """A payment was completed from the buyer's return and no notification has arrived since."""
        return self.ipn_failure_at is not None and (
            self.ipn_last_seen_at is None or self.ipn_last_seen_at < self.ipn_failure_at
        )

    @property
    def notifications_not_arriving(self) -> bool:
        return self.return_without_notification or self.unnotified_payments > 0

    @property
    def problems(self) -> list[str]:
        found = []
        if self.dead_letters:
            found.append(f"{self.dead_letters} dead letter(s): replay them with ecwid_systempay_dead_letters")
        if self.return_without_notification:
            found.append(
                f"payment completed from the buyer's return without notification at {iso(self.ipn_failure_at)}: "
                "check the notification URL in the gateway's Back Office"
            )
        if self.unnotified_payments:
            found.append(
                f"{self.unnotified_payments} payment(s) without notification after the retry window: "
                "see ecwid_systempay_reconcile"
            )
        if self.overdue_updates:
            found.append(f"{self.overdue_updates} Ecwid update(s) overdue: is a worker running?")
        return found

    def as_dict(self) -> dict[str, Any]:
        return {
            "brand": self.brand,
            "store_id": self.ecwid_store_id,
            "site_id": self.site_id,
            "mode": self.mode,
            "payments": self.payments,
            "pending_updates": self.pending_updates,
            "overdue_updates": self.overdue_updates,
            "oldest_pending_since": iso(self.oldest_pending_at),
            "dead_letters": self.dead_letters,
            "unnotified_payments": self.unnotified_payments,
            "notifications_not_arriving": self.notifications_not_arriving,
            "ipn_failure_at": iso(self.ipn_failure_at),
            "ipn_last_seen_at": iso(self.ipn_last_seen_at),
            "needs_attention": bool(self.problems),
            "problems": self.problems,
        }


@dataclass
class StatusReport:
    generated_at: datetime
    reconcile_after_seconds: int
    stores: list[StoreStatus]

    @property
    def needs_attention(self) -> bool:
        return any(store.problems for store in self.stores)

    def overall(self) -> dict[str, Any]:
        payments: dict[str, dict[str, int]] = {name: defaultdict(int) for name, _ in WINDOWS}  # type: ignore[misc]
        for store in self.stores:
            for window, counts in store.payments.items():
                for status, count in counts.items():
                    payments[window][status] += count
        return {
            "stores": len(self.stores),
            "payments": {w: ordered(dict(c)) for w, c in payments.items()},
            "pending_updates": sum(s.pending_updates for s in self.stores),
            "overdue_updates": sum(s.overdue_updates for s in self.stores),
            "dead_letters": sum(s.dead_letters for s in self.stores),
            "unnotified_payments": sum(s.unnotified_payments for s in self.stores),
            "stores_not_notified": [s.name for s in self.stores if s.notifications_not_arriving],
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "generated_at": iso(self.generated_at),
            "reconcile_after_seconds": self.reconcile_after_seconds,
            "needs_attention": self.needs_attention,
            "overall": self.overall(),
            "stores": [store.as_dict() for store in self.stores],
        }


def ordered(counts: dict[str, int]) -> dict[str, int]:
    """Counts by status in the state machine's order (unknown values last)."""
    return dict(sorted(counts.items(), key=lambda kv: (STATUS_ORDER.index(kv[0]) if kv[0] in STATUS_ORDER else 99, kv[0])))


def find_stores(session: Session, ecwid_store_id: int, brand: str | None = None) -> list[int]:
    query = select(Store.id).where(Store.ecwid_store_id == ecwid_store_id)
    if brand:
        query = query.where(Store.brand == brand)
    return list(session.scalars(query))


def build_report(
    session: Session, now: datetime, reconcile_after_seconds: int, *, store_ids: list[int] | None = None
) -> StatusReport:
    """The report for every store with something to say (or for ``store_ids``, always listed)."""

    def only(column: Any, query: Any) -> Any:
        return query if store_ids is None else query.where(column.in_(store_ids))

    day_ago = now - WINDOWS[0][1]
    payments = session.execute(
        only(
            PaymentAttempt.store_id,
            select(
                PaymentAttempt.store_id,
                PaymentAttempt.status,
                func.count(),
                func.sum(case((PaymentAttempt.created_at >= day_ago, 1), else_=0)),
            )
            .where(PaymentAttempt.created_at >= now - WINDOWS[1][1])
            .group_by(PaymentAttempt.store_id, PaymentAttempt.status),
        )
    ).all()
    overdue = or_(
        and_(EcwidUpdate.state == UpdateState.PENDING.value, EcwidUpdate.next_attempt_at < now - OVERDUE_AFTER),
        and_(EcwidUpdate.state == UpdateState.IN_PROGRESS.value, EcwidUpdate.lease_until < now - OVERDUE_AFTER),
    )
    updates = session.execute(
        only(
            EcwidUpdate.store_id,
            select(
                EcwidUpdate.store_id,
                EcwidUpdate.state,
                func.count(),
                func.sum(case((overdue, 1), else_=0)),
                func.min(EcwidUpdate.created_at),
            )
            .where(EcwidUpdate.state.in_([UpdateState.PENDING.value, UpdateState.IN_PROGRESS.value, UpdateState.DEAD.value]))
            # State first: the few unfinished and dead jobs are found on ix_ecwid_updates_due (grouped
            # by store first, SQLite walked the whole table in store order: 2.7 s at 1,000,000 jobs).
            .group_by(EcwidUpdate.state, EcwidUpdate.store_id),
        )
    ).all()
    unnotified = unnotified_counts(session, now, reconcile_after_seconds, store_ids=store_ids)
    not_seen_since = or_(Store.ipn_last_seen_at.is_(None), Store.ipn_last_seen_at < Store.ipn_failure_at)
    failing = set(session.scalars(only(Store.id, select(Store.id).where(Store.ipn_failure_at.is_not(None), not_seen_since))))

    ids = set(store_ids or ()) | {row[0] for row in payments} | {row[0] for row in updates} | set(unnotified) | failing
    stores = {
        s.id: StoreStatus(s.id, s.brand, s.ecwid_store_id, s.site_id, s.ctx_mode, s.ipn_failure_at, s.ipn_last_seen_at)
        for s in session.scalars(select(Store).where(Store.id.in_(ids)))
    } if ids else {}
    for store_id, status, week, day in payments:
        stores[store_id].payments["last_7d"][status] = week
        if day:
            stores[store_id].payments["last_24h"][status] = int(day)
    for store_id, state, count, late, oldest in updates:
        store = stores[store_id]
        if state == UpdateState.DEAD.value:
            store.dead_letters += count
        else:
            store.pending_updates += count
            store.overdue_updates += int(late or 0)
            store.oldest_pending_at = min(filter(None, (store.oldest_pending_at, oldest)), default=None)
    for store_id, count in unnotified.items():
        stores[store_id].unnotified_payments = count
    for store in stores.values():
        store.payments = {window: ordered(counts) for window, counts in store.payments.items()}
    listed = sorted(stores.values(), key=lambda s: (s.brand, s.ecwid_store_id))
    return StatusReport(now, reconcile_after_seconds, listed)
