"""The buyer's return: redirect only to the stored returnUrl, once Ecwid is up to date.

The gateway posts its signed return data (``vads_return_mode=POST``); the module
verifies and stores it, then sends the browser at once to a clean URL that names
the payment only. Nothing the gateway sent is ever echoed in a URL or a page.
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from ecwid_systempay.models import EcwidUpdate, StoredNotification, Store
from ecwid_systempay.models.meta import utcnow

from .flows import checkout, configure_store, notify
from .support import settings_payload, gateway_answer

RETURN_URL = "https://store.example/checkout?clientId=systempay&timestamp=1751294405226&key=abcdefgh"
#: ``return.wait_checks`` (2, tests/conftest.py) x ``return.check_seconds`` (2): the wait for the notification.
PATIENCE = 4


def return_path(fields):
    return urlsplit(fields["vads_url_return"]).path


def clean_url(fields):
    """The URL the buyer is sent to: the public URL and the payment's public id, nothing else."""
    return "http://localhost" + return_path(fields)


def come_back(testapp, fields, data, **kw):
    """The gateway's auto-posted return form, as the sandbox and Systempay send it."""
    back = testapp.post(fields["vads_url_return"], data, status=303, **kw)
    assert back.location == clean_url(fields)
    return back


def later(app, seconds):
    """Move the return handler's clock ``seconds`` ahead (the wait is counted in time)."""
    app.registry["return_handler"].clock = lambda: utcnow() + timedelta(seconds=seconds)


def refresh_url(page):
    [content] = re.findall(r'http-equiv="refresh" content="([^"]*)"', page.text)
    return content.split(";url=", 1)[1]


def test_return_delivers_the_queued_update_before_redirecting(testapp, fake_ecwid):
    configure_store(testapp)
    _, fields = checkout(testapp)
    notify(testapp, gateway_answer(fields))
    assert fake_ecwid.puts() == []  # the worker has not run
    come_back(testapp, fields, gateway_answer(fields, ipn=False))
    back = testapp.get(clean_url(fields), status=303)
    assert back.location == RETURN_URL
    assert fake_ecwid.orders["transaction_65306446"] == "PAID"


def test_posted_return_is_stored_and_redirected_at_once_to_a_clean_url(testapp, dbsession, fake_ecwid):
    configure_store(testapp)
    _, fields = checkout(testapp)
    data = gateway_answer(fields, ipn=False)
    back = come_back(testapp, fields, data)
    assert urlsplit(back.location).query == ""
    for value in ("vads_", "signature", data["signature"], "mscott", "497010", data["vads_threeds_cavv"]):
        assert value not in back.location and value not in back.text
    [stored] = dbsession.scalars(select(StoredNotification))
    assert (stored.kind, stored.trans_status, stored.outcome) == ("RETURN", "AUTHORISED", None)
    assert fake_ecwid.puts() == []  # a return alone changes nothing at once: the notification may be coming


def test_no_notification_yet_shows_a_confirming_page_then_completes_from_the_stored_return(testapp, app, fake_ecwid, dbsession):
    configure_store(testapp)
    _, fields = checkout(testapp, lang="fr")
    come_back(testapp, fields, gateway_answer(fields, ipn=False))
    page = testapp.get(clean_url(fields), status=202)
    assert "Votre paiement est en cours de confirmation" in page.text
    assert refresh_url(page) == clean_url(fields)
    assert "vads_" not in page.text and "check=" not in page.text
    later(app, PATIENCE + 1)
    # The browser carries nothing: the module uses the copy it verified and stored.
    back = testapp.get(clean_url(fields), status=303)
    assert back.location == RETURN_URL
    assert fake_ecwid.orders["transaction_65306446"] == "PAID"
    assert dbsession.scalar(select(Store)).ipn_failure_at is not None
    [stored] = dbsession.scalars(select(StoredNotification))
    assert stored.outcome == "payment_ok"
    settings_page = testapp.get("/settings", {"payload": settings_payload()})
    assert 'id="notification-warning-TEST"' in settings_page.text


def test_get_return_with_data_still_works_but_is_never_echoed(testapp, app, fake_ecwid, dbsession):
    """An old form (``vads_return_mode=GET``) or a gateway shop configured to GET."""
    configure_store(testapp)
    _, fields = checkout(testapp)
    data = gateway_answer(fields, ipn=False)
    back = testapp.get(return_path(fields), {"app-name": "systempay", **data}, status=303)
    assert back.location == clean_url(fields)
    # The refresh URL of a confirming page of the previous version carried the data and a counter.
    again = testapp.get(return_path(fields), {**data, "check": "3"}, status=303)
    assert again.location == clean_url(fields)
    assert dbsession.scalar(select(func.count()).select_from(StoredNotification)) == 1
    page = testapp.get(clean_url(fields), status=202)
    assert "vads_" not in page.text and refresh_url(page) == clean_url(fields)
    later(app, PATIENCE + 1)
    assert testapp.get(clean_url(fields), status=303).location == RETURN_URL
    assert fake_ecwid.orders["transaction_65306446"] == "PAID"


def test_return_urls_come_from_the_public_url_not_the_host_header(testapp, fake_ecwid):
    configure_store(testapp)
    _, fields = checkout(testapp)
    evil = {"Host": "evil.example"}
    back = testapp.post(return_path(fields), gateway_answer(fields, ipn=False), headers=evil, status=303)
    assert back.location == clean_url(fields)
    page = testapp.get(return_path(fields), headers=evil, status=202)
    assert refresh_url(page) == clean_url(fields)


def test_unsigned_or_tampered_return_data_is_never_trusted(testapp, app, fake_ecwid, dbsession):
    configure_store(testapp)
    _, fields = checkout(testapp)
    data = gateway_answer(fields, ipn=False)
    data["vads_amount"] = "1"
    come_back(testapp, fields, {**data, "returnUrl": "https://evil.example", "next": "//evil"})
    assert dbsession.scalar(select(StoredNotification)) is None
    for seconds in (0, PATIENCE + 1, 3 * PATIENCE - 1, 3 * PATIENCE + 1):
        later(app, seconds)
        page = testapp.get(clean_url(fields), {"returnUrl": "https://evil.example", "next": "//evil"}, status="*")
        assert page.status_int in (202, 303)
        if page.status_int == 303:
            assert page.location.startswith(RETURN_URL + "&errorMsg=")
    assert page.status_int == 303  # the buyer is let go after the longest wait
    assert fake_ecwid.puts() == []
    assert dbsession.scalar(select(EcwidUpdate)) is None


def test_return_data_of_another_payment_is_not_kept(testapp, app, fake_ecwid, dbsession):
    configure_store(testapp)
    _, first = checkout(testapp)
    _, second = checkout(testapp, reference="transaction_other", order_id="OTHER")
    come_back(testapp, second, gateway_answer(first, ipn=False))
    assert dbsession.scalar(select(StoredNotification)) is None
    later(app, PATIENCE + 1)
    testapp.get(clean_url(second), status=202)
    assert fake_ecwid.puts() == []


def test_cancel_returns_with_the_message_in_the_buyer_language(testapp):
    configure_store(testapp)
    _, fields = checkout(testapp, lang="es")
    come_back(testapp, fields, gateway_answer(fields, status="ABANDONED", ipn=False))
    back = testapp.get(clean_url(fields), status=303)
    assert parse_qs(urlsplit(back.location).query)["errorMsg"] == ["Su pago ha sido cancelado."]
    assert back.location.startswith(RETURN_URL + "&errorMsg=")


def test_ecwid_down_during_return_keeps_the_buyer_waiting_then_lets_go(testapp, app, fake_ecwid):
    configure_store(testapp)
    _, fields = checkout(testapp)
    notify(testapp, gateway_answer(fields))
    fake_ecwid.script = [(500, {}, 0)] * 3
    come_back(testapp, fields, gateway_answer(fields, ipn=False))
    assert testapp.get(clean_url(fields), status=202)
    later(app, 3 * PATIENCE + 1)
    back = testapp.get(clean_url(fields), status=303)
    assert back.location == RETURN_URL


def test_unknown_attempt(testapp):
    assert "could not be found" in testapp.get("/return/doesnotexist", status=404).text
    assert "could not be found" in testapp.post("/return/doesnotexist", {"vads_amount": "1"}, status=404).text
