"""The Ecwid update worker: batches, and the in-process thread's wake-ups."""

from __future__ import annotations

import threading
import time

from ecwid_systempay.services.updates import BATCH
from ecwid_systempay.worker import WorkerThread

from .flows import checkout, configure_store, notify
from .support import eventually, gateway_answer


def test_a_drained_queue_costs_no_further_claim(testapp, app, fake_ecwid):
    configure_store(testapp)
    for n in range(BATCH + 2):
        _, fields = checkout(testapp, reference=f"transaction_batch_{n}")
        notify(testapp, gateway_answer(fields))
    worker = app.registry["update_worker"]
    claims: list[int] = []
    claim = worker.claim

    def counting_claim(*args, **kwargs):
        jobs = claim(*args, **kwargs)
        claims.append(len(jobs))
        return jobs

    worker.claim = counting_claim
    assert worker.drain() == BATCH + 2
    assert claims == [BATCH, 2]  # a full batch, then a short one: nothing left, no third look
    assert len(fake_ecwid.puts()) == BATCH + 2
    assert worker.drain() == 0 and claims[-1] == 0


class StubWorker:
    def __init__(self) -> None:
        self.drains: list[float] = []
        self.during_first = threading.Event()

    def drain(self, stopping=None) -> int:
        self.drains.append(time.monotonic())
        if len(self.drains) == 2:
            self.during_first.set()
        return 0


def test_a_commit_wakes_the_thread_at_once_and_later_ones_share_the_batch():
    stub = StubWorker()
    thread = WorkerThread(stub, interval=30.0, gather=0.2)  # type: ignore[arg-type]
    thread.start()
    try:
        assert eventually(lambda: len(stub.drains) == 1, timeout=5)  # the first look at start-up
        woken = time.monotonic()
        thread.wake.set()
        thread.wake.set()  # a second commit meanwhile: still one batch
        assert stub.during_first.wait(5), "a wake-up must not wait for the 30 s poll"
        assert 0.2 <= stub.drains[1] - woken < 5  # the gather time, then the batch
        time.sleep(0.5)
        assert len(stub.drains) == 2
    finally:
        thread.stop()
        thread.join(5)
    assert not thread.is_alive()
