"""Opening the settings: the payload's token is proven with Ecwid's store profile first."""

from __future__ import annotations

from datetime import timedelta

import pytest
import webtest
from sqlalchemy import select, update

from ecwid_systempay import main
from ecwid_systempay.models import Store
from ecwid_systempay.models.meta import utcnow

from .flows import open_settings
from .support import STORE_ID, settings_payload, store_token


def stored(dbsession) -> Store | None:
    return dbsession.scalar(select(Store).where(Store.ecwid_store_id == STORE_ID))


def saved_token(app, dbsession) -> str | None:
    return app.registry["secret_box"].decrypt(stored(dbsession).ecwid_token_enc)


@pytest.mark.parametrize(
    "step",
    [(500, {}, 0), (503, {}, 0), (429, {"Retry-After": "10"}, 0), (0, {}, 3.0)],
    ids=["500", "503", "429", "timeout"],
)
def test_an_ecwid_outage_gives_a_try_again_page_in_the_admins_language_and_no_token(testapp, dbsession, fake_ecwid, step):
    fake_ecwid.profile_script = [step]
    page = open_settings(testapp, lang="fr", status=503)
    assert "Réessayez dans quelques instants" in page.text
    assert "settings_token" not in page.text and "<form" not in page.text
    assert page.headers["Retry-After"] == "30"
    assert page.headers["Content-Security-Policy"].endswith("; frame-ancestors https://my.ecwid.com")
    assert stored(dbsession) is None  # nothing stored before the proof
    assert open_settings(testapp, lang="fr").forms["settings"]  # Ecwid is back: the same payload works


@pytest.mark.parametrize("status", [401, 403, 404])
def test_a_refused_token_gives_403_and_the_saved_token_stays(testapp, app, dbsession, fake_ecwid, status):
    open_settings(testapp)
    fake_ecwid.profile_script = [(status, {}, 0)]
    page = testapp.get("/settings", {"payload": settings_payload(token="secret_stolen_or_revoked")}, status=403)
    assert "cannot be opened for this store" in page.text and "settings_token" not in page.text
    assert saved_token(app, dbsession) == store_token(STORE_ID)


def test_the_token_is_stored_encrypted_only_once_proven(testapp, app, dbsession, fake_ecwid):
    fake_ecwid.profile_tokens[STORE_ID] = "secret_new_after_reinstall"
    testapp.get("/settings", {"payload": settings_payload()}, status=403)  # the old token is no longer valid
    assert stored(dbsession) is None
    testapp.get("/settings", {"payload": settings_payload(token="secret_new_after_reinstall")})
    assert "secret_new_after_reinstall" not in stored(dbsession).ecwid_token_enc
    assert saved_token(app, dbsession) == "secret_new_after_reinstall"


def test_a_proof_is_remembered_for_a_short_time_and_only_for_the_same_token(testapp, app, dbsession, fake_ecwid):
    open_settings(testapp)
    open_settings(testapp)
    assert len(fake_ecwid.profiles) == 1  # the second opening used the remembered proof
    fake_ecwid.profile_tokens[STORE_ID] = "secret_rotated"
    testapp.get("/settings", {"payload": settings_payload(token="secret_rotated")})
    assert len(fake_ecwid.profiles) == 2  # another token is always asked
    assert saved_token(app, dbsession) == "secret_rotated"
    open_settings(testapp, status=403)  # the old token, refused now, is not remembered as proven
    assert len(fake_ecwid.profiles) == 3
    with app.registry["dbsession_factory"]() as session, session.begin():
        session.execute(update(Store).values(ecwid_token_proven_at=utcnow() - timedelta(seconds=301)))
    testapp.get("/settings", {"payload": settings_payload(token="secret_rotated")})
    assert len(fake_ecwid.profiles) == 4  # older than token_proof_seconds (300): asked again


def test_every_process_shares_the_remembered_proof(testapp, settings, fake_ecwid):
    open_settings(testapp)
    other = main({}, **settings)  # a second process on the same database
    try:
        assert open_settings(webtest.TestApp(other, extra_environ={"HTTP_HOST": "localhost"})).forms["settings"]
    finally:
        other.registry["dbengine"].dispose()
    assert len(fake_ecwid.profiles) == 1


def test_a_remembered_proof_is_not_extended_by_reopening(testapp, app, dbsession):
    open_settings(testapp)
    first = stored(dbsession).ecwid_token_proven_at
    open_settings(testapp)
    assert stored(dbsession).ecwid_token_proven_at == first
