"""A checkout's new attempt and its ``vads_trans_id``, written together.

Most checkouts are an order's first: nothing to replay, nothing to cap. For them,
the statement that would read the order's attempts writes the first one instead:
on PostgreSQL one ``INSERT`` with data-modifying CTEs bumps the shop's trans id
counter (only if the order has no attempt yet), inserts the attempt with the id it
got (only if one was left) and returns both. Round trips are what a checkout's time
goes to (``scripts/bench --profile``): BEGIN, the store with the order's lock, this
statement, COMMIT. The order's lock is held before this statement starts, so its
snapshot sees every attempt an earlier checkout of the order committed.

On SQLite (no data-modifying CTE) the same writes are three statements; every
transaction there starts with ``BEGIN IMMEDIATE``, which serializes them anyway.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, bindparam, cast, exists, func, insert, literal, select, true
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from ..models import PaymentAttempt, TransIdCounter, mark_changed
from ..protocol.statuses import AttemptStatus
from .order_attempts import is_postgresql
from .trans_ids import GATEWAY_RESERVED_FROM, TransIdsExhausted, allocate_trans_id, clock_start

attempts = PaymentAttempt.__table__
counters = TransIdCounter.__table__

#: The attempt's columns a checkout sets (``id`` and ``trans_id`` aside).
ATTEMPT_COLUMNS = (
    "public_id",
    "store_id",
    "ecwid_order_id",
    "reference_transaction_id",
    "return_url",
    "ecwid_token_enc",
    "lang",
    "amount_minor",
    "currency",
    "currency_numeric",
    "mode",
    "site_id",
    "sign_algo",
    "trans_date",
    "trans_day",
    "form_digest",
    "status",
    "status_seq",
    "version",
    "created_at",
    "updated_at",
)


def _order_has_attempts() -> Any:
    return exists().where(
        attempts.c.store_id == bindparam("o_store_id", type_=Integer),
        attempts.c.reference_transaction_id == bindparam("o_reference", type_=String),
    )


def _counted_and_inserted(first_only: bool) -> Any:
    """PostgreSQL: bump the counter, insert the attempt with its trans id; (used, trans_id)."""
    bumped = select(
        bindparam("c_site_id", type_=String), bindparam("c_day", type_=counters.c.day.type), bindparam("c_start", type_=Integer), literal(1)
    )
    if first_only:
        bumped = bumped.where(~_order_has_attempts())
    counted = (
        postgresql.insert(counters)
        .from_select(["site_id", "day", "start", "used"], bumped)
        .on_conflict_do_update(index_elements=[counters.c.site_id, counters.c.day], set_={"used": counters.c.used + 1})
        .returning(counters.c.start, counters.c.used)
        .cte("counted")
    )
    trans_id = func.lpad(cast((counted.c.start + counted.c.used - 1) % GATEWAY_RESERVED_FROM, String), 6, "0")
    inserted = (
        insert(attempts)
        .from_select(
            list(ATTEMPT_COLUMNS) + ["trans_id"],
            select(*(bindparam(f"p_{key}", type_=attempts.c[key].type) for key in ATTEMPT_COLUMNS), trans_id)
            .select_from(counted)
            .where(counted.c.used <= GATEWAY_RESERVED_FROM),
        )
        .returning(attempts.c.trans_id)
        .cte("inserted")
    )
    return select(counted.c.used, inserted.c.trans_id).select_from(counted.outerjoin(inserted, true()))


#: Built once: an order's first attempt (nothing written if it has one), and any new attempt.
_FIRST_ATTEMPT = _counted_and_inserted(first_only=True)
_NEW_ATTEMPT = _counted_and_inserted(first_only=False)
_INSERT_ATTEMPT = insert(attempts)


def attempt_values(**values: Any) -> dict[str, Any]:
    """Every column of a new attempt: ``values`` plus the state every attempt starts in."""
    now = values["created_at"]
    return {"status": AttemptStatus.NEW.value, "status_seq": 0, "version": 1, "updated_at": now, **values}


def insert_attempt(dbsession: Session, values: dict[str, Any], now: datetime, *, first_only: bool = False) -> str | None:
    """Inserts the attempt with the next trans id of its shop and UTC day; that trans id.

    With ``first_only``, nothing is written and ``None`` is returned if the order
    already has an attempt. Raises :class:`TransIdsExhausted` when the shop used
    every id of the day (the caller rolls the transaction back).
    """
    site_id = values["site_id"]
    mark_changed(dbsession)
    if is_postgresql(dbsession):
        params = {f"p_{key}": values[key] for key in ATTEMPT_COLUMNS}
        params.update(c_site_id=site_id, c_day=now.date(), c_start=clock_start(now))
        if first_only:
            params.update(o_store_id=values["store_id"], o_reference=values["reference_transaction_id"])
        row = dbsession.connection().execute(_FIRST_ATTEMPT if first_only else _NEW_ATTEMPT, params).first()
        if row is None:
            return None
        if row.trans_id is None:
            raise TransIdsExhausted(site_id)
        return str(row.trans_id)
    if first_only:
        has_attempts = select(_order_has_attempts())
        if dbsession.connection().scalar(has_attempts, {"o_store_id": values["store_id"], "o_reference": values["reference_transaction_id"]}):
            return None
    trans_id = allocate_trans_id(dbsession, site_id, now)
    dbsession.connection().execute(_INSERT_ATTEMPT, {**{key: values[key] for key in ATTEMPT_COLUMNS}, "trans_id": trans_id})
    return trans_id
