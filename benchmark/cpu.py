"""Where a run's CPU time goes: the server under load, PostgreSQL, and everything else.

The benchmark shares the machine's cores between the load generator, the server and
PostgreSQL, so a path's throughput follows the CPU time one request costs in all of
them. :class:`CpuMeter` reads ``/proc`` before and after a run: the server's own
processes, every ``postgres`` process (its backends, WAL writer...), and the rest of
the machine's busy time (the load generator, mostly).
"""

from __future__ import annotations

import os
from pathlib import Path
from types import TracebackType

TICK = os.sysconf("SC_CLK_TCK")


def _process_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime


def _postgres_seconds() -> float:
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() == "postgres":
                total += _process_seconds(int(entry.name))
        except OSError:
            continue
    return total


def _busy_seconds() -> float:
    cpu = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq = (int(x) for x in cpu[:7])
    return (user + nice + system + irq + softirq) / TICK


class CpuMeter:
    """CPU seconds spent by ``pids``, by PostgreSQL and by the rest while the block runs."""

    def __init__(self, pids: list[int]) -> None:
        self.pids = pids
        self.server = self.postgres = self.other = 0.0

    def _read(self) -> tuple[float, float, float]:
        return sum(_process_seconds(pid) for pid in self.pids), _postgres_seconds(), _busy_seconds()

    def __enter__(self) -> CpuMeter:
        self._start = self._read()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        server, postgres, busy = (end - start for end, start in zip(self._read(), self._start))
        self.server, self.postgres = server, postgres
        self.other = max(0.0, busy - server - postgres)

    def per_request_ms(self, requests: int) -> dict[str, float]:
        if requests <= 0:
            return {}
        return {
            "server": round(1000 * self.server / requests, 2),
            "postgresql": round(1000 * self.postgres / requests, 2),
            "other": round(1000 * self.other / requests, 2),
        }
