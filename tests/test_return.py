"""The buyer's return: redirect only to the stored returnUrl, once Ecwid is up to date."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from ecwid_systempay.models import EcwidUpdate, Store

from .flows import checkout, configure_store, notify
from .support import gateway_answer

RETURN_URL = "https://store.example/checkout?clientId=systempay&timestamp=1751294405226&key=abcdefgh"


def return_path(fields):
    return urlsplit(fields["vads_url_return"]).path


def test_return_delivers_the_queued_update_before_redirecting(testapp, fake_ecwid):
    configure_store(testapp)
    _, fields = checkout(testapp)
    notify(testapp, gateway_answer(fields))
    assert fake_ecwid.puts() == []  # the worker has not run
    back = testapp.get(return_path(fields), gateway_answer(fields, ipn=False), status=303)
    assert back.location == RETURN_URL
    assert fake_ecwid.orders["transaction_65306446"] == "PAID"


def test_no_notification_yet_shows_a_confirming_page_then_completes_from_signed_return(testapp, fake_ecwid, dbsession):
    configure_store(testapp)
    _, fields = checkout(testapp, lang="fr")
    data = gateway_answer(fields, ipn=False)
    page = testapp.get(return_path(fields), data, status=202)
    assert "Votre paiement est en cours de confirmation" in page.text
    assert 'http-equiv="refresh"' in page.text and "check=1" in page.text
    back = testapp.get(return_path(fields), {**data, "check": "2"}, status=303)
    assert back.location == RETURN_URL
    assert fake_ecwid.orders["transaction_65306446"] == "PAID"
    assert dbsession.scalar(select(Store)).ipn_failure_at is not None
    settings_page = testapp.get("/settings", {"payload": __import__("tests.support", fromlist=["x"]).settings_payload()})
    assert 'id="ipn-warning"' in settings_page.text


def test_unsigned_or_tampered_return_data_is_never_trusted(testapp, fake_ecwid, dbsession):
    configure_store(testapp)
    _, fields = checkout(testapp)
    data = gateway_answer(fields, ipn=False)
    data["vads_amount"] = "1"
    for check in ("0", "2", "5"):
        page = testapp.get(return_path(fields), {**data, "check": check, "returnUrl": "https://evil.example", "next": "//evil"}, status="*")
        assert page.status_int in (202, 303)
        if page.status_int == 303:
            assert page.location.startswith(RETURN_URL)
    assert fake_ecwid.puts() == []
    assert dbsession.scalar(select(EcwidUpdate)) is None


def test_cancel_returns_with_the_message_in_the_buyer_language(testapp):
    configure_store(testapp)
    _, fields = checkout(testapp, lang="es")
    back = testapp.get(return_path(fields), gateway_answer(fields, status="ABANDONED", ipn=False), status=303)
    assert parse_qs(urlsplit(back.location).query)["errorMsg"] == ["Su pago ha sido cancelado."]
    assert back.location.startswith(RETURN_URL + "&errorMsg=")


def test_ecwid_down_during_return_keeps_the_buyer_waiting_then_lets_go(testapp, fake_ecwid):
    configure_store(testapp)
    _, fields = checkout(testapp)
    notify(testapp, gateway_answer(fields))
    fake_ecwid.script = [(500, {}, 0)] * 3
    data = gateway_answer(fields, ipn=False)
    assert testapp.get(return_path(fields), data, status=202)
    back = testapp.get(return_path(fields), {**data, "check": "6"}, status=303)
    assert back.location == RETURN_URL


def test_unknown_attempt(testapp):
    assert "could not be found" in testapp.get("/return/doesnotexist", status=404).text
