"""``/callback`` takes only the gateway's notifications, answers probes alike, checks formats to the end.

- Return data (signed, but without ``vads_hash`` and ``vads_url_check_src``) posted to
  ``/callback`` is refused: it would otherwise count as a working notification URL.
- An unknown payment and an existing one with a bad signature get the same body.
- Every format is matched to the very end: a trailing newline or non-ASCII digits fail.
- ``vads_contrib`` names the module, not the Python version.
"""

from __future__ import annotations

import platform
import sys

import pytest
from sqlalchemy import func, select

from ecwid_systempay.models import PaymentAttempt, Store, StoredNotification
from ecwid_systempay.protocol.form import contrib
from ecwid_systempay.protocol.notification import MalformedNotification, card_digits, parse_pairs

from ..flows import checkout, configure_store, notify
from ..support import KEY_TEST, gateway_answer

HASH = "f" * 64


@pytest.mark.parametrize(
    "markers",
    [{}, {"vads_hash": HASH}, {"vads_url_check_src": "PAY"}, {"vads_hash": "", "vads_url_check_src": "PAY"},
     {"vads_hash": HASH, "vads_url_check_src": ""}],
    ids=["return data", "hash only", "source only", "empty hash", "empty source"],
)
def test_return_data_posted_to_the_callback_is_not_a_notification(testapp, dbsession, markers):
    configure_store(testapp)
    _, fields = checkout(testapp)
    signed = gateway_answer(fields, ipn=False, overrides=markers)  # a valid signature over what is sent
    response = notify(testapp, signed, status=400)
    assert response.text == "KO-Not a notification (vads_hash and vads_url_check_src are required).\n"
    assert dbsession.scalar(select(func.count()).select_from(StoredNotification)) == 0
    assert dbsession.scalar(select(PaymentAttempt.status)) == "NEW"
    assert dbsession.scalar(select(Store.ipn_last_seen_at)) is None  # the "not working" warning stays


def test_unknown_and_existing_payments_get_the_same_refusal(testapp):
    configure_store(testapp)
    _, fields = checkout(testapp)
    bad_signature = gateway_answer(fields, key="9999999999999999")
    unknown_trans = gateway_answer({**fields, "vads_trans_id": "654321"})
    unknown_shop = gateway_answer({**fields, "vads_site_id": "87654321"})
    bodies = {notify(testapp, answer).text for answer in (bad_signature, unknown_trans, unknown_shop)}
    assert bodies == {"KO-Unknown payment or invalid signature.\n"}
    assert notify(testapp, gateway_answer(fields, key=KEY_TEST)).text.startswith("OK-")


VALID = {
    "vads_site_id": "12345678", "vads_ctx_mode": "TEST", "vads_trans_id": "000001",
    "vads_trans_date": "20261201100000", "vads_amount": "1230", "vads_currency": "978",
    "vads_trans_status": "AUTHORISED", "vads_url_check_src": "PAY", "vads_operation_type": "DEBIT",
    "vads_trans_uuid": "a1b2c3d4", "vads_hash": HASH,
}


@pytest.mark.parametrize("name", sorted(set(VALID) - {"vads_hash"}))
@pytest.mark.parametrize("tail", ["\n", "\r\n", " "], ids=["LF", "CRLF", "space"])
def test_formats_are_matched_to_the_end(name, tail):
    parse_pairs([*VALID.items(), ("signature", "x")])
    with pytest.raises(MalformedNotification):
        parse_pairs([*{**VALID, name: VALID[name] + tail}.items(), ("signature", "x")])


@pytest.mark.parametrize(("name", "value"), [("vads_site_id", "١٢٣٤٥٦٧٨"), ("vads_amount", "١٢٣٠"), ("vads_currency", "٩٧٨"), ("vads_trans_date", "٢٠٢٦١٢٠١١٠٠٠٠٠")])
def test_formats_want_ascii_digits(name, value):
    with pytest.raises(MalformedNotification):
        parse_pairs([*{**VALID, name: value}.items(), ("signature", "x")])


def test_a_masked_card_number_is_matched_to_the_end():
    assert card_digits("497010XXXXXX0055") == {"card_bin": "497010", "card_last4": "0055"}
    assert card_digits("497010XXXXXX0055\n") == {}


@pytest.mark.parametrize("name", ["%C2%B2", "%D9%A1%D9%A0%D9%A0%D9%A3", "1003%0A", "1003%20"])
def test_store_paths_want_ascii_digits(testapp, name):
    configure_store(testapp)
    response = testapp.post(f"/stores/{name}/settings?app-name=systempay", {"site_id": "1"}, status="*")
    assert response.status_int == 404


@pytest.mark.parametrize("name", ["abc%0A", "abc%C3%A9", "%D9%A1%D9%A0"])
def test_return_paths_want_url_safe_ascii(testapp, name):
    assert testapp.get(f"/return/{name}", status="*").status_int == 404


def test_contrib_names_the_module_not_the_python_version():
    value = contrib()
    assert value.startswith("Ecwid_Systempay_")
    assert "Python" not in value and platform.python_version() not in value
    assert f"{sys.version_info.major}.{sys.version_info.minor}" not in value.removeprefix("Ecwid_Systempay_")
