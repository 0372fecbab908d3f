"""Scale-out set-up: several web processes and separate workers on one database.

The web processes run with ``ecwid_systempay.worker.in_process = false`` and share the
Fernet keys; the workers are ``ecwid_systempay_worker`` processes on the same INI, as
config/ deploys them (systemd template units behind one nginx upstream).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from cryptography.fernet import Fernet

from ecwid_systempay.secrets_box import SecretBox

from ..processes import ModuleProcess


class ScaleOut:
    """``webs`` module processes (each on its own port) and ``workers`` separate workers."""

    def __init__(
        self,
        workdir: Path,
        settings: dict[str, str],
        *,
        webs: int = 2,
        workers: int = 2,
        server_options: dict[str, str] | None = None,
    ) -> None:
        key = settings.get("ecwid_systempay.secret_keys") or Fernet.generate_key().decode()
        common = {**settings, "ecwid_systempay.secret_keys": key, "ecwid_systempay.worker.in_process": "false"}
        self.box = SecretBox([key])
        self.webs = [ModuleProcess(workdir, common, server_options=server_options, migrate=(i == 0)) for i in range(webs)]
        self.worker_count = workers
        self.workers: list[subprocess.Popen[bytes]] = []

    @property
    def targets(self) -> list[tuple[str, int]]:
        return [("127.0.0.1", web.port) for web in self.webs]

    @property
    def pids(self) -> list[int]:
        return [p.pid for p in [*(w.process for w in self.webs if w.process), *self.workers]]

    def start(self) -> "ScaleOut":
        for web in self.webs:
            web.start()
        self.workers = [self.webs[0].worker() for _ in range(self.worker_count)]
        return self

    def stop(self) -> None:
        for worker in self.workers:
            worker.terminate()
        for worker in self.workers:
            try:
                worker.wait(10)
            except subprocess.TimeoutExpired:
                worker.kill()
        self.workers = []
        for web in self.webs:
            web.stop()
