"""The simulated Ecwid store: payment request, returnUrl, admin payload, REST API and its switches."""

from __future__ import annotations

import json
import re
import time
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
import webtest

from ecwid_systempay.protocol.ecwid_crypto import decrypt_cbc, decrypt_gcm
from ecwid_systempay.sandbox import main

SECRET = "sandbox-secret-for-tests-000000"


@pytest.fixture
def sandbox():
    app = main({}, **{"sandbox.client_secret": SECRET, "sandbox.module_url": "http://module.test", "sandbox.store_id": "77"})
    return webtest.TestApp(app), app.registry["sandbox.ecwid"]


def go_to_payment(testapp, currency="EUR", quantities=None, legacy=False, lang="fr"):
    form = testapp.get(f"/sandbox/ecwid/store?currency={currency}&lang={lang}").forms["checkout-form"]
    for product, quantity in (quantities or {1: 2}).items():
        form[f"qty_{product}"] = str(quantity)
    if legacy:
        form["legacy_cbc"] = True
    page = form.submit()
    fields = {unescape(k): unescape(v) for k, v in re.findall(r'name="([^"]+)" value="([^"]*)"', page.text)}
    action = unescape(re.search(r'action="([^"]+)"', page.text).group(1))
    return action, fields


@pytest.mark.parametrize(
    ("currency", "total"),
    [("EUR", Decimal("25.00")), ("USD", Decimal("27.00")), ("JPY", Decimal("4050")), ("KWD", Decimal("8.326"))],
)
def test_go_to_payment_posts_both_encrypted_fields_like_ecwid(sandbox, currency, total):
    testapp, store = sandbox
    action, fields = go_to_payment(testapp, currency)
    assert action == "http://module.test/payment?app-name=systempay"
    gcm, cbc = decrypt_gcm(fields["enc_data"], SECRET), decrypt_cbc(fields["data"], SECRET)
    assert gcm == cbc
    assert gcm["storeId"] == 77 and gcm["lang"] == "fr" and gcm["token"] == store.token
    assert gcm["cart"]["currency"] == currency
    assert gcm["cart"]["order"]["total"] == total
    assert gcm["cart"]["order"]["referenceTransactionId"] == "transaction_1"
    query = parse_qs(urlsplit(gcm["returnUrl"]).query)
    assert set(query) == {"orderId", "clientId", "timestamp", "key"}


def test_legacy_option_sends_only_data(sandbox):
    testapp, _ = sandbox
    _, fields = go_to_payment(testapp, legacy=True)
    assert "enc_data" not in fields and decrypt_cbc(fields["data"], SECRET)["storeId"] == 77


def test_return_url_thanks_paid_orders_and_shows_the_error_otherwise(sandbox):
    testapp, store = sandbox
    _, fields = go_to_payment(testapp)
    return_url = decrypt_gcm(fields["enc_data"], SECRET)["returnUrl"]
    path = urlsplit(return_url).path.replace("/sandbox", "/sandbox", 1)
    query = urlsplit(return_url).query
    page = testapp.get(f"{path}?{query}&errorMsg=Votre+paiement+a+%C3%A9t%C3%A9+refus%C3%A9.")
    assert page.html.find(id="error-message").text == "Votre paiement a été refusé."
    assert page.forms["checkout-form"]["qty_1"].value == "2"  # the cart is intact
    store.update(store.find("SBX-1"), {"paymentStatus": "PAID"})
    assert testapp.get(f"{path}?{query}").html.find(id="thank-you") is not None
    testapp.get(f"{path}?{query.replace('key=', 'key=0')}", status=403)


def test_admin_iframe_carries_a_real_encrypted_payload(sandbox):
    testapp, store = sandbox
    src = testapp.get("/sandbox/ecwid/admin?lang=fr").html.find(id="settings-frame")["src"]
    assert src.startswith("http://module.test/settings?")
    payload = decrypt_cbc(parse_qs(urlsplit(src).query)["payload"][0], SECRET)
    assert payload["store_id"] == 77 and payload["lang"] == "fr" and payload["access_token"] == store.token


def put(testapp, order, body, token="secret_sandbox_77", **kw):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers.update(kw.pop("headers", {}))
    return testapp.put(f"/sandbox/ecwid/api/v3/77/orders/{order}", json.dumps(body), headers={"Content-Type": "application/json", **headers}, **kw)


def test_rest_api_answers_like_ecwid(sandbox):
    testapp, store = sandbox
    go_to_payment(testapp)
    assert put(testapp, "transaction_1", {"paymentStatus": "PAID", "externalTransactionId": "abc"}).json == {"updateCount": 1}
    assert store.find("SBX-1").payment_status == "PAID"
    assert testapp.get("/sandbox/ecwid/api/v3/77/orders/SBX-1", headers={"Authorization": "Bearer secret_sandbox_77"}).json["paymentStatus"] == "PAID"
    assert put(testapp, "transaction_999", {"paymentStatus": "PAID"}, status=404).json["errorMessage"]
    put(testapp, "transaction_1", {"paymentStatus": "PAID"}, token=None, status=401)
    put(testapp, "transaction_1", {"paymentStatus": "PAID"}, token="secret_wrong", status=403)
    testapp.put("/sandbox/ecwid/api/v3/77/orders/transaction_1?token=secret_sandbox_77", json.dumps({"paymentStatus": "PAID"}), headers={"Content-Type": "application/json"}, status=403)
    testapp.put("/sandbox/ecwid/api/v3/77/orders/transaction_1", "paymentStatus=PAID", headers={"Authorization": "Bearer secret_sandbox_77", "Content-Type": "application/x-www-form-urlencoded"}, status=415)
    put(testapp, "transaction_1", {"paymentStatus": "QUEUED"}, status=400)
    assert len(store.api_calls()) == 8


def test_switches_make_the_api_fail_then_recover(sandbox):
    testapp, store = sandbox
    go_to_payment(testapp)
    store.set_switch("error500", remaining=1)
    put(testapp, "transaction_1", {"paymentStatus": "PAID"}, status=500)
    store.set_switch("rate429", remaining=1, retry_after=9)
    assert put(testapp, "transaction_1", {"paymentStatus": "PAID"}, status=429).headers["Retry-After"] == "9"
    store.set_switch("hang", remaining=1, hang_seconds=0.3)
    started = time.perf_counter()
    put(testapp, "transaction_1", {"paymentStatus": "PAID"})
    assert time.perf_counter() - started >= 0.3
    assert put(testapp, "transaction_1", {"paymentStatus": "PAID"}).json == {"updateCount": 1}
    page = testapp.get("/sandbox/ecwid/api-switches")
    form = page.forms["switch-form"]
    form["mode"] = "error500"
    form.submit()
    assert store.switch.mode == "error500" and store.switch.remaining is None


def test_landing_page_links_everything(sandbox):
    testapp, _ = sandbox
    page = testapp.get("/sandbox/")
    for element in ("home-admin", "home-store", "home-bo", "home-outbox"):
        assert page.html.find(id=element) is not None


def test_store_profile_answers_only_this_stores_token(sandbox):
    testapp, store = sandbox
    profile = testapp.get("/sandbox/ecwid/api/v3/77/profile", headers={"Authorization": "Bearer secret_sandbox_77"})
    assert profile.json["generalInfo"]["storeId"] == 77
    testapp.get("/sandbox/ecwid/api/v3/78/profile", headers={"Authorization": "Bearer secret_sandbox_77"}, status=403)
    testapp.get("/sandbox/ecwid/api/v3/77/profile", headers={"Authorization": "Bearer secret_sandbox_78"}, status=403)
    testapp.get("/sandbox/ecwid/api/v3/77/profile", status=401)
    testapp.get("/sandbox/ecwid/api/v3/77/profile?token=secret_sandbox_77", status=403)
    store.set_switch("error500", remaining=1)
    testapp.get("/sandbox/ecwid/api/v3/77/profile", headers={"Authorization": "Bearer secret_sandbox_77"}, status=500)
    assert [call.status for call in store.api_calls()] == [200, 403, 403, 401, 403, 500]
