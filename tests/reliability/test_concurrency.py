"""Identical notifications at once, a notification racing the buyer's return, concurrent checkouts.

Real server (waitress, 8 threads) on 127.0.0.1; both databases. Bounded rounds.
"""

from __future__ import annotations

import os
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import requests

from ..processes import checkout_http, configure_store_http, hidden_fields, notify_http
from ..support import encrypted_form, gateway_answer, order_payload

ON_POSTGRES = bool(os.environ.get("TEST_DATABASE_URL"))
ROUNDS = 30 if ON_POSTGRES else 10
PARALLEL = 20
RETURN_URL = "https://store.example/checkout?clientId=systempay&timestamp=1751294405226&key=abcdefgh"


def wait_until(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and not predicate():
        time.sleep(0.1)
    return predicate()


def burst(calls):
    """Start ``calls`` at the same instant (one thread each, a barrier) with a little random jitter."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        time.sleep(random.uniform(0, 0.02))
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_identical_notifications_at_once_change_the_state_once(module_factory, database, fake_ecwid):
    module = module_factory().start()
    configure_store_http(module.url)
    for round_number in range(ROUNDS):
        reference = f"transaction_c{round_number}"
        fields = checkout_http(module.url, reference=reference, order_id=f"C{round_number}")
        answer = gateway_answer(fields)
        responses = burst([lambda: notify_http(module.url, answer)] * PARALLEL)
        assert [r.status_code for r in responses] == [200] * PARALLEL
        bodies = sorted(r.text for r in responses)
        assert bodies.count("OK-Accepted payment, order has been updated.\n") == 1, bodies
        assert wait_until(lambda: reference in fake_ecwid.orders)
    time.sleep(1.0)
    assert database.value("select count(*) from transitions") == ROUNDS
    assert database.value("select count(*) from notifications") == ROUNDS * PARALLEL
    assert len(fake_ecwid.puts()) == ROUNDS
    assert len({p.path for p in fake_ecwid.puts()}) == ROUNDS


def test_notification_racing_the_buyers_return(module_factory, database, fake_ecwid):
    module = module_factory(**{"ecwid_systempay.return.wait_checks": "1"}).start()
    configure_store_http(module.url)
    rounds = ROUNDS // 2
    for round_number in range(rounds):
        reference = f"transaction_r{round_number}"
        fields = checkout_http(module.url, reference=reference, order_id=f"R{round_number}")
        ipn = gateway_answer(fields)
        back = gateway_answer(fields, ipn=False)
        clean = f"{module.url}{urlsplit(fields['vads_url_return']).path}"

        def buyer_posts() -> requests.Response:
            """The gateway's auto-posted return form: stored if needed, then 303 to the clean URL."""
            return requests.post(fields["vads_url_return"], data=back, allow_redirects=False, timeout=30)

        def buyer_looks() -> requests.Response:
            return requests.get(clean, allow_redirects=False, timeout=30)

        def buyer_waits() -> requests.Response:
            """The "being confirmed" page refreshes itself (every 2 s) until the order is up to date."""
            deadline = time.monotonic() + 30
            while (response := buyer_looks()).status_code == 202 and time.monotonic() < deadline:
                time.sleep(0.5)
            return response

        order = [lambda: notify_http(module.url, ipn), buyer_posts, lambda: notify_http(module.url, ipn), buyer_looks]
        random.shuffle(order)
        results = burst(order)
        for result in results:
            assert result.status_code in (200, 202, 303)
            if result.status_code == 303:
                assert result.headers["Location"] in (RETURN_URL, clean)
        final = buyer_waits()
        assert final.status_code == 303 and final.headers["Location"] == RETURN_URL
        # The return waits for the Ecwid update, but not forever: on a loaded machine the
        # buyer may be sent on while the worker's PUT is in flight; it lands right after.
        assert wait_until(lambda: fake_ecwid.orders.get(reference) == "PAID", timeout=10)
    time.sleep(1.0)
    assert len(fake_ecwid.puts()) == rounds
    assert database.value("select count(*) from transitions") == rounds


def test_concurrent_checkouts_never_reuse_a_trans_id(module_factory, database):
    module = module_factory().start()
    configure_store_http(module.url)
    count = 50
    forms = burst([lambda i=i: checkout_http(module.url, reference=f"transaction_k{i}") for i in range(count)])
    ids = [form["vads_trans_id"] for form in forms]
    assert len(set(ids)) == count
    assert all(len(i) == 6 and int(i) < 900000 for i in ids)
    assert database.value("select count(distinct trans_id) from payment_attempts") == count


def test_identical_checkouts_at_once_make_one_attempt(module_factory, database):
    """The same Ecwid post sent 20 times at once (double clicks, a replaying script): one attempt, one form."""
    module = module_factory().start()
    configure_store_http(module.url)
    rounds = ROUNDS // 2
    for round_number in range(rounds):
        form = encrypted_form(order_payload(reference=f"transaction_i{round_number}"))

        def post() -> requests.Response:
            return requests.post(f"{module.url}/payment?app-name=systempay", data=form, timeout=30)

        responses = burst([post] * PARALLEL)
        assert [r.status_code for r in responses] == [200] * PARALLEL
        forms = [hidden_fields(r.text) for r in responses]
        assert all(f == forms[0] for f in forms) and forms[0]["vads_trans_id"]
    assert database.value("select count(*) from payment_attempts") == rounds
    assert database.value("select sum(used) from trans_id_counters") == rounds
