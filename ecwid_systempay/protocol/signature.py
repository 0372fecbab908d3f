"""Systempay (Lyra form API V2) signature of ``vads_*`` fields.

The signed string is every received ``vads_*`` value (empty ones included),
sorted by field name, joined with ``+``, followed by ``+`` and the shop key.
SHA-1 gives lowercase hex; HMAC-SHA-256 gives base64 and uses the key twice.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

HMAC_SHA256 = "HMAC-SHA-256"
SHA1 = "SHA-1"
ALGORITHMS = (HMAC_SHA256, SHA1)


def signed_string(fields: Mapping[str, str], key: str) -> str:
    """The exact string the signature is computed on."""
    values = [str(fields[name]) for name in sorted(fields) if name.startswith("vads_")]
    values.append(key)
    return "+".join(values)


def compute_signature(fields: Mapping[str, str], key: str, algorithm: str = HMAC_SHA256) -> str:
    """Sign ``fields`` with ``key`` using ``algorithm`` (HMAC-SHA-256 or SHA-1)."""
    message = signed_string(fields, key).encode("utf-8")
    if algorithm == SHA1:
        return hashlib.sha1(message).hexdigest()  # noqa: S324 - mandated by the gateway
    if algorithm == HMAC_SHA256:
        digest = hmac.new(key.encode("utf-8"), message, hashlib.sha256).digest()
        return base64.b64encode(digest).decode("ascii")
    raise ValueError(f"unknown signature algorithm {algorithm!r}")


def verify_signature(
    fields: Mapping[str, str], signature: str | None, key: str, algorithm: str = HMAC_SHA256
) -> bool:
    """True when ``signature`` matches ``fields`` signed with ``key``; constant time."""
    if not signature or not key:
        return False
    expected = compute_signature(fields, key, algorithm)
    return hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", "replace"))
