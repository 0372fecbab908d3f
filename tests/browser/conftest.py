"""Browser fixtures: the module in its own process, the sandbox on a real server, Chromium via Playwright.

The module runs from a generated INI with ``pserve`` (so it can really be stopped
and restarted); the sandbox (simulated Ecwid + Systempay) is served by waitress in
a thread of the test process, so tests can also look at its state. Chromium is
Debian's ``/usr/bin/chromium`` driven by Playwright. Screenshots go to
``artifacts/screenshots/`` (git-ignored).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.fernet import Fernet

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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


class ModuleProcess:
    """The module served by ``pserve`` from a generated INI; can be stopped and restarted."""

    def __init__(self, workdir: Path, port: int, sandbox_url: str) -> None:
        self.workdir = workdir
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.ini = workdir / "module.ini"
        self.log = workdir / "module.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.ini.write_text(
            f"""[app:main]
use = egg:ecwid_systempay
sqlalchemy.url = sqlite:///{workdir}/module.sqlite
retry.attempts = 3
ecwid_systempay.public_url = {self.url}
ecwid_systempay.ecwid_api_url = {sandbox_url}/sandbox/ecwid/api/v3
ecwid_systempay.secret_keys = {Fernet.generate_key().decode()}
ecwid_systempay.allow_production = false
ecwid_systempay.admin_origins = {sandbox_url}
ecwid_systempay.brands = systempay
ecwid_systempay.brand.systempay.client_id = systempay
ecwid_systempay.brand.systempay.client_secret = {CLIENT_SECRET}
ecwid_systempay.brand.systempay.payment_url = {sandbox_url}/sandbox/systempay/vads-payment/
ecwid_systempay.worker.in_process = true
ecwid_systempay.worker.interval = 0.3
ecwid_systempay.retry.base_seconds = 1
ecwid_systempay.retry.max_seconds = 2
ecwid_systempay.return.wait_checks = 3
ecwid_systempay.return.check_seconds = 1
ecwid_systempay.ecwid_timeout = 3
mail.debug_directory = {workdir}/mail

[server:main]
use = egg:waitress#main
listen = 127.0.0.1:{port}
threads = 6

[loggers]
keys = root
[handlers]
keys = file
[formatters]
keys = generic
[logger_root]
level = INFO
handlers = file
[handler_file]
class = FileHandler
args = (r'{self.log}', 'a')
formatter = generic
[formatter_generic]
format = %(asctime)s %(levelname)s [%(name)s] %(message)s
"""
        )
        bin_dir = Path(sys.executable).parent
        subprocess.run([str(bin_dir / "initialize_ecwid_systempay_db"), str(self.ini)], check=True, capture_output=True)

    def start(self) -> None:
        bin_dir = Path(sys.executable).parent
        self.process = subprocess.Popen(
            [str(bin_dir / "pserve"), str(self.ini)],
            stdout=subprocess.DEVNULL,
            stderr=open(self.log, "ab"),  # noqa: SIM115
            start_new_session=True,
        )
        wait_for(self.url + "/health")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        self.process = None


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
    module = ModuleProcess(workdir, module_port, f"http://127.0.0.1:{sandbox_port}")
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


__all__ = ["shot", "ModuleProcess", "SandboxServer", "shutil"]
