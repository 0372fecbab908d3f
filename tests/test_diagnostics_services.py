"""The facts behind the settings page's notification diagnostics and test-phase assistant.

Driven as the gateway and the buyer would (webtest), read with the services the page uses.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import webtest
from sqlalchemy import select

from ecwid_systempay import main
from ecwid_systempay.models import Store
from ecwid_systempay.models.meta import utcnow
from ecwid_systempay.services.diagnostics import notification_diagnostics
from ecwid_systempay.services.test_phase import scenario_progress

from .flows import checkout, configure_store, masked_card as masked, notify, pay_with_card
from .support import KEY_PROD, SITE_ID, gateway_answer
from .test_return import clean_url, come_back, later

RECONCILE = 2 * 3600  # the default reconcile_after_seconds


def pay(testapp, card: str = "4970100000000014", status: str = "AUTHORISED", *, key: str | None = None, **kw):
    return pay_with_card(testapp, card, status, **({"key": key} if key else {}), **kw)


def diagnostics(app, now=None):
    with app.registry["dbsession_factory"]() as session:
        store = session.scalar(select(Store))
        return notification_diagnostics(session, store.id, now or utcnow(), RECONCILE)


def progress(app, now=None):
    with app.registry["dbsession_factory"]() as session:
        store = session.scalar(select(Store))
        return [(p.scenario.row, p.done) for p in scenario_progress(session, store.id, store.site_id, now or utcnow())]


def test_never_received(testapp, app):
    configure_store(testapp)
    result = diagnostics(app)
    assert result["TEST"].last is None and result["PRODUCTION"].last is None
    assert not result["TEST"].warning and not result["PRODUCTION"].warning


def test_the_last_notification_of_each_mode_with_its_time_source_and_status(testapp, app):
    configure_store(testapp)
    before = utcnow()
    pay(testapp, status="AUTHORISED")
    pay(testapp, status="REFUSED", source="RETRY", n=1)
    result = diagnostics(app)
    last = result["TEST"].last
    assert before <= last.received_at <= utcnow()
    assert (last.source, last.trans_status, last.outcome) == ("RETRY", "REFUSED", "payment_ko")
    assert result["PRODUCTION"].last is None


def test_a_payment_completed_from_its_return_warns_until_a_notification_comes(testapp, app):
    configure_store(testapp)
    _, fields = checkout(testapp, reference="transaction_no_ipn")
    come_back(testapp, fields, gateway_answer(fields, ipn=False))
    assert not diagnostics(app)["TEST"].warning  # the notification may still be on its way
    later(app, 60)
    testapp.get(clean_url(fields), status=303)  # completed from the signed return
    test = diagnostics(app)["TEST"]
    assert test.warning and test.returned_without_notification and not test.overdue
    assert test.last is None
    assert not diagnostics(app)["PRODUCTION"].warning
    pay(testapp)  # the rules work again
    test = diagnostics(app)["TEST"]
    assert not test.warning and test.last is not None
    assert test.return_without_notification_at is not None  # still known, no longer a warning


def test_a_payment_without_notification_after_the_retry_window_warns(testapp, app):
    configure_store(testapp)
    pay(testapp)  # a notification received before the forgotten payment proves nothing about it
    checkout(testapp, reference="transaction_forgotten")
    assert not diagnostics(app)["TEST"].warning
    three_hours_later = utcnow() + timedelta(hours=3)  # the gateway's retries are long over
    test = diagnostics(app, three_hours_later)["TEST"]
    assert test.warning and test.overdue and test.overdue_count == 1 and not test.returned_without_notification
    # A notification received after it shows the rules work again; the payment stays listed.
    pay(testapp, n=2)
    test = diagnostics(app, three_hours_later)["TEST"]
    assert not test.warning and test.overdue_count == 1


def test_scenarios_tick_only_with_their_expected_result(testapp, app):
    configure_store(testapp)
    assert progress(app) == [(1, False), (2, False), (3, False), (4, False)]
    pay(testapp, "4970100000000014", "REFUSED")  # row 1 must be accepted
    pay(testapp, "5970100300000075", "AUTHORISED")  # row 3 must be refused
    pay(testapp, "4970100000000048", "AUTHORISED")  # a test card outside the table
    assert progress(app) == [(1, False), (2, False), (3, False), (4, False)]
    pay(testapp, "5000550000000029", "AUTHORISED")  # Maestro, row 1
    pay(testapp, "4917480000000057", "CAPTURED")  # Visa Electron, row 2
    pay(testapp, "5970100300000075", "REFUSED", n=1)  # Mastercard, row 3
    assert progress(app) == [(1, True), (2, True), (3, True), (4, False)]
    pay(testapp, "4970100000000071", "REFUSED")  # CB, row 4
    assert progress(app) == [(1, True), (2, True), (3, True), (4, True)]


def test_returns_rejected_notifications_abandonments_and_other_shops_tick_nothing(testapp, app):
    configure_store(testapp)
    _, fields = checkout(testapp, reference="transaction_return_only")
    come_back(testapp, fields, gateway_answer(fields, ipn=False, overrides={"vads_card_number": masked("4970100000000014")}))
    later(app, 60)
    testapp.get(clean_url(fields), status=303)  # a RETURN, applied: the module got no notification
    _, fields = checkout(testapp, reference="transaction_wrong_amount")
    notify(testapp, gateway_answer(fields, overrides={"vads_card_number": masked("4970100000000055"), "vads_amount": "1"}))
    pay(testapp, "4970100000000063", "ABANDONED")
    assert progress(app) == [(1, False), (2, False), (3, False), (4, False)]
    pay(testapp, "4970100000000071", "REFUSED")
    configure_store(testapp, site_id="87654321")  # another shop: its Back Office has its own table
    assert progress(app) == [(1, False), (2, False), (3, False), (4, False)]
    configure_store(testapp, site_id=SITE_ID)
    assert progress(app) == [(1, False), (2, False), (3, False), (4, True)]
    # The platform purges test payments after 30 days.
    assert progress(app, utcnow() + timedelta(days=31)) == [(1, False), (2, False), (3, False), (4, False)]


@pytest.fixture
def production_app(settings):
    application = main({}, **{**settings, "ecwid_systempay.allow_production": "true"})
    yield application
    application.registry["dbengine"].dispose()


def test_production_notifications_are_diagnosed_apart_and_never_tick_a_test_row(production_app):
    testapp = webtest.TestApp(production_app, extra_environ={"HTTP_HOST": "localhost"})
    configure_store(testapp, key_prod=KEY_PROD, ctx_mode="PRODUCTION")
    pay(testapp, "4970100000000014", "AUTHORISED", key=KEY_PROD)
    result = diagnostics(production_app)
    assert result["PRODUCTION"].last.trans_status == "AUTHORISED"
    assert result["TEST"].last is None
    assert progress(production_app) == [(1, False), (2, False), (3, False), (4, False)]
