"""Browser fixtures: the module in its own process, the sandbox on a real server, Chromium via Playwright.

The module runs from a generated INI with ``pserve`` (tests/processes.py) (so it can really be stopped
and restarted); the sandbox (simulated Ecwid + Systempay) is served by waitress in
a thread of the test process, so tests can also look at its state. Chromium is
Debian's ``/usr/bin/chromium`` driven by Playwright. Screenshots go to
``artifacts/screenshots/`` (git-ignored).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..processes import ModuleProcess, free_port, wait_for

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CLIENT_SECRET = "browser-client-secret-0123456789"
SITE_ID = "12345678"
KEY_TEST = "7731553187454211"



def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    for item in items:
        if "/tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


class SandboxServer:
    """The sandbox app (``ecwid_systempay.sandbox:main``) on waitress in a thread."""

    def __init__(self, port: int, module_url: str) -> None:
        from waitress.server import create_server

        from ecwid_systempay.sandbox import main as sandbox_main

        self.url = f"http://127.0.0.1:{port}"
        self.app = sandbox_main(
            {},
            **{
                "sandbox.module_url": module_url,
                "sandbox.public_url": self.url + "/sandbox",
                "sandbox.client_secret": CLIENT_SECRET,
                "sandbox.client_id": "systempay",
                "sandbox.site_id": SITE_ID,
                "sandbox.key_test": KEY_TEST,
                "sandbox.retry_interval_seconds": "2",
                "sandbox.session_timeout_seconds": "600",
                # As Ecwid's admin: the loader stays until the app page calls EcwidApp.init().
                "sandbox.app_init_timeout_seconds": "0",
            },
        )
        self.server = create_server(self.app, host="127.0.0.1", port=port, threads=8)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        wait_for(self.url + "/sandbox/")

    @property
    def registry(self) -> Any:
        return self.app.registry

    def close(self) -> None:
        self.server.close()


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ModuleProcess, SandboxServer]]:
    """A fresh module + sandbox pair for the browser session."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run scripts/system-packages")
    workdir = tmp_path_factory.mktemp("stack")
    module_port, sandbox_port = free_port(), free_port()
    sandbox_url = f"http://127.0.0.1:{sandbox_port}"
    module = ModuleProcess(
        workdir,
        {
            "ecwid_systempay.ecwid_api_url": f"{sandbox_url}/sandbox/ecwid/api/v3",
            "ecwid_systempay.admin_origins": sandbox_url,
            "ecwid_systempay.ecwid_sdk_url": f"{sandbox_url}/sandbox/ecwid/sdk/js/1.3.0/ecwid-app.js",
            "ecwid_systempay.ecwid_css_url": f"{sandbox_url}/sandbox/ecwid/sdk/css/1.3.19/ecwid-app-ui.css",
            "ecwid_systempay.brand.systempay.client_secret": CLIENT_SECRET,
            "ecwid_systempay.brand.systempay.payment_url": f"{sandbox_url}/sandbox/systempay/vads-payment/",
            "ecwid_systempay.brand.systempay.back_office_url": f"{sandbox_url}/sandbox/systempay/bo/",
            "ecwid_systempay.return.wait_checks": "3",
            "ecwid_systempay.return.check_seconds": "1",
        },
        port=module_port,
    )
    sandbox = SandboxServer(sandbox_port, module.url)
    module.start()
    yield module, sandbox
    module.stop()
    sandbox.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-US")
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    if request.node.rep_call.failed if hasattr(request.node, "rep_call") else False:
        shot(page, f"FAILED-{request.node.name}")
    context.close()


@pytest.fixture
def visited(page: Any) -> list[str]:
    """Every URL the buyer's browser requested in the test (redirect hops included)."""
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    return urls


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: Any, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, "rep_" + report.when, report)


def shot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under artifacts/screenshots/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


__all__ = ["shot", "ModuleProcess", "SandboxServer"]
