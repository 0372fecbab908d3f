"""Security headers of the module's pages: Content-Security-Policy with script-src, HSTS in production."""

from __future__ import annotations

import re

from ..flows import checkout, configure_store, open_settings
from ..support import settings_fragment

CDN_SDK = "https://djqizrxa6f10j.cloudfront.net/ecwid-sdk/js/1.3.0/ecwid-app.js"  # production.ini's
TEST_SDK_ORIGIN = "http://localhost"  # tests/conftest.py serves the sandbox's copy


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        name, _, value = part.strip().partition(" ")
        assert name not in parsed, f"{name} twice in {policy}"
        parsed[name] = value.strip()
    return parsed


def module_pages(testapp):
    """One response of each kind of page the module answers."""
    configure_store(testapp)
    return {
        "settings": open_settings(testapp),
        "settings saved": open_settings(testapp).forms["settings"].submit("save"),
        "settings history": open_settings(testapp).forms["open-history"].submit(),
        "settings errors": testapp.post("/settings?app-name=systempay", {"payload_hex": "zz"}, status=400),
        "fragment shell": testapp.get("/settings"),
        "fragment form": testapp.post("/settings?app-name=systempay", {"payload_hex": settings_fragment()}),
        "checkout": checkout(testapp)[0],
        "checkout refused": testapp.post("/payment?app-name=systempay", {"data": "x"}, status="*"),
        "forbidden": testapp.post("/stores/1003/settings?app-name=systempay", {"site_id": "1"}, status=403),
        "not found": testapp.get("/nothing-here", status=404),
        "health": testapp.get("/health"),
        "callback": testapp.post("/callback", "x=y", status=400),
    }



def test_every_page_allows_scripts_only_from_itself_and_the_sdk_origin(testapp):
    for name, response in module_pages(testapp).items():
        policy = directives(response)
        scripts = policy["script-src"].split()
        assert scripts[:2] == ["'self'", TEST_SDK_ORIGIN], name
        assert all(s.startswith("'nonce-") for s in scripts[2:]), name
        assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts and "*" not in policy["script-src"]
        assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'", name
        framed = name.startswith(("settings", "fragment", "forbidden"))  # the admin iframe's pages
        assert policy["frame-ancestors"] == ("https://my.ecwid.com" if framed else "'none'"), name


def test_no_page_has_an_inline_script_without_the_nonce_of_its_policy(testapp):
    for name, response in module_pages(testapp).items():
        if "html" not in response.content_type:
            continue
        nonces = {s[len("'nonce-"):-1] for s in directives(response)["script-src"].split() if s.startswith("'nonce-")}
        for tag in re.findall(r"<script\b[^>]*>", response.text):
            nonce = re.search(r'nonce="([^"]+)"', tag)
            assert "src=" in tag or (nonce and nonce.group(1) in nonces), f"{name}: {tag}"
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", response.text), f"{name}: inline event handler"


def test_the_sdk_origin_follows_the_ini_setting(app_with):
    production = app_with(**{"ecwid_systempay.ecwid_sdk_url": CDN_SDK})
    assert directives(open_settings(production))["script-src"] == "'self' https://djqizrxa6f10j.cloudfront.net"
    other = app_with(**{"ecwid_systempay.ecwid_sdk_url": "https://cdn.example.net:8443/ecwid-sdk/js/1.3.0/ecwid-app.js"})
    assert directives(open_settings(other))["script-src"] == "'self' https://cdn.example.net:8443"


def test_production_pages_send_hsts_and_development_pages_do_not(testapp, app_with):
    production = app_with(**{"ecwid_systempay.public_url": "https://pay.example.com"})
    for name, response in module_pages(production).items():
        assert response.headers["Strict-Transport-Security"] == "max-age=31536000", name
    for name, response in module_pages(testapp).items():  # public_url http://localhost
        assert "Strict-Transport-Security" not in response.headers, name


def test_a_page_that_renders_a_nonce_gets_exactly_that_nonce_allowed(app):
    from pyramid.events import NewResponse
    from pyramid.response import Response
    from pyramid.testing import DummyRequest

    from ecwid_systempay.views import csp_nonce, security_headers

    for uses_nonce in (True, False):
        request = DummyRequest(path="/settings")
        request.registry = app.registry
        request.app_settings = app.registry["app_settings"]
        if uses_nonce:
            request.csp_nonce = csp_nonce(request)  # what the reified request method stores
        response = Response()
        security_headers(NewResponse(request, response))
        scripts = directives(response)["script-src"].split()
        assert scripts[2:] == ([f"'nonce-{request.csp_nonce}'"] if uses_nonce else [])
