"""Signature test vectors of the spec (section 3.2), both algorithms."""

from __future__ import annotations

import pytest

from ecwid_systempay.protocol.signature import HMAC_SHA256, SHA1, compute_signature, signed_string, verify_signature

TV1 = {
    "vads_action_mode": "INTERACTIVE",
    "vads_amount": "1524",
    "vads_ctx_mode": "TEST",
    "vads_currency": "978",
    "vads_page_action": "PAYMENT",
    "vads_payment_config": "SINGLE",
    "vads_site_id": "12345678",
    "vads_trans_date": "20090501193530",
    "vads_trans_id": "654321",
    "vads_version": "V2",
}
TV2_SHORT = {"vads_amount": "1234", "vads_currency": "978", "vads_trans_date": "20200101120000", "vads_trans_id": "000001"}
TV2_FULL = {
    **TV2_SHORT,
    "vads_action_mode": "INTERACTIVE",
    "vads_ctx_mode": "PRODUCTION",
    "vads_page_action": "PAYMENT",
    "vads_payment_config": "SINGLE",
    "vads_return_mode": "POST",
    "vads_site_id": "123456789",
    "vads_version": "V2",
}
TV3 = {
    "vads_action_mode": "INTERACTIVE",
    "vads_amount": "2990",
    "vads_ctx_mode": "TEST",
    "vads_currency": "978",
    "vads_cust_email": "jean@example.com",
    "vads_cust_first_name": "Hélène",
    "vads_order_id": "ECWID-1234",
    "vads_page_action": "PAYMENT",
    "vads_payment_config": "SINGLE",
    "vads_site_id": "12345678",
    "vads_trans_date": "20250101120000",
    "vads_trans_id": "123456",
    "vads_validation_mode": "",
    "vads_version": "V2",
    "signature": "ignored",
    "other": "ignored",
}


@pytest.mark.parametrize(
    ("fields", "key", "algorithm", "expected"),
    [
        (TV1, "1122334455667788", SHA1, "606b369759fac4f0864144c803c73676cbe470ff"),
        (TV1, "1122334455667788", HMAC_SHA256, "O1ycab+xOkAmToSWeEE2hj39aAKCQ2IxGK+JxKv8iUI="),
        (TV2_SHORT, "987654321", HMAC_SHA256, "egzpLYuwIX0LoqSS3rNxF9QYuKbvd3pp38gIoV+Oi3w="),
        (TV2_SHORT, "987654321", SHA1, "7b203c8f547b6cc64e9402887e514add8e2cb29d"),
        (TV2_FULL, "987654321", HMAC_SHA256, "p9TbeohlOZVPAmhEwfAlGxRJxFAKpNg5wYBSN9emuqs="),
        (TV3, "1111111111111111", HMAC_SHA256, "nYsR3Gyhf35jl9KqD40cJ9m4tSlYl1oKDoMvmeo3TR8="),
        (TV3, "1111111111111111", SHA1, "bee57b124e32b76123e43fe35d8ad0a8770cad55"),
    ],
    ids=["TV1-sha1", "TV1-hmac", "TV2-hmac", "TV2-sha1", "TV2-full-hmac", "TV3-hmac", "TV3-sha1"],
)
def test_vectors(fields, key, algorithm, expected):
    assert compute_signature(fields, key, algorithm) == expected
    assert verify_signature(fields, expected, key, algorithm)


def test_tv3_signed_string_keeps_the_empty_field_and_ignores_non_vads():
    assert signed_string(TV3, "1111111111111111") == (
        "INTERACTIVE+2990+TEST+978+jean@example.com+Hélène+ECWID-1234+PAYMENT+SINGLE+12345678"
        "+20250101120000+123456++V2+1111111111111111"
    )


@pytest.mark.parametrize("algorithm", [SHA1, HMAC_SHA256])
def test_any_change_or_wrong_key_fails(algorithm):
    signature = compute_signature(TV1, "1122334455667788", algorithm)
    assert not verify_signature({**TV1, "vads_amount": "1525"}, signature, "1122334455667788", algorithm)
    assert not verify_signature(TV1, signature, "1122334455667789", algorithm)
    assert not verify_signature(TV1, "", "1122334455667788", algorithm)
    assert not verify_signature(TV1, signature, "", algorithm)


def test_unknown_algorithm_is_refused():
    with pytest.raises(ValueError):
        compute_signature(TV1, "k", "MD5")
