"""Ecwid payload decryption, with fixtures encrypted here directly with ``cryptography``."""

from __future__ import annotations

import base64
import json
import os
from decimal import Decimal

import pytest
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ecwid_systempay.protocol.ecwid_crypto import InvalidPayload, decrypt_any, decrypt_cbc, decrypt_gcm

SECRET = "0123456789abcdefEXTRA-PART-IGNORED"
KEY = b"0123456789abcdef"
PAYLOAD = {"storeId": 1003, "lang": "fr", "cart": {"currency": "EUR", "order": {"total": 12.3}}, "token": "secret_x"}


def urlsafe(raw: bytes, strip: bool = True) -> str:
    text = base64.urlsafe_b64encode(raw).decode()
    return text.rstrip("=") if strip else text


def gcm_fixture(data: dict, nonce: bytes | None = None) -> str:
    nonce = nonce or os.urandom(16)
    return urlsafe(nonce + AESGCM(KEY).encrypt(nonce, json.dumps(data).encode(), None))


def cbc_fixture(data: dict, iv: bytes | None = None, *, strip: bool = True) -> str:
    iv = iv or os.urandom(16)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(json.dumps(data).encode()) + padder.finalize()
    encryptor = Cipher(algorithms.AES(KEY), modes.CBC(iv)).encryptor()
    return urlsafe(iv + encryptor.update(padded) + encryptor.finalize(), strip)


def test_gcm_enc_data_with_16_byte_nonce():
    data = decrypt_gcm(gcm_fixture(PAYLOAD), SECRET)
    assert data["storeId"] == 1003
    assert data["cart"]["order"]["total"] == Decimal("12.3")  # never a float


@pytest.mark.parametrize("strip", [True, False])
def test_cbc_legacy_data_with_or_without_padding(strip):
    assert decrypt_cbc(cbc_fixture(PAYLOAD, strip=strip), SECRET)["token"] == "secret_x"


def test_settings_payload_accepts_both_modes():
    assert decrypt_any(cbc_fixture({"store_id": 7}), SECRET) == {"store_id": 7}
    assert decrypt_any(gcm_fixture({"store_id": 8}), SECRET) == {"store_id": 8}


def test_standard_base64_alphabet_is_accepted_too():
    token = gcm_fixture(PAYLOAD)
    standard = token.replace("-", "+").replace("_", "/")
    assert decrypt_gcm(standard, SECRET)["storeId"] == 1003


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "not base64 !!",
        "QUJD",  # too short
        urlsafe(os.urandom(64)),  # random bytes
        gcm_fixture(PAYLOAD)[:-4] + "AAAA",  # tag broken
    ],
)
def test_gcm_failures_are_all_the_same_error(bad):
    with pytest.raises(InvalidPayload) as info:
        decrypt_gcm(bad, SECRET)
    assert str(info.value) == "invalid payload"


def test_cbc_wrong_key_bad_padding_or_bad_json_are_the_same_error():
    wrong_key = cbc_fixture(PAYLOAD)
    with pytest.raises(InvalidPayload):
        decrypt_cbc(wrong_key, "fedcba9876543210")
    iv = os.urandom(16)
    encryptor = Cipher(algorithms.AES(KEY), modes.CBC(iv)).encryptor()
    not_json = padding.PKCS7(128).padder()
    body = not_json.update(b"this is not json") + not_json.finalize()
    with pytest.raises(InvalidPayload):
        decrypt_cbc(urlsafe(iv + encryptor.update(body) + encryptor.finalize()), SECRET)
    encryptor = Cipher(algorithms.AES(KEY), modes.CBC(iv)).encryptor()
    with pytest.raises(InvalidPayload):
        decrypt_cbc(urlsafe(iv + encryptor.update(b"A" * 32) + encryptor.finalize()), SECRET)
    list_payload = cbc_fixture([1, 2])  # type: ignore[arg-type]
    with pytest.raises(InvalidPayload):
        decrypt_cbc(list_payload, SECRET)
