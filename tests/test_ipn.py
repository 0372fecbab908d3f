"""The notification (IPN): verification, mismatches, duplicates, Ecwid outages."""

from __future__ import annotations

import importlib
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from ecwid_systempay.models import EcwidUpdate, PaymentAttempt, StoredNotification, Transition

from .flows import checkout, configure_store, notify
from .support import KEY_PROD, gateway_answer


def count(dbsession, model) -> int:
    dbsession.expire_all()
    return dbsession.scalar(select(func.count()).select_from(model))


def attempt(dbsession) -> PaymentAttempt:
    dbsession.expire_all()
    return dbsession.scalar(select(PaymentAttempt).order_by(PaymentAttempt.id.desc()).limit(1))


def test_bad_signature_is_refused_and_changes_nothing(testapp, dbsession):
    configure_store(testapp)
    _, fields = checkout(testapp)
    answer = gateway_answer(fields, key="wrong-key-0000000")
    response = notify(testapp, answer)
    assert response.status_int == 200
    assert response.text == "KO-Unknown payment or invalid signature.\n"
    assert attempt(dbsession).status == "NEW"
    assert count(dbsession, StoredNotification) == 0
    assert count(dbsession, EcwidUpdate) == 0


def test_unknown_order_answers_ko(testapp):
    configure_store(testapp)
    _, fields = checkout(testapp)
    answer = gateway_answer({**fields, "vads_trans_id": "999999"})
    assert notify(testapp, answer).text == "KO-Unknown payment or invalid signature.\n"


def test_malformed_requests_get_400_and_never_redirect(testapp):
    configure_store(testapp)
    _, fields = checkout(testapp)
    answer = gateway_answer(fields)
    body = "&".join(f"{k}={v}" for k, v in [("vads_amount", "1"), ("vads_amount", "2")])
    assert testapp.post("/callback", body, status=400).text.startswith("KO-")
    assert testapp.post("/callback", b"\xff\xfe\x00garbage", status=400).text.startswith("KO-")
    assert testapp.post("/callback", "x" * (70 * 1024), status=400).text.startswith("KO-Request too large")
    assert testapp.get("/callback", status=405).headers["Allow"] == "POST"
    missing = {k: v for k, v in answer.items() if k != "vads_trans_id"}
    assert notify(testapp, missing, status=400).text.startswith("KO-Bad request")
    assert notify(testapp, answer, brand="unknown", status=400)


def test_mode_site_amount_currency_mismatch_are_rejected_but_stored(testapp, dbsession, fake_ecwid, app):
    configure_store(testapp)
    _, fields = checkout(testapp)
    cases = {
        "vads_ctx_mode": ("PRODUCTION", "KO-Context mode does not match the payment.\n"),
        "vads_amount": ("1", "KO-Total paid is different from order amount.\n"),
        "vads_currency": ("840", "KO-Currency is different from order currency.\n"),
    }
    for name, (value, body) in cases.items():
        answer = gateway_answer(fields, overrides={name: value})
        assert notify(testapp, answer).text == body
    # Another shop ID signed with the same key: the attempt is not found for that shop.
    assert notify(testapp, gateway_answer({**fields, "vads_site_id": "87654321"})).text == "KO-Unknown payment or invalid signature.\n"
    assert attempt(dbsession).status == "NEW"
    assert attempt(dbsession).attention is not None
    rejected = list(dbsession.scalars(select(StoredNotification)))
    assert [n.outcome for n in rejected] == ["rejected"] * 3
    assert sorted(n.reason for n in rejected) == ["amount_error", "currency_error", "mode_mismatch"]
    assert count(dbsession, Transition) == 0
    app.registry["update_worker"].run_once()
    assert fake_ecwid.puts() == []


def test_test_key_cannot_sign_for_production_mode(testapp, dbsession):
    configure_store(testapp)
    _, fields = checkout(testapp)
    forged = gateway_answer(fields, key=KEY_PROD, overrides={"vads_ctx_mode": "PRODUCTION"})
    assert notify(testapp, forged).text.startswith("KO-")
    assert attempt(dbsession).status == "NEW"


def test_duplicates_give_one_transition_and_one_update(testapp, dbsession, fake_ecwid, app):
    configure_store(testapp)
    _, fields = checkout(testapp)
    answer = gateway_answer(fields)
    bodies = [notify(testapp, answer).text for _ in range(5)]
    bodies.append(notify(testapp, gateway_answer(fields, source="RETRY")).text)
    bodies.append(notify(testapp, gateway_answer(fields, source="BO")).text)
    assert bodies[0].startswith("OK-Accepted payment, order has been updated.")
    assert all(b.startswith("OK-Accepted payment, already registered.") for b in bodies[1:])
    while app.registry["update_worker"].run_once():
        pass
    assert count(dbsession, Transition) == 1
    assert count(dbsession, StoredNotification) == 7
    assert len(fake_ecwid.puts()) == 1


def test_late_refusal_and_abandon_never_downgrade_a_paid_order(testapp, dbsession, fake_ecwid, app):
    configure_store(testapp)
    _, fields = checkout(testapp)
    notify(testapp, gateway_answer(fields))
    assert notify(testapp, gateway_answer(fields, status="REFUSED")).text.startswith("KO-Order status does not match")
    assert notify(testapp, gateway_answer(fields, status="ABANDONED")).text.startswith("KO-Payment abandoned")
    app.registry["update_worker"].run_once()
    assert [p.body["paymentStatus"] for p in fake_ecwid.puts()] == ["PAID"]


def test_back_office_cancel_and_refunds(testapp, dbsession, fake_ecwid, app):
    configure_store(testapp)
    _, fields = checkout(testapp, total="100.00")
    worker = app.registry["update_worker"]
    notify(testapp, gateway_answer(fields))
    worker.run_once()
    refund = gateway_answer(
        fields, source="MERCH_BO", status="CAPTURED",
        overrides={"vads_operation_type": "CREDIT", "vads_amount": "4000", "vads_trans_id": "912345"},
    )
    assert notify(testapp, refund).text.startswith("OK-Refund registered")
    worker.run_once()
    full = gateway_answer(
        fields, source="MERCH_BO", status="CAPTURED",
        overrides={"vads_operation_type": "CREDIT", "vads_amount": "10000", "vads_trans_id": "912346"},
    )
    assert notify(testapp, full).text.startswith("OK-Refund registered")
    worker.run_once()
    assert [p.body["paymentStatus"] for p in fake_ecwid.puts()] == ["PAID", "PARTIALLY_REFUNDED", "REFUNDED"]

    _, other = checkout(testapp, reference="transaction_2", order_id="B2")
    notify(testapp, gateway_answer(other))
    worker.run_once()
    assert notify(testapp, gateway_answer(other, status="CANCELLED", source="MERCH_BO")).text.startswith("OK-Payment cancelled")
    worker.run_once()
    assert fake_ecwid.puts()[-1].body["paymentStatus"] == "CANCELLED"
    assert fake_ecwid.puts()[-1].path.endswith("/orders/transaction_2")


def test_manual_validation_goes_awaiting_payment_then_paid(testapp, fake_ecwid, app):
    configure_store(testapp, validation_mode="1")
    _, fields = checkout(testapp)
    assert fields["vads_validation_mode"] == "1"
    assert notify(testapp, gateway_answer(fields, status="AUTHORISED_TO_VALIDATE")).text.startswith("OK-Pending")
    app.registry["update_worker"].run_once()
    assert notify(testapp, gateway_answer(fields, status="AUTHORISED", source="MERCH_BO")).text.startswith("OK-Accepted")
    app.registry["update_worker"].run_once()
    assert [p.body["paymentStatus"] for p in fake_ecwid.puts()] == ["AWAITING_PAYMENT", "PAID"]


def test_older_attempt_failure_after_newer_payment(testapp, fake_ecwid, app):
    configure_store(testapp)
    _, first = checkout(testapp)
    # The buyer leaves the first payment page back to the shop, then pays in a new attempt.
    testapp.get(urlsplit(first["vads_url_return"]).path, status=202)
    _, second = checkout(testapp)
    assert first["vads_trans_id"] != second["vads_trans_id"]
    notify(testapp, gateway_answer(second))
    app.registry["update_worker"].run_once()
    notify(testapp, gateway_answer(first, status="ABANDONED"))
    app.registry["update_worker"].run_once()
    assert [p.body["paymentStatus"] for p in fake_ecwid.puts()] == ["PAID"]


def test_ecwid_500_then_429_then_recovery(testapp, dbsession, fake_ecwid, app):
    configure_store(testapp)
    _, fields = checkout(testapp)
    fake_ecwid.script = [(500, {}, 0), (429, {"Retry-After": "0"}, 0)]
    assert notify(testapp, gateway_answer(fields)).text.startswith("OK-Accepted")
    worker = app.registry["update_worker"]
    worker.run_once()
    dbsession.expire_all()
    job = dbsession.scalar(select(EcwidUpdate))
    assert job.state == "PENDING" and job.last_error == "HTTP 500"
    worker.run_once()
    dbsession.expire_all()
    assert dbsession.scalar(select(EcwidUpdate)).last_error == "HTTP 429"
    worker.run_once()
    dbsession.expire_all()
    assert dbsession.scalar(select(EcwidUpdate)).state == "DONE"
    assert len(fake_ecwid.puts()) == 3
    assert fake_ecwid.orders["transaction_65306446"] == "PAID"


def test_retry_after_is_honoured(testapp, dbsession, fake_ecwid, app):
    configure_store(testapp)
    _, fields = checkout(testapp)
    fake_ecwid.script = [(429, {"Retry-After": "120"}, 0)]
    notify(testapp, gateway_answer(fields))
    app.registry["update_worker"].run_once()
    dbsession.expire_all()
    job = dbsession.scalar(select(EcwidUpdate))
    assert 110 <= (job.next_attempt_at - job.created_at).total_seconds() <= 130
    assert app.registry["update_worker"].run_once() == 0  # not due yet


def test_three_currencies_with_different_exponents(testapp, fake_ecwid, app):
    configure_store(testapp)
    for total, currency, expected in (("19.99", "EUR", ("1999", "978")), ("1500", "JPY", ("1500", "392")), ("3.125", "KWD", ("3125", "414"))):
        _, fields = checkout(testapp, total=total, currency=currency, reference=f"transaction_{currency}")
        assert (fields["vads_amount"], fields["vads_currency"]) == expected
        assert notify(testapp, gateway_answer(fields)).text.startswith("OK-Accepted")
    while app.registry["update_worker"].run_once():
        pass
    assert sorted(p.path.rsplit("/", 1)[-1] for p in fake_ecwid.puts()) == ["transaction_EUR", "transaction_JPY", "transaction_KWD"]


def test_sha1_shops(testapp, fake_ecwid, dbsession):
    configure_store(testapp, sign_algo="SHA-1")
    _, fields = checkout(testapp)
    assert len(fields["signature"]) == 40
    assert notify(testapp, gateway_answer(fields, algo="SHA-1")).text.startswith("OK-Accepted")
    assert notify(testapp, gateway_answer(fields)).text.startswith("KO-Unknown payment or invalid signature.")


@pytest.mark.parametrize(
    "broken_after",
    [
        # After the transition's insert, before the Ecwid job is queued.
        [("ecwid_systempay.services.ipn", "order_update")],
        # After every write: the combined statement on PostgreSQL, the Ecwid job's INSERT on SQLite.
        [("ecwid_systempay.services.ipn", "log_queued"), ("ecwid_systempay.services.updates", "log_queued")],
    ],
    ids=["after-the-transition", "after-every-write"],
)
def test_a_failing_state_change_keeps_the_notification_and_asks_for_a_retry(
    testapp, dbsession, fake_ecwid, app, monkeypatch, broken_after
):
    """The notification and its state change share one transaction: a failure rolls back the change alone."""
    configure_store(testapp)
    _, fields = checkout(testapp)
    answer = gateway_answer(fields)

    def broken(*args, **kwargs):
        raise RuntimeError("broken")

    for module, name in broken_after:
        monkeypatch.setattr(importlib.import_module(module), name, broken)
    assert notify(testapp, answer, status=503).text == "KO-Temporary error, please retry.\n"
    stored = dbsession.scalars(select(StoredNotification))
    assert [(n.trans_status, n.outcome, n.processed_at) for n in stored] == [("AUTHORISED", None, None)]
    assert attempt(dbsession).status == "NEW"
    assert attempt(dbsession).notified_at is None
    assert count(dbsession, Transition) == 0
    assert count(dbsession, EcwidUpdate) == 0

    monkeypatch.undo()  # the gateway's retry
    assert notify(testapp, answer).text.startswith("OK-Accepted payment, order has been updated.")
    while app.registry["update_worker"].run_once():
        pass
    assert attempt(dbsession).status == "PAID"
    assert count(dbsession, StoredNotification) == 2
    assert count(dbsession, Transition) == 1
    assert [p.body["paymentStatus"] for p in fake_ecwid.puts()] == ["PAID"]
