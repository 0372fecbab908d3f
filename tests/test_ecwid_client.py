"""The Ecwid REST client against a real HTTP server on 127.0.0.1: what it sends and what it ignores."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from ecwid_systempay.services.ecwid_client import EcwidClient


@pytest.fixture()
def api() -> Iterator[dict[str, Any]]:
    """An Ecwid-like API that sets a cookie, redirects ``/moved`` orders and records every request."""
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_PUT(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            seen.append({"path": self.path, "headers": dict(self.headers), "body": json.loads(self.rfile.read(length))})
            if self.path.endswith("/moved"):
                self.send_response(302)
                self.send_header("Location", "/api/v3/1/orders/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            body = b'{"updateCount": 1}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Set-Cookie", "session=store-one; Path=/")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield {"url": f"http://127.0.0.1:{server.server_port}/api/v3", "seen": seen}
    finally:
        server.shutdown()
        server.server_close()


def test_one_stores_cookie_never_reaches_another_stores_call(api):
    client = EcwidClient(api["url"], timeout=5)
    assert client.update_order("1", "order_a", "secret_token_one", {"paymentStatus": "PAID"}).ok
    assert client.update_order("2", "order_b", "secret_token_two", {"paymentStatus": "PAID"}).ok
    first, second = api["seen"]
    assert "Cookie" not in second["headers"]
    assert second["headers"]["Authorization"] == "Bearer secret_token_two"
    assert second["headers"]["Content-Type"] == "application/json"
    assert second["body"] == {"paymentStatus": "PAID"}
    assert second["path"] == "/api/v3/2/orders/order_b"


def test_a_redirect_is_an_answer_not_a_place_to_send_the_token(api):
    result = EcwidClient(api["url"], timeout=5).update_order("1", "moved", "secret_token_one", {"paymentStatus": "PAID"})
    assert not result.ok and result.status_code == 302
    assert [r["path"] for r in api["seen"]] == ["/api/v3/1/orders/moved"]
