"""Ecwid payload encryption: ``enc_data`` (AES-128-GCM) and legacy ``data`` (AES-128-CBC).

Key: the first 16 characters of the app's ``client_secret``. Encoding: URL-safe
base64, padding optional. GCM: 16-byte nonce, ciphertext, 16-byte tag, no AAD.
CBC: 16-byte IV then PKCS#7-padded ciphertext. Every failure raises the same
:class:`InvalidPayload` with no detail, so callers cannot become a padding oracle.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAX_PAYLOAD_CHARS = 1_000_000


class InvalidPayload(ValueError):
    """The payload could not be decoded, decrypted or parsed (deliberately vague)."""

    def __init__(self) -> None:
        super().__init__("invalid payload")


def app_key(client_secret: str) -> bytes:
    """AES-128 key: the first 16 characters of the client secret."""
    key = client_secret[:16].encode("utf-8")
    if len(key) != 16:
        raise ValueError("client_secret must be at least 16 characters")
    return key


def b64decode_urlsafe(text: str) -> bytes:
    cleaned = text.strip().replace("-", "+").replace("_", "/").replace(" ", "+")
    cleaned += "=" * (-len(cleaned) % 4)
    return base64.b64decode(cleaned, validate=True)


def b64encode_urlsafe(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _parse_json(plaintext: bytes) -> dict[str, Any]:
    from decimal import Decimal

    data = json.loads(plaintext.decode("utf-8"), parse_float=Decimal)
    if not isinstance(data, dict):
        raise ValueError("payload is not an object")
    return data


def decrypt_gcm(encoded: str, client_secret: str) -> dict[str, Any]:
    """Decrypt and parse an ``enc_data`` value (floats come back as Decimal)."""
    try:
        if len(encoded) > MAX_PAYLOAD_CHARS:
            raise ValueError("too large")
        raw = b64decode_urlsafe(encoded)
        if len(raw) < 33:
            raise ValueError("too short")
        plaintext = AESGCM(app_key(client_secret)).decrypt(raw[:16], raw[16:], None)
        return _parse_json(plaintext)
    except (ValueError, InvalidTag, binascii.Error, UnicodeDecodeError, RecursionError):
        raise InvalidPayload() from None


def decrypt_cbc(encoded: str, client_secret: str) -> dict[str, Any]:
    """Decrypt and parse a legacy ``data`` value or a settings ``payload``."""
    try:
        if len(encoded) > MAX_PAYLOAD_CHARS:
            raise ValueError("too large")
        raw = b64decode_urlsafe(encoded)
        if len(raw) < 32 or len(raw) % 16:
            raise ValueError("bad length")
        decryptor = Cipher(algorithms.AES(app_key(client_secret)), modes.CBC(raw[:16])).decryptor()
        padded = decryptor.update(raw[16:]) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        plaintext = unpadder.update(padded) + unpadder.finalize()
        return _parse_json(plaintext)
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise InvalidPayload() from None


def decrypt_any(encoded: str, client_secret: str) -> dict[str, Any]:
    """Settings iframe payload: CBC today, GCM accepted too (GCM is tried first: it authenticates)."""
    try:
        return decrypt_gcm(encoded, client_secret)
    except InvalidPayload:
        return decrypt_cbc(encoded, client_secret)


def _dumps_numbers(data: dict[str, Any]) -> bytes:
    """JSON with Decimals written as numbers, as Ecwid does."""
    from decimal import Decimal

    def default(value: Any) -> Any:
        if isinstance(value, Decimal):
            return float(value) if value != value.to_integral() else int(value)
        raise TypeError(type(value))

    return json.dumps(data, default=default, separators=(",", ":")).encode("utf-8")


def seal_gcm(plaintext: bytes, client_secret: str, nonce: bytes | None = None) -> str:
    """Encrypt raw bytes like Ecwid's ``enc_data``."""
    nonce = nonce or os.urandom(16)
    sealed = AESGCM(app_key(client_secret)).encrypt(nonce, plaintext, None)
    return b64encode_urlsafe(nonce + sealed)


def seal_cbc(plaintext: bytes, client_secret: str, iv: bytes | None = None) -> str:
    """Encrypt raw bytes like Ecwid's legacy ``data``."""
    iv = iv or os.urandom(16)
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(app_key(client_secret)), modes.CBC(iv)).encryptor()
    return b64encode_urlsafe(iv + encryptor.update(padded) + encryptor.finalize())


def encrypt_gcm(data: dict[str, Any], client_secret: str, nonce: bytes | None = None) -> str:
    """Encrypt like Ecwid's ``enc_data`` (used by the sandbox and the tests)."""
    return seal_gcm(_dumps_numbers(data), client_secret, nonce)


def encrypt_cbc(data: dict[str, Any], client_secret: str, iv: bytes | None = None) -> str:
    """Encrypt like Ecwid's legacy ``data`` and settings ``payload``."""
    return seal_cbc(_dumps_numbers(data), client_secret, iv)
