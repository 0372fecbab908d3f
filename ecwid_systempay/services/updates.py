"""The Ecwid order updates: enqueued with the state change, delivered by a worker.

Enqueueing happens in the same database transaction as the attempt's state change
(transactional outbox). The worker claims due jobs in a short transaction (on
PostgreSQL one ``UPDATE`` over a ``SELECT ... FOR UPDATE SKIP LOCKED``), calls Ecwid with no
transaction open, then records the results of a batch together (a drained queue costs
no further claim). A job whose lease expired (its worker died mid-call), or whose
last call timed out, is first checked with a GET, so a PUT that already landed is
not sent again.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

from cryptography.fernet import InvalidToken
from sqlalchemy import and_, bindparam, exists, insert, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from ..models import EcwidUpdate, Store, UpdateState
from ..models.meta import utcnow
from ..protocol.statuses import ECWID_STATUS, AttemptStatus, order_status
from ..secrets_box import SecretBox
from .alerts import Alerter
from .ecwid_client import EcwidResult, OrderUpdater
from .order_attempts import is_postgresql

log = logging.getLogger(__name__)

updates = EcwidUpdate.__table__

UNFINISHED = (UpdateState.PENDING.value, UpdateState.IN_PROGRESS.value)
UNCERTAIN_ERRORS = ("timeout", "connection error")
UNREADABLE_TOKEN = "the saved Ecwid token cannot be decrypted with the configured secret_keys"


def latest_update(dbsession: Session, store_id: int, reference: str) -> EcwidUpdate | None:
    return dbsession.scalar(
        select(EcwidUpdate)
        .where(
            EcwidUpdate.store_id == store_id,
            EcwidUpdate.reference_transaction_id == reference,
            EcwidUpdate.state != UpdateState.SUPERSEDED.value,
        )
        .order_by(EcwidUpdate.id.desc())
        .limit(1)
    )


# Built once (bound parameters): the notification's hot path.
_LAST_QUEUED = (
    select(updates.c.id, updates.c.state, updates.c.payment_status)
    .where(
        updates.c.store_id == bindparam("store_id"),
        updates.c.reference_transaction_id == bindparam("reference"),
        updates.c.state != UpdateState.SUPERSEDED.value,
    )
    .order_by(updates.c.id.desc())
    .limit(1)
)
_SUPERSEDE = (
    update(updates)
    .where(updates.c.id == bindparam("job_id"), updates.c.state == UpdateState.PENDING.value)
    .values(state=UpdateState.SUPERSEDED.value)
)
_QUEUE = insert(updates)

#: Results of delivered jobs are written together, at the latest this long after the first came back.
RECORD_WITHIN = 0.5


def _due(for_order: bool) -> Any:
    """Due jobs in id order, skipping those another worker holds and those behind an unfinished job of their order."""
    earlier = updates.alias("earlier")
    query = (
        select(updates)
        .where(
            or_(
                and_(updates.c.state == UpdateState.PENDING.value, updates.c.next_attempt_at <= bindparam("now")),
                and_(updates.c.state == UpdateState.IN_PROGRESS.value, updates.c.lease_until < bindparam("now")),
            ),
            ~exists().where(  # keep each order's updates in order
                earlier.c.store_id == updates.c.store_id,
                earlier.c.reference_transaction_id == updates.c.reference_transaction_id,
                earlier.c.id < updates.c.id,
                earlier.c.state.in_(UNFINISHED),
            ),
        )
        .order_by(updates.c.id)
        .limit(bindparam("limit"))
        .with_for_update(of=updates, skip_locked=True)  # PostgreSQL; SQLite's BEGIN IMMEDIATE serializes
    )
    if for_order:
        query = query.where(
            # Not named like a column: in an UPDATE such a parameter would be taken as a value to set.
            updates.c.store_id == bindparam("o_store_id"), updates.c.reference_transaction_id == bindparam("o_reference")
        )
    return query


def _leasing(for_order: bool) -> Any:
    """PostgreSQL: the due jobs leased by the statement that finds them (their columns as they were)."""
    due = _due(for_order).subquery("due")
    return (
        update(updates)
        .where(updates.c.id == due.c.id)
        .values(state=UpdateState.IN_PROGRESS.value, lease_until=bindparam("lease_until"), tries=updates.c.tries + 1)
        .returning(*due.c)
    )


_DUE = _due(False)
_DUE_FOR_ORDER = _due(True)
_LEASE = (
    update(updates)
    .where(updates.c.id.in_(bindparam("ids", expanding=True)))
    .values(state=UpdateState.IN_PROGRESS.value, lease_until=bindparam("lease_until"), tries=updates.c.tries + 1)
)
#: PostgreSQL only (SQLite's RETURNING cannot name the FROM's columns): one statement per claim.
_DUE_LEASED = {False: _leasing(False), True: _leasing(True)}
#: Jobs claimed at once; a shorter batch means the queue is drained.
BATCH = 10
_RECORD = update(updates).where(updates.c.id == bindparam("w_id"))


@dataclass(frozen=True)
class QueuedUpdate:
    """An Ecwid update to queue: the job's columns, and the id of a pending job it replaces."""

    values: dict[str, Any]
    replaces: int | None = None


def order_update(
    dbsession: Session, order: list[dict[str, Any]], attempt: dict[str, Any], message: str | None = None
) -> QueuedUpdate | None:
    """The order's Ecwid status to queue, if it differs from the last one queued.

    ``order`` holds every attempt of the Ecwid order as the notification leaves them
    (locked, see :func:`~ecwid_systempay.services.ipn.lock_order`, which also read the
    order's last queued status: ``last_update_*``). The order's status is derived from
    all of them, so an older attempt's failure does not undo a newer attempt's payment.
    """
    status = order_status([(AttemptStatus(a["status"]), a["status_seq"]) for a in order])
    if status is None:
        return None
    ecwid_status = ECWID_STATUS[status]
    speaking = max((a for a in order if a["status"] == status.value), key=lambda a: a["status_seq"], default=attempt)
    store_id, reference = attempt["store_id"], attempt["reference_transaction_id"]
    if "last_update_id" in attempt:  # read with the order's locks
        previous = (
            (attempt["last_update_id"], attempt["last_update_state"], attempt["last_update_status"])
            if attempt["last_update_id"] is not None
            else None
        )
    else:
        row = dbsession.connection().execute(_LAST_QUEUED, {"store_id": store_id, "reference": reference}).first()
        previous = (row.id, row.state, row.payment_status) if row is not None else None
    if previous is not None and previous[2] == ecwid_status:
        return None
    # A job never sent is replaced by the newer status (unless a worker claimed it meanwhile).
    replaces = previous[0] if previous is not None and previous[1] == UpdateState.PENDING.value else None
    values = {
        "store_id": store_id,
        "attempt_id": speaking["id"],
        "ecwid_store_id": str(attempt["ecwid_store_id"]),
        "reference_transaction_id": reference,
        "ecwid_order_id": speaking["ecwid_order_id"],
        "payment_status": ecwid_status,
        "external_transaction_id": speaking["gateway_trans_uuid"] or speaking["trans_id"],
        "payment_message": message if ecwid_status == "INCOMPLETE" else None,
        "token_enc": speaking["ecwid_token_enc"] or attempt["store_token_enc"],
    }
    return QueuedUpdate(values, replaces)


def supersede(dbsession: Session, queued: QueuedUpdate) -> None:
    if queued.replaces is not None:
        dbsession.connection().execute(_SUPERSEDE, {"job_id": queued.replaces})


def log_queued(queued: QueuedUpdate, job: int) -> None:
    log.info(
        "queued Ecwid update store=%s order=%s status=%s job=%s",
        queued.values["ecwid_store_id"],
        queued.values["reference_transaction_id"],
        queued.values["payment_status"],
        job,
    )


def queue_update(dbsession: Session, queued: QueuedUpdate) -> int:
    """Queue ``queued`` (the job it replaces superseded first); the new job's id."""
    supersede(dbsession, queued)
    job = dbsession.connection().execute(_QUEUE, queued.values).inserted_primary_key[0]
    log_queued(queued, job)
    return job


@dataclass
class Claimed:
    id: int
    ecwid_store_id: str
    reference_transaction_id: str
    ecwid_order_id: str
    payment_status: str
    external_transaction_id: str | None
    payment_message: str | None
    token_enc: str | None
    tries: int
    resumed: bool
    created_at: datetime


class UpdateWorker:
    """Delivers queued Ecwid updates; safe to run in several threads or processes."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        client: OrderUpdater,
        box: SecretBox,
        alerter: Alerter | None,
        *,
        lease_seconds: int = 60,
        retry_base_seconds: float = 30.0,
        retry_max_seconds: float = 3600.0,
        dead_letter_after_seconds: int = 24 * 3600,
        now: Callable[[], datetime] = utcnow,
        on_call: Callable[[str, Claimed], None] | None = None,
    ) -> None:
        self.session_factory = session_factory
        self.client = client
        self.box = box
        self.alerter = alerter
        self.lease = timedelta(seconds=lease_seconds)
        self.retry_base = retry_base_seconds
        self.retry_max = retry_max_seconds
        self.dead_after = timedelta(seconds=dead_letter_after_seconds)
        self.now = now
        self.on_call = on_call  # test hook: called just before and after each Ecwid call

    # -- claiming -----------------------------------------------------------------

    def claim(self, limit: int = BATCH, *, store_id: int | None = None, reference: str | None = None) -> list[Claimed]:
        """Due jobs, at most ``limit``, leased to this worker in one short transaction.

        On PostgreSQL one ``UPDATE ... FROM (SELECT ... FOR UPDATE SKIP LOCKED)`` finds
        and leases them; on SQLite a SELECT, then an UPDATE.
        """
        now = self.now()
        params: dict[str, Any] = {"now": now, "limit": limit, "lease_until": now + self.lease}
        for_order = store_id is not None
        if for_order:
            params.update(o_store_id=store_id, o_reference=reference)
        with self.session_factory() as session, session.begin():
            if is_postgresql(session):
                rows = sorted(session.connection().execute(_DUE_LEASED[for_order], params).all(), key=lambda row: row.id)
            else:
                rows = session.connection().execute(_DUE_FOR_ORDER if for_order else _DUE, params).all()
                if rows:
                    session.connection().execute(_LEASE, {"ids": [row.id for row in rows], "lease_until": params["lease_until"]})
            if not rows:
                return []
        return [
            Claimed(
                id=row.id,
                ecwid_store_id=row.ecwid_store_id,
                reference_transaction_id=row.reference_transaction_id,
                ecwid_order_id=row.ecwid_order_id,
                payment_status=row.payment_status,
                external_transaction_id=row.external_transaction_id,
                payment_message=row.payment_message,
                token_enc=row.token_enc,
                tries=row.tries + 1,
                # A dead worker's job, or a call whose outcome is unknown (timeout, reset):
                # Ecwid may have applied it, so the next attempt checks before sending again.
                resumed=row.state == UpdateState.IN_PROGRESS.value or (row.last_error or "").startswith(UNCERTAIN_ERRORS),
                created_at=row.created_at,
            )
            for row in rows
        ]

    # -- delivering ---------------------------------------------------------------

    def deliver(self, job: Claimed) -> EcwidResult:
        try:
            token = self.box.decrypt(job.token_enc)
        except (InvalidToken, ValueError):
            # A deployment with the wrong secret_keys: retried with backoff (then a dead
            # letter and its alert), so the update goes out once the right keys are back.
            log.error("Ecwid update job %s for store %s: %s", job.id, job.ecwid_store_id, UNREADABLE_TOKEN)
            return EcwidResult(ok=False, retryable=True, error=UNREADABLE_TOKEN)
        if not token:
            return EcwidResult(ok=False, retryable=False, error="no Ecwid token for this store")
        if job.resumed:
            current = self.client.get_order(job.ecwid_store_id, job.reference_transaction_id, token)
            if current.ok and current.payment_status == job.payment_status:
                log.info("Ecwid order already %s, job %s done without a new PUT", job.payment_status, job.id)
                return current
        body: dict[str, Any] = {"paymentStatus": job.payment_status}
        if job.external_transaction_id:
            body["externalTransactionId"] = job.external_transaction_id
        if job.payment_message:
            body["paymentMessage"] = job.payment_message
        if self.on_call:
            self.on_call("before", job)
        result = self.client.update_order(job.ecwid_store_id, job.reference_transaction_id, token, body)
        if (
            result.status_code == 404
            and job.ecwid_order_id
            and job.ecwid_order_id != job.reference_transaction_id
        ):
            result = self.client.update_order(job.ecwid_store_id, job.ecwid_order_id, token, body)
        if self.on_call:
            self.on_call("after", job)
        return result

    def backoff(self, tries: int) -> float:
        delay = min(self.retry_max, self.retry_base * (2 ** max(0, tries - 1)))
        return delay * random.uniform(0.8, 1.2)

    def outcome(self, job: Claimed, result: EcwidResult, now: datetime) -> dict[str, Any]:
        """The columns to write for ``job`` after ``result`` (done, retry later, or dead letter)."""
        if result.ok:
            log.info("Ecwid order %s set to %s (job %s)", job.reference_transaction_id, job.payment_status, job.id)
            return {"state": UpdateState.DONE.value, "done_at": now, "last_error": None}
        if result.retryable and now - job.created_at < self.dead_after:
            delay = result.retry_after if result.retry_after is not None else self.backoff(job.tries)
            log.warning("Ecwid update job %s failed (%s), retry in %.0fs", job.id, result.error, delay)
            return {
                "state": UpdateState.PENDING.value,
                "next_attempt_at": now + timedelta(seconds=delay),
                "last_error": result.error[:255],
            }
        log.error("Ecwid update job %s given up: %s", job.id, result.error)
        return {"state": UpdateState.DEAD.value, "dead_at": now, "last_error": result.error[:255], "alerted_at": now}

    def record(self, results: list[tuple[Claimed, EcwidResult]]) -> list[str]:
        """Write the results of delivered jobs in one transaction, then send the dead letters' alerts."""
        now = self.now()
        rows = [(job, {**self.outcome(job, result, now), "lease_until": None}) for job, result in results]
        batches: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for job, values in rows:  # one executemany per shape of result
            params = {**values, "w_id": job.id}
            batches.setdefault(tuple(sorted(params)), []).append(params)
        with self.session_factory() as session, session.begin():
            for batch in batches.values():
                session.connection().execute(_RECORD, batch)
        if self.alerter:
            for (job, result), (_, values) in zip(results, rows):
                if values["state"] == UpdateState.DEAD.value:
                    self.alerter.send(*dead_letter_alert(job, result))
        return [values["state"] for _, values in rows]

    def drain(self, stopping: Any = None) -> int:
        """Deliver batches until one comes back short (the queue is then drained); how many in all.

        A job that waits behind its order's previous update becomes due once that one
        is done: the next wake-up or poll delivers it.
        """
        total = 0
        while stopping is None or not stopping.is_set():
            count = self.run_once(BATCH)
            total += count
            if count < BATCH:
                break
        return total

    def run_once(self, limit: int = BATCH, *, store_id: int | None = None, reference: str | None = None) -> int:
        """Claim and deliver due jobs; returns how many were processed.

        Results are written together, at the latest :data:`RECORD_WITHIN` seconds after
        the first one came back (a job delivered but not yet written is resumed with a
        GET if this worker dies, so nothing is sent twice).
        """
        jobs = self.claim(limit, store_id=store_id, reference=reference)
        done: list[tuple[Claimed, EcwidResult]] = []
        first = 0.0
        for job in jobs:
            try:
                result = self.deliver(job)
            except Exception as exc:  # a bug must not kill the loop; the job is retried
                log.exception("Ecwid update job %s crashed", job.id)
                result = EcwidResult(ok=False, retryable=True, error=f"internal error: {type(exc).__name__}")
            if not done:
                first = time.monotonic()
            done.append((job, result))
            if time.monotonic() - first >= RECORD_WITHIN:
                self.record(done)
                done = []
        if done:
            self.record(done)
        return len(jobs)


def dead_letter_alert(job: Claimed, result: EcwidResult) -> tuple[str, str]:
    """Subject and text of the operator's e-mail for a job given up."""
    return (
        f"[ecwid-systempay] Ecwid order {job.reference_transaction_id} could not be updated",
        (
            f"Store {job.ecwid_store_id}, order {job.reference_transaction_id} "
            f"(Ecwid id {job.ecwid_order_id}) should be {job.payment_status}.\n"
            f"Last error: {result.error} after {job.tries} tries.\n"
            "Fix the cause, then replay it with: ecwid_systempay_dead_letters <ini> --replay "
            f"{job.id}\n"
        ),
    )


def requeue_dead(session: Session, job_ids: list[int] | None = None, *, store_id: int | None = None) -> int:
    """Put dead-letter jobs back in the queue, in ``session``'s transaction.

    All of them (``job_ids=None``), or the given ids; ``store_id`` limits it to
    one store's jobs (the merchant's history). Returns how many were queued again.
    """
    now = utcnow()
    query = select(EcwidUpdate).where(EcwidUpdate.state == UpdateState.DEAD.value)
    if job_ids is not None:
        query = query.where(EcwidUpdate.id.in_(job_ids))
    if store_id is not None:
        query = query.where(EcwidUpdate.store_id == store_id)
    count = 0
    for job in session.scalars(query):
        job.state = UpdateState.PENDING.value
        job.next_attempt_at = now
        job.created_at = now  # a fresh retry window, backoff from the start
        job.tries = 0
        job.dead_at = None  # last_error stays: after a timeout, the next try checks the order first
        count += 1
    return count


def replay_dead(session_factory: sessionmaker[Session], job_ids: list[int] | None = None) -> int:
    """Put dead-letter jobs back in the queue (all of them, or the given ids), in a transaction of its own."""
    with session_factory() as session, session.begin():
        return requeue_dead(session, job_ids)


def list_dead(session: Session) -> list[EcwidUpdate]:
    return list(
        session.scalars(
            select(EcwidUpdate).where(EcwidUpdate.state == UpdateState.DEAD.value).order_by(EcwidUpdate.id)
        )
    )


def stores_by_id(session: Session, ids: set[int]) -> dict[int, Store]:
    return {s.id: s for s in session.scalars(select(Store).where(Store.id.in_(ids)))} if ids else {}
