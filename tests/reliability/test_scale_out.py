"""Scale-out on PostgreSQL: 2 web processes and 2 separate workers on one database.

The benchmark's notifications (each valid, for a distinct pending payment, each sent three
times at once, so copies race each other in both web processes) go to both web processes;
every paid order must get exactly one Ecwid PUT and no update job may be left behind.
PostgreSQL only (``FOR UPDATE SKIP LOCKED`` between processes): scripts/test deselects the
``postgresql`` marker on its SQLite run.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest

from ..load.cluster import ScaleOut
from ..load.loadgen import Spec, run
from ..load.workload import CALLBACK_PATH, insert_pending_payments, insert_stores
from ..support import CLIENT_SECRET

pytestmark = [pytest.mark.postgresql, pytest.mark.slow]

PAYMENTS = 150
COPIES = 3


def test_two_web_processes_and_two_workers_update_each_paid_order_once(tmp_path, db_url, database, fake_ecwid):
    cluster = ScaleOut(
        tmp_path,
        {
            "sqlalchemy.url": db_url,
            "ecwid_systempay.ecwid_api_url": fake_ecwid.url,
            "ecwid_systempay.brand.systempay.client_secret": CLIENT_SECRET,
        },
        webs=2,
        workers=2,
    ).start()
    try:
        stores = insert_stores(database.engine, cluster.box, 5)
        bodies = insert_pending_payments(database.engine, cluster.box, stores, PAYMENTS, tag="scale")
        sends = [body.encode() for body in bodies for _ in range(COPIES)]  # copies of one notification back to back
        result = run(
            Spec(targets=cluster.targets, method="POST", path=CALLBACK_PATH, bodies=sends, concurrency=8,
                 expect="OK-Accepted payment, ", seconds=180)  # fmt: skip
        )
        assert result["answered"] == len(sends) and result["bad"] == 0, result

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (
            len(fake_ecwid.puts()) < PAYMENTS
            or database.value("select count(*) from ecwid_updates where state <> 'DONE'")
        ):
            time.sleep(0.2)
        time.sleep(1.0)  # a second PUT for an order would show up now
    finally:
        cluster.stop()

    per_order = Counter(put.path for put in fake_ecwid.puts())
    assert len(per_order) == PAYMENTS and set(per_order.values()) == {1}, per_order.most_common(3)
    assert {put.body["paymentStatus"] for put in fake_ecwid.puts()} == {"PAID"}
    assert database.value("select count(*) from ecwid_updates") == PAYMENTS
    assert database.value("select count(*) from ecwid_updates where state <> 'DONE'") == 0
    assert database.value("select count(*) from transitions") == PAYMENTS
    assert database.value("select count(*) from notifications") == PAYMENTS * COPIES
    assert database.value("select count(*) from payment_attempts where status = 'PAID'") == PAYMENTS
