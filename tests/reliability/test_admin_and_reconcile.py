"""The settings page in an iframe, store-bound tokens, and payments left without notification."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import update

from ecwid_systempay.models import PaymentAttempt
from ecwid_systempay.models.meta import utcnow
from ecwid_systempay.scripts import reconcile

from ..flows import checkout, configure_store, open_settings


def test_only_the_settings_page_is_frameable_and_only_by_the_admin_origins(testapp):
    page = open_settings(testapp)
    assert page.headers["Content-Security-Policy"].endswith("; frame-ancestors https://my.ecwid.com")
    assert "X-Frame-Options" not in page.headers
    saved = page.forms["settings"].submit("save")
    assert saved.headers["Content-Security-Policy"].endswith("; frame-ancestors https://my.ecwid.com")
    # No cookie at all: the iframe works with third-party cookies blocked (the form carries its token).
    assert "Set-Cookie" not in page.headers and "Set-Cookie" not in saved.headers
    configure_store(testapp)
    for response in (
        testapp.get("/health"),
        checkout(testapp)[0],
        testapp.post("/callback", "x=y", status=400),
        testapp.get("/return/unknown", status=404),
        testapp.get("/nothing-here", status=404),
    ):
        assert response.headers["Content-Security-Policy"].endswith("; frame-ancestors 'none'")
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "*" not in response.headers["Content-Security-Policy"]


def test_expired_token_is_refused(testapp, app):
    page = open_settings(testapp)
    form = page.forms["settings"]
    box = app.registry["secret_box"]
    original = box.unseal
    box.unseal = lambda token, max_age: original(token, -1)  # as if max_age had passed
    try:
        response = form.submit("save", status=403)
    finally:
        box.unseal = original
    assert response.status_int == 403
    assert "Reopen the module's settings from the admin" in response.text


def test_callback_is_post_only_and_needs_no_csrf_token(testapp):
    for method in ("get", "put", "delete"):
        response = getattr(testapp, method)("/callback", status=405)
        assert response.headers["Allow"] == "POST"
        assert response.content_type == "text/plain"
    assert testapp.post("/callback", "vads_site_id=1", status=400).text.startswith("KO-")


def test_payments_without_notification_are_listed_for_operator_and_merchant(testapp, app, settings, tmp_path, capsys):
    configure_store(testapp)
    checkout(testapp, reference="transaction_forgotten")
    checkout(testapp, reference="transaction_recent")
    with app.registry["dbsession_factory"]() as session, session.begin():
        session.execute(
            update(PaymentAttempt)
            .where(PaymentAttempt.reference_transaction_id == "transaction_forgotten")
            .values(created_at=utcnow() - timedelta(hours=3))
        )
    ini = tmp_path / "ops.ini"
    ini.write_text("[app:main]\nuse = egg:ecwid_systempay\n" + "\n".join(f"{k} = {v}" for k, v in settings.items()) + "\n")
    assert reconcile.main([str(ini)]) == 1
    out = capsys.readouterr().out
    assert "transaction_forgotten" in out and "transaction_recent" not in out
    page = open_settings(testapp)
    assert 'id="unnotified"' in page.text and "transaction_forgotten" in page.text
    assert "transaction_recent" not in page.text
    assert reconcile.main([str(ini), "--older-than", str(4 * 3600)]) == 0
    assert Path(ini).exists()
