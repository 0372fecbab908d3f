"""The same Ecwid order posted again: one attempt while its payment session can be open.

A replayed checkout answers the very same signed form (same trans_id and
trans_date), so it neither uses up the shop's daily trans ids nor breaks the
gateway's session; a changed order, an ended attempt or an expired session make a
new attempt; a paid order sends the buyer back to the shop; attempts per order are
capped and running out of trans ids gets a clear page.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import webtest
from sqlalchemy import func, select, update

from ecwid_systempay.models import PaymentAttempt, TransIdCounter
from ecwid_systempay.models.meta import utcnow

from .flows import configure_store, hidden_fields, notify
from .support import encrypted_form, gateway_answer, order_payload

RETURN_A = "https://store.example/checkout?clientId=systempay&timestamp=1751294405226&key=aaaaaaaa"
RETURN_B = "https://store.example/checkout?clientId=systempay&timestamp=1751294999999&key=bbbbbbbb"


def post(testapp: webtest.TestApp, form: dict[str, str], status: int | str = 200) -> webtest.TestResponse:
    return testapp.post("/payment?app-name=systempay", form, status=status)


def checkout(testapp: webtest.TestApp, status: int | str = 200, **order) -> dict[str, str]:
    return hidden_fields(post(testapp, encrypted_form(order_payload(**order)), status).text)


def count(dbsession, model=PaymentAttempt) -> int:
    return dbsession.scalar(select(func.count()).select_from(model))


def ids_used(dbsession) -> int:
    return dbsession.scalar(select(func.coalesce(func.sum(TransIdCounter.used), 0)))


def test_twenty_identical_posts_make_one_attempt_and_answer_the_same_form(testapp, dbsession):
    configure_store(testapp)
    form = encrypted_form(order_payload())
    answers = [hidden_fields(post(testapp, form).text) for _ in range(20)]
    assert all(answer == answers[0] for answer in answers)
    assert answers[0]["signature"] and answers[0]["vads_trans_id"]
    assert count(dbsession) == 1
    assert ids_used(dbsession) == 1
    # Freshly encrypted (another nonce), the same order is still the same attempt.
    assert checkout(testapp) == answers[0]


def test_the_latest_return_url_and_token_are_kept_for_the_return(testapp, dbsession, fake_ecwid):
    configure_store(testapp)
    first = checkout(testapp, return_url=RETURN_A, token="secret_token_first")
    again = checkout(testapp, return_url=RETURN_B, token="secret_token_second")
    assert again == first
    fake_ecwid.token = "secret_token_second"
    assert notify(testapp, gateway_answer(first)).text.startswith("OK-Accepted payment")
    clean = testapp.post(first["vads_url_return"], gateway_answer(first, ipn=False), status=303).location
    assert testapp.get(clean, status=303).location == RETURN_B
    (put,) = fake_ecwid.puts()
    assert put.headers["Authorization"] == "Bearer secret_token_second"
    assert put.body["paymentStatus"] == "PAID"


@pytest.mark.parametrize("change", [{"total": "12.31"}, {"currency": "USD"}, {"lang": "de"}])
def test_a_changed_order_gets_a_new_attempt(testapp, dbsession, change):
    configure_store(testapp)
    first = checkout(testapp)
    second = checkout(testapp, **change)
    assert second["vads_trans_id"] != first["vads_trans_id"]
    assert count(dbsession) == 2
    assert checkout(testapp, **change) == second  # and that one is replayed in turn


def test_a_change_of_mode_gets_a_new_attempt(app_with, dbsession):
    testapp = app_with(**{"ecwid_systempay.allow_production": "true"})
    configure_store(testapp, key_prod="2222222222222222")
    first = checkout(testapp)
    configure_store(testapp, key_prod="", ctx_mode="PRODUCTION")
    second = checkout(testapp)
    assert (first["vads_ctx_mode"], second["vads_ctx_mode"]) == ("TEST", "PRODUCTION")
    assert second["vads_trans_id"] != first["vads_trans_id"]


@pytest.mark.parametrize("status", ["REFUSED", "ABANDONED"])
def test_an_attempt_that_ended_at_the_gateway_is_not_reused(testapp, dbsession, status):
    configure_store(testapp)
    first = checkout(testapp)
    notify(testapp, gateway_answer(first, status=status))
    second = checkout(testapp)
    assert second["vads_trans_id"] != first["vads_trans_id"]
    assert count(dbsession) == 2


def test_a_cancelled_return_without_notification_ends_the_attempt(testapp, dbsession):
    configure_store(testapp)
    first = checkout(testapp)
    testapp.post(first["vads_url_return"], gateway_answer(first, status="ABANDONED", ipn=False), status=303)
    assert checkout(testapp)["vads_trans_id"] != first["vads_trans_id"]


def test_an_attempt_the_buyer_came_back_from_is_not_reused(testapp, dbsession):
    """Back from the payment page, even without data or notification: that session is over."""
    configure_store(testapp)
    first = checkout(testapp)
    testapp.get(urlsplit(first["vads_url_return"]).path, status=202)  # the "payment being confirmed" page
    assert checkout(testapp)["vads_trans_id"] != first["vads_trans_id"]


def test_after_the_payment_session_lifetime_a_new_attempt(testapp, dbsession, app):
    configure_store(testapp)
    first = checkout(testapp)
    with app.registry["dbsession_factory"].begin() as session:
        session.execute(update(PaymentAttempt).values(trans_date=utcnow().replace(microsecond=0) - timedelta(seconds=541)))
    second = checkout(testapp)
    assert second["vads_trans_id"] != first["vads_trans_id"]
    assert checkout(testapp) == second


@pytest.mark.parametrize("status", ["AUTHORISED", "UNDER_VERIFICATION"])
def test_a_paid_or_pending_order_sends_the_buyer_back_to_the_shop(testapp, dbsession, fake_ecwid, status):
    configure_store(testapp)
    first = checkout(testapp, return_url=RETURN_A)
    notify(testapp, gateway_answer(first, status=status))
    again = post(testapp, encrypted_form(order_payload(return_url=RETURN_B, total="99.00")), status=303)
    assert urlsplit(again.location).path == urlsplit(first["vads_url_return"]).path
    shop = testapp.get(again.location, status=303)
    assert shop.location == RETURN_B
    assert fake_ecwid.puts()[-1].body["paymentStatus"] == ("PAID" if status == "AUTHORISED" else "AWAITING_PAYMENT")
    assert count(dbsession) == 1 and ids_used(dbsession) == 1


def test_the_attempts_of_an_order_are_capped(app_with, dbsession):
    testapp = app_with(**{"ecwid_systempay.checkout.max_attempts_per_order": "3"})
    configure_store(testapp)
    for _ in range(3):
        notify(testapp, gateway_answer(checkout(testapp), status="REFUSED"))
    page = post(testapp, encrypted_form(order_payload(lang="fr")), status=429)
    assert "Trop de tentatives de paiement ont été faites pour cette commande." in page.text
    assert page.html.find(id="back-to-shop")["href"].startswith(order_payload()["returnUrl"] + "&errorMsg=")
    assert count(dbsession) == 3 and ids_used(dbsession) == 3
    checkout(testapp, reference="transaction_other")  # another order of the shop is not affected


def test_exhausted_trans_ids_get_a_clear_page_and_open_attempts_still_replay(testapp, dbsession, app):
    configure_store(testapp)
    open_form = checkout(testapp, reference="transaction_open")
    with app.registry["dbsession_factory"].begin() as session:
        session.execute(update(TransIdCounter).values(used=900_000))
    page = post(testapp, encrypted_form(order_payload(lang="es")), status=503)
    assert "Este medio de pago no está disponible temporalmente." in page.text
    assert 0 < int(page.headers["Retry-After"]) <= 24 * 3600
    assert page.html.find(id="back-to-shop")["href"].startswith(order_payload()["returnUrl"] + "&errorMsg=")
    assert count(dbsession) == 1 and ids_used(dbsession) == 900_000
    assert checkout(testapp, reference="transaction_open") == open_form
