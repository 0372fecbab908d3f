"""Running the Ecwid update worker: a thread inside the app process by default.

For multi-process deployments set ``ecwid_systempay.worker.in_process = false``
and run ``ecwid_systempay_worker production.ini`` (several may run at once: jobs
are claimed with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from .services.ecwid_client import EcwidClient
from .services.updates import UpdateWorker

log = logging.getLogger(__name__)


class WorkerThread(threading.Thread):
    def __init__(self, worker: UpdateWorker, interval: float, gather: float = 0.0) -> None:
        super().__init__(name="ecwid-update-worker", daemon=True)
        self.worker = worker
        self.interval = interval
        self.gather = gather
        self.wake = threading.Event()
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            self.wake.clear()  # before the queue is read: a commit from now on wakes the next round
            try:
                self.worker.drain(self.stopping)
            except Exception:  # the database may be down: keep trying
                log.exception("update worker loop failed")
            if self.wake.wait(self.interval) and self.gather:
                # Woken by a commit: the notifications arriving meanwhile share the batch (one
                # claim and one write for all of them instead of one each).
                self.stopping.wait(self.gather)

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()


def build_worker(registry: Any) -> UpdateWorker:
    settings = registry["app_settings"]
    client = registry.get("ecwid_client") or EcwidClient(settings.ecwid_api_url, settings.ecwid_timeout)
    return UpdateWorker(
        registry["dbsession_factory"],
        client,
        registry["secret_box"],
        registry.get("alerter"),
        lease_seconds=settings.worker_lease_seconds,
        retry_base_seconds=settings.retry_base_seconds,
        retry_max_seconds=settings.retry_max_seconds,
        dead_letter_after_seconds=settings.dead_letter_after_seconds,
    )


def wake_worker(request: Any) -> None:
    """After the current transaction commits, let the worker look at the queue now."""
    thread = request.registry.get("worker_thread")
    if thread is None:
        return

    def hook(committed: bool) -> None:
        if committed:
            thread.wake.set()

    request.tm.get().addAfterCommitHook(hook)


def includeme(config: Any) -> None:
    registry = config.registry
    registry["update_worker"] = build_worker(registry)
    settings = registry["app_settings"]
    if settings.worker_in_process:
        thread = WorkerThread(registry["update_worker"], settings.worker_interval, settings.worker_gather_seconds)
        registry["worker_thread"] = thread
        config.action(("ecwid_systempay.worker",), thread.start, order=10**6)
