"""Rows and request bodies shaped like real ones, made in bulk.

- :func:`insert_stores`: configured stores (TEST mode, encrypted key and Ecwid token).
- :func:`insert_pending_payments`: attempts exactly as a checkout leaves them (trans ids
  reserved from the stores' per-day counters), with the signed notification the gateway
  would send for each: one distinct valid notification per pending payment.
- :func:`checkout_bodies`: distinct encrypted Ecwid orders for ``POST /payment``.

Rows go in with ``COPY`` on PostgreSQL and a multi-row ``INSERT`` elsewhere
(:func:`bulk_insert`); values are the ones the models use (UTC-aware datetimes, dicts for JSON).
"""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.types import JSON

from ecwid_systempay.models import PaymentAttempt, Store, TransIdCounter
from ecwid_systempay.models.meta import UTCDateTime
from ecwid_systempay.protocol.currencies import find_currency, to_minor_units
from ecwid_systempay.protocol.form import OrderData, Person, ShopConfig, build_fields
from ecwid_systempay.secrets_box import SecretBox
from ecwid_systempay.services.trans_ids import GATEWAY_RESERVED_FROM, clock_start

from ..support import KEY_TEST, STORE_TOKEN, encrypted_form, form_body, gateway_answer, order_payload

FORM_TYPE = "application/x-www-form-urlencoded"
PAYMENT_PATH = "/payment?app-name=systempay"
CALLBACK_PATH = "/callback?app-name=systempay"
RETURN_URL = "https://store.example/checkout?clientId=systempay&timestamp=1751294405226&key=abcdefgh"
#: First bytes of the answers that show the request did its work.
CALLBACK_NEW_ANSWER = "OK-Accepted payment, order has been updated."
CALLBACK_DUPLICATE_ANSWER = "OK-Accepted payment, already registered."
CHECKOUT_ANSWER = "<!DOCTYPE html>"


@dataclass(frozen=True)
class LoadStore:
    """A configured store: its row id, Ecwid id, shop id and TEST key."""

    id: int
    ecwid_store_id: int
    site_id: str
    key: str = KEY_TEST


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(microsecond=0)


# -- bulk rows ------------------------------------------------------------------------


def bulk_insert(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert ``rows`` (tuples in ``columns`` order) with COPY (PostgreSQL) or executemany."""
    if conn.dialect.name != "postgresql":
        batch = [dict(zip(columns, row)) for row in rows]
        if batch:
            conn.execute(table.insert(), batch)
        return len(batch)
    datetimes = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, UTCDateTime)]
    documents = [i for i, name in enumerate(columns) if isinstance(table.c[name].type, JSON)]
    count = 0
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor, cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            values = list(row)
            for i in datetimes:
                if values[i] is not None:
                    values[i] = values[i].astimezone(timezone.utc).replace(tzinfo=None)
            for i in documents:
                values[i] = json.dumps(values[i], separators=(",", ":"))
            copy.write_row(values)
            count += 1
    return count


def reset_sequences(conn: Connection, tables: Iterable[str]) -> None:
    """After rows were given explicit ids: let the next ``INSERT`` start above them (PostgreSQL)."""
    if conn.dialect.name != "postgresql":
        return
    for name in tables:
        conn.exec_driver_sql(
            f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), COALESCE((SELECT max(id) FROM {name}), 0) + 1, false)"
        )


def insert_stores(
    engine: Engine, box: SecretBox, count: int, *, first_ecwid_store_id: int = 500_000, first_site_id: int = 40_000_000
) -> list[LoadStore]:
    """``count`` stores configured in TEST mode with the test key, as the settings page leaves them."""
    now = utcnow()
    key_enc, token_enc = box.encrypt(KEY_TEST), box.encrypt(STORE_TOKEN)
    ecwid_ids = [first_ecwid_store_id + i for i in range(count)]
    rows = [
        {
            "brand": "systempay",
            "ecwid_store_id": ecwid_id,
            "admin_lang": "fr",
            "ecwid_token_enc": token_enc,
            "site_id": str(first_site_id + i),
            "key_test_enc": key_enc,
            "ctx_mode": "TEST",
            "sign_algo": "HMAC-SHA-256",
            "default_language": "fr",
            "available_languages": "",
            "created_at": now,
            "updated_at": now,
        }
        for i, ecwid_id in enumerate(ecwid_ids)
    ]
    table = Store.__table__
    with engine.begin() as conn:
        conn.execute(table.insert(), rows)
        found = conn.execute(
            select(table.c.id, table.c.ecwid_store_id, table.c.site_id).where(table.c.ecwid_store_id.in_(ecwid_ids))
        )
        by_ecwid = {row.ecwid_store_id: LoadStore(row.id, row.ecwid_store_id, row.site_id) for row in found}
    return [by_ecwid[ecwid_id] for ecwid_id in ecwid_ids]


def reserve_trans_ids(conn: Connection, site_id: str, now: datetime, count: int) -> list[str]:
    """``count`` ids from the shop's counter for ``now``'s UTC day, as the checkout allocates them."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    table = TransIdCounter.__table__
    stmt = insert(table).values(site_id=site_id, day=now.date(), start=clock_start(now), used=count)
    stmt = stmt.on_conflict_do_update(
        index_elements=[table.c.site_id, table.c.day], set_={"used": table.c.used + count}
    ).returning(table.c.start, table.c.used)
    start, used = conn.execute(stmt).one()
    if used > GATEWAY_RESERVED_FROM:
        raise RuntimeError(f"no trans ids left today for shop {site_id}")
    return [f"{(start + n - 1) % GATEWAY_RESERVED_FROM:06d}" for n in range(used - count + 1, used + 1)]


ATTEMPT_COLUMNS = (
    "public_id", "store_id", "ecwid_order_id", "reference_transaction_id", "return_url", "ecwid_token_enc",
    "lang", "amount_minor", "currency", "currency_numeric", "mode", "site_id", "sign_algo", "trans_date",
    "trans_day", "trans_id", "status", "gateway_status", "gateway_trans_uuid", "status_seq", "notified_at",
    "attention", "version", "created_at", "updated_at",
)  # fmt: skip

BILLING = Person(name="Hélène Martin", street="12 rue des Lilas", city="Lyon", zip="69003", country="FR", phone="+33 4 78 00 00 00")
SHIPPING = Person(name="Hélène Martin", street="12 rue des Lilas", city="Lyon", zip="69003", country="FR")


def random_total(rng: random.Random) -> Decimal:
    return Decimal(rng.randint(500, 30_000)) / 100


def gateway_fields(store: LoadStore, *, trans_id: str, when: datetime, total: Decimal, reference: str, order_id: str,
                   public_id: str, public_url: str) -> dict[str, str]:  # fmt: skip
    """The ``vads_*`` fields of the form a checkout would have sent for this payment."""
    currency = find_currency("EUR")
    shop = ShopConfig(site_id=store.site_id, ctx_mode="TEST", key=store.key, sign_algo="HMAC-SHA-256", default_language="fr")
    order = OrderData(
        order_id=order_id,
        amount=total,
        amount_minor=to_minor_units(total, currency),
        currency=currency,
        email="helene.martin@example.com",
        billing=BILLING,
        shipping=SHIPPING,
        language="fr",
        extra={"ecwid_store": str(store.ecwid_store_id), "ecwid_reference": reference},
    )
    return_url = f"{public_url}/return/{public_id}?app-name=systempay"
    return build_fields(shop, order, trans_id=trans_id, trans_date=when, return_url=return_url)


def insert_pending_payments(
    engine: Engine,
    box: SecretBox,
    stores: Sequence[LoadStore],
    count: int,
    *,
    tag: str,
    public_url: str = "https://ecwid-systempay.example.com",
    seed: int = 0,
) -> list[str]:
    """``count`` payments waiting for their notification; returns each one's signed notification body.

    Payments are spread over ``stores`` round-robin; ``tag`` keeps their Ecwid references distinct.
    """
    rng = random.Random(f"{tag}-{seed}")
    now = utcnow()
    token_enc = box.encrypt(STORE_TOKEN)
    per_store = [count // len(stores) + (1 if i < count % len(stores) else 0) for i in range(len(stores))]
    rows: list[tuple[Any, ...]] = []
    bodies: list[str] = []
    with engine.begin() as conn:
        for store, n in zip(stores, per_store):
            if not n:
                continue
            for trans_id in reserve_trans_ids(conn, store.site_id, now, n):
                number = len(rows)
                reference, order_id = f"{tag}_{number}", f"{tag.upper()}{number}"
                total = random_total(rng)
                public_id = secrets.token_urlsafe(18)
                fields = gateway_fields(store, trans_id=trans_id, when=now, total=total, reference=reference,
                                        order_id=order_id, public_id=public_id, public_url=public_url)  # fmt: skip
                rows.append((
                    public_id, store.id, order_id, reference, RETURN_URL, token_enc, "fr", int(fields["vads_amount"]),
                    "EUR", "978", "TEST", store.site_id, "HMAC-SHA-256", now, now.date(), trans_id, "NEW", None,
                    None, 0, None, None, 1, now, now,
                ))  # fmt: skip
                answer = gateway_answer(fields, key=store.key, uuid=secrets.token_hex(16))
                bodies.append(form_body(answer))
        bulk_insert(conn, PaymentAttempt.__table__, ATTEMPT_COLUMNS, rows)
    order = list(range(len(bodies)))
    rng.shuffle(order)  # stores interleaved, as real traffic is
    return [bodies[i] for i in order]


def checkout_bodies(stores: Sequence[LoadStore], count: int, *, tag: str, seed: int = 0) -> list[str]:
    """``count`` distinct orders (encrypted as Ecwid posts them), spread over ``stores``."""
    rng = random.Random(f"{tag}-{seed}")
    bodies = []
    for number in range(count):
        store = stores[number % len(stores)]
        payload = order_payload(
            total=random_total(rng),
            reference=f"{tag}_{number}",
            order_id=f"{tag.upper()}{number}",
            store_id=store.ecwid_store_id,
            return_url=RETURN_URL,
        )
        bodies.append(form_body(encrypted_form(payload)))
    return bodies
