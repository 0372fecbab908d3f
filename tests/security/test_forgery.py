"""Forged and tampered requests: Hypothesis properties of the parser and verifier, and the views."""

from __future__ import annotations

import os
import re
from urllib.parse import urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from ecwid_systempay.models import PaymentAttempt, Transition
from ecwid_systempay.protocol.notification import MalformedNotification, parse_body, parse_pairs
from ecwid_systempay.protocol.signature import HMAC_SHA256, SHA1, compute_signature, verify_signature

from ..flows import checkout, configure_store, notify
from ..support import KEY_PROD, KEY_TEST, gateway_answer

VIEW_EXAMPLES = int(os.environ.get("FORGERY_VIEW_EXAMPLES", "300"))
FIXTURES = settings(deadline=None, max_examples=VIEW_EXAMPLES, suppress_health_check=[HealthCheck.function_scoped_fixture])
RETURN_URL = "https://store.example/checkout?clientId=systempay&timestamp=1751294405226&key=abcdefgh"

names = st.from_regex(r"vads_[a-z_]{1,20}", fullmatch=True)
values = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
field_sets = st.dictionaries(names, values, min_size=1, max_size=15)
keys = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=40)
algorithms = st.sampled_from([HMAC_SHA256, SHA1])


@settings(max_examples=500, deadline=None)
@given(fields=field_sets, key=keys, algorithm=algorithms, extra=st.dictionaries(st.from_regex(r"[a-uw-z][a-z_]{0,10}", fullmatch=True), values, max_size=3))
def test_sign_then_verify_and_order_or_extras_change_nothing(fields, key, algorithm, extra):
    signature = compute_signature(fields, key, algorithm)
    assert verify_signature(fields, signature, key, algorithm)
    shuffled = dict(reversed(list(fields.items())))
    assert verify_signature({**extra, **shuffled}, signature, key, algorithm)


@settings(max_examples=500, deadline=None)
@given(fields=field_sets, key=keys, algorithm=algorithms, data=st.data())
def test_any_single_mutation_breaks_the_signature(fields, key, algorithm, data):
    signature = compute_signature(fields, key, algorithm)
    name = data.draw(st.sampled_from(sorted(fields)))
    new_value = data.draw(values)
    assume(new_value != fields[name])
    assert not verify_signature({**fields, name: new_value}, signature, key, algorithm)
    new_name = data.draw(names)
    assume(new_name not in fields)
    renamed = {(new_name if k == name else k): v for k, v in fields.items()}
    # Names are not signed, only the values in name order joined with "+" (spec 3.1): a rename
    # that changes that string must fail; one that keeps it (same order, or "+" values shifting
    # across a boundary, e.g. ["+", ""] and ["", "+"]) is caught by the strict field formats instead.
    same_string = "+".join(renamed[k] for k in sorted(renamed)) == "+".join(fields[k] for k in sorted(fields))
    assert verify_signature(renamed, signature, key, algorithm) == same_string


@settings(max_examples=2000, deadline=None)
@given(st.binary(max_size=2048) | st.text(max_size=512).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_the_parser_only_ever_raises_malformed(body):
    try:
        parse_body(body)
    except MalformedNotification:
        pass


def test_the_parser_refuses_huge_bodies_and_duplicates():
    with pytest.raises(MalformedNotification):
        parse_body(b"vads_x=" + b"a" * (65 * 1024))
    valid = [("vads_site_id", "12345678"), ("signature", "x")]
    with pytest.raises(MalformedNotification):
        parse_pairs(valid + [("vads_site_id", "12345678")])
    with pytest.raises(MalformedNotification):
        parse_pairs(valid + [("signature", "y")])


def mutations():
    """Ways to tamper with a valid notification body (as lists of pairs)."""
    drop = st.integers(min_value=0, max_value=60).map(lambda i: ("drop", i))
    change = st.tuples(st.integers(min_value=0, max_value=60), values).map(lambda t: ("change", t))
    dup = st.integers(min_value=0, max_value=60).map(lambda i: ("duplicate", i))
    rename = st.tuples(st.integers(min_value=0, max_value=60), names).map(lambda t: ("rename", t))
    garbage = st.binary(max_size=300).map(lambda b: ("garbage", b))
    return st.lists(st.one_of(drop, change, dup, rename, garbage), min_size=1, max_size=3)


def apply(pairs: list[tuple[str, str]], steps) -> bytes:
    for kind, arg in steps:
        if kind == "garbage":
            return arg
        if not pairs:
            break
        if kind == "drop":
            pairs.pop(arg % len(pairs))
        elif kind == "change":
            index, value = arg
            name, old = pairs[index % len(pairs)]
            pairs[index % len(pairs)] = (name, value if value != old else old + "x")
        elif kind == "duplicate":
            pairs.append(pairs[arg % len(pairs)])
        elif kind == "rename":
            index, name = arg
            pairs[index % len(pairs)] = (name, pairs[index % len(pairs)][1])
    return urlencode(pairs).encode()


@FIXTURES
@given(steps=mutations())
def test_tampered_notifications_never_change_state_nor_get_500_or_3xx(testapp, dbsession, fake_ecwid, steps):
    if not dbsession.scalar(select(func.count()).select_from(PaymentAttempt)):
        configure_store(testapp)
        checkout(testapp)
    attempt = dbsession.scalar(select(PaymentAttempt))
    fields = {"vads_amount": str(attempt.amount_minor), "vads_currency": "978", "vads_ctx_mode": "TEST",
              "vads_site_id": attempt.site_id, "vads_trans_id": attempt.trans_id,
              "vads_trans_date": attempt.trans_date.strftime("%Y%m%d%H%M%S")}
    valid = gateway_answer(fields)
    body = apply(list(valid.items()), steps)
    transitions = select(func.count()).select_from(Transition)
    before = dbsession.scalar(transitions)
    response = testapp.post("/callback?app-name=systempay", body, headers={"Content-Type": "application/x-www-form-urlencoded"}, status="*", expect_errors=True)
    assert response.status_int in (200, 400), response.status
    if dbsession.scalar(transitions) != before:
        # Only a message that still carries a valid signature (e.g. a field renamed to itself) may change state.
        note = parse_body(body)
        assert verify_signature(note.fields, note.signature, KEY_TEST)
    assert fake_ecwid.puts() == []  # the worker is not running here


@pytest.fixture
def production_app(settings):
    import webtest

    from ecwid_systempay import main

    app = main({}, **{**settings, "ecwid_systempay.allow_production": "true"})
    yield app, webtest.TestApp(app, extra_environ={"HTTP_HOST": "localhost"})
    app.registry["dbengine"].dispose()


def test_a_test_key_signature_never_changes_a_production_payment(production_app, dbsession):
    app, testapp = production_app
    configure_store(testapp, key_test=KEY_TEST, key_prod=KEY_PROD, ctx_mode="PRODUCTION")
    _, fields = checkout(testapp)
    assert fields["vads_ctx_mode"] == "PRODUCTION"
    reader = type(dbsession)(app.registry["dbsession_factory"])
    for mode in ("TEST", "PRODUCTION"):
        forged = gateway_answer(fields, key=KEY_TEST, overrides={"vads_ctx_mode": mode})
        assert notify(testapp, forged).text.startswith("KO-")
        assert reader.scalar(select(PaymentAttempt.status)) == "NEW"
    assert notify(testapp, gateway_answer(fields, key=KEY_PROD)).text.startswith("OK-Accepted payment, order has been updated")


def test_one_shops_notification_never_touches_another_shops_order(testapp, dbsession):
    configure_store(testapp, store_id=1, site_id="11111111", key_test="AAAAAAAAAAAAAAAA")
    configure_store(testapp, store_id=2, site_id="22222222", key_test="BBBBBBBBBBBBBBBB")
    _, first = checkout(testapp, store_id=1, reference="transaction_s1")
    _, second = checkout(testapp, store_id=2, reference="transaction_s2")
    attacks = [
        gateway_answer(first, key="BBBBBBBBBBBBBBBB"),  # shop 2's key on shop 1's payment
        gateway_answer({**first, "vads_site_id": "22222222"}, key="BBBBBBBBBBBBBBBB"),  # shop 2 naming shop 1's trans id
        gateway_answer({**first, "vads_ext_info_ecwid_store": "2"}, key="AAAAAAAAAAAAAAAA"),
        gateway_answer(second, key="AAAAAAAAAAAAAAAA"),
    ]
    for attack in attacks:
        assert notify(testapp, attack).text.startswith("KO-")
    assert [a.status for a in dbsession.scalars(select(PaymentAttempt))] == ["NEW", "NEW"]


@pytest.mark.parametrize("override", [{"vads_amount": "1229"}, {"vads_amount": "123000"}, {"vads_currency": "840"}])
def test_another_amount_or_currency_never_marks_paid(testapp, dbsession, override):
    configure_store(testapp)
    _, fields = checkout(testapp)
    assert notify(testapp, gateway_answer(fields, overrides=override)).text.startswith("KO-")
    assert dbsession.scalar(select(PaymentAttempt.status)) == "NEW"


@pytest.mark.parametrize(
    "params",
    [
        {"returnUrl": "https://evil.example/"},
        {"next": "//evil.example"},
        {"url": "javascript:alert(1)"},
        {"redirect": "https://evil.example/"},
        {"vads_url_return": "https://evil.example/", "signature": "x"},
    ],
)
def test_the_return_only_ever_redirects_to_the_stored_return_url(testapp, params):
    configure_store(testapp)
    _, fields = checkout(testapp)
    path = urlsplit(fields["vads_url_return"]).path
    notify(testapp, gateway_answer(fields))
    signed = gateway_answer(fields, ipn=False)
    for query in (params, {**signed, **params}, {**params, "check": "50"}):
        for response in (testapp.get(path, query, status="*"), testapp.post(path, query, status="*")):
            assert response.status_int in (202, 303)
            if response.status_int == 303:
                # Return data goes to the payment's clean URL first, then only to the stored returnUrl.
                assert response.location.startswith(RETURN_URL) or response.location == f"http://localhost{path}"
            assert not re.search(r"evil|javascript", response.headers.get("Location", ""))
