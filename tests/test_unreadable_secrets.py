"""A deployment whose secret_keys cannot read what was saved (wrong or retired Fernet key): never a 500."""

from __future__ import annotations

import logging
import re

import pytest
import webtest
from cryptography.fernet import Fernet

from ecwid_systempay import main

from .flows import checkout, configure_store, open_settings
from .support import KEY_TEST, STORE_ID, store_token

OTHER_KEY = Fernet.generate_key().decode()


@pytest.fixture
def wrong_keys(settings):
    """The same database, served with a secret_keys that does not hold the key the secrets were saved with."""
    application = main({}, **{**settings, "ecwid_systempay.secret_keys": OTHER_KEY})
    yield webtest.TestApp(application, extra_environ={"HTTP_HOST": "localhost"})
    application.registry["dbengine"].dispose()


def errors_naming_the_store(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR and f"systempay:{STORE_ID}" in r.getMessage()]


def test_the_settings_page_asks_for_the_keys_again_and_saving_them_repairs_the_store(testapp, wrong_keys, caplog):
    configure_store(testapp)
    caplog.set_level(logging.INFO)
    page = open_settings(wrong_keys)
    assert page.status_int == 200
    warning = page.html.find(id="keys-unreadable")
    assert warning is not None and "enter the test and production keys again" in warning.text
    assert page.html.find(id="key-test-state").text.strip() == "Saved key unreadable: enter it again"
    assert page.html.find(id="key-prod-state").text.strip() == "No key saved"
    assert errors_naming_the_store(caplog)
    assert KEY_TEST not in caplog.text and store_token(STORE_ID) not in caplog.text

    form = page.forms["settings"]
    form["key_test"] = KEY_TEST
    saved = form.submit("save")
    assert "Settings saved." in saved.text and saved.html.find(id="keys-unreadable") is None
    assert saved.html.find(id="key-test-state").text.strip() == "Key saved"
    assert checkout(wrong_keys)[1]["vads_site_id"] == "12345678"  # the store pays again
    assert wrong_keys.get("/health").json["status"] == "ok"  # the token was proven and saved again too


def test_the_french_admin_reads_it_in_french(testapp, wrong_keys):
    configure_store(testapp)
    page = open_settings(wrong_keys, lang="fr")
    assert "saisissez à nouveau" in page.html.find(id="keys-unreadable").text


def test_checkout_for_that_store_gives_the_not_available_page(testapp, wrong_keys, caplog):
    configure_store(testapp)
    caplog.set_level(logging.INFO)
    response, fields = checkout(wrong_keys, status=422)
    assert "Ce moyen de paiement n'est pas encore disponible." in response.text  # the order's language
    assert "vads_site_id" not in fields
    assert errors_naming_the_store(caplog)
    legacy, _ = checkout(wrong_keys, legacy=True, status=403)  # the saved token cannot be compared either
    assert "Cette demande de paiement n'a pas pu être vérifiée." in legacy.text


def test_health_reports_it_without_naming_any_secret(testapp, wrong_keys, caplog):
    configure_store(testapp)
    assert testapp.get("/health").json["status"] == "ok"  # the right keys read everything
    caplog.set_level(logging.INFO)
    response = wrong_keys.get("/health", status=503)
    assert response.json == {
        "status": "error",
        "database": "ok",
        "secrets": "unreadable",
        "stores_with_unreadable_secrets": 1,
        "reason": "saved shop keys or Ecwid tokens cannot be decrypted with the configured ecwid_systempay.secret_keys",
    }
    assert not re.search(r"gAAAA|secret_store|1111|1003", response.text)  # no secret, no store named
    assert any("TEST key" in message and "Ecwid token" in message for message in errors_naming_the_store(caplog))
    caplog.clear()
    wrong_keys.get("/health", status=503)
    assert errors_naming_the_store(caplog) == []  # logged once, not at every poll of a monitor


def test_a_notification_for_that_store_asks_the_gateway_to_retry(testapp, wrong_keys, caplog):
    from .flows import notify
    from .support import gateway_answer

    configure_store(testapp)
    _, fields = checkout(testapp)
    caplog.set_level(logging.INFO)
    response = notify(wrong_keys, gateway_answer(fields), status=503)  # retried once the right keys are back
    assert response.text.startswith("KO-")
    assert errors_naming_the_store(caplog)
    assert notify(testapp, gateway_answer(fields)).text.startswith("OK-")  # the right keys: processed


def test_a_clean_check_is_kept_a_minute_a_problem_is_checked_at_every_call(testapp, app, settings):
    from ecwid_systempay.secrets_box import SecretBox
    from ecwid_systempay.services.secret_health import SecretsCheck

    now = [0.0]
    check = SecretsCheck(app.registry["dbsession_factory"], SecretBox([OTHER_KEY]), max_age=60, clock=lambda: now[0])
    assert check.problems() == []  # no store yet
    configure_store(testapp)  # saved with the app's key, which OTHER_KEY cannot read
    now[0] = 59
    assert check.problems() == []  # a monitor polling often does not scan the stores each time
    now[0] = 61
    assert [str(p) for p in check.problems()] == [f"systempay:{STORE_ID} (TEST key, Ecwid token)"]
    assert len(check.problems()) == 1


def test_an_ecwid_update_whose_token_cannot_be_read_waits_for_the_right_keys(testapp, wrong_keys, app, dbsession, fake_ecwid, caplog):
    """The worker of a deployment with the wrong secret_keys sends nothing, says why, and keeps the job."""
    from sqlalchemy import select, update

    from ecwid_systempay.models import EcwidUpdate

    from .flows import notify
    from .support import gateway_answer

    configure_store(testapp)
    _, fields = checkout(testapp)
    assert notify(testapp, gateway_answer(fields)).text.startswith("OK-")
    caplog.set_level(logging.INFO)
    assert wrong_keys.app.registry["update_worker"].run_once() == 1
    assert fake_ecwid.puts() == []
    [job] = dbsession.scalars(select(EcwidUpdate))
    assert job.state == "PENDING"
    assert job.last_error == "the saved Ecwid token cannot be decrypted with the configured secret_keys"
    assert not [r for r in caplog.records if r.exc_info]  # a clear line, not a traceback
    assert store_token(STORE_ID) not in caplog.text

    with app.registry["dbsession_factory"]() as session, session.begin():
        session.execute(update(EcwidUpdate).values(next_attempt_at=EcwidUpdate.created_at))
    assert app.registry["update_worker"].run_once() == 1  # the right keys are back
    assert [p.body["paymentStatus"] for p in fake_ecwid.puts()] == ["PAID"]
