"""Settings tokens: re-saving the form never extends the first token's lifetime."""

from __future__ import annotations

import time

from ..flows import open_settings


def test_a_token_reissued_after_a_save_keeps_the_first_tokens_expiry(testapp, app):
    box = app.registry["secret_box"]
    opened = time.time()
    page = open_settings(testapp)  # the admin opens the settings: a token valid for one hour
    box.clock = lambda: opened + 50 * 60
    saved = page.forms["settings"].submit("save")  # 50 minutes later: saved, the page carries a new token
    assert "Settings saved." in saved.text
    errors = saved.forms["settings"]
    errors["site_id"] = "1"
    again = errors.submit("save", status=400)  # a form with errors carries a re-issued token too
    box.clock = lambda: opened + 61 * 60  # past one hour since the page was opened
    again.forms["settings"].submit("save", status=403)
    saved.forms["settings"].submit("save", status=403)
    box.clock = lambda: opened + 61 * 60
    assert open_settings(testapp).forms["settings"].submit("save").status_int == 200  # reopening gives a new hour


def test_going_through_the_history_pages_does_not_extend_the_session_either(testapp, app):
    box = app.registry["secret_box"]
    opened = time.time()
    page = open_settings(testapp)
    box.clock = lambda: opened + 50 * 60
    history = page.forms["open-history"].submit()  # the history, 50 minutes later: its forms carry a token
    back = history.forms["back-to-settings"].submit()  # and back to the settings
    assert back.forms["settings"]
    box.clock = lambda: opened + 61 * 60
    history.forms["search"].submit(status=403)
    back.forms["settings"].submit("save", status=403)
    back.forms["open-history"].submit(status=403)
