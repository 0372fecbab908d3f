"""``/health`` on a real server tells a monitor whether the module works, not what it runs on."""

from __future__ import annotations

import platform
import sys

import requests


def test_health_reveals_no_python_version(module_factory):
    module = module_factory().start()
    for method in ("GET", "HEAD"):
        response = requests.request(method, module.url + "/health", timeout=10)
        assert response.status_code == 200
        exposed = response.text + " ".join(f"{k}: {v}" for k, v in response.headers.items())
        for marker in (platform.python_version(), "%d.%d" % sys.version_info[:2], "Python", "CPython", "WSGIServer"):
            assert marker not in exposed, (marker, exposed)
