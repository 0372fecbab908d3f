"""The module as a real process (pserve + waitress on 127.0.0.1), and HTTP helpers to drive it."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from html import unescape
from pathlib import Path
from typing import Any

import requests
from cryptography.fernet import Fernet

from .support import KEY_TEST, SITE_ID, encrypted_form, form_body, order_payload, settings_payload

BIN = Path(sys.executable).parent


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
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


class ModuleProcess:
    """The module served by ``pserve`` from a generated INI; can be stopped, killed and restarted."""

    def __init__(
        self,
        workdir: Path,
        settings: dict[str, str],
        *,
        port: int | None = None,
        threads: int = 8,
        server_options: dict[str, str] | None = None,
        migrate: bool = True,
    ) -> None:
        """``server_options``: extra ``[server:main]`` options (waitress); ``migrate``: bring the schema up to date."""
        self.workdir = workdir
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ini = workdir / f"module-{self.port}.ini"
        self.log = workdir / f"module-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None
        base = {
            "use": "egg:ecwid_systempay",
            "sqlalchemy.url": f"sqlite:///{workdir}/module.sqlite",
            "retry.attempts": "3",
            "ecwid_systempay.public_url": self.url,
            "ecwid_systempay.secret_keys": Fernet.generate_key().decode(),
            "ecwid_systempay.allow_production": "false",
            "ecwid_systempay.brands": "systempay",
            "ecwid_systempay.brand.systempay.client_id": "systempay",
            "ecwid_systempay.worker.in_process": "true",
            "ecwid_systempay.worker.interval": "0.2",
            "ecwid_systempay.retry.base_seconds": "1",
            "ecwid_systempay.retry.max_seconds": "2",
            "ecwid_systempay.ecwid_timeout": "3",
            "mail.debug_directory": str(workdir / "mail"),
        }
        base.update(settings)
        lines = ["[app:main]"] + [f"{k} = {v}" for k, v in base.items()]
        lines += [
            "",
            "[server:main]",
            "use = egg:waitress#main",
            f"listen = 127.0.0.1:{self.port}",
            f"threads = {threads}",
            *(f"{k} = {v}" for k, v in (server_options or {}).items()),
            "",
            "[loggers]\nkeys = root\n[handlers]\nkeys = file\n[formatters]\nkeys = generic",
            "[logger_root]\nlevel = INFO\nhandlers = file",
            f"[handler_file]\nclass = FileHandler\nargs = (r'{self.log}', 'a')\nformatter = generic",
            "[formatter_generic]\nformat = %(asctime)s %(levelname)s [%(name)s][%(threadName)s] %(message)s",
        ]
        self.ini.write_text("\n".join(lines) + "\n")
        self.settings = base
        if migrate:
            subprocess.run([str(BIN / "initialize_ecwid_systempay_db"), str(self.ini)], check=True, capture_output=True)

    def start(self, env: dict[str, str] | None = None) -> "ModuleProcess":
        self.process = subprocess.Popen(
            [str(BIN / "pserve"), str(self.ini)],
            stdout=subprocess.DEVNULL,
            stderr=open(self.log, "ab"),  # noqa: SIM115
            start_new_session=True,
            env={**os.environ, **(env or {})},
        )
        wait_for(self.url + "/health")
        return self

    def kill(self) -> None:
        """``kill -9``: no cleanup, no response sent."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def worker(self, env: dict[str, str] | None = None, once: bool = False) -> subprocess.Popen[bytes]:
        """A separate ``ecwid_systempay_worker`` process on the same INI."""
        command = [str(BIN / "ecwid_systempay_worker"), str(self.ini)] + (["--once"] if once else [])
        return subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=open(self.workdir / "worker.log", "ab"),  # noqa: SIM115
            env={**os.environ, **(env or {})},
        )


def hidden_fields(html: str) -> dict[str, str]:
    return {unescape(k): unescape(v) for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html)}


def configure_store_http(base_url: str, *, store_id: int = 1003, site_id: str = SITE_ID, key_test: str = KEY_TEST) -> None:
    session = requests.Session()
    page = session.get(f"{base_url}/settings", params={"payload": settings_payload(store_id)}, timeout=10)
    page.raise_for_status()
    fields = hidden_fields(page.text)
    action = unescape(re.search(r'action="([^"]+)"', page.text).group(1))
    data = {
        "_charset_": "UTF-8",
        "__formid__": "settings",
        "settings_token": fields["settings_token"],
        "site_id": site_id,
        "key_test": key_test,
        "key_prod": "",
        "ctx_mode": "TEST",
        "sign_algo": "HMAC-SHA-256",
        "default_language": "fr",
        "validation_mode": "",
        "redirect_success_timeout": "5",
        "redirect_success_message": "",
        "redirect_error_timeout": "5",
        "redirect_error_message": "",
        "save": "save",
    }
    response = session.post(action, data=data, timeout=10)
    assert response.status_code == 200 and "Settings saved." in response.text, response.text[:500]


def checkout_http(base_url: str, **order: Any) -> dict[str, str]:
    response = requests.post(f"{base_url}/payment?app-name=systempay", data=encrypted_form(order_payload(**order)), timeout=10)
    response.raise_for_status()
    return hidden_fields(response.text)


def notify_http(base_url: str, fields: dict[str, str], timeout: float = 40) -> requests.Response:
    return requests.post(
        f"{base_url}/callback?app-name=systempay",
        data=form_body(fields),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=timeout,
    )
