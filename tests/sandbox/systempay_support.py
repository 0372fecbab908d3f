"""Helpers for the simulated Systempay platform tests: an app, an IPN receiver, signed forms."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

import pytest
import webtest
from pyramid.config import Configurator

from ecwid_systempay.protocol.signature import compute_signature
from ecwid_systempay.sandbox.systempay import REGISTRY_KEY
from ecwid_systempay.sandbox.systempay.platform import SystempayPlatform

from ..support import eventually  # noqa: F401 (imported by the sandbox tests)

PREFIX = "/sandbox/systempay"
SITE_ID = "12345678"
KEY_TEST = "7731553187454211"
RETRY_INTERVAL = 0.3
OK_BODY = "OK-Accepted payment, order has been updated.\n"


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    pairs: list[tuple[str, str]]

    @property
    def fields(self) -> dict[str, str]:
        return dict(self.pairs)


@dataclass
class IPNServer:
    """Merchant notification URL on 127.0.0.1: records every POST, answers as scripted.

    ``script`` holds ``(status, body, headers)`` consumed one per request; then 200 ``OK-...``.
    """

    received: list[Received] = field(default_factory=list)
    script: list[tuple[int, str, dict[str, str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/callback?app-name=systempay"

    def start(self) -> IPNServer:
        ipn = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8")
                with ipn.lock:
                    ipn.received.append(
                        Received(self.path, dict(self.headers), parse_qsl(body, keep_blank_values=True))
                    )
                    status, text, headers = ipn.script.pop(0) if ipn.script else (200, OK_BODY, {})
                data = text.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def calls(self) -> list[Received]:
        with self.lock:
            return list(self.received)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.calls()
            if len(calls) >= count:
                return calls
            time.sleep(0.02)
        return self.calls()


def make_app(**settings: Any) -> tuple[webtest.TestApp, SystempayPlatform]:
    """The platform alone in a minimal Configurator, mounted under its usual prefix."""
    base = {"sandbox.retry_interval_seconds": str(RETRY_INTERVAL)}
    base.update(settings)
    with Configurator(settings=base) as config:
        config.include("pyramid_chameleon")
        config.include("ecwid_systempay.sandbox.systempay", route_prefix=PREFIX)
    app = config.make_wsgi_app()
    return webtest.TestApp(app), config.registry[REGISTRY_KEY]


_trans_ids = itertools.count(1)


def form(
    platform: SystempayPlatform,
    key: str = KEY_TEST,
    *,
    sign: bool = True,
    algorithm: str = "HMAC-SHA-256",
    **overrides: str | None,
) -> dict[str, str]:
    """A signed payment form (EUR 12.30, TEST, GET return); ``None`` removes a field."""
    fields = {
        "vads_action_mode": "INTERACTIVE",
        "vads_amount": "1230",
        "vads_ctx_mode": "TEST",
        "vads_currency": "978",
        "vads_page_action": "PAYMENT",
        "vads_payment_config": "SINGLE",
        "vads_site_id": SITE_ID,
        "vads_trans_date": platform.now().strftime("%Y%m%d%H%M%S"),
        "vads_trans_id": f"{next(_trans_ids) % 900000:06d}",
        "vads_version": "V2",
        "vads_language": "en",
        "vads_order_id": "ORDER-42",
        "vads_cust_email": "buyer@example.test",
        "vads_ext_info_store": "1003",
        "vads_url_return": "http://shop.test/return/abc?app-name=systempay",
        "vads_return_mode": "GET",
        "vads_contrib": "Ecwid_Systempay_test/Python_3.11",
    }
    for name, value in overrides.items():
        if value is None:
            fields.pop(name, None)
        else:
            fields[name] = value
    if sign:
        fields["signature"] = compute_signature(fields, key, algorithm)
    return fields


def post_form(testapp: webtest.TestApp, fields: dict[str, str]) -> webtest.TestResponse:
    """POST the form to the payment URL; follow to the session page when accepted."""
    response = testapp.post(PREFIX + "/vads-payment/", fields)
    if response.status_int == 303:
        response = response.follow()
    return response


def error_code(response: webtest.TestResponse) -> str | None:
    element = response.html.find(id="error-code")
    return element.get_text(strip=True) if element else None


def pay(testapp: webtest.TestApp, page: webtest.TestResponse, card: str) -> webtest.TestResponse:
    """Submit a card on the payment page and follow to the next page."""
    payment_form = page.forms["payment-form"]
    payment_form["card_number"] = card
    return payment_form.submit().follow()


def text_of(response: webtest.TestResponse, element_id: str) -> str:
    element = response.html.find(id=element_id)
    assert element is not None, f"no #{element_id}"
    return element.get_text(" ", strip=True)


@pytest.fixture(name="ipn")
def ipn_fixture() -> Iterator[IPNServer]:
    """A running :class:`IPNServer` (import ``ipn_fixture`` to use the ``ipn`` fixture)."""
    server = IPNServer().start()
    yield server
    server.stop()


@pytest.fixture(name="sp")
def sp_fixture(ipn: IPNServer) -> Iterator[tuple[webtest.TestApp, SystempayPlatform]]:
    """(testapp, platform) with every rule pointed at the ``ipn`` server."""
    testapp, platform = make_app()
    platform.set_rule_url(ipn.url)
    yield testapp, platform
    platform.close()


def assert_signed(fields: dict[str, str], key: str = KEY_TEST, algorithm: str = "HMAC-SHA-256") -> None:
    assert fields["signature"] == compute_signature(fields, key, algorithm)


