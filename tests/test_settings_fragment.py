"""Ecwid's default user auth: the payload is hex-encoded JSON in the iframe URL's fragment."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from ecwid_systempay.models import Store

from .support import STORE_ID, settings_fragment

POST_URL = "/settings?app-name=systempay"


def test_without_payload_the_page_is_a_shell_that_posts_the_fragment_back(testapp):
    shell = testapp.get("/settings", {"app-name": "systempay"})
    form = shell.forms["payload-form"]
    assert form.method.lower() == "post" and form.action == "http://localhost/settings?app-name=systempay"
    assert list(form.fields) == ["payload_hex"]
    assert re.search(r'<script src="http://localhost/static/settings-shell\.js"></script>', shell.text)
    assert "<script>" not in shell.text  # no inline script (Content-Security-Policy)
    assert shell.headers["Content-Security-Policy"].endswith("; frame-ancestors https://my.ecwid.com")
    assert "settings_token" not in shell.text
    assert testapp.get("/static/settings-shell.js").text.count("location.hash") == 1


def test_a_proven_fragment_opens_the_form_and_it_saves(testapp, dbsession, fake_ecwid):
    page = testapp.post(POST_URL, {"payload_hex": settings_fragment(lang="fr")})
    assert fake_ecwid.profiles[-1].path == f"/api/v3/{STORE_ID}/profile"
    assert "Identifiant boutique" in page.text
    form = page.forms["settings"]
    form["site_id"] = "87654321"
    assert "Paramètres enregistrés." in form.submit("save").text
    assert dbsession.scalar(select(Store.site_id)) == "87654321"


def test_the_fragment_may_keep_its_hash_sign_and_any_hex_case(testapp):
    assert testapp.post(POST_URL, {"payload_hex": "#" + settings_fragment().upper()}).forms["settings"]


@pytest.mark.parametrize(
    "fragment",
    [
        "",
        "zz",
        "7b2",
        "ff00ff",  # not UTF-8
        b"{not json".hex(),
        b"[1003]".hex(),
        json.dumps({"store_id": 1003, "lang": "en"}).encode().hex(),  # no token
        json.dumps({"store_id": "abc", "access_token": "secret_x"}).encode().hex(),
        json.dumps({"store_id": -5, "access_token": "secret_x"}).encode().hex(),
        json.dumps({"store_id": True, "access_token": "secret_x"}).encode().hex(),
        "7b" * 20000,
    ],
    ids=["empty", "not-hex", "odd-length", "not-utf8", "bad-json", "array", "no-token", "id-text", "id-negative", "id-bool", "huge"],
)
def test_an_unreadable_fragment_gets_a_readable_400_and_nothing_is_stored(testapp, dbsession, fake_ecwid, fragment):
    page = testapp.post(POST_URL, {"payload_hex": fragment}, status=400, headers={"Accept-Language": "fr"})
    assert "Impossible de lire les informations de la boutique" in page.text
    assert fake_ecwid.profiles == [] and dbsession.scalars(select(Store)) == []


def test_a_post_without_the_field_or_for_an_unknown_brand_is_a_400(testapp):
    testapp.post(POST_URL, {}, status=400)
    testapp.post("/settings?app-name=nope", {"payload_hex": settings_fragment()}, status=400)
    testapp.post(POST_URL, json.dumps({"payload_hex": settings_fragment()}), content_type="application/json", status=400)


def test_a_fragment_post_larger_than_a_form_is_refused_before_it_is_read(testapp):
    body = "payload_hex=" + "0" * (70 * 1024)
    page = testapp.post(POST_URL, body, content_type="application/x-www-form-urlencoded", status=413)
    assert "could not be read" in page.text
