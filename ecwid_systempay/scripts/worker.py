"""``ecwid_systempay_worker <ini>``: deliver queued Ecwid order updates in its own process.

Use it with ``ecwid_systempay.worker.in_process = false`` when the web tier runs
several processes; several workers may run at once. Stops cleanly on SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from typing import Any

from ..services.ecwid_client import EcwidClient
from ..services.updates import Claimed, UpdateWorker
from .common import load

log = logging.getLogger(__name__)


def crash_hook_from_env() -> Any:
    """Test hook: ``ECWID_SYSTEMPAY_TEST_CRASH=after`` kills the process right after an Ecwid call."""
    when = os.environ.get("ECWID_SYSTEMPAY_TEST_CRASH")
    if not when:
        return None

    def hook(moment: str, job: Claimed) -> None:
        if moment == when:
            os.kill(os.getpid(), signal.SIGKILL)

    return hook


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("config_uri")
    parser.add_argument("--once", action="store_true", help="process the due jobs once, then exit")
    args = parser.parse_args(argv)
    env = load(args.config_uri)
    settings = env.app_settings
    worker = UpdateWorker(
        env.session_factory,
        EcwidClient(settings.ecwid_api_url, settings.ecwid_timeout),
        env.box,
        env.alerter,
        lease_seconds=settings.worker_lease_seconds,
        retry_base_seconds=settings.retry_base_seconds,
        retry_max_seconds=settings.retry_max_seconds,
        dead_letter_after_seconds=settings.dead_letter_after_seconds,
        on_call=crash_hook_from_env(),
    )
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    log.info("Ecwid update worker started (pid %s)", os.getpid())
    try:
        while not stopping.is_set():
            try:
                worker.drain(stopping)
            except Exception:  # the database may be down for a while
                log.exception("worker loop failed; retrying")
            if args.once:
                break
            stopping.wait(settings.worker_interval)
    finally:
        env.close()
    log.info("Ecwid update worker stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
