"""Encryption at rest of shop keys and Ecwid tokens (``cryptography`` MultiFernet).

The first key of ``ecwid_systempay.secret_keys`` encrypts; every key decrypts, so a
new key can be added first, rows rotated, and the old key retired afterwards.
"""

from __future__ import annotations

import json
import time
from typing import Any, Callable

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

#: Store keys kept decrypted per process (two per store: TEST and PRODUCTION).
KEY_CACHE_SIZE = 2048


class SecretBox:
    """Encrypts secrets with the newest key; decrypts with any configured key."""

    def __init__(self, keys: tuple[str, ...] | list[str]) -> None:
        if not keys:
            raise ValueError("at least one Fernet key is required")
        self._fernet = MultiFernet([Fernet(k.encode("ascii")) for k in keys])
        self._decrypt_key = lru_cache(maxsize=KEY_CACHE_SIZE)(self.decrypt)
        #: Time of sealed tokens (seconds since the epoch); tests move it.
        self.clock: Callable[[], float] = time.time

    def encrypt(self, plaintext: str | None) -> str | None:
        if plaintext is None or plaintext == "":
            return None
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str | None) -> str | None:
        if not token:
            return None
        return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")

    def decrypt_key(self, token: str | None) -> str | None:
        """:meth:`decrypt` for a store's gateway key, read by every checkout and notification.

        Keys are kept decrypted in a small per-process cache, by ciphertext (a new key
        is a new ciphertext; a token that does not decrypt is never kept). The process
        holds the Fernet keys that decrypt them anyway.
        """
        if not token:
            return None
        return self._decrypt_key(token)

    def rotate(self, token: str | None) -> str | None:
        """Re-encrypt ``token`` with the newest key (timestamp kept)."""
        if not token:
            return token
        return self._fernet.rotate(token.encode("ascii")).decode("ascii")

    def seal(self, data: dict[str, Any], issued_at: int | None = None) -> str:
        """Authenticated, timestamped token for short-lived data (settings form token).

        ``issued_at`` dates it like an earlier token (a token renewed keeps its first expiry).
        """
        when = int(self.clock()) if issued_at is None else int(issued_at)
        return self._fernet.encrypt_at_time(json.dumps(data, sort_keys=True).encode("utf-8"), when).decode("ascii")

    def unseal(self, token: str, max_age: int) -> dict[str, Any] | None:
        """Data of a :meth:`seal` token younger than ``max_age`` seconds, else None."""
        try:
            raw = self._fernet.decrypt_at_time(token.encode("ascii"), max_age, int(self.clock()))
            data = json.loads(raw)
        except (InvalidToken, ValueError, UnicodeError):
            return None
        return data if isinstance(data, dict) else None

    def issued_at(self, token: str) -> int:
        """When a (valid) sealed token was issued."""
        return self._fernet.extract_timestamp(token.encode("ascii"))


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")


def includeme(config) -> None:  # type: ignore[no-untyped-def]
    box = SecretBox(config.registry["app_settings"].secret_keys)
    config.registry["secret_box"] = box
    config.add_request_method(lambda request: request.registry["secret_box"], "secret_box", reify=True)
