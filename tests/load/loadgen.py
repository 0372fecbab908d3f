"""HTTP/1.1 load generator (asyncio, raw keep-alive connections), closed loop or open loop.

- Closed loop: ``concurrency`` connections, each sends its next request as soon as the
  previous answer arrived (throughput).
- Open loop: request ``i`` is due at ``start + i / rate`` whatever happened before; its
  latency is measured from that intended time, so a slow server cannot slow the
  generator down and hide its own queueing (no coordinated omission). Connections are
  opened as needed, up to ``max_connections``.

Every request is sent once, in order, over the ``targets`` in turn; the run stops when all
are answered or at ``seconds``. Run it as a separate process with
``python -m tests.load.loadgen SPEC.json RESULT.json`` (see :func:`main`) or call :func:`run`.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Spec:
    targets: list[tuple[str, int]]
    method: str
    path: str
    bodies: list[bytes] | None = None  # one per request; None: ``count`` requests without a body
    count: int = 0
    content_type: str = "application/x-www-form-urlencoded"
    expect: str = ""  # the answer's body must start with this (and the status be 200)
    mode: str = "closed"  # or "open"
    concurrency: int = 8
    rate: float = 0.0  # requests per second, open loop
    max_connections: int = 256
    seconds: float = 120.0


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)  # seconds, answered requests only
    statuses: Counter[str] = field(default_factory=Counter)
    bad: int = 0
    bad_sample: str = ""
    errors: int = 0
    first_sent: float = 0.0
    last_answer: float = 0.0
    connections: int = 0

    def summary(self, planned: int) -> dict[str, Any]:
        values = sorted(self.latencies)
        duration = max(self.last_answer - self.first_sent, 1e-9)

        def pick(q: float) -> float | None:
            return round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 2) if values else None

        return {
            "planned": planned,
            "answered": len(values),
            "bad": self.bad,
            "bad_sample": self.bad_sample,
            "errors": self.errors,
            "statuses": dict(self.statuses),
            "duration_s": round(duration, 3),
            "throughput": round(len(values) / duration, 1) if values else 0.0,
            "p50_ms": pick(0.50),
            "p90_ms": pick(0.90),
            "p99_ms": pick(0.99),
            "max_ms": round(values[-1] * 1000, 2) if values else None,
            "connections": self.connections,
            "complete": len(values) == planned,
        }


def raw_requests(spec: Spec, host: str) -> list[bytes]:
    head = f"{spec.method} {spec.path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: ecwid-systempay-bench\r\n"
    if spec.bodies is None:
        return [(head + "\r\n").encode()] * spec.count
    return [
        (head + f"Content-Type: {spec.content_type}\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
        for body in spec.bodies
    ]


@dataclass(frozen=True)
class Requests:
    """The raw requests, built once per target (its ``Host`` header)."""

    raw: dict[tuple[str, int], list[bytes]]

    @property
    def total(self) -> int:
        return len(next(iter(self.raw.values())))


class Connection:
    """One keep-alive connection; :meth:`exchange` sends a request and reads its whole answer."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def exchange(self, request: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(*self.target)
        assert self.reader is not None
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _send(connection: Connection, request: bytes, intended: float, spec: Spec, out: Outcome) -> None:
    try:
        status, body = await connection.exchange(request)
    except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
        connection.close()
        out.errors += 1
        out.statuses[type(exc).__name__] += 1
        return
    now = time.perf_counter()
    out.latencies.append(now - intended)
    out.last_answer = max(out.last_answer, now)
    out.statuses[str(status)] += 1
    if status != 200 or not body.startswith(spec.expect.encode()):
        out.bad += 1
        out.bad_sample = out.bad_sample or f"{status} {body[:120]!r}"


async def _closed(spec: Spec, requests: Requests, out: Outcome, deadline: float) -> None:
    cursor = iter(range(requests.total))

    async def client(slot: int) -> None:
        target = spec.targets[slot % len(spec.targets)]
        connection = Connection(target)
        out.connections += 1
        for i in cursor:  # shared: the next request goes to the first free connection
            if time.perf_counter() > deadline:
                break
            await _send(connection, requests.raw[target][i], time.perf_counter(), spec, out)
        connection.close()

    out.first_sent = time.perf_counter()
    await asyncio.gather(*(client(slot) for slot in range(spec.concurrency)))


async def _open(spec: Spec, requests: Requests, out: Outcome, deadline: float) -> None:
    idle: dict[tuple[str, int], list[Connection]] = {t: [] for t in spec.targets}
    slots = asyncio.Semaphore(spec.max_connections)
    tasks: list[asyncio.Task[None]] = []

    async def one(request: bytes, target: tuple[str, int], intended: float) -> None:
        async with slots:
            pool = idle[target]
            if pool:
                connection = pool.pop()
            else:
                connection = Connection(target)
                out.connections += 1
            await _send(connection, request, intended, spec, out)
            pool.append(connection)

    start = out.first_sent = time.perf_counter()
    for i in range(requests.total):
        target = spec.targets[i % len(spec.targets)]
        request = requests.raw[target][i]
        intended = start + i / spec.rate
        delay = intended - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        if intended > deadline:
            break
        tasks.append(asyncio.create_task(one(request, target, intended)))
    remaining = max(0.0, deadline - time.perf_counter())
    if tasks:
        await asyncio.wait(tasks, timeout=remaining)
    for pool in idle.values():
        for connection in pool:
            connection.close()


def run(spec: Spec) -> dict[str, Any]:
    """Send every request of ``spec``; returns the summary (throughput, percentiles, answers)."""
    requests = Requests({t: raw_requests(spec, f"{t[0]}:{t[1]}") for t in spec.targets})
    out = Outcome()
    deadline = time.perf_counter() + spec.seconds
    driver = _open if spec.mode == "open" else _closed

    async def main() -> None:
        await driver(spec, requests, out, deadline)

    try:
        asyncio.get_running_loop()
    except RuntimeError:  # the usual case: no event loop in this thread
        asyncio.run(main())
    else:  # called from code that runs a loop (Playwright's, in a test session): use a thread of its own
        worker = threading.Thread(target=asyncio.run, args=(main(),), name="loadgen")
        worker.start()
        worker.join()
    return out.summary(requests.total)


def load_spec(data: dict[str, Any]) -> Spec:
    """A :class:`Spec` from JSON; ``bodies_file`` holds one body per line."""
    data = dict(data)
    bodies_file = data.pop("bodies_file", None)
    bodies = Path(bodies_file).read_bytes().splitlines() if bodies_file else None
    data["targets"] = [tuple(t) for t in data["targets"]]
    return Spec(bodies=bodies, **data)


def main(argv: list[str] | None = None) -> int:
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 2:
        print("usage: python -m tests.load.loadgen SPEC.json RESULT.json", file=sys.stderr)
        return 2
    result = run(load_spec(json.loads(Path(args[0]).read_text())))
    Path(args[1]).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
