"""Hypothesis on the settings form: arbitrary values per field, posted with a valid token.

Whatever is posted, the answer is the form (200 saved, 400 with errors), never a 500,
and what is stored is always a value the payment form can use.
"""

from __future__ import annotations

import os
import re
from decimal import Decimal
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from ecwid_systempay.models import Store
from ecwid_systempay.protocol.languages import LANGUAGES
from ecwid_systempay.protocol.signature import ALGORITHMS

from ..flows import open_settings

EXAMPLES = int(os.environ.get("SETTINGS_FUZZ_EXAMPLES", "150"))
FIXTURES = settings(deadline=None, max_examples=EXAMPLES, suppress_health_check=[HealthCheck.function_scoped_fixture])

VALID = {
    "site_id": "12345678",
    "key_test": "1111111111111111",
    "key_prod": "",
    "ctx_mode": "TEST",
    "sign_algo": "HMAC-SHA-256",
    "default_language": "fr",
    "available_languages": "fr",
    "capture_delay": "",
    "validation_mode": "",
    "threeds_manage": "true",
    "threeds_max_amount": "30",
    "redirect_enabled": "true",
    "redirect_success_timeout": "5",
    "redirect_success_message": "Merci",
    "redirect_error_timeout": "5",
    "redirect_error_message": "Désolé",
}
NASTY = [
    "", " ", "\x00", "a\x00b", "NaN", "-NaN", "sNaN", "Infinity", "-inf", "1e999", "-1e999", "1e-999", "-0", "0", "-1",
    "9" * 5000, "0.0005", "999999999.999", "1000000000", "٣٠", "１２", "12,5", "12.5.5", "\n", "\r\n", "\t", "\u2028",
    "\ufeff", "\U0001f600" * 300, "é" * 256, "x" * 255, "PRODUCTION", "production", "SHA-1", "HMAC-SHA-256 ", "xx", "fr;en",
    "true", "false", "on", "1", "<script>alert(1)</script>", "' OR 1=1 --", "%00", "__start__", "__end__",
]
values = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=300),
    st.integers(min_value=-(10**12), max_value=10**12).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.binary(max_size=40),  # not necessarily UTF-8
)

NUMBERS = ["NaN", "nan", "sNaN", "-NaN", "Infinity", "-Infinity", "1e999", "1E+3", "-0", "-0.000", "0x10", "1_000", "12.3456"]
NUMERIC = {"capture_delay", "threeds_max_amount", "redirect_success_timeout", "redirect_error_timeout"}
numeric_values = st.sampled_from(NUMBERS) | values


@st.composite
def postings(draw):
    """Valid fields with some of them replaced, dropped or repeated."""
    fields = dict(VALID)
    for name in draw(st.lists(st.sampled_from(sorted(VALID)), unique=True, max_size=8)):
        fields[name] = draw(numeric_values if name in NUMERIC else values)
    pairs = [(name, value) for name, value in fields.items() if name not in draw(st.sets(st.sampled_from(sorted(VALID)), max_size=2))]
    if draw(st.booleans()):
        pairs.append((draw(st.sampled_from(sorted(VALID))), draw(values)))
    return pairs


def assert_usable(store: Store, box) -> None:
    assert store.site_id == "" or re.fullmatch(r"[0-9]{8}", store.site_id)
    assert store.ctx_mode == "TEST"  # this deployment does not allow PRODUCTION
    assert store.sign_algo in ALGORITHMS
    assert store.default_language in LANGUAGES
    assert set(store.languages) <= set(LANGUAGES)
    assert store.capture_delay is None or 0 <= store.capture_delay <= 365
    assert store.validation_mode in (None, "0", "1")
    amount = store.threeds_max_amount
    assert amount is None or (amount.is_finite() and Decimal("0.001") <= amount <= Decimal("999999999"))
    for timeout in (store.redirect_success_timeout, store.redirect_error_timeout):
        assert 0 <= timeout <= 300
    for message in (store.redirect_success_message, store.redirect_error_message):
        assert len(message) <= 255 and not re.search(r"[\x00-\x1f\x7f-\x9f]", message)
    for encrypted in (store.key_test_enc, store.key_prod_enc):
        assert encrypted is None or re.fullmatch(r"[\x21-\x7e]{1,128}", box.decrypt(encrypted))


@FIXTURES
@given(pairs=postings())
def test_arbitrary_values_never_give_a_500_nor_a_stored_invalid_value(testapp, app, dbsession, pairs):
    page = open_settings(testapp)
    form = page.forms["settings"]
    body = urlencode(
        [("_charset_", "UTF-8"), ("__formid__", "settings"), ("settings_token", form["settings_token"].value)]
        + pairs
        + [("save", "save")]
    )
    before = dbsession.scalar(select(Store))
    response = testapp.post(form.action, body, content_type="application/x-www-form-urlencoded", status="*")
    assert response.status_int in (200, 400), response.status
    assert 'id="settings"' in response.text or "deform" in response.text
    after = dbsession.scalar(select(Store))
    if response.status_int == 400:
        assert after.updated_at == before.updated_at  # nothing saved
    assert_usable(after, app.registry["secret_box"])
