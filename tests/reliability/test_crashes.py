"""kill -9 of the server or the worker at the worst moments: nothing lost, nothing done twice."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
import requests

from ..processes import checkout_http, configure_store_http, notify_http
from ..support import eventually, gateway_answer


def hold_write_lock(db_url: str):
    """Block every writer of the module's database until ``release`` is called."""
    if db_url.startswith("sqlite"):
        conn = sqlite3.connect(db_url[len("sqlite:///"):], timeout=30, isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")
        return conn.rollback
    import psycopg

    conn = psycopg.connect(db_url.replace("postgresql+psycopg://", "postgresql://"))
    conn.execute("LOCK TABLE notifications IN ACCESS EXCLUSIVE MODE")
    return lambda: (conn.rollback(), conn.close())


def test_server_killed_before_the_notification_commit(module_factory, database, fake_ecwid, db_url):
    module = module_factory().start()
    configure_store_http(module.url)
    fields = checkout_http(module.url)
    answer = gateway_answer(fields)
    release = hold_write_lock(db_url)
    outcome: dict[str, object] = {}

    def send() -> None:
        try:
            outcome["response"] = notify_http(module.url, answer, timeout=20)
        except requests.RequestException as exc:
            outcome["error"] = exc

    sender = threading.Thread(target=send)
    sender.start()
    time.sleep(1.0)  # the request is now waiting for the database lock
    module.kill()
    sender.join(20)
    release()
    assert "error" in outcome  # the gateway got no answer at all, so it will send again
    assert database.value("select count(*) from notifications") == 0
    assert database.value("select status from payment_attempts") == "NEW"

    module.start()  # the gateway's retry
    assert notify_http(module.url, answer).text.startswith("OK-Accepted payment, order has been updated")
    assert eventually(lambda: len(fake_ecwid.puts()) == 1, timeout=20)
    time.sleep(1)
    assert len(fake_ecwid.puts()) == 1
    assert database.value("select count(*) from transitions") == 1


def test_server_killed_after_the_commit_before_the_ecwid_call(module_factory, database, fake_ecwid):
    module = module_factory(**{"ecwid_systempay.worker.in_process": "false"}).start()
    configure_store_http(module.url)
    fields = checkout_http(module.url)
    assert notify_http(module.url, gateway_answer(fields)).text.startswith("OK-Accepted")
    module.kill()
    assert fake_ecwid.puts() == []
    assert database.value("select state from ecwid_updates") == "PENDING"

    worker = module.worker(once=True)
    assert worker.wait(30) == 0
    assert [p.body["paymentStatus"] for p in fake_ecwid.puts()] == ["PAID"]
    assert database.value("select state from ecwid_updates") == "DONE"


def test_worker_killed_after_the_ecwid_call_before_marking_it_done(module_factory, database, fake_ecwid):
    module = module_factory(
        **{"ecwid_systempay.worker.in_process": "false", "ecwid_systempay.worker.lease_seconds": "1"}
    ).start()
    configure_store_http(module.url)
    fields = checkout_http(module.url)
    notify_http(module.url, gateway_answer(fields))

    crashing = module.worker(env={"ECWID_SYSTEMPAY_TEST_CRASH": "after"})
    assert crashing.wait(30) == -9  # SIGKILL, right after its PUT
    assert len(fake_ecwid.puts()) == 1
    assert database.value("select state from ecwid_updates") == "IN_PROGRESS"

    time.sleep(1.2)  # the dead worker's lease expires
    worker = module.worker(once=True)
    assert worker.wait(30) == 0
    assert database.value("select state from ecwid_updates") == "DONE"
    assert len(fake_ecwid.puts()) == 1  # checked with a GET, not PUT again
    assert [r.method for r in fake_ecwid.requests] == ["PUT", "GET"]


@pytest.mark.parametrize("moment", ["before", "after"])
def test_in_process_worker_killed_with_the_server_mid_call(module_factory, database, fake_ecwid, moment):
    """The whole server dies while its worker thread talks to Ecwid; after restart the order is PAID once."""
    fake_ecwid.script = [(0, {}, 3.0)]  # the first PUT takes 3 s
    module = module_factory(**{"ecwid_systempay.worker.lease_seconds": "1"}).start()
    configure_store_http(module.url)
    fields = checkout_http(module.url)
    notify_http(module.url, gateway_answer(fields))
    assert eventually(lambda: len(fake_ecwid.requests) >= 1, timeout=10)
    if moment == "after":
        time.sleep(3.5)  # Ecwid applied the PUT; the worker may or may not have recorded it
    module.kill()
    module.start()
    assert eventually(lambda: database.value("select state from ecwid_updates") == "DONE", timeout=20)
    assert fake_ecwid.orders["transaction_65306446"] == "PAID"
    assert len(fake_ecwid.puts()) <= 2
    if moment == "after":
        assert len(fake_ecwid.puts()) == 1
