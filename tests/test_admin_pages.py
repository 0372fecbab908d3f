"""Every page the module answers inside the store admin's iframe is a native app page.

Each of them (settings in both user-auth modes, saved, with errors, with the notification
warning and the test phase; the fragment shell; the 400/403/503 pages; the payment history)
loads the app JS SDK and the admin CSS framework of the INI, calls ``EcwidApp.init`` with
the brand's client id (``static/admin.js``), may be framed by the admin, and never names
the platform of the admin ("Ecwid", "Lightspeed": partners' white-label admins).
"""

from __future__ import annotations

import re
from pathlib import Path

from .flows import configure_store, open_settings, pay_with_card
from .support import settings_fragment, settings_payload
from .test_settings_page import complete_from_return

SDK_URL = "http://localhost/sandbox/ecwid/sdk/js/1.3.0/ecwid-app.js"  # tests/conftest.py
CSS_URL = "http://localhost/sandbox/ecwid/sdk/css/1.3.19/ecwid-app-ui.css"
FORBIDDEN_WORDS = re.compile(r"ecwid|lightspeed", re.I)
PAYZEN_SECRET = "payzen-client-secret-00000000"


def visible_text(page) -> str:
    """Text nodes and the attributes a person reads (alt, title, placeholder, labels, visible values)."""
    soup = page.html
    for tag in soup(["script", "style"]):
        tag.decompose()
    parts = [soup.get_text(" ")]
    for tag in soup.find_all(True):
        for attribute in ("alt", "title", "placeholder", "aria-label"):
            if tag.get(attribute):
                parts.append(tag[attribute])
        if tag.name in ("input", "button") and tag.get("type") != "hidden" and tag.get("value"):
            parts.append(tag["value"])
    return " ".join(parts)


def assert_native_app_page(page, client_id: str = "systempay") -> None:
    assert [s["src"] for s in page.html.select("head script[src]")][:2] == [SDK_URL, "http://localhost/static/admin.js"]
    init = page.html.find(id="admin-init")
    assert init["data-app-id"] == client_id
    assert page.html.select("head link[rel=stylesheet]")[0]["href"] == CSS_URL
    assert page.html.find(class_="named-area") is not None
    assert "frame-ancestors https://my.ecwid.com" in page.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in page.headers
    assert page.html.find("meta", attrs={"name": "viewport"})["content"] == "width=device-width, initial-scale=1"
    found = FORBIDDEN_WORDS.findall(visible_text(page))
    assert not found, found


def admin_pages(testapp, app, fake_ecwid):
    """(name, response, client id) of every kind of page the settings flow answers."""
    configure_store(testapp)
    complete_from_return(testapp, app)
    pay_with_card(testapp, "5970100300000075", "REFUSED")
    for lang in ("en", "fr"):
        page = open_settings(testapp, lang=lang)
        yield f"settings-{lang}", page, "systempay"
        form = page.forms["settings"]
        form["site_id"] = "1"
        yield f"settings-errors-{lang}", form.submit("save", status=400), "systempay"
        yield f"settings-saved-{lang}", open_settings(testapp, lang=lang).forms["settings"].submit("save"), "systempay"
    yield "payzen", open_settings(testapp, brand="payzen", secret=PAYZEN_SECRET), "payzen"
    yield "shell", testapp.get("/settings", {"app-name": "systempay"}), "systempay"
    yield "shell-payzen", testapp.get("/settings", {"app-name": "payzen"}), "payzen"
    yield "unreadable", testapp.get("/settings", {"payload": "garbage"}, status=400), "systempay"
    yield "unreadable-fragment", testapp.post("/settings?app-name=systempay", {"payload_hex": "zz"}, status=400), "systempay"
    yield "refused", testapp.get("/settings", {"payload": settings_payload(token="not-the-stores")}, status=403), "systempay"
    fake_ecwid.profile_script.append((503, {}, 0))
    yield "unavailable", testapp.get("/settings", {"payload": settings_payload(store_id=77)}, status=503), "systempay"
    yield "expired", testapp.post("/stores/1003/settings?app-name=systempay", {"settings_token": "forged"}, status=403), "systempay"
    fragment = testapp.post("/settings?app-name=systempay", {"payload_hex": settings_fragment(lang="fr")})
    yield "from-fragment", fragment, "systempay"
    history = fragment.forms["open-history"].submit()
    assert history.html.find(id="history") is not None
    yield "history", history, "systempay"


def test_every_admin_page_loads_the_sdk_calls_init_uses_the_framework_and_never_names_the_platform(testapp, app, fake_ecwid):
    names = []
    for name, page, client_id in admin_pages(testapp, app, fake_ecwid):
        names.append(name)
        try:
            assert_native_app_page(page, client_id)
        except AssertionError as error:
            raise AssertionError(f"{name}: {error}") from error
    assert len(names) == 16


def test_admin_js_calls_init_with_the_brands_client_id_and_autoheight():
    script = (Path(__file__).parent.parent / "ecwid_systempay" / "static" / "admin.js").read_text()
    assert re.search(r"EcwidApp\.init\(\{\s*app_id: appId, autoloadedflag: true, autoheight: true\s*\}\)", script)
