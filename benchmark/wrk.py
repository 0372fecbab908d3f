"""Closed-loop load with Debian's ``wrk`` and ``bodies.lua``: each body sent once, the run ends when all are answered.

Several wrk processes can run at once (one per web process of a scale-out set-up); their
counts are added and their time span is the union of theirs. Latency percentiles are
wrk's own; with several processes the table shows the worst of them.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LUA = Path(__file__).with_name("bodies.lua")


@dataclass(frozen=True)
class Job:
    url: str  # http://127.0.0.1:PORT
    path: str  # with its query string
    bodies: list[str]  # one per request; GET requests: only their number counts
    method: str = "POST"
    content_type: str = "application/x-www-form-urlencoded"
    expect: str = ""
    connections: int = 8
    threads: int = 2


def available() -> bool:
    return shutil.which("wrk") is not None


def _start(job: Job, workdir: Path, budget: float) -> tuple[subprocess.Popen[str], Path, int]:
    workdir.mkdir(parents=True, exist_ok=True)
    bodies = workdir / "bodies.txt"
    bodies.write_text("".join(body + "\n" for body in job.bodies))
    markers = workdir / "markers"
    markers.mkdir()
    threads = max(1, min(job.threads, job.connections, len(job.bodies) or 1))
    command = [
        "wrk", "-t", str(threads), "-c", str(job.connections), "-d", f"{max(1, int(budget))}s",
        "--timeout", "60s", "--latency", "-s", str(LUA), job.url,
        "--", str(bodies), job.method, job.path, job.content_type, job.expect, str(markers), str(threads),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return process, markers, threads


def _parse(output: str) -> dict[str, Any]:
    for line in output.splitlines():
        if line.startswith("WRK-RESULT "):
            return json.loads(line[len("WRK-RESULT ") :])
    raise RuntimeError(f"wrk gave no result:\n{output[-2000:]}")


def run(jobs: list[Job], *, budget: float) -> dict[str, Any]:
    """Run ``jobs`` at once for at most ``budget`` seconds; returns the combined result."""
    root = Path(tempfile.mkdtemp(prefix="bench-wrk-"))
    try:
        started = [_start(job, root / str(i), budget) for i, job in enumerate(jobs)]
        deadline = time.monotonic() + budget + 30
        pending = list(started)
        while pending and time.monotonic() < deadline:
            for item in list(pending):
                process, markers, threads = item
                if process.poll() is not None:
                    pending.remove(item)
                elif len(list(markers.iterdir())) >= threads:
                    process.send_signal(signal.SIGINT)  # all answered: wrk would otherwise sleep out its budget
                    pending.remove(item)
            time.sleep(0.02)
        results = [_parse(process.communicate(timeout=60)[0]) for process, _, _ in started]
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return combine(results)


def combine(results: list[dict[str, Any]]) -> dict[str, Any]:
    planned = sum(r["planned"] for r in results)
    answered = sum(r["answered"] for r in results)
    good = sum(r["good"] for r in results)
    complete = answered >= planned
    firsts = [r["first_us"] for r in results if r["first_us"] > 0]
    if complete and firsts:
        duration = (max(r["last_us"] for r in results) - min(firsts)) / 1e6
    else:
        duration = max(r["duration_us"] for r in results) / 1e6
    errors: dict[str, int] = {}
    for r in results:
        for k, v in r["errors"].items():
            errors[k] = errors.get(k, 0) + v
    return {
        "planned": planned,
        "answered": answered,
        "bad": answered - good,
        "bad_sample": next((r["bad_sample"] for r in results if r["bad_sample"]), ""),
        "errors": sum(v for k, v in errors.items() if k != "timeout"),
        "duration_s": round(duration, 3),
        "throughput": round(answered / duration, 1) if duration > 0 else 0.0,
        "p50_ms": round(max(r["p50_us"] for r in results) / 1000, 2),
        "p90_ms": round(max(r["p90_us"] for r in results) / 1000, 2),
        "p99_ms": round(max(r["p99_us"] for r in results) / 1000, 2),
        "max_ms": round(max(r["max_us"] for r in results) / 1000, 2),
        "complete": complete,
        "driver": "wrk",
    }
