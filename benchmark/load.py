"""Sending a run's requests from a separate process: closed loop (wrk, or the Python generator), open loop (Python).

The Python generator (``tests/load/loadgen.py``) measures open-loop latency from each
request's intended send time. For closed-loop throughput wrk is preferred: on 2 cores it
leaves more CPU to the server (the bare text view measures about 1.5x faster with wrk than
with the Python generator), so the Python driver is the fallback when wrk is missing.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tests.load.workload import FORM_TYPE

from . import wrk
from .servers import ROOT


@dataclass(frozen=True)
class Run:
    """What one run sends: to which servers, which requests, and what a good answer starts with."""

    targets: list[tuple[str, int]]
    method: str
    path: str
    bodies: list[str]  # one per request (GET: only their number counts)
    expect: str
    content_type: str = FORM_TYPE


def closed_loop(run: Run, *, concurrency: int, budget: float, driver: str = "wrk") -> dict[str, Any]:
    """``concurrency`` keep-alive clients in all (shared over the targets), each body sent once."""
    if driver == "wrk":
        per_target = max(1, concurrency // len(run.targets))
        threads = 2 if len(run.targets) == 1 else 1
        jobs = [
            wrk.Job(
                url=f"http://{host}:{port}",
                path=run.path,
                bodies=run.bodies[i :: len(run.targets)],
                method=run.method,
                content_type=run.content_type,
                expect=run.expect,
                connections=per_target,
                threads=threads,
            )
            for i, (host, port) in enumerate(run.targets)
        ]
        return wrk.run(jobs, budget=budget)
    return _python(run, mode="closed", concurrency=concurrency, seconds=budget)


def open_loop(run: Run, *, rate: float, budget: float) -> dict[str, Any]:
    """A fixed arrival rate; latency counted from each request's intended send time."""
    result = _python(run, mode="open", rate=rate, seconds=budget)
    result["rate"] = round(rate, 1)
    return result


def _python(run: Run, **options: Any) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        folder = Path(tmp)
        spec: dict[str, Any] = {
            "targets": run.targets,
            "method": run.method,
            "path": run.path,
            "content_type": run.content_type,
            "expect": run.expect,
            **options,
        }
        if run.method == "GET":
            spec["count"] = len(run.bodies)
        else:
            (folder / "bodies.txt").write_text("".join(b + "\n" for b in run.bodies))
            spec["bodies_file"] = str(folder / "bodies.txt")
        (folder / "spec.json").write_text(json.dumps(spec))
        subprocess.run(
            [sys.executable, "-m", "tests.load.loadgen", str(folder / "spec.json"), str(folder / "result.json")],
            cwd=ROOT,
            check=True,
            timeout=options.get("seconds", 120) + 60,
        )
        result = json.loads((folder / "result.json").read_text())
    result["driver"] = "python"
    return result


def describe(run: Run) -> dict[str, Any]:
    data = asdict(run)
    data["requests"] = len(data.pop("bodies"))
    return data
