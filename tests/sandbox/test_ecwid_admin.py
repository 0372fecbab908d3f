"""The simulated Ecwid admin: SDK and CSS files, both user-auth modes, one app per brand."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import webtest
from pyramid.paster import get_appsettings

from ecwid_systempay.protocol.ecwid_crypto import InvalidPayload, decrypt_cbc, decrypt_gcm
from ecwid_systempay.sandbox import main
from ecwid_systempay.sandbox.brands import sandbox_brands

ROOT = Path(__file__).resolve().parents[2]
SECRET = "sandbox-secret-for-tests-000000"
PAYZEN_SECRET = "payzen-secret-for-tests-0000000"
CONTEXT_FIELDS = {"store_id", "lang", "access_token", "view_mode", "public_token"}


@pytest.fixture
def sandbox():
    app = main({}, **{"sandbox.client_secret": SECRET, "sandbox.module_url": "http://module.test", "sandbox.store_id": "77"})
    return webtest.TestApp(app), app.registry["sandbox.ecwid"]


@pytest.fixture
def two_brands():
    """The sandbox as development.ini mounts it: the module's brands systempay and payzen."""
    app = main(
        {},
        **{
            "sandbox.module_url": "http://module.test",
            "ecwid_systempay.brands": "systempay payzen",
            "ecwid_systempay.brand.systempay.client_id": "sp-client",
            "ecwid_systempay.brand.systempay.client_secret": SECRET,
            "ecwid_systempay.brand.payzen.client_id": "pz-client",
            "ecwid_systempay.brand.payzen.client_secret": PAYZEN_SECRET,
            "ecwid_systempay.brand.payzen.title": "PayZen",
        },
    )
    yield webtest.TestApp(app), app.registry
    app.registry["sandbox.systempay"].close()


def frame_src(page: webtest.TestResponse) -> str:
    return page.html.find(id="settings-frame")["src"]


def context_of(src: str, secret: str) -> dict:
    """The store context an app page receives, in whichever mode the admin used."""
    parts = urlsplit(src)
    query = parse_qs(parts.query)
    if parts.fragment:
        assert "payload" not in query
        return json.loads(bytes.fromhex(parts.fragment).decode("utf-8"))
    return decrypt_cbc(query["payload"][0], secret)


# ---------------------------------------------------------------------- the SDK and CSS files


def test_the_sdk_and_the_css_framework_are_served_at_the_urls_of_development_ini(sandbox):
    testapp, _ = sandbox
    dev = get_appsettings(str(ROOT / "development.ini"))
    js = testapp.get(urlsplit(dev["ecwid_systempay.ecwid_sdk_url"]).path)
    assert js.content_type == "application/javascript"
    assert js.headers["Access-Control-Allow-Origin"] == "*"
    for method in ("init", "ready", "setSize", "getPayload"):
        assert re.search(rf"\b{method}: function", js.text), method
    assert "window.EcwidApp = EcwidApp" in js.text
    css = testapp.get(urlsplit(dev["ecwid_systempay.ecwid_css_url"]).path)
    assert css.content_type == "text/css"
    for name in ("settings-page", "named-area", "a-card", "fieldset", "field__input", "btn", "btn-primary", "flex-table"):
        assert re.search(rf"\.{name}\b[^-_]", css.text), name


def test_the_sdk_demo_page_loads_the_sdk_and_the_css(sandbox):
    testapp, _ = sandbox
    page = testapp.get("/sandbox/ecwid/sdk-demo")
    assert page.html.find("script", src=re.compile(r"/sandbox/ecwid/sdk/js/1\.3\.0/ecwid-app\.js$")) is not None
    assert page.html.find("link", href=re.compile(r"/sandbox/ecwid/sdk/css/1\.3\.19/ecwid-app-ui\.css$")) is not None
    assert page.html.find(id="sdk-demo")["class"] == ["settings-page"]


# ---------------------------------------------------------------------- the store context, both modes


def test_the_admin_hands_the_store_context_in_either_mode_and_remembers_the_choice(sandbox):
    testapp, store = sandbox
    expected = {
        "store_id": 77, "lang": "fr", "access_token": store.token, "view_mode": "PAGE", "public_token": store.public_token,
    }
    enhanced = frame_src(testapp.get("/sandbox/ecwid/admin?lang=fr"))
    assert enhanced.startswith("http://module.test/settings?") and "#" not in enhanced
    assert context_of(enhanced, SECRET) == expected

    page = testapp.get("/sandbox/ecwid/admin?lang=fr&auth=fragment")
    default = frame_src(page)
    assert urlsplit(default)._replace(fragment="").geturl() == "http://module.test/settings?app-name=systempay"
    assert re.fullmatch(r"7b22[0-9a-f]+", urlsplit(default).fragment)  # hex of '{"'
    assert context_of(default, SECRET) == expected
    assert page.html.find(id="admin-auth").find("option", selected=True)["value"] == "fragment"

    remembered = testapp.get("/sandbox/ecwid/admin?lang=fr")  # no switch: the cookie decides
    assert urlsplit(frame_src(remembered)).fragment
    assert not urlsplit(frame_src(testapp.get("/sandbox/ecwid/admin?auth=payload"))).fragment
    assert not urlsplit(frame_src(testapp.get("/sandbox/ecwid/admin"))).fragment
    testapp.get("/sandbox/ecwid/admin?auth=nonsense")  # an unknown value changes nothing
    assert not urlsplit(frame_src(testapp.get("/sandbox/ecwid/admin"))).fragment


def test_the_admin_waits_for_the_apps_init_from_the_apps_origin_only(sandbox):
    testapp, _ = sandbox
    area = testapp.get("/sandbox/ecwid/admin").html.find(id="app-area")
    assert area["data-state"] == "loading"
    assert area["data-app-origin"] == "http://module.test"
    assert area["data-init-timeout"] == "5"
    assert area.find(id="app-loader") is not None and area.find(id="settings-frame") is not None
    assert testapp.get("/sandbox/ecwid/admin?init_timeout=0").html.find(id="app-area")["data-init-timeout"] == "0"
    demo = testapp.get("/sandbox/ecwid/admin?app=sdk-demo&auth=fragment&init_delay_ms=-1")
    src = frame_src(demo)
    assert src.startswith("http://module.test/sandbox/ecwid/sdk-demo?")  # the sandbox's public URL
    assert parse_qs(urlsplit(src).query)["init_delay_ms"] == ["-1"]
    assert demo.html.find(id="app-area")["data-app-origin"] == "http://module.test"
    assert context_of(src, SECRET)["store_id"] == 77


# ---------------------------------------------------------------------- one Ecwid app per brand


def test_development_ini_configures_two_brands_that_the_sandbox_installs():
    dev = get_appsettings(str(ROOT / "development.ini"))
    assert dev["ecwid_systempay.brands"].split() == ["systempay", "payzen"]
    brands = sandbox_brands(dev)
    assert [b.name for b in brands] == ["systempay", "payzen"]
    assert len({b.client_id for b in brands}) == len({b.client_secret for b in brands}) == len({b.site_id for b in brands}) == 2
    assert [b.client_secret for b in brands] == [dev[f"ecwid_systempay.brand.{b.name}.client_secret"] for b in brands]
    assert dev["ecwid_systempay.brand.systempay.payment_url"] != dev["ecwid_systempay.brand.payzen.payment_url"]


def test_the_admin_opens_the_chosen_brands_app_with_that_apps_secret_and_token(two_brands):
    testapp, registry = two_brands
    store = registry["sandbox.ecwid"]
    payzen = store.apps["payzen"]
    page = testapp.get("/sandbox/ecwid/admin?app=payzen")
    src = frame_src(page)
    assert parse_qs(urlsplit(src).query)["app-name"] == ["payzen"]
    context = context_of(src, PAYZEN_SECRET)
    assert set(context) == CONTEXT_FIELDS and context["access_token"] == payzen.token != store.apps["systempay"].token
    with pytest.raises(InvalidPayload):
        context_of(src, SECRET)  # not the other app's secret
    platform = registry["sandbox.systempay"]
    payzen_shop = next(b for b in registry["sandbox.brands"] if b.name == "payzen")
    assert page.html.find(id="hint-site-id").text == payzen_shop.site_id != platform.default_site_id
    assert page.html.find(id="hint-key-test").text == platform.keys(payzen_shop.site_id)["key_test"]
    assert platform.get_shop(payzen_shop.site_id).rules["end_of_payment"].url_test == "http://module.test/callback?app-name=payzen"
    assert platform.get_shop().rules["end_of_payment"].url_test == "http://module.test/callback?app-name=systempay"
    assert parse_qs(urlsplit(frame_src(testapp.get("/sandbox/ecwid/admin"))).query)["app-name"] == ["payzen"]  # remembered


def test_the_storefront_pays_with_the_chosen_brands_app(two_brands):
    testapp, registry = two_brands
    store = registry["sandbox.ecwid"]
    form = testapp.get("/sandbox/ecwid/store").forms["checkout-form"]
    assert [value for value, *_ in form["app"].options] == ["systempay", "payzen"]
    assert form["app"].value == "systempay"
    form["qty_1"] = "1"
    form["app"] = "payzen"
    page = form.submit()
    action = unescape(re.search(r'action="([^"]+)"', page.text).group(1))
    assert action == "http://module.test/payment?app-name=payzen"
    fields = {unescape(k): unescape(v) for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', page.text)}
    order = decrypt_gcm(fields["enc_data"], PAYZEN_SECRET)
    assert decrypt_cbc(fields["data"], PAYZEN_SECRET) == order
    assert order["token"] == store.apps["payzen"].token
    assert order["cart"]["order"]["paymentModule"] == "CUSTOM_PAYMENT_APP-pz-client"
    assert parse_qs(urlsplit(order["returnUrl"]).query)["clientId"] == ["pz-client"]
    assert store.find(order["cart"]["order"]["id"]).app_name == "payzen"
    # Each app's own token works on the store's REST API; nothing else does.
    for app in store.apps.values():
        testapp.get(f"/sandbox/ecwid/api/v3/{store.store_id}/profile", headers={"Authorization": f"Bearer {app.token}"})
    testapp.get(f"/sandbox/ecwid/api/v3/{store.store_id}/profile", headers={"Authorization": "Bearer secret_nope"}, status=403)
    testapp.get(f"/sandbox/ecwid/api/v3/{store.store_id}/profile", headers={"Authorization": store.token}, status=403)


def test_the_home_page_lists_each_brands_demo_shop(two_brands):
    testapp, registry = two_brands
    platform = registry["sandbox.systempay"]
    shops = {e["data-brand"]: e.find_all("code") for e in testapp.get("/sandbox/").html.select(".home-shop")}
    assert list(shops) == ["systempay", "payzen"]
    for brand in registry["sandbox.brands"]:
        assert [c.text for c in shops[brand.name]] == [brand.site_id, platform.keys(brand.site_id)["key_test"]]
