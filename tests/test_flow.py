"""The whole journey through the app: settings, checkout, notification, return."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from ecwid_systempay.models import PaymentAttempt, StoredNotification, Transition
from ecwid_systempay.protocol.signature import verify_signature

from .flows import checkout, configure_store, notify
from .support import KEY_TEST, STORE_TOKEN, gateway_answer


def run_worker(app) -> int:
    return app.registry["update_worker"].run_once()


def test_paid_journey_updates_ecwid_once_and_returns_buyer(testapp, app, fake_ecwid, dbsession):
    saved = configure_store(testapp)
    assert saved.status_int == 200, saved.text
    assert "Settings saved." in saved.text

    page, fields = checkout(testapp)
    assert 'action="https://paiement.systempay.fr/vads-payment/"' in page.text
    assert fields["vads_amount"] == "1230"
    assert fields["vads_currency"] == "978"
    assert fields["vads_language"] == "fr"
    assert fields["vads_ctx_mode"] == "TEST"
    assert fields["vads_cust_first_name"] == "Hélène"
    assert "<" not in fields["vads_cust_last_name"]
    assert verify_signature(fields, fields["signature"], KEY_TEST)

    answer = gateway_answer(fields, status="AUTHORISED")
    response = notify(testapp, answer)
    assert response.text.startswith("OK-Accepted payment")

    assert run_worker(app) == 1
    [put] = fake_ecwid.puts()
    assert put.path == "/api/v3/1003/orders/transaction_65306446"
    assert put.headers["Authorization"] == f"Bearer {STORE_TOKEN}"
    assert put.body == {"paymentStatus": "PAID", "externalTransactionId": answer["vads_trans_uuid"]}

    # A duplicate and a RETRY change nothing and send nothing.
    assert notify(testapp, answer).text.startswith("OK-Accepted payment, already registered")
    assert notify(testapp, gateway_answer(fields, status="AUTHORISED", source="RETRY")).text.startswith("OK-")
    assert run_worker(app) == 0
    assert len(fake_ecwid.puts()) == 1

    ret = gateway_answer(fields, status="AUTHORISED", ipn=False)
    back = testapp.post(fields["vads_url_return"], ret, status=303).follow(status=303)
    assert back.location.startswith("https://store.example/checkout?clientId=systempay&timestamp=1751294405226&key=abcdefgh")
    assert "errorMsg" not in back.location

    attempt = dbsession.scalar(select(PaymentAttempt))
    assert attempt.status == "PAID"
    assert [t.to_status for t in dbsession.scalars(select(Transition))] == ["PAID"]
    stored = list(dbsession.scalars(select(StoredNotification)))
    assert len(stored) == 3
    assert all("vads_card_number" not in n.fields for n in stored)


def test_refused_payment_sets_incomplete_and_returns_with_message(testapp, app, fake_ecwid):
    configure_store(testapp)
    _, fields = checkout(testapp, lang="de")
    assert notify(testapp, gateway_answer(fields, status="REFUSED")).text.startswith("OK-Payment failure")
    run_worker(app)
    assert fake_ecwid.puts()[0].body["paymentStatus"] == "INCOMPLETE"
    back = testapp.post(fields["vads_url_return"], gateway_answer(fields, status="REFUSED", ipn=False), status=303).follow(status=303)
    assert parse_qs(urlsplit(back.location).query)["errorMsg"] == ["Ihre Zahlung wurde abgelehnt."]
