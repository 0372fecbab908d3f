"""A year of history in bulk: payments over many stores and days, shaped like the module leaves them.

Per payment: the attempt; when the gateway answered (85 %), its stored notification (10 % of
them twice, as the gateway re-sends), the audited transition and the Ecwid update (DONE);
one trans-id counter per shop and day. Stores are used unevenly (a few big, many small),
some orders have a refused attempt before a paid one. Rows go in with COPY, in chunks, so
a time budget can stop the seeding early (the count reached is reported).
"""

from __future__ import annotations

import random
import secrets
import time
from datetime import datetime, timedelta, timezone
from itertools import accumulate
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from ecwid_systempay.models import EcwidUpdate, PaymentAttempt, StoredNotification, TransIdCounter, Transition
from ecwid_systempay.protocol.notification import parse_body
from tests.load.workload import (
    ATTEMPT_COLUMNS,
    RETURN_URL,
    LoadStore,
    bulk_insert,
    gateway_fields,
    random_total,
    reset_sequences,
)
from tests.support import form_body, gateway_answer

NOTIFICATION_COLUMNS = (
    "id", "received_at", "kind", "attempt_id", "store_id", "site_id", "ctx_mode", "trans_id", "trans_date",
    "trans_status", "source", "operation_type", "trans_uuid", "amount_minor", "currency_numeric", "fields",
    "outcome", "reason", "processed_at",
)  # fmt: skip
TRANSITION_COLUMNS = ("id", "attempt_id", "from_status", "to_status", "source", "trans_status", "notification_id", "created_at")
UPDATE_COLUMNS = (
    "id", "store_id", "attempt_id", "ecwid_store_id", "reference_transaction_id", "ecwid_order_id", "payment_status",
    "external_transaction_id", "payment_message", "token_enc", "state", "tries", "next_attempt_at", "lease_until",
    "last_error", "created_at", "done_at", "dead_at", "alerted_at",
)  # fmt: skip
# (attempt status, gateway status, outcome, Ecwid status, weight)
RESULTS = [
    ("PAID", "AUTHORISED", "payment_ok", "PAID", 70),
    ("PAID", "CAPTURED", "payment_ok", "PAID", 5),
    ("FAILED", "REFUSED", "payment_ko", "INCOMPLETE", 8),
    ("FAILED", "ABANDONED", "payment_ko", "INCOMPLETE", 2),
    ("NEW", None, None, None, 15),
]
CHUNK = 50_000


def count_payments(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(PaymentAttempt.__table__)) or 0


def _max_ids(engine: Engine) -> dict[str, int]:
    tables = {"payment_attempts": PaymentAttempt, "notifications": StoredNotification, "transitions": Transition, "ecwid_updates": EcwidUpdate}
    with engine.connect() as conn:
        return {name: conn.scalar(select(func.max(model.id))) or 0 for name, model in tables.items()}


def _past_counters(engine: Engine, today: datetime) -> dict[tuple[str, int], list[int]]:
    table = TransIdCounter.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(table).where(table.c.day < today.date()))
        return {(r.site_id, (today.date() - r.day).days): [r.start, r.used] for r in rows}


def seed_history(
    engine: Engine, stores: list[LoadStore], token_enc: str, total: int, *, days: int = 365, deadline: float | None = None, seed: int = 1
) -> int:
    """Add payments until the database holds ``total`` (or ``deadline`` passes); returns the count held."""
    rng = random.Random(seed)
    have = count_payments(engine)
    weights = list(accumulate(1.0 / (rank + 1) ** 0.8 for rank in range(len(stores))))
    outcomes = [r[:4] for r in RESULTS]
    outcome_weights = list(accumulate(r[4] for r in RESULTS))
    ids = _max_ids(engine)
    today = datetime.now(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    counters = _past_counters(engine, today)  # (site, days ago) -> [start, used]
    sample = gateway_answer(
        gateway_fields(stores[0], trans_id="000000", when=today, total=random_total(rng), reference="r",
                       order_id="O", public_id="p" * 24, public_url="https://ecwid-systempay.example.com"),
        key=stores[0].key,
    )  # fmt: skip
    template = parse_body(form_body(sample).encode()).storable_fields()  # what the module keeps of a notification
    number = have
    while have < total and (deadline is None or time.monotonic() < deadline):
        size = min(CHUNK, total - have)
        attempts: list[tuple[Any, ...]] = []
        notes: list[tuple[Any, ...]] = []
        moves: list[tuple[Any, ...]] = []
        updates: list[tuple[Any, ...]] = []
        picks = rng.choices(range(len(stores)), cum_weights=weights, k=size)
        kinds = rng.choices(outcomes, cum_weights=outcome_weights, k=size)
        previous_failed: dict[int, tuple[str, str]] = {}
        for store_index, (status, gateway, outcome, ecwid_status) in zip(picks, kinds):
            store = stores[store_index]
            ago = rng.randint(1, days)
            counter = counters.setdefault((store.site_id, ago), [rng.randint(0, 500_000), 0])
            counter[1] += 1
            trans_id = f"{(counter[0] + counter[1] - 1) % 900_000:06d}"
            when = today - timedelta(days=ago) + timedelta(seconds=rng.randint(0, 86_399))
            retry = previous_failed.pop(store_index, None) if status == "PAID" and rng.random() < 0.3 else None
            number += 1
            reference, order_id = retry or (f"h{number}", f"H{number}")
            total_eur = random_total(rng)
            amount = int(total_eur * 100)
            ids["payment_attempts"] += 1
            attempt_id = ids["payment_attempts"]
            answered = when + timedelta(seconds=rng.randint(20, 900))
            uuid = secrets.token_hex(16) if gateway else None
            attempts.append((
                attempt_id, secrets.token_urlsafe(18), store.id, order_id, reference, RETURN_URL, token_enc, "fr",
                amount, "EUR", "978", "TEST", store.site_id, "HMAC-SHA-256", when, when.date(), trans_id, status,
                gateway, uuid if status == "PAID" else None, 1 if gateway else 0, answered if gateway else None,
                None, 2 if gateway else 1, when, answered if gateway else when,
            ))  # fmt: skip
            if status == "FAILED":
                previous_failed[store_index] = (reference, order_id)
            if not gateway:
                continue
            stamp = when.strftime("%Y%m%d%H%M%S")
            fields = dict(template)
            changes = {
                "vads_site_id": store.site_id, "vads_trans_id": trans_id, "vads_trans_date": stamp,
                "vads_amount": str(amount), "vads_effective_amount": str(amount), "vads_order_id": order_id,
                "vads_ext_info_ecwid_reference": reference, "vads_ext_info_ecwid_store": str(store.ecwid_store_id),
                "vads_trans_status": gateway, "vads_trans_uuid": uuid,
                "vads_result": "00" if status == "PAID" else "05",
            }  # fmt: skip
            fields.update({k: v for k, v in changes.items() if k in template})
            copies = 2 if rng.random() < 0.1 else 1
            first_note = 0
            for copy in range(copies):
                ids["notifications"] += 1
                first_note = first_note or ids["notifications"]
                received = answered + timedelta(seconds=copy * 300)
                notes.append((
                    ids["notifications"], received, "IPN", attempt_id, store.id, store.site_id, "TEST", trans_id,
                    stamp, gateway, "PAY", "DEBIT", uuid, amount, "978", fields,
                    outcome if copy == 0 else outcome + "_already_done", None, received,
                ))  # fmt: skip
            ids["transitions"] += 1
            moves.append((ids["transitions"], attempt_id, "NEW", status, "PAY", gateway, first_note, answered))
            ids["ecwid_updates"] += 1
            updates.append((
                ids["ecwid_updates"], store.id, attempt_id, str(store.ecwid_store_id), reference, order_id, ecwid_status,
                uuid if status == "PAID" else trans_id, None, token_enc, "DONE", 1, answered, None, None, answered,
                answered + timedelta(seconds=1), None, None,
            ))  # fmt: skip
        with engine.begin() as conn:
            bulk_insert(conn, PaymentAttempt.__table__, ("id", *ATTEMPT_COLUMNS), attempts)
            bulk_insert(conn, StoredNotification.__table__, NOTIFICATION_COLUMNS, notes)
            bulk_insert(conn, Transition.__table__, TRANSITION_COLUMNS, moves)
            bulk_insert(conn, EcwidUpdate.__table__, UPDATE_COLUMNS, updates)
        have += size
    with engine.begin() as conn:
        counter_table = TransIdCounter.__table__
        conn.execute(counter_table.delete().where(counter_table.c.day < today.date()))
        rows = [(site, (today - timedelta(days=ago)).date(), start, used) for (site, ago), (start, used) in counters.items()]
        bulk_insert(conn, TransIdCounter.__table__, ("site_id", "day", "start", "used"), rows)
        reset_sequences(conn, ["payment_attempts", "notifications", "transitions", "ecwid_updates"])
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("ANALYZE")
    return have
