"""Any JSON shape in the decrypted payment request gets a readable page, never a 500.

Explicit cases first (a list for the currency, a store id of 10^23...), then a
Hypothesis property: arbitrary JSON in any field of the payload, sealed with
AES-GCM (``enc_data``) or AES-CBC (``data``), posted through the app.
"""

from __future__ import annotations

import copy
import json
import os
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyramid.i18n import make_localizer
from sqlalchemy import func, select

from ecwid_systempay.i18n.locale import LOCALE_DIR
from ecwid_systempay.models import PaymentAttempt
from ecwid_systempay.protocol.ecwid_crypto import seal_cbc, seal_gcm
from ecwid_systempay.protocol.languages import LANGUAGES
from ecwid_systempay.protocol.messages import MESSAGES
from ecwid_systempay.protocol.payment_request import InvalidPaymentRequest, parse_payment_request

from ..flows import configure_store, hidden_fields
from ..support import CLIENT_SECRET, order_payload

EXAMPLES = int(os.environ.get("FORGERY_VIEW_EXAMPLES", "300"))
FIXTURES = settings(deadline=None, max_examples=EXAMPLES, suppress_health_check=[HealthCheck.function_scoped_fixture])
ALL_TEXTS = {
    make_localizer(lang, [str(LOCALE_DIR)]).translate(text) for lang in LANGUAGES for text in MESSAGES.values()
}


class RawNumber:
    """A JSON number literal written as is (``1e400`` has no Python float)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return f"RawNumber({self.text!r})"


def dumps(value: Any) -> str:
    """JSON text for any value below, numbers written exactly."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, RawNumber):
        return value.text
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    return "{" + ",".join(f"{json.dumps(str(k))}:{dumps(v)}" for k, v in value.items()) + "}"


DELETE = object()
PATHS = [
    "storeId", "lang", "returnUrl", "merchantAppSettings", "token", "cart",
    "cart.currency", "cart.order",
    *(f"cart.order.{name}" for name in (
        "id", "referenceTransactionId", "orderNumber", "total", "email", "customerId",
        "billingPerson", "shippingPerson", "items", "paymentStatus",
    )),
    *(f"cart.order.{person}.{name}" for person in ("billingPerson", "shippingPerson") for name in (
        "name", "companyName", "street", "city", "countryCode", "postalCode", "stateOrProvinceCode", "phone",
    )),
]
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**15, max_value=10**40)
    | st.integers(max_value=0)
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40)
    | st.sampled_from(["EUR", "", " ", "1003", "١٠٠٣", "NaN", "Infinity", "1e999999999", "-1", "12.30\n",
                      "https://evil.example/", "javascript:alert(1)", "<script>", "secret_store_token_1003"])
    | st.sampled_from([RawNumber("1e400"), RawNumber("-1E-400"), RawNumber("1" + "0" * 30), RawNumber("-0.0"),
                       RawNumber("Infinity"), RawNumber("NaN"), RawNumber("1E+999999999")])
)
json_values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=8
)
mutations = st.lists(st.tuples(st.sampled_from(PATHS), json_values | st.just(DELETE)), min_size=1, max_size=3)


def mutate(payload: dict[str, Any], steps: list[tuple[str, Any]]) -> dict[str, Any]:
    result = copy.deepcopy(payload)
    for path, value in steps:
        *parents, leaf = path.split(".")
        node: Any = result
        for name in parents:
            node = node.get(name) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            continue
        if value is DELETE:
            node.pop(leaf, None)
        else:
            node[leaf] = value
    return result


def post(testapp, payload: dict[str, Any], *, gcm: bool, status: Any = "*"):
    plaintext = dumps(payload).encode("utf-8")
    form = {"enc_data": seal_gcm(plaintext, CLIENT_SECRET)} if gcm else {"data": seal_cbc(plaintext, CLIENT_SECRET)}
    return testapp.post("/payment?app-name=systempay", form, status=status, expect_errors=True)


def assert_readable(response) -> None:
    """A 4xx page with one of the buyer texts, or a clean signed form."""
    assert response.status_int in (200, 400, 403, 422, 429), response.status
    assert response.content_type == "text/html"
    if response.status_int == 200:
        fields = hidden_fields(response.text)
        assert fields["signature"] and fields["vads_trans_id"]
        for name, value in fields.items():
            assert len(value) <= 4096, name
            assert not any(junk in value for junk in ("{'", "['", "None", "True", "False")), (name, value)
    else:
        text = response.html.find(class_="text").get_text()
        assert text in ALL_TEXTS


SHAPES = [
    ("cart.currency", ["EUR"]),
    ("cart.currency", {"code": "EUR"}),
    ("cart.currency", 978),
    ("cart.currency", None),
    ("storeId", 10**23),
    ("storeId", "1" * 30),
    ("storeId", -1003),
    ("storeId", True),
    ("storeId", [1003]),
    ("storeId", {"id": 1003}),
    ("storeId", "١٠٠٣"),
    ("storeId", Decimal("1003.5")),
    ("token", None),
    ("token", ["secret_store_token_1003"]),
    ("token", 1003),
    ("returnUrl", {"url": "https://store.example/"}),
    ("returnUrl", ["https://store.example/"]),
    ("cart.order.total", RawNumber("1e400")),
    ("cart.order.total", 10**30),
    ("cart.order.total", "1e999999999"),
    ("cart.order.total", [Decimal("12.30")]),
    ("cart.order.total", {"value": 12}),
    ("cart.order.total", True),
    ("cart.order.total", None),
    ("cart.order.referenceTransactionId", {"a": 1}),
    ("cart.order.referenceTransactionId", ["transaction_1"]),
    ("cart.order.referenceTransactionId", True),
    ("cart", ["EUR"]),
    ("cart.order", "XJ12H"),
]


@pytest.mark.parametrize("gcm", [True, False], ids=["enc_data", "data"])
@pytest.mark.parametrize(("path", "value"), SHAPES, ids=[f"{p}={v!r}"[:40] for p, v in SHAPES])
def test_wrong_shapes_of_required_fields_get_a_4xx_page(testapp, dbsession, path, value, gcm):
    configure_store(testapp)
    response = post(testapp, mutate(order_payload(lang="fr"), [(path, value)]), gcm=gcm)
    assert 400 <= response.status_int < 500, response.status
    assert_readable(response)
    assert dbsession.scalar(select(func.count()).select_from(PaymentAttempt)) == 0


@pytest.mark.parametrize(
    ("path", "value"),
    [("lang", ["fr"]), ("lang", {"x": 1}), ("cart.order.email", {"a": "b"}), ("cart.order.billingPerson", "Scott"),
     ("cart.order.billingPerson.name", {"first": "Michael"}), ("cart.order.shippingPerson.phone", [1, 2]),
     ("cart.order.customerId", 10**30), ("merchantAppSettings", [None])],
)
def test_junk_in_optional_fields_is_ignored(testapp, path, value):
    configure_store(testapp)
    response = post(testapp, mutate(order_payload(), [(path, value)]), gcm=True)
    assert response.status_int == 200
    assert_readable(response)


def test_a_list_for_the_currency_gets_the_readable_page_with_a_way_back(testapp):
    configure_store(testapp)
    response = post(testapp, mutate(order_payload(lang="fr"), [("cart.currency", ["EUR"])]), gcm=True)
    assert response.status_int == 400
    assert "La demande de paiement est illisible" in response.text
    assert response.html.find(id="back-to-shop")["href"].startswith("https://store.example/checkout?")


@FIXTURES
@given(steps=mutations, gcm=st.booleans())
def test_any_json_in_any_field_never_gets_a_500(testapp, dbsession, steps, gcm):
    if not dbsession.scalar(select(func.count()).select_from(PaymentAttempt)):
        configure_store(testapp)
    assert_readable(post(testapp, mutate(order_payload(), steps), gcm=gcm))


@settings(max_examples=1000, deadline=None)
@given(steps=st.lists(st.tuples(st.sampled_from(PATHS), json_values | st.just(DELETE)), min_size=1, max_size=6))
def test_the_request_parser_only_ever_raises_invalid_payment_request(steps):
    payload = json.loads(dumps(mutate(order_payload(), steps)), parse_float=Decimal)
    try:
        request = parse_payment_request(payload)
    except InvalidPaymentRequest:
        return
    assert 0 < request.store_id < 10**18
    assert request.reference and len(request.reference) <= 128
    assert isinstance(request.currency, str) and request.return_url.startswith("http")
