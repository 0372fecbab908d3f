"""The settings iframe's payload, in both of Ecwid's user-auth modes.

- "Enhanced security" user auth: ``?payload=`` is AES-128-CBC (see :mod:`.ecwid_crypto`).
- Default user auth: the URL fragment is the JSON itself, UTF-8 then hex-encoded
  (``#7b2273746f72655f6964...``), which is what the JS SDK's ``getPayload()`` reads.

Neither is authenticated: the fields say which store the admin *claims* to be, and
the caller must prove ``access_token`` with Ecwid before trusting ``store_id``. Other
fields (``domain``, which would redirect API calls, ``public_token``...) are ignored.
"""

from __future__ import annotations

import binascii
import json
from dataclasses import dataclass
from typing import Any

from .ecwid_crypto import InvalidPayload

#: A real fragment is a few hundred hex digits.
MAX_FRAGMENT_CHARS = 16_384
MAX_STORE_ID = 10**15


@dataclass(frozen=True)
class AdminPayload:
    store_id: int
    lang: str
    access_token: str

    def __repr__(self) -> str:  # never shows the token
        return f"<AdminPayload store={self.store_id} lang={self.lang}>"


def decode_fragment(fragment: str) -> dict[str, Any]:
    """Hex, then UTF-8, then a JSON object; :class:`InvalidPayload` otherwise."""
    text = (fragment or "").strip().lstrip("#")
    try:
        if not text or len(text) > MAX_FRAGMENT_CHARS:
            raise ValueError("empty or too long")
        data = json.loads(binascii.unhexlify(text).decode("utf-8"))
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise InvalidPayload() from None
    if not isinstance(data, dict):
        raise InvalidPayload()
    return data


def read_admin_payload(data: dict[str, Any]) -> AdminPayload:
    """The fields the settings page needs, checked for type; :class:`InvalidPayload` otherwise."""
    store_id = data.get("store_id")
    if isinstance(store_id, str) and store_id.isdecimal() and store_id.isascii():
        store_id = int(store_id)
    if isinstance(store_id, bool) or not isinstance(store_id, int) or not 0 < store_id < MAX_STORE_ID:
        raise InvalidPayload()
    token = data.get("access_token")
    if not isinstance(token, str) or not token:
        raise InvalidPayload()
    lang = data.get("lang")
    return AdminPayload(store_id=store_id, lang=lang if isinstance(lang, str) else "", access_token=token)
