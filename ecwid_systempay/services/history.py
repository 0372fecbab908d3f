"""The merchant's payment history: one store's Ecwid orders, newest first, with what happened to each.

A row is an Ecwid order (``reference_transaction_id``) with its payment attempts,
the gateway's notifications for each attempt, and the latest update sent (or to
be sent) to Ecwid. A page costs four indexed queries whatever the size of the
tables: the page's orders (``ix_payment_attempts_store_created``, one row per
order: its newest attempt), then their attempts, notifications and updates, each
in one query.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session, aliased, defer, lazyload

from ..models import EcwidUpdate, PaymentAttempt, StoredNotification, UpdateState
from ..protocol.currencies import UnsupportedCurrency, find_currency, format_amount
from ..protocol.statuses import AttemptStatus, order_status
from .updates import requeue_dead

PER_PAGE = 25
MAX_SEARCH = 128


@dataclass(frozen=True)
class NotificationLine:
    received_at: datetime
    kind: str  # IPN or RETURN
    source: str  # PAY, RETRY, MERCH_BO, BO, BATCH... or RETURN
    trans_status: str
    operation_type: str
    outcome: str | None
    reason: str | None


@dataclass(frozen=True)
class AttemptLine:
    trans_id: str  # site/day/id, as in the gateway's Back Office
    created_at: datetime
    status: str
    gateway_status: str | None
    amount: str
    mode: str
    notifications: tuple[NotificationLine, ...]


@dataclass(frozen=True)
class UpdateLine:
    id: int
    payment_status: str
    state: str  # queued, failed (will retry), sent, dead
    tries: int
    last_error: str | None
    at: datetime  # sent, given up, or next try


@dataclass(frozen=True)
class PaymentRow:
    order_number: str
    reference: str
    created_at: datetime
    amount: str
    mode: str
    status: str
    gateway_status: str | None
    ecwid_status: str | None
    update: UpdateLine | None
    attempts: tuple[AttemptLine, ...]

    @property
    def resendable(self) -> bool:
        return self.update is not None and self.update.state == "dead"


@dataclass(frozen=True)
class HistoryPage:
    rows: tuple[PaymentRow, ...]
    page: int
    per_page: int
    has_next: bool
    search: str

    @property
    def has_previous(self) -> bool:
        return self.page > 1


def clean_search(value: str | None) -> str:
    """What the merchant typed, as an order number or reference: ``#XJ12H`` -> ``XJ12H``."""
    return (value or "").strip().lstrip("#").strip()[:MAX_SEARCH]


def display_amount(minor: int, alpha: str) -> str:
    try:
        return format_amount(minor, find_currency(alpha))
    except UnsupportedCurrency:
        return f"{minor} {alpha}"


def update_state(job: EcwidUpdate) -> str:
    """The state of an Ecwid update as the merchant reads it."""
    if job.state == UpdateState.DONE.value:
        return "sent"
    if job.state == UpdateState.DEAD.value:
        return "dead"
    # A job queued again by hand keeps its last error but starts with no try.
    return "failed" if job.last_error and job.tries else "queued"


def _page_orders(session: Session, store_id: int, search: str, page: int, per_page: int) -> list[str]:
    """References of the page's orders, each placed by its newest attempt."""
    newer = aliased(PaymentAttempt)
    query = select(PaymentAttempt.reference_transaction_id).where(
        PaymentAttempt.store_id == store_id,
        ~exists().where(
            newer.store_id == PaymentAttempt.store_id,
            newer.reference_transaction_id == PaymentAttempt.reference_transaction_id,
            newer.id > PaymentAttempt.id,
        ),
    )
    if search:
        matching = select(PaymentAttempt.reference_transaction_id).where(
            PaymentAttempt.store_id == store_id,
            or_(
                PaymentAttempt.ecwid_order_id.in_(sorted({search, search.upper()})),
                PaymentAttempt.reference_transaction_id == search,
            ),
        )
        query = query.where(PaymentAttempt.reference_transaction_id.in_(matching))
    query = (
        query.order_by(PaymentAttempt.created_at.desc(), PaymentAttempt.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page + 1)
    )
    return list(session.scalars(query))


def payment_history(
    session: Session, store_id: int, *, page: int = 1, search: str = "", per_page: int = PER_PAGE
) -> HistoryPage:
    """One page of the store's payments, newest first, optionally for one order number."""
    page = max(1, page)
    search = clean_search(search)
    references = _page_orders(session, store_id, search, page, per_page)
    has_next = len(references) > per_page
    references = references[:per_page]
    if not references:
        return HistoryPage((), page, per_page, False, search)

    attempts = list(
        session.scalars(
            select(PaymentAttempt)
            .options(lazyload(PaymentAttempt.store))
            .where(PaymentAttempt.store_id == store_id, PaymentAttempt.reference_transaction_id.in_(references))
            .order_by(PaymentAttempt.id)
        )
    )
    notes: dict[int, list[NotificationLine]] = defaultdict(list)
    for note in session.scalars(
        select(StoredNotification)
        .options(defer(StoredNotification.fields))
        .where(StoredNotification.attempt_id.in_([a.id for a in attempts]))
        .order_by(StoredNotification.received_at, StoredNotification.id)
    ):
        assert note.attempt_id is not None
        notes[note.attempt_id].append(
            NotificationLine(
                note.received_at, note.kind, note.source, note.trans_status, note.operation_type, note.outcome, note.reason
            )
        )
    latest: dict[str, EcwidUpdate] = {}
    for job in session.scalars(
        select(EcwidUpdate)
        .where(
            EcwidUpdate.store_id == store_id,
            EcwidUpdate.reference_transaction_id.in_(references),
            EcwidUpdate.state != UpdateState.SUPERSEDED.value,
        )
        .order_by(EcwidUpdate.id)
    ):
        latest[job.reference_transaction_id] = job

    by_order: dict[str, list[PaymentAttempt]] = defaultdict(list)
    for attempt in attempts:
        by_order[attempt.reference_transaction_id].append(attempt)
    rows = tuple(_row(by_order[ref], notes, latest.get(ref)) for ref in references)
    return HistoryPage(rows, page, per_page, has_next, search)


def _row(attempts: list[PaymentAttempt], notes: dict[int, list[NotificationLine]], job: EcwidUpdate | None) -> PaymentRow:
    newest = attempts[-1]
    status = order_status([(AttemptStatus(a.status), a.status_seq) for a in attempts])
    # The attempt that speaks for the order, as for the Ecwid update (a paid attempt wins).
    speaking = max(
        (a for a in attempts if status is not None and a.status == status.value),
        key=lambda a: a.status_seq,
        default=newest,
    )
    update = None
    if job is not None:
        at = job.done_at or job.dead_at or job.next_attempt_at
        update = UpdateLine(job.id, job.payment_status, update_state(job), job.tries, job.last_error, at)
    return PaymentRow(
        order_number=speaking.ecwid_order_id,
        reference=speaking.reference_transaction_id,
        created_at=newest.created_at,
        amount=display_amount(speaking.amount_minor, speaking.currency),
        mode=speaking.mode,
        status=speaking.status,
        gateway_status=speaking.gateway_status,
        ecwid_status=job.payment_status if job is not None else None,
        update=update,
        attempts=tuple(
            AttemptLine(
                trans_id=f"{a.site_id}/{a.trans_day:%Y%m%d}/{a.trans_id}",
                created_at=a.created_at,
                status=a.status,
                gateway_status=a.gateway_status,
                amount=display_amount(a.amount_minor, a.currency),
                mode=a.mode,
                notifications=tuple(notes.get(a.id, ())),
            )
            for a in reversed(attempts)
        ),
    )


def resend_dead_letter(session: Session, store_id: int, update_id: int) -> str:
    """Queue one of the store's dead letters again; returns ``queued``, ``not_found``,
    ``not_dead`` or ``superseded`` (a newer update of the order exists: sending this
    older status would undo it)."""
    job = session.get(EcwidUpdate, update_id)
    if job is None or job.store_id != store_id:
        return "not_found"
    if job.state != UpdateState.DEAD.value:
        return "not_dead"
    newer = session.scalar(
        select(EcwidUpdate.id)
        .where(
            EcwidUpdate.store_id == store_id,
            EcwidUpdate.reference_transaction_id == job.reference_transaction_id,
            EcwidUpdate.id > job.id,
            EcwidUpdate.state != UpdateState.SUPERSEDED.value,
        )
        .limit(1)
    )
    if newer is not None:
        return "superseded"
    return "queued" if requeue_dead(session, [job.id], store_id=store_id) else "not_dead"
