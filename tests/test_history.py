"""The merchant's payment history, inside the admin iframe, authorised by the settings token."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import event, select

from ecwid_systempay.models import EcwidUpdate

from .flows import checkout, configure_store, notify, open_settings
from .support import gateway_answer

ADMIN_ORIGIN = "https://my.ecwid.com"


def open_history(testapp, **kw):
    """The settings page's "Payment history" button: a POST form carrying the token."""
    settings = open_settings(testapp, **kw)
    return settings.forms["open-history"].submit()


def rows(page) -> list[dict[str, str]]:
    """The attributes of every ``tr.payment``, in page order."""
    found = []
    for attrs in re.findall(r'<tr class="payment"([^>]*)>', page.text):
        found.append({k: unescape(v) for k, v in re.findall(r'([\w-]+)="([^"]*)"', attrs)})
    return found


def row_html(page, order: str) -> str:
    """The ``tbody`` of one order: its row and its attempts with their notifications."""
    for block in re.findall(r'<tbody class="order">.*?</tbody>\s*(?=<tbody|</table>\s*<nav|</table>)', page.text, re.S):
        if f'data-order="{order}"' in block:
            return block
    raise AssertionError(f"order {order} not in the page")


def visible_text(page) -> str:
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page.text, flags=re.S)
    return unescape(re.sub(r"<[^>]+>", " ", body))


def pay(testapp, fields, **kw):
    return notify(testapp, gateway_answer(fields, **kw))


def resend_forms(page) -> list:
    return [f for f in page.forms.values() if f.action.endswith("/history-resend?app-name=systempay")]


def test_the_history_opens_from_the_settings_page_with_the_token_in_a_form_never_in_a_url(testapp):
    configure_store(testapp)
    settings = open_settings(testapp)
    button = settings.forms["open-history"]
    assert button.method.upper() == "POST"
    assert button["settings_token"].value
    assert "token" not in button.action and button.action.endswith("/stores/1003/history?app-name=systempay")
    page = button.submit()
    assert page.status_int == 200
    assert page.headers["Content-Security-Policy"].endswith(f"; frame-ancestors {ADMIN_ORIGIN}")
    assert "Set-Cookie" not in page.headers
    assert "<h1>Payment history</h1>" in page.text
    assert 'id="no-payment"' in page.text and "No payment yet." in page.text
    token = page.forms["search"]["settings_token"].value
    for url in re.findall(r'(?:action|href|src)="([^"]*)"', page.text):
        assert "token" not in url and token not in unescape(url)
    back = page.forms["back-to-settings"].submit()
    assert back.forms["settings"]["site_id"].value == "12345678"
    form = back.forms["settings"]
    form["site_id"] = "87654321"
    assert "Settings saved." in form.submit("save").text


def test_thirty_payments_make_a_page_of_25_newest_first_then_a_page_of_5(testapp):
    configure_store(testapp)
    for i in range(1, 31):
        checkout(testapp, reference=f"transaction_{i}", order_id=f"SBX-{i}")
    first = open_history(testapp)
    orders = [r["data-order"] for r in rows(first)]
    assert orders == [f"SBX-{i}" for i in range(30, 5, -1)]
    assert "previous-page" not in first.forms and "Page 1" in first.text
    second = first.forms["next-page"].submit("page")
    assert [r["data-order"] for r in rows(second)] == [f"SBX-{i}" for i in range(5, 0, -1)]
    assert "next-page" not in second.forms and "Page 2" in second.text
    again = second.forms["previous-page"].submit("page")
    assert [r["data-order"] for r in rows(again)] == orders
    token = second.forms["previous-page"]["settings_token"].value
    beyond = testapp.post("/stores/1003/history?app-name=systempay", {"settings_token": token, "page": "9"})
    assert rows(beyond) == [] and "This page is empty." in beyond.text  # past the end: not an error
    assert "previous-page" in beyond.forms


def test_search_by_order_number_or_reference(testapp):
    configure_store(testapp)
    checkout(testapp, reference="transaction_65306446", order_id="XJ12H")
    checkout(testapp, reference="transaction_2", order_id="SBX-12")
    checkout(testapp, reference="transaction_3", order_id="SBX-121")
    page = open_history(testapp)
    for typed, expected in (
        ("XJ12H", ["XJ12H"]),
        ("#xj12h ", ["XJ12H"]),
        ("SBX-12", ["SBX-12"]),
        ("transaction_3", ["SBX-121"]),
    ):
        form = page.forms["search"]
        form["q"] = typed
        found = form.submit()
        assert [r["data-order"] for r in rows(found)] == expected, typed
    form = page.forms["search"]
    form["q"] = "NOPE"
    none = form.submit()
    assert rows(none) == [] and "No payment for this order number." in none.text
    everything = none.forms["search"]
    everything["q"] = ""
    assert len(rows(everything.submit())) == 3


def test_each_payment_shows_its_attempts_and_notifications(testapp, app):
    configure_store(testapp)
    _, refused = checkout(testapp, reference="transaction_1", order_id="XJ12H")
    assert pay(testapp, refused, status="REFUSED").text.startswith("OK-")
    _, paid = checkout(testapp, reference="transaction_1", order_id="XJ12H")
    assert pay(testapp, paid).text.startswith("OK-Accepted")
    assert pay(testapp, paid, source="RETRY").text.startswith("OK-")
    _, waiting = checkout(testapp, reference="transaction_2", order_id="YEN1", currency="JPY", total="1500")
    _, dinar = checkout(testapp, reference="transaction_3", order_id="KWD1", currency="KWD", total="12.345")
    page = open_history(testapp)
    by_order = {r["data-order"]: r for r in rows(page)}
    assert list(by_order) == ["KWD1", "YEN1", "XJ12H"]  # one row per order, newest first
    assert by_order["XJ12H"]["data-ecwid-status"] == "PAID"
    assert by_order["YEN1"]["data-ecwid-status"] == "" and by_order["YEN1"]["data-update-state"] == "none"

    order = row_html(page, "XJ12H")
    assert '<td class="amount">12.30 EUR</td>' in order
    assert '<code>AUTHORISED</code>' in order.split('<tr class="details">')[0]
    attempts = re.findall(r'<div class="attempt" data-trans-id="([^"]+)" data-status="([^"]+)"', order)
    assert [status for _, status in attempts] == ["PAID", "FAILED"]  # newest attempt first
    assert attempts[0][0] == f"12345678/{paid['vads_trans_date'][:8]}/{paid['vads_trans_id']}"
    notes = re.findall(r'<tr class="notification" data-source="([^"]*)"\s+data-status="([^"]*)" data-outcome="([^"]*)"', order)
    assert notes == [
        ("PAY", "AUTHORISED", "payment_ok"),
        ("RETRY", "AUTHORISED", "payment_ok_already_done"),
        ("PAY", "REFUSED", "payment_ko"),
    ]
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ">', order)
    assert "Payment accepted" in order and "Already taken into account" in order

    # The buyer's signed return, back before the notification, is kept; the notification decides.
    testapp.post(dinar["vads_url_return"], gateway_answer(dinar, ipn=False), status=303)
    assert pay(testapp, dinar).text.startswith("OK-Accepted")
    returned = row_html(open_history(testapp), "KWD1")
    notes = re.findall(r'<tr class="notification" data-source="([^"]*)"\s+data-status="([^"]*)" data-outcome="([^"]*)"', returned)
    assert notes == [("RETURN", "AUTHORISED", ""), ("PAY", "AUTHORISED", "payment_ok")]
    assert "Kept: the notification decides" in returned

    yen = row_html(page, "YEN1")
    assert '<td class="amount">1500 JPY</td>' in yen
    assert "No notification received for this transaction." in yen
    assert '<td class="amount">12.345 KWD</td>' in row_html(page, "KWD1")


def test_the_states_of_the_order_update_queued_failed_sent_dead(testapp, app, fake_ecwid):
    worker = app.registry["update_worker"]
    configure_store(testapp)
    _, fields = checkout(testapp, reference="transaction_1", order_id="A1")
    pay(testapp, fields)

    def state() -> tuple[str, str]:
        [row] = rows(open_history(testapp))
        return row["data-update-state"], row["data-ecwid-status"]

    assert state() == ("queued", "PAID")
    fake_ecwid.script = [(500, {}, 0)] * 10
    worker.run_once()
    assert state() == ("failed", "PAID")
    page = open_history(testapp)
    assert "Failed, will retry" in page.text and "HTTP 500" in page.text and resend_forms(page) == []
    worker.dead_after = timedelta(seconds=0)
    worker.run_once()
    assert state() == ("dead", "PAID")
    fake_ecwid.script = []
    worker.dead_after = timedelta(hours=1)
    page = open_history(testapp)
    resend = resend_forms(page)
    assert len(resend) == 1
    done = resend[0].submit()
    assert done.status_int == 200 and "The update is queued again" in done.text
    assert rows(done)[0]["data-update-state"] == "queued"
    assert resend[0].submit(status=409).status_int == 409  # a second click: nothing more to send
    worker.run_once()
    assert state() == ("sent", "PAID")
    assert fake_ecwid.orders["transaction_1"] == "PAID"


def dead_letter(testapp, app, fake_ecwid, *, store_id: int, reference: str) -> tuple[EcwidUpdate, dict[str, str]]:
    """A paid order whose update to the store was given up on; returns the job and the payment form."""
    worker = app.registry["update_worker"]
    _, fields = checkout(testapp, store_id=store_id, reference=reference, order_id=reference.upper())
    pay(testapp, fields)
    fake_ecwid.script = [(500, {}, 0)]
    worker.dead_after = timedelta(seconds=0)
    worker.run_once()
    worker.dead_after = timedelta(hours=1)
    with app.registry["dbsession_factory"]() as session:
        job = session.scalar(select(EcwidUpdate).where(EcwidUpdate.reference_transaction_id == reference))
        assert job is not None and job.state == "DEAD"
        return job, fields


def test_another_stores_dead_letter_or_token_is_refused(testapp, app, fake_ecwid, dbsession):
    configure_store(testapp, store_id=1003)
    configure_store(testapp, store_id=1004)
    mine, _ = dead_letter(testapp, app, fake_ecwid, store_id=1003, reference="transaction_mine")
    theirs, _ = dead_letter(testapp, app, fake_ecwid, store_id=1004, reference="transaction_theirs")
    page = open_history(testapp, store_id=1003)
    assert [r["data-order"] for r in rows(page)] == ["TRANSACTION_MINE"]  # only the token's store
    token_1003 = page.forms["search"]["settings_token"].value
    token_1004 = open_history(testapp, store_id=1004).forms["search"]["settings_token"].value

    # A valid token of this store, but the other store's job: not found here, left alone.
    refused = testapp.post(
        "/stores/1003/history-resend?app-name=systempay", {"settings_token": token_1003, "update_id": str(theirs.id)}, status=404
    )
    assert "This update does not exist in this store." in refused.text
    # The other store's token, no token, a forged token: 403.
    for token in (token_1004, None, "forged"):
        body = {"update_id": str(mine.id), **({"settings_token": token} if token else {})}
        testapp.post("/stores/1003/history-resend?app-name=systempay", body, status=403)
        testapp.post("/stores/1003/history?app-name=systempay", body, status=403)
    assert {j.reference_transaction_id: j.state for j in dbsession.scalars(select(EcwidUpdate))} == {
        "transaction_mine": "DEAD",
        "transaction_theirs": "DEAD",
    }
    testapp.post(
        "/stores/1003/history-resend?app-name=systempay", {"settings_token": token_1003, "update_id": str(mine.id)}, status=200
    )
    assert dbsession.scalar(select(EcwidUpdate.state).where(EcwidUpdate.id == mine.id)) == "PENDING"
    assert dbsession.scalar(select(EcwidUpdate.state).where(EcwidUpdate.id == theirs.id)) == "DEAD"


def test_an_older_dead_letter_is_not_sent_over_a_newer_status(testapp, app, fake_ecwid, dbsession):
    configure_store(testapp)
    job, fields = dead_letter(testapp, app, fake_ecwid, store_id=1003, reference="transaction_1")
    token = open_history(testapp).forms["search"]["settings_token"].value
    # The merchant refunds it in the Back Office: a newer update (REFUNDED) is queued.
    refund = gateway_answer(
        fields,
        source="MERCH_BO",
        status="CAPTURED",
        overrides={"vads_operation_type": "CREDIT", "vads_trans_id": "912345", "vads_amount": "1230"},
    )
    assert notify(testapp, refund).text.startswith("OK-Refund registered")
    [row] = [r for r in rows(open_history(testapp)) if r["data-order"] == "TRANSACTION_1"]
    assert row["data-ecwid-status"] == "REFUNDED" and row["data-update-state"] == "queued"
    answer = testapp.post(
        "/stores/1003/history-resend?app-name=systempay", {"settings_token": token, "update_id": str(job.id)}, status=409
    )
    assert "A newer update of this order exists" in answer.text
    assert dbsession.scalar(select(EcwidUpdate.state).where(EcwidUpdate.id == job.id)) == "DEAD"


def test_bad_input_gets_a_readable_answer_and_get_needs_the_header(testapp):
    configure_store(testapp)
    checkout(testapp)
    page = open_history(testapp)
    token = page.forms["search"]["settings_token"].value
    url = "/stores/1003/history?app-name=systempay"
    for value in ("-3", "x", "99999999999", ""):
        assert len(rows(testapp.post(url, {"settings_token": token, "page": value}))) == 1
    assert testapp.post(url, {"settings_token": token, "q": "x" * 5000}).status_int == 200
    bad = testapp.post("/stores/1003/history-resend?app-name=systempay", {"settings_token": token, "update_id": "abc"}, status=400)
    assert "Incomplete request" in bad.text
    testapp.get(url, status=403)
    assert len(rows(testapp.get(url, headers={"X-Settings-Token": token}))) == 1
    testapp.get("/stores/999/history?app-name=systempay", headers={"X-Settings-Token": token}, status=404)


def test_french_admin_reads_french_and_the_page_never_names_the_platform(testapp, app, fake_ecwid):
    configure_store(testapp)
    dead_letter(testapp, app, fake_ecwid, store_id=1003, reference="transaction_1")
    for lang, words in (("fr", ("Historique des paiements", "Abandonnée", "Renvoyer", "Payée")), ("en", ("Payment history", "Given up", "Send again", "Paid"))):
        page = open_history(testapp, lang=lang)
        text = visible_text(page)
        for word in words:
            assert word in text, (lang, word)
        assert "ecwid" not in text.lower() and "lightspeed" not in text.lower()
    assert "Historique des paiements" in open_settings(testapp, lang="fr").text
    # Two admins of one store: each history keeps the language of the page it was opened from.
    french = open_settings(testapp, lang="fr")
    open_settings(testapp, lang="en")
    page = french.forms["open-history"].submit()
    assert "Historique des paiements" in page.text and '<html lang="fr">' in page.text
    assert "Retour aux paramètres" in page.text


@pytest.mark.parametrize("payments", [1, 30])
def test_a_page_costs_the_same_few_queries_whatever_the_number_of_payments(testapp, app, payments):
    configure_store(testapp)
    for i in range(payments):
        _, fields = checkout(testapp, reference=f"transaction_{i}", order_id=f"N{i}")
        pay(testapp, fields)
        pay(testapp, fields, source="RETRY")
    settings = open_settings(testapp)
    statements: list[str] = []
    engine = app.registry["dbengine"]

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        page = settings.forms["open-history"].submit()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert len(rows(page)) == min(payments, 25)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # store lookup + the page's orders + their attempts + notifications + updates
    assert len(selects) == 5, selects
