"""Test helpers: a real HTTP server standing in for Ecwid's REST API, payload and IPN builders."""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import urlencode

from ecwid_systempay.protocol.ecwid_crypto import encrypt_cbc, encrypt_gcm
from ecwid_systempay.protocol.signature import compute_signature

CLIENT_SECRET = "test-client-secret-0123456789abcdef"
STORE_ID = 1003
STORE_TOKEN = "secret_store_token_1003"


def store_token(store_id: int) -> str:
    """The Ecwid token of a test store (FakeEcwid's profile endpoint accepts exactly this one)."""
    return f"secret_store_token_{store_id}"
SITE_ID = "12345678"
KEY_TEST = "1111111111111111"
KEY_PROD = "2222222222222222"
#: A 3-D Secure authentication value, as the gateway echoes it (never to be kept).
CAVV = "AAABBJg0VhI0VniQEjRWAAAAAAA="


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


@dataclass
class FakeEcwid:
    """Ecwid REST API subset on 127.0.0.1: records requests, answers as scripted.

    ``script`` is a list of ``(status, headers, delay_seconds)`` consumed one per
    PUT (status 0: answer normally after the delay; -1: reset the connection); when empty, PUTs succeed with ``{"updateCount": 1}`` and the status is
    remembered so GET answers it.

    ``GET /api/v3/{storeId}/profile`` answers the store profile to the Bearer token
    :func:`store_token` of that store (or ``profile_tokens[storeId]``), 403 to any other;
    ``profile_script`` is consumed one per profile call like ``script``, and
    ``profile_store_id`` makes it answer the profile of another store. Profile calls are
    recorded in ``profiles``, not in ``requests`` (which stays the order calls).
    """

    requests: list[Recorded] = field(default_factory=list)
    script: list[tuple[int, dict[str, str], float]] = field(default_factory=list)
    orders: dict[str, str] = field(default_factory=dict)
    token: str = STORE_TOKEN
    profiles: list[Recorded] = field(default_factory=list)
    profile_script: list[tuple[int, dict[str, str], float]] = field(default_factory=list)
    profile_tokens: dict[int, str] = field(default_factory=dict)
    profile_store_id: int | None = None
    server: ThreadingHTTPServer | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/v3"

    def puts(self) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.method == "PUT"]

    def start(self) -> "FakeEcwid":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            # Keep-alive, as Ecwid's API: a client that reconnects for every call pays for it here too.
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are two writes: no 40 ms delayed-ACK stall

            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
                body = json.dumps(data).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def _profile(self, store_id: str) -> None:
                with fake.lock:
                    fake.profiles.append(Recorded("GET", self.path, dict(self.headers), None))
                    step = fake.profile_script.pop(0) if fake.profile_script else None
                if step:
                    status, headers, delay = step
                    if delay:
                        time.sleep(delay)
                    if status:
                        self._answer(status, {"errorMessage": "scripted"}, headers)
                        return
                if not store_id.isdigit():
                    self._answer(400, {"errorMessage": "bad store id"})
                    return
                expected = fake.profile_tokens.get(int(store_id), store_token(int(store_id)))
                if self.headers.get("Authorization") != f"Bearer {expected}":
                    self._answer(403, {"errorMessage": "bad token"})
                    return
                answered = fake.profile_store_id or int(store_id)
                self._answer(200, {"generalInfo": {"storeId": answered, "storeUrl": "https://store.example"}, "settings": {"storeName": "Test store"}})

            def _handle(self, method: str) -> None:
                profile = re.fullmatch(r"/api/v3/([^/?]+)/profile(\?.*)?", self.path) if method == "GET" else None
                if profile:
                    self._profile(profile.group(1))
                    return
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw
                with fake.lock:
                    fake.requests.append(Recorded(method, self.path, dict(self.headers), body))
                    step = fake.script.pop(0) if (method == "PUT" and fake.script) else None
                if step:
                    status, headers, delay = step
                    if delay:
                        time.sleep(delay)
                    if status == -1:  # reset the connection (RST), no answer at all
                        import socket
                        import struct

                        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                        self.connection.close()
                        self.close_connection = True
                        return
                    if status:
                        self._answer(status, {"errorMessage": "scripted"}, headers)
                        return
                if self.headers.get("Authorization") != f"Bearer {fake.token}":
                    self._answer(403, {"errorMessage": "bad token"})
                    return
                order = self.path.split("?")[0].rsplit("/", 1)[-1]
                if method == "GET":
                    if order not in fake.orders:
                        self._answer(404, {"errorMessage": "not found"})
                    else:
                        self._answer(200, {"id": order, "paymentStatus": fake.orders[order]})
                    return
                if not (self.headers.get("Content-Type") or "").startswith("application/json"):
                    self._answer(415, {"errorMessage": "content type"})
                    return
                with fake.lock:
                    fake.orders[order] = (body or {}).get("paymentStatus")
                self._answer(200, {"updateCount": 1})

            def do_PUT(self) -> None:  # noqa: N802
                self._handle("PUT")

            def do_GET(self) -> None:  # noqa: N802
                self._handle("GET")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()


def order_payload(
    *,
    total: Any = Decimal("12.30"),
    currency: str = "EUR",
    reference: str = "transaction_65306446",
    order_id: str = "XJ12H",
    lang: str = "fr",
    store_id: int = STORE_ID,
    token: str = STORE_TOKEN,
    return_url: str = "https://store.example/checkout?clientId=systempay&timestamp=1751294405226&key=abcdefgh",
) -> dict[str, Any]:
    return {
        "storeId": store_id,
        "lang": lang,
        "returnUrl": return_url,
        "merchantAppSettings": {"public": "{}"},
        "token": token,
        "cart": {
            "currency": currency,
            "order": {
                "id": order_id,
                "referenceTransactionId": reference,
                "total": total,
                "email": "mscott@example.com",
                "paymentStatus": "INCOMPLETE",
                "billingPerson": {
                    "name": "Hélène <Scott>",
                    "street": "555 Lackawanna Ave\nSuite 1",
                    "city": "Scranton",
                    "countryCode": "US",
                    "postalCode": "18508",
                    "stateOrProvinceCode": "PA",
                    "phone": "+1 (570) 555-0100",
                },
                "shippingPerson": {"name": "Michael Scott", "street": "1 Main St", "city": "Scranton", "countryCode": "US", "postalCode": "18508"},
                "items": [{"name": "iMac", "price": total, "quantity": 1}],
            },
        },
    }


def encrypted_form(payload: dict[str, Any], *, legacy: bool = False, secret: str = CLIENT_SECRET) -> dict[str, str]:
    if legacy:
        return {"data": encrypt_cbc(payload, secret)}
    return {"enc_data": encrypt_gcm(payload, secret), "data": encrypt_cbc(payload, secret)}


def settings_data(store_id: int = STORE_ID, lang: str = "en", token: str | None = None) -> dict[str, Any]:
    """What Ecwid puts in the settings iframe's payload (both auth modes)."""
    return {"store_id": store_id, "lang": lang, "access_token": token or store_token(store_id), "view_mode": "PAGE"}


def settings_payload(
    store_id: int = STORE_ID, lang: str = "en", secret: str = CLIENT_SECRET, gcm: bool = False, token: str | None = None
) -> str:
    """The ``?payload=`` of "enhanced security" user auth (AES-128-CBC; GCM accepted too)."""
    data = settings_data(store_id, lang, token)
    return encrypt_gcm(data, secret) if gcm else encrypt_cbc(data, secret)


def settings_fragment(store_id: int = STORE_ID, lang: str = "en", token: str | None = None) -> str:
    """The URL fragment of Ecwid's default user auth: hex-encoded plaintext JSON."""
    return json.dumps(settings_data(store_id, lang, token), separators=(",", ":")).encode("utf-8").hex()


def gateway_answer(
    form_fields: dict[str, str],
    *,
    status: str = "AUTHORISED",
    key: str = KEY_TEST,
    algo: str = "HMAC-SHA-256",
    ipn: bool = True,
    source: str = "PAY",
    overrides: dict[str, str] | None = None,
    uuid: str = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6",
) -> dict[str, str]:
    """What the gateway sends back for a form: echoed fields plus results, signed."""
    fields = {k: v for k, v in form_fields.items() if k.startswith("vads_")}
    result = {"AUTHORISED": "00", "CAPTURED": "00", "REFUSED": "05", "ABANDONED": "17"}.get(status, "00")
    fields.update(
        {
            "vads_trans_status": status,
            "vads_result": result,
            "vads_extra_result": "",
            "vads_auth_result": "00" if result == "00" else "",
            "vads_trans_uuid": uuid,
            "vads_operation_type": "DEBIT",
            "vads_card_number": "497010XXXXXX0055",
            "vads_expiry_month": "6",
            "vads_expiry_year": "2030",
            "vads_card_brand": "CB",
            "vads_effective_amount": fields.get("vads_amount", ""),
            "vads_threeds_status": "Y",
            "vads_threeds_auth_type": "FRICTIONLESS",
            "vads_threeds_eci": "05",
            "vads_threeds_cavv": CAVV,
            "vads_threeds_xid": "eHl6eHl6eHl6eHl6eHl6eHl6eHk=",
        }
    )
    if ipn:
        fields["vads_url_check_src"] = source
        fields["vads_hash"] = "f" * 64
    fields.update(overrides or {})
    fields["signature"] = compute_signature(fields, key, algo)
    return fields


def form_body(fields: dict[str, str]) -> str:
    return urlencode(fields)


def eventually(check: Callable[[], bool], timeout: float = 10.0, step: float = 0.05) -> bool:
    """Whether ``check()`` becomes true within ``timeout`` seconds (polled every ``step``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return check()
