"""Request bodies against a real server: a huge body is refused before it is read, and a body of many
empty fields is not parsed by views that do not need it (measured on the server process itself)."""

from __future__ import annotations

import configparser
import os
import threading
from pathlib import Path

import pytest
import requests

from ..processes import configure_store_http

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024


def server_limit(ini: str) -> int:
    parser = configparser.RawConfigParser()
    parser.read(ROOT / ini)
    return int(parser["server:main"]["max_request_body_size"])


def rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


@pytest.fixture
def module(module_factory):
    limits = {server_limit("development.ini"), server_limit("production.ini")}
    assert len(limits) == 1, "development.ini and production.ini must limit request bodies alike"
    limit = limits.pop()
    assert 256 * 1024 <= limit <= 4 * MB  # room for the largest Ecwid payloads, far from waitress's 1 GB default
    process = module_factory(server_options={"max_request_body_size": str(limit)}).start()
    configure_store_http(process.url)
    process.limit = limit
    return process


def post_body(url: str, size: int, *, chunked: bool = False) -> int | None:
    """POST ``size`` bytes; the status, or None if the server closed the connection first."""
    block = b"x" * MB

    def chunks():
        left = size
        while left > 0:
            yield block[: min(left, MB)]
            left -= MB

    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if not chunked:
        headers["Content-Length"] = str(size)
    try:
        return requests.post(url, data=chunks(), headers=headers, timeout=60).status_code
    except requests.ConnectionError:
        return None


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_huge_bodies_are_refused_without_the_server_growing(module, chunked):
    pid = module.process.pid
    for path in ("/callback?app-name=systempay", "/stores/1003/settings?app-name=systempay"):
        requests.post(module.url + path, data=b"a=" + b"x" * 1000, timeout=10)  # warm up both views
    before = rss(pid)
    results: list[int | None] = []
    threads = [
        threading.Thread(target=lambda path=path: results.append(post_body(module.url + path, 50 * MB, chunked=chunked)))
        for path in ("/callback?app-name=systempay", "/stores/1003/settings?app-name=systempay", "/payment?app-name=systempay", "/settings")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert len(results) == 4 and all(status in (413, None) for status in results), results
    growth = rss(pid) - before
    assert growth < 20 * MB, f"the server grew by {growth / MB:.1f} MB for 4 bodies of 50 MB"
    assert requests.get(module.url + "/health", timeout=10).status_code == 200


def test_many_empty_fields_cost_no_parsing_where_they_are_not_needed(module):
    body = b"=&" * ((module.limit - 1024) // 2)  # about 500,000 empty fields, just under the limit
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    pid = module.process.pid
    started = cpu_seconds(pid)
    statuses = [
        requests.post(module.url + path, data=body, headers=headers, timeout=60).status_code
        for path in (
            "/callback?app-name=systempay",
            "/stores/1003/settings?app-name=systempay",
            "/settings?app-name=systempay",
            "/health",
            "/nothing-here",
        )
    ]
    spent = cpu_seconds(pid) - started
    assert statuses == [400, 403, 413, 404, 404]
    # Parsing that body once costs about 0.7 s of CPU here (it was parsed on every request, for pyramid_tm's
    # annotation); five requests that do not parse it cost a few ms each.
    assert spent < 0.5, f"{spent:.2f} s of server CPU for 5 requests of {len(body)} bytes"
